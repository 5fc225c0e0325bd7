/*
 * The cross-language scenario files (tests/README.md) replayed through the C API.
 *
 * Every tests/<name>.json file is replayed; a file, kind, op or field this runner does not know
 * fails the run, as the README requires. Views (README §2) are built from the C structs the
 * library hands out, so a field the C API does not expose cannot be matched.
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>

#include <cjson/cJSON.h>

#include "harness.h"

HARNESS_STATE

/* ------------------------------------------------------------------ failures and memory */

static char failure[4096];

static int fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
    return -1;
}

/* Prefixes the current failure with a context. */
static int wrap(const char *fmt, ...) {
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    size_t p = strlen(prefix), f = strlen(failure);
    if (p + 2 + f >= sizeof failure) f = sizeof failure - p - 3;
    memmove(failure + p + 2, failure, f);
    failure[p + 2 + f] = 0;
    memcpy(failure, prefix, p);
    failure[p] = ':';
    failure[p + 1] = ' ';
    return -1;
}

#define TRY(x)                                                                             \
    do {                                                                                   \
        if ((x) < 0) return -1;                                                            \
    } while (0)

/* Everything allocated while a file runs; freed after it. */
typedef struct block {
    struct block *next;
    max_align_t align[];
} block;
static block *arena;

static void *alloc(size_t n) {
    block *b = calloc(1, sizeof(block) + n + 1);
    if (!b) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    b->next = arena;
    arena = b;
    return b->align;
}

static void arena_free(void) {
    while (arena) {
        block *next = arena->next;
        free(arena);
        arena = next;
    }
}

static const char *print_json(const cJSON *v) {
    char *s = cJSON_PrintUnformatted(v);
    if (!s) return "?";
    size_t n = strlen(s);
    char *copy = alloc(n);
    memcpy(copy, s, n);
    cJSON_free(s);
    return copy;
}

/* ------------------------------------------------------------------ hex */

static char *hex_of(const uint8_t *b, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char *s = alloc(n * 2);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = 0;
    return s;
}

/* Hex text (spaces between pairs allowed) into bytes from the arena. */
static int unhex(const char *text, uint8_t **out, size_t *len) {
    size_t cap = strlen(text) / 2 + 1;
    *out = alloc(cap);
    long n = hex_decode(text, *out, cap);
    if (n < 0) return fail("not hex: \"%s\"", text);
    *len = (size_t)n;
    return 0;
}

/* ------------------------------------------------------------------ fields */

static int check_fields(const cJSON *o, const char *ctx, const char *const *allowed) {
    if (!cJSON_IsObject(o)) return fail("%s: expected an object", ctx);
    const cJSON *f;
    cJSON_ArrayForEach(f, o) {
        int known = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, f->string) == 0) known = 1;
        if (!known) return fail("%s: unknown field \"%s\"", ctx, f->string);
    }
    return 0;
}

static const cJSON *field(const cJSON *o, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int has(const cJSON *o, const char *key) { return field(o, key) != NULL; }

static int req_str(const cJSON *o, const char *key, const char *ctx, const char **out) {
    const cJSON *v = field(o, key);
    if (!cJSON_IsString(v)) return fail("%s: missing string field \"%s\"", ctx, key);
    *out = v->valuestring;
    return 0;
}

static int opt_str(const cJSON *o, const char *key, const char *ctx, const char **out) {
    const cJSON *v = field(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v)) return fail("%s: \"%s\" must be a string", ctx, key);
    *out = v->valuestring;
    return 0;
}

/* An optional non-negative integer up to `max`; `present` says whether it was there. */
static int opt_uint(const cJSON *o, const char *key, const char *ctx, uint64_t max, uint64_t *out,
                    int *present) {
    const cJSON *v = field(o, key);
    if (present) *present = 0;
    if (!v) return 0;
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || d < 0 || floor(d) != d || d > (double)max)
        return fail("%s: \"%s\" must be an integer from 0 to %llu", ctx, key,
                    (unsigned long long)max);
    *out = (uint64_t)d;
    if (present) *present = 1;
    return 0;
}

static int uint_or(const cJSON *o, const char *key, const char *ctx, uint64_t max, uint64_t dflt,
                   uint64_t *out) {
    *out = dflt;
    return opt_uint(o, key, ctx, max, out, NULL);
}

static int flag_or(const cJSON *o, const char *key, const char *ctx, bool dflt, bool *out) {
    const cJSON *v = field(o, key);
    *out = dflt;
    if (!v) return 0;
    if (!cJSON_IsBool(v)) return fail("%s: \"%s\" must be a boolean", ctx, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

/* `key` as text or `key_hex` as hex (never both); `present` says whether either was there. */
static int bytes_field(const cJSON *o, const char *key, const char *ctx, iotmqtt_bytes *out,
                       int *present) {
    char hexkey[64];
    snprintf(hexkey, sizeof hexkey, "%s_hex", key);
    const cJSON *t = field(o, key), *h = field(o, hexkey);
    *present = 0;
    *out = (iotmqtt_bytes){NULL, 0};
    if (t && h) return fail("%s: both %s and %s", ctx, key, hexkey);
    if (t && !cJSON_IsNull(t)) {
        if (!cJSON_IsString(t)) return fail("%s: %s must be a string", ctx, key);
        *out = (iotmqtt_bytes){(const uint8_t *)t->valuestring, strlen(t->valuestring)};
        *present = 1;
    } else if (h && !cJSON_IsNull(h)) {
        if (!cJSON_IsString(h)) return fail("%s: %s must be a string", ctx, hexkey);
        uint8_t *b;
        size_t n;
        TRY(unhex(h->valuestring, &b, &n));
        *out = (iotmqtt_bytes){b, n};
        *present = 1;
    }
    return 0;
}

static int qos_of(uint64_t n, const char *ctx, uint8_t *out) {
    if (n > 2) return fail("%s: qos %llu", ctx, (unsigned long long)n);
    *out = (uint8_t)n;
    return 0;
}

static int version_of(const char *s, const char *ctx, uint8_t *out) {
    if (strcmp(s, "3.1.1") == 0) *out = IOTMQTT_PROTOCOL_VERSION_V311;
    else if (strcmp(s, "5") == 0) *out = IOTMQTT_PROTOCOL_VERSION_V5;
    else return fail("%s: protocol version \"%s\"", ctx, s);
    return 0;
}

/* ------------------------------------------------------------------ matching (README §1.3) */

static int json_eq(const cJSON *a, const cJSON *b) {
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) return a->valuedouble == b->valuedouble;
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) return 0;
        for (const cJSON *x = a->child, *y = b->child; x; x = x->next, y = y->next)
            if (!json_eq(x, y)) return 0;
        return 1;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) return 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, a) {
            const cJSON *y = field(b, x->string);
            if (!y || !json_eq(x, y)) return 0;
        }
        return 1;
    }
    return cJSON_Compare(a, b, 1);
}

/* Hex text or null into bytes; `*null` is set for null. */
static int norm_hex(const cJSON *v, const char *path, uint8_t **b, size_t *n, int *null) {
    *null = cJSON_IsNull(v);
    if (*null) return 0;
    if (!cJSON_IsString(v)) return fail("%s: hex must be a string or null", path);
    return unhex(v->valuestring, b, n);
}

static int matches(const cJSON *exp, const cJSON *act, const char *path) {
    char p[512];
    if (cJSON_IsObject(exp)) {
        if (!cJSON_IsObject(act)) return fail("%s: expected an object, got %s", path, print_json(act));
        const cJSON *e;
        cJSON_ArrayForEach(e, exp) {
            const char *k = e->string;
            size_t kl = strlen(k);
            snprintf(p, sizeof p, "%s.%s", path, k);
            const cJSON *a = field(act, k);
            if (a) {
                if (kl > 4 && strcmp(k + kl - 4, "_hex") == 0) {
                    uint8_t *eb = NULL, *ab = NULL;
                    size_t en = 0, an = 0;
                    int enull, anull;
                    TRY(norm_hex(e, p, &eb, &en, &enull));
                    TRY(norm_hex(a, p, &ab, &an, &anull));
                    if (enull != anull || en != an || (en && memcmp(eb, ab, en) != 0))
                        return fail("%s: expected %s, got %s", p, enull ? "null" : hex_of(eb, en),
                                    anull ? "null" : hex_of(ab, an));
                } else {
                    TRY(matches(e, a, p));
                }
                continue;
            }
            if (cJSON_IsNull(e)) continue; /* rule 5 */
            if (kl > 5 && strcmp(k + kl - 5, "_json") == 0) {
                char hk[256];
                snprintf(hk, sizeof hk, "%.*s_hex", (int)(kl - 5), k);
                const cJSON *h = field(act, hk);
                uint8_t *b = NULL;
                size_t n = 0;
                int null = 1;
                if (h) TRY(norm_hex(h, p, &b, &n, &null));
                if (!h || null) return fail("%s: the view has no %s", p, hk);
                char *text = alloc(n);
                memcpy(text, b, n);
                cJSON *parsed = cJSON_Parse(text);
                if (!parsed) return fail("%s: not JSON: %s", p, text);
                int eq = json_eq(e, parsed);
                cJSON_Delete(parsed);
                if (!eq) return fail("%s: expected JSON %s, got %s", p, print_json(e), text);
                continue;
            }
            char hk[256];
            snprintf(hk, sizeof hk, "%s_hex", k);
            const cJSON *h = field(act, hk);
            if (h) { /* rule 6 */
                if (!cJSON_IsString(e)) return fail("%s: text for bytes must be a string", p);
                uint8_t *b = NULL;
                size_t n = 0;
                int null;
                TRY(norm_hex(h, p, &b, &n, &null));
                if (null || n != strlen(e->valuestring) || memcmp(b, e->valuestring, n) != 0)
                    return fail("%s: expected \"%s\", got %s", p, e->valuestring,
                                null ? "null" : hex_of(b, n));
                continue;
            }
            return fail("%s: no such field in %s", p, print_json(act));
        }
        return 0;
    }
    if (cJSON_IsArray(exp)) {
        if (!cJSON_IsArray(act)) return fail("%s: expected an array, got %s", path, print_json(act));
        int en = cJSON_GetArraySize(exp), an = cJSON_GetArraySize(act);
        if (en != an)
            return fail("%s: expected %d elements, got %d: %s", path, en, an, print_json(act));
        int i = 0;
        for (const cJSON *e = exp->child, *a = act->child; e; e = e->next, a = a->next, i++) {
            snprintf(p, sizeof p, "%s[%d]", path, i);
            TRY(matches(e, a, p));
        }
        return 0;
    }
    if (cJSON_IsNumber(exp) && cJSON_IsNumber(act) && exp->valuedouble == act->valuedouble)
        return 0;
    if (!cJSON_IsNumber(exp) && cJSON_Compare(exp, act, 1)) return 0;
    return fail("%s: expected %s, got %s", path, print_json(exp), print_json(act));
}

/* ------------------------------------------------------------------ properties (README §2.1) */

enum ptype { P_BOOL, P_INT, P_STR, P_BYTES, P_PAIR, P_SUBID };

static const struct {
    uint8_t id;
    const char *key;
    enum ptype type;
} PROPS[] = {
    {IOTMQTT_PROPERTY_ID_PAYLOAD_FORMAT_INDICATOR, "payload_format_indicator", P_BOOL},
    {IOTMQTT_PROPERTY_ID_MESSAGE_EXPIRY_INTERVAL, "message_expiry_interval", P_INT},
    {IOTMQTT_PROPERTY_ID_CONTENT_TYPE, "content_type", P_STR},
    {IOTMQTT_PROPERTY_ID_RESPONSE_TOPIC, "response_topic", P_STR},
    {IOTMQTT_PROPERTY_ID_CORRELATION_DATA, "correlation_data", P_BYTES},
    {IOTMQTT_PROPERTY_ID_SUBSCRIPTION_IDENTIFIER, "subscription_identifiers", P_SUBID},
    {IOTMQTT_PROPERTY_ID_SESSION_EXPIRY_INTERVAL, "session_expiry_interval", P_INT},
    {IOTMQTT_PROPERTY_ID_ASSIGNED_CLIENT_IDENTIFIER, "assigned_client_identifier", P_STR},
    {IOTMQTT_PROPERTY_ID_SERVER_KEEP_ALIVE, "server_keep_alive", P_INT},
    {IOTMQTT_PROPERTY_ID_AUTHENTICATION_METHOD, "authentication_method", P_STR},
    {IOTMQTT_PROPERTY_ID_AUTHENTICATION_DATA, "authentication_data", P_BYTES},
    {IOTMQTT_PROPERTY_ID_REQUEST_PROBLEM_INFORMATION, "request_problem_information", P_BOOL},
    {IOTMQTT_PROPERTY_ID_WILL_DELAY_INTERVAL, "will_delay_interval", P_INT},
    {IOTMQTT_PROPERTY_ID_REQUEST_RESPONSE_INFORMATION, "request_response_information", P_BOOL},
    {IOTMQTT_PROPERTY_ID_RESPONSE_INFORMATION, "response_information", P_STR},
    {IOTMQTT_PROPERTY_ID_SERVER_REFERENCE, "server_reference", P_STR},
    {IOTMQTT_PROPERTY_ID_REASON_STRING, "reason_string", P_STR},
    {IOTMQTT_PROPERTY_ID_RECEIVE_MAXIMUM, "receive_maximum", P_INT},
    {IOTMQTT_PROPERTY_ID_TOPIC_ALIAS_MAXIMUM, "topic_alias_maximum", P_INT},
    {IOTMQTT_PROPERTY_ID_TOPIC_ALIAS, "topic_alias", P_INT},
    {IOTMQTT_PROPERTY_ID_MAXIMUM_QOS, "maximum_qos", P_INT},
    {IOTMQTT_PROPERTY_ID_RETAIN_AVAILABLE, "retain_available", P_BOOL},
    {IOTMQTT_PROPERTY_ID_USER_PROPERTY, "user_properties", P_PAIR},
    {IOTMQTT_PROPERTY_ID_MAXIMUM_PACKET_SIZE, "maximum_packet_size", P_INT},
    {IOTMQTT_PROPERTY_ID_WILDCARD_SUBSCRIPTION_AVAILABLE, "wildcard_subscription_available", P_BOOL},
    {IOTMQTT_PROPERTY_ID_SUBSCRIPTION_IDENTIFIER_AVAILABLE, "subscription_identifier_available", P_BOOL},
    {IOTMQTT_PROPERTY_ID_SHARED_SUBSCRIPTION_AVAILABLE, "shared_subscription_available", P_BOOL},
};
#define NPROPS (sizeof PROPS / sizeof PROPS[0])

static iotmqtt_str str_of(const char *s) { return (iotmqtt_str){s, strlen(s)}; }

static int by_id(const void *a, const void *b) {
    const iotmqtt_property *x = a, *y = b;
    return (int)x->id - (int)y->id;
}

/* A properties object (README §2.1) as input: sorted by identifier, lists in order. */
static int props_in(const cJSON *v, const char *ctx, iotmqtt_properties *out) {
    *out = (iotmqtt_properties){NULL, 0};
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsObject(v)) return fail("%s: properties must be an object", ctx);
    size_t cap = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, v) cap += cJSON_IsArray(f) ? (size_t)cJSON_GetArraySize(f) : 1;
    iotmqtt_property *items = alloc(sizeof(iotmqtt_property) * (cap + 1));
    size_t n = 0;
    int correlation = 0, auth_data = 0;
    cJSON_ArrayForEach(f, v) {
        const char *k = f->string;
        size_t kl = strlen(k);
        int is_hex = kl > 4 && strcmp(k + kl - 4, "_hex") == 0;
        size_t base = is_hex ? kl - 4 : kl;
        size_t i;
        for (i = 0; i < NPROPS; i++)
            if (strlen(PROPS[i].key) == base && strncmp(PROPS[i].key, k, base) == 0) break;
        if (i == NPROPS) return fail("%s: unknown property \"%s\"", ctx, k);
        enum ptype t = PROPS[i].type;
        iotmqtt_property p;
        memset(&p, 0, sizeof p);
        p.id = PROPS[i].id;
        if (is_hex && t != P_BYTES) return fail("%s.%s: wrong type", ctx, k);
        if (t == P_PAIR || t == P_SUBID) {
            if (!cJSON_IsArray(f)) return fail("%s.%s: an array", ctx, k);
            const cJSON *e;
            cJSON_ArrayForEach(e, f) {
                iotmqtt_property q = p;
                if (t == P_PAIR) {
                    if (cJSON_GetArraySize(e) != 2 || !cJSON_IsString(e->child) ||
                        !cJSON_IsString(e->child->next))
                        return fail("%s.%s: pairs of two strings", ctx, k);
                    q.text = str_of(e->child->valuestring);
                    q.text2 = str_of(e->child->next->valuestring);
                } else {
                    double d = e->valuedouble;
                    if (!cJSON_IsNumber(e) || d < 0 || floor(d) != d || d > 4294967295.0)
                        return fail("%s.%s: integers", ctx, k);
                    q.value = (uint32_t)d;
                }
                items[n++] = q;
            }
            continue;
        }
        if (t == P_BOOL) {
            if (!cJSON_IsBool(f)) return fail("%s.%s: wrong type", ctx, k);
            p.value = cJSON_IsTrue(f) ? 1 : 0;
        } else if (t == P_INT) {
            double d = f->valuedouble;
            if (!cJSON_IsNumber(f) || d < 0 || floor(d) != d || d > 4294967295.0)
                return fail("%s.%s: an integer", ctx, k);
            p.value = (uint32_t)d;
        } else if (t == P_STR) {
            if (!cJSON_IsString(f)) return fail("%s.%s: wrong type", ctx, k);
            p.text = str_of(f->valuestring);
        } else { /* P_BYTES: text or hex */
            if (!cJSON_IsString(f)) return fail("%s.%s: wrong type", ctx, k);
            if (is_hex) {
                uint8_t *b;
                size_t bn;
                TRY(unhex(f->valuestring, &b, &bn));
                p.bin = (iotmqtt_bytes){b, bn};
            } else {
                p.bin = (iotmqtt_bytes){(const uint8_t *)f->valuestring, strlen(f->valuestring)};
            }
            if (p.id == IOTMQTT_PROPERTY_ID_CORRELATION_DATA && correlation++)
                return fail("%s: a property given as text and as hex", ctx);
            if (p.id == IOTMQTT_PROPERTY_ID_AUTHENTICATION_DATA && auth_data++)
                return fail("%s: a property given as text and as hex", ctx);
        }
        items[n++] = p;
    }
    /* Ascending identifiers; a stable sort keeps list order (insertion sort). */
    for (size_t i = 1; i < n; i++) {
        iotmqtt_property x = items[i];
        size_t j = i;
        while (j > 0 && by_id(&items[j - 1], &x) > 0) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = x;
    }
    *out = (iotmqtt_properties){items, n};
    return 0;
}

static cJSON *str_json(iotmqtt_str s) {
    if (!s.ptr) return cJSON_CreateNull();
    char *t = alloc(s.len);
    memcpy(t, s.ptr, s.len);
    return cJSON_CreateString(t);
}

static cJSON *hex_json(iotmqtt_bytes b) {
    if (!b.ptr) return cJSON_CreateNull();
    return cJSON_CreateString(hex_of(b.ptr, b.len));
}

static cJSON *props_view(iotmqtt_properties ps) {
    cJSON *o = cJSON_CreateObject();
    cJSON *users = NULL, *subs = NULL;
    for (size_t i = 0; i < ps.len; i++) {
        const iotmqtt_property *p = &ps.items[i];
        size_t k;
        for (k = 0; k < NPROPS; k++)
            if (PROPS[k].id == p->id) break;
        if (k == NPROPS) {
            cJSON_AddNullToObject(o, "unknown_property_id");
            continue;
        }
        switch (PROPS[k].type) {
        case P_BOOL: cJSON_AddBoolToObject(o, PROPS[k].key, p->value != 0); break;
        case P_INT: cJSON_AddNumberToObject(o, PROPS[k].key, p->value); break;
        case P_STR: cJSON_AddItemToObject(o, PROPS[k].key, str_json(p->text)); break;
        case P_BYTES: {
            char key[64];
            snprintf(key, sizeof key, "%s_hex", PROPS[k].key);
            cJSON_AddItemToObject(o, key, hex_json(p->bin));
            break;
        }
        case P_PAIR: {
            if (!users) users = cJSON_CreateArray();
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, str_json(p->text));
            cJSON_AddItemToArray(pair, str_json(p->text2));
            cJSON_AddItemToArray(users, pair);
            break;
        }
        case P_SUBID:
            if (!subs) subs = cJSON_CreateArray();
            cJSON_AddItemToArray(subs, cJSON_CreateNumber(p->value));
            break;
        }
    }
    if (users) cJSON_AddItemToObject(o, "user_properties", users);
    if (subs) cJSON_AddItemToObject(o, "subscription_identifiers", subs);
    return o;
}

static cJSON *pairs_view(iotmqtt_string_pairs ps) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < ps.len; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, str_json(ps.items[i].name));
        cJSON_AddItemToArray(pair, str_json(ps.items[i].value));
        cJSON_AddItemToArray(a, pair);
    }
    return a;
}

static cJSON *reasons_view(iotmqtt_bytes r) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < r.len; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(r.ptr[i]));
    return a;
}

/* ------------------------------------------------------------------ packet view (§2.2) */

static const char *const PACKET_NAMES[] = {
    "reserved", "connect", "connack", "publish",  "puback",      "pubrec",
    "pubrel",   "pubcomp", "subscribe", "suback", "unsubscribe", "unsuback",
    "pingreq",  "pingresp", "disconnect", "auth"};

static cJSON *packet_view(const iotmqtt_packet *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", p->type < 16 ? PACKET_NAMES[p->type] : "?");
    switch (p->type) {
    case IOTMQTT_PACKET_TYPE_CONNECT:
        cJSON_AddStringToObject(o, "protocol",
                                p->protocol == IOTMQTT_PROTOCOL_VERSION_V311 ? "3.1.1" : "5");
        cJSON_AddBoolToObject(o, "clean_start", p->clean_start);
        cJSON_AddNumberToObject(o, "keep_alive", p->keep_alive);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        cJSON_AddItemToObject(o, "client_id", str_json(p->client_id));
        if (p->has_will) {
            cJSON *w = cJSON_CreateObject();
            cJSON_AddNumberToObject(w, "qos", p->will.qos);
            cJSON_AddBoolToObject(w, "retain", p->will.retain);
            cJSON_AddItemToObject(w, "properties", props_view(p->will.properties));
            cJSON_AddItemToObject(w, "topic", str_json(p->will.topic));
            cJSON_AddItemToObject(w, "payload_hex", hex_json(p->will.payload));
            cJSON_AddItemToObject(o, "will", w);
        } else {
            cJSON_AddNullToObject(o, "will");
        }
        cJSON_AddItemToObject(o, "username", str_json(p->username));
        cJSON_AddItemToObject(o, "password_hex", hex_json(p->password));
        break;
    case IOTMQTT_PACKET_TYPE_CONNACK:
        cJSON_AddBoolToObject(o, "session_present", p->session_present);
        cJSON_AddNumberToObject(o, "reason", p->reason);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        break;
    case IOTMQTT_PACKET_TYPE_PUBLISH:
        cJSON_AddBoolToObject(o, "dup", p->dup);
        cJSON_AddNumberToObject(o, "qos", p->qos);
        cJSON_AddBoolToObject(o, "retain", p->retain);
        cJSON_AddItemToObject(o, "topic", str_json(p->topic));
        if (p->packet_id) cJSON_AddNumberToObject(o, "packet_id", p->packet_id);
        else cJSON_AddNullToObject(o, "packet_id");
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        cJSON_AddItemToObject(o, "payload_hex", hex_json(p->payload));
        break;
    case IOTMQTT_PACKET_TYPE_PUBACK:
    case IOTMQTT_PACKET_TYPE_PUBREC:
    case IOTMQTT_PACKET_TYPE_PUBREL:
    case IOTMQTT_PACKET_TYPE_PUBCOMP:
        cJSON_AddNumberToObject(o, "packet_id", p->packet_id);
        cJSON_AddNumberToObject(o, "reason", p->reason);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        break;
    case IOTMQTT_PACKET_TYPE_SUBSCRIBE: {
        cJSON_AddNumberToObject(o, "packet_id", p->packet_id);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        cJSON *subs = cJSON_CreateArray();
        for (size_t i = 0; i < p->subscriptions_len; i++) {
            const iotmqtt_packet_subscription *s = &p->subscriptions[i];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddItemToObject(x, "filter", str_json(s->filter));
            cJSON_AddNumberToObject(x, "qos", s->qos);
            cJSON_AddBoolToObject(x, "no_local", s->no_local);
            cJSON_AddBoolToObject(x, "retain_as_published", s->retain_as_published);
            cJSON_AddNumberToObject(x, "retain_handling", s->retain_handling);
            cJSON_AddItemToArray(subs, x);
        }
        cJSON_AddItemToObject(o, "subscriptions", subs);
        break;
    }
    case IOTMQTT_PACKET_TYPE_SUBACK:
    case IOTMQTT_PACKET_TYPE_UNSUBACK:
        cJSON_AddNumberToObject(o, "packet_id", p->packet_id);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        cJSON_AddItemToObject(o, "reasons", reasons_view(p->reasons));
        break;
    case IOTMQTT_PACKET_TYPE_UNSUBSCRIBE: {
        cJSON_AddNumberToObject(o, "packet_id", p->packet_id);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        cJSON *fs = cJSON_CreateArray();
        for (size_t i = 0; i < p->filters_len; i++) cJSON_AddItemToArray(fs, str_json(p->filters[i]));
        cJSON_AddItemToObject(o, "filters", fs);
        break;
    }
    case IOTMQTT_PACKET_TYPE_DISCONNECT:
    case IOTMQTT_PACKET_TYPE_AUTH:
        cJSON_AddNumberToObject(o, "reason", p->reason);
        cJSON_AddItemToObject(o, "properties", props_view(p->properties));
        break;
    default: break;
    }
    return o;
}

/* ------------------------------------------------------------------ error and event views */

static const char *kind_name(iotmqtt_error_kind k) {
    switch (k) {
    case IOTMQTT_ERROR_KIND_MALFORMED: return "malformed";
    case IOTMQTT_ERROR_KIND_PROTOCOL: return "protocol";
    case IOTMQTT_ERROR_KIND_USAGE: return "usage";
    case IOTMQTT_ERROR_KIND_TIMEOUT: return "timeout";
    case IOTMQTT_ERROR_KIND_INTERNAL: return "internal";
    default: return "none";
    }
}

static cJSON *error_view(const iotmqtt_error *e) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", kind_name(e->kind));
    cJSON_AddStringToObject(o, "code", e->code);
    cJSON_AddNumberToObject(o, "reason_code", e->reason_code);
    return o;
}

static const char *drop_name(iotmqtt_drop_reason r) {
    switch (r) {
    case IOTMQTT_DROP_REASON_SESSION_LOST: return "session_lost";
    case IOTMQTT_DROP_REASON_PACKET_TOO_LARGE: return "packet_too_large";
    case IOTMQTT_DROP_REASON_QOS_NOT_SUPPORTED: return "qos_not_supported";
    case IOTMQTT_DROP_REASON_RETAIN_NOT_SUPPORTED: return "retain_not_supported";
    default: return "invalid";
    }
}

static cJSON *opt_number(bool present, double v) {
    return present ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static int event_view(const iotmqtt_event *e, cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    *out = o;
#define TYPE(name) cJSON_AddStringToObject(o, "type", name)
    switch (e->type) {
    case IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED: TYPE("credentials_needed"); break;
    case IOTMQTT_EVENT_TYPE_AUTH_CHALLENGE:
        TYPE("auth_challenge");
        cJSON_AddItemToObject(o, "method", str_json(e->auth.method));
        cJSON_AddItemToObject(o, "data_hex", hex_json(e->auth.data));
        cJSON_AddItemToObject(o, "properties", props_view(e->auth.properties));
        break;
    case IOTMQTT_EVENT_TYPE_REAUTHENTICATED:
        TYPE("reauthenticated");
        cJSON_AddItemToObject(o, "properties", props_view(e->auth.properties));
        break;
    case IOTMQTT_EVENT_TYPE_CONNECTED: {
        const iotmqtt_connected_event *c = &e->connected;
        TYPE("connected");
        cJSON_AddBoolToObject(o, "session_present", c->session_present);
        cJSON_AddNumberToObject(o, "keep_alive", c->keep_alive);
        cJSON_AddItemToObject(o, "server_keep_alive",
                              opt_number(c->has_server_keep_alive, c->server_keep_alive));
        cJSON_AddNumberToObject(o, "session_expiry", c->session_expiry);
        cJSON_AddItemToObject(o, "assigned_client_id", str_json(c->assigned_client_id));
        cJSON_AddNumberToObject(o, "receive_maximum", c->receive_maximum);
        cJSON_AddItemToObject(o, "maximum_packet_size",
                              opt_number(c->maximum_packet_size != 0, c->maximum_packet_size));
        cJSON_AddNumberToObject(o, "topic_alias_maximum", c->topic_alias_maximum);
        cJSON_AddNumberToObject(o, "maximum_qos", c->maximum_qos);
        cJSON_AddBoolToObject(o, "retain_available", c->retain_available);
        cJSON_AddBoolToObject(o, "wildcard_subscription_available",
                              c->wildcard_subscription_available);
        cJSON_AddBoolToObject(o, "subscription_identifiers_available",
                              c->subscription_identifiers_available);
        cJSON_AddBoolToObject(o, "shared_subscription_available", c->shared_subscription_available);
        cJSON_AddItemToObject(o, "reason_string", str_json(c->reason_string));
        cJSON_AddItemToObject(o, "response_information", str_json(c->response_information));
        cJSON_AddItemToObject(o, "server_reference", str_json(c->server_reference));
        cJSON_AddItemToObject(o, "authentication_data_hex", hex_json(c->authentication_data));
        cJSON_AddItemToObject(o, "user_properties", pairs_view(c->user_properties));
        cJSON_AddItemToObject(o, "properties", props_view(c->properties));
        break;
    }
    case IOTMQTT_EVENT_TYPE_MESSAGE: {
        const iotmqtt_message_event *m = &e->message;
        TYPE("message");
        cJSON_AddItemToObject(o, "topic", str_json(m->topic));
        cJSON_AddItemToObject(o, "payload_hex", hex_json(m->payload));
        cJSON_AddNumberToObject(o, "qos", m->qos);
        cJSON_AddBoolToObject(o, "retain", m->retain);
        cJSON_AddBoolToObject(o, "dup", m->dup);
        cJSON_AddItemToObject(o, "packet_id", opt_number(m->packet_id != 0, m->packet_id));
        cJSON_AddItemToObject(o, "properties", props_view(m->properties));
        break;
    }
    case IOTMQTT_EVENT_TYPE_PUBLISH_ACKED:
    case IOTMQTT_EVENT_TYPE_PUBLISH_COMPLETED:
        TYPE(e->type == IOTMQTT_EVENT_TYPE_PUBLISH_ACKED ? "publish_acked" : "publish_completed");
        cJSON_AddNumberToObject(o, "packet_id", e->ack.packet_id);
        cJSON_AddNumberToObject(o, "reason", e->ack.reason);
        cJSON_AddItemToObject(o, "properties", props_view(e->ack.properties));
        break;
    case IOTMQTT_EVENT_TYPE_PUBLISH_DROPPED:
        TYPE("publish_dropped");
        cJSON_AddItemToObject(o, "packet_id",
                              opt_number(e->dropped.packet_id != 0, e->dropped.packet_id));
        cJSON_AddStringToObject(o, "reason", drop_name(e->dropped.reason));
        break;
    case IOTMQTT_EVENT_TYPE_REQUEST_DROPPED:
        TYPE("request_dropped");
        cJSON_AddNumberToObject(o, "packet_id", e->dropped.packet_id);
        cJSON_AddStringToObject(o, "reason", drop_name(e->dropped.reason));
        break;
    case IOTMQTT_EVENT_TYPE_SUBSCRIBED:
    case IOTMQTT_EVENT_TYPE_UNSUBSCRIBED:
        TYPE(e->type == IOTMQTT_EVENT_TYPE_SUBSCRIBED ? "subscribed" : "unsubscribed");
        cJSON_AddNumberToObject(o, "packet_id", e->subscribed.packet_id);
        cJSON_AddItemToObject(o, "reasons", reasons_view(e->subscribed.reasons));
        cJSON_AddItemToObject(o, "properties", props_view(e->subscribed.properties));
        if (e->type == IOTMQTT_EVENT_TYPE_SUBSCRIBED)
            cJSON_AddBoolToObject(o, "resubscribe", e->subscribed.resubscribe);
        break;
    case IOTMQTT_EVENT_TYPE_CONNECTION_LOST: {
        const iotmqtt_connection_lost_event *l = &e->connection_lost;
        TYPE("connection_lost");
        cJSON_AddItemToObject(o, "error", error_view(&l->error));
        cJSON_AddItemToObject(o, "reason_string", str_json(l->reason_string));
        cJSON_AddItemToObject(o, "server_reference", str_json(l->server_reference));
        cJSON_AddItemToObject(o, "user_properties", pairs_view(l->user_properties));
        cJSON_AddItemToObject(o, "reconnect_at",
                              opt_number(l->reconnect_at != IOTMQTT_NO_DEADLINE,
                                         (double)l->reconnect_at));
        break;
    }
    case IOTMQTT_EVENT_TYPE_DISCONNECTED: TYPE("disconnected"); break;
    case IOTMQTT_EVENT_TYPE_RECONNECT_DUE:
        TYPE("reconnect_due");
        cJSON_AddNumberToObject(o, "attempt", e->reconnect_attempt);
        break;
    case IOTMQTT_EVENT_TYPE_PERSIST_REQUIRED: TYPE("persist_required"); break;
    case IOTMQTT_EVENT_TYPE_MESSAGES_DROPPED:
        TYPE("messages_dropped");
        cJSON_AddNumberToObject(o, "count", (double)e->messages_dropped);
        break;
    default: return fail("an event this runner has no view for (type %d)", (int)e->type);
    }
#undef TYPE
    return 0;
}

/* Matches a view (freed here) against an expectation. */
static int match_view(const cJSON *exp, cJSON *view, const char *path) {
    int r = matches(exp, view, path);
    if (r < 0) {
        size_t used = strlen(failure);
        snprintf(failure + used, sizeof failure - used, "\n      actual %s", print_json(view));
    }
    cJSON_Delete(view);
    return r;
}

/* Checks a call's status against an optional expect_error, with the error from `err`. */
static int outcome(iotmqtt_status s, const iotmqtt_error *err, const cJSON *expect_error) {
    if (s == IOTMQTT_STATUS_OK) {
        if (expect_error) return fail("expected error %s, the call succeeded", print_json(expect_error));
        return 0;
    }
    cJSON *view = error_view(err);
    if (!expect_error) {
        int r = fail("unexpected error %s (%s)", print_json(view), err->message);
        cJSON_Delete(view);
        return r;
    }
    return match_view(expect_error, view, "error");
}

/* ------------------------------------------------------------------ kind codec (README §3) */

static int codec_case(iotmqtt_codec *codec, const cJSON *c) {
    static const char *const fields[] = {"name", "hex", "expect", "reencode_hex", "expect_error",
                                         "expect_incomplete", NULL};
    TRY(check_fields(c, "case", fields));
    const char *hex, *name;
    TRY(opt_str(c, "name", "case", &name));
    TRY(req_str(c, "hex", "case", &hex));
    int outcomes = has(c, "expect") + has(c, "expect_error") + has(c, "expect_incomplete");
    if (outcomes != 1) return fail("exactly one of expect, expect_error, expect_incomplete");
    if (has(c, "reencode_hex") && !has(c, "expect")) return fail("reencode_hex needs expect");
    uint8_t *bytes;
    size_t n;
    TRY(unhex(hex, &bytes, &n));
    iotmqtt_packet p;
    size_t used = 0;
    iotmqtt_status s = iotmqtt_codec_decode(codec, bytes, n, &p, &used);
    iotmqtt_error err;
    if (s != IOTMQTT_STATUS_OK) iotmqtt_codec_last_error(codec, &err);
    if (has(c, "expect")) {
        if (s != IOTMQTT_STATUS_OK) return fail("decode failed: %s", err.message);
        if (used != n) return fail("the packet uses %zu of the %zu bytes", used, n);
        TRY(match_view(field(c, "expect"), packet_view(&p), "packet"));
        uint8_t *want = bytes;
        size_t want_n = n;
        const char *re;
        TRY(opt_str(c, "reencode_hex", "case", &re));
        if (re) TRY(unhex(re, &want, &want_n));
        uint8_t *out = alloc(want_n + 64);
        size_t written = 0;
        /* The packet's lists live in the codec until its next call: encode uses them now. */
        s = iotmqtt_codec_encode(codec, &p, out, want_n + 64, &written);
        if (s != IOTMQTT_STATUS_OK) {
            iotmqtt_codec_last_error(codec, &err);
            return fail("re-encode failed: %s", err.message);
        }
        if (written != want_n || memcmp(out, want, want_n) != 0)
            return fail("re-encoded as %s, expected %s", hex_of(out, written), hex_of(want, want_n));
        return 0;
    }
    if (has(c, "expect_error")) {
        const cJSON *e = field(c, "expect_error");
        static const char *const ef[] = {"violation", "offset", NULL};
        TRY(check_fields(e, "expect_error", ef));
        const char *violation;
        TRY(req_str(e, "violation", "expect_error", &violation));
        uint64_t offset = 0;
        int present;
        TRY(opt_uint(e, "offset", "expect_error", UINT32_MAX, &offset, &present));
        if (!present) return fail("expect_error: offset");
        if (s != IOTMQTT_STATUS_MALFORMED)
            return fail("expected %s at %llu, got status %d", violation, (unsigned long long)offset,
                        (int)s);
        if (strcmp(err.code, violation) != 0 || err.offset != offset)
            return fail("expected %s at %llu, got %s at %zu (%s)", violation,
                        (unsigned long long)offset, err.code, err.offset, err.message);
        return 0;
    }
    uint64_t needed = 0;
    int present;
    TRY(opt_uint(c, "expect_incomplete", "case", UINT32_MAX, &needed, &present));
    if (!present) return fail("expect_incomplete: an integer");
    if (s != IOTMQTT_STATUS_INCOMPLETE || used != needed)
        return fail("expected incomplete, %llu more bytes; got status %d (%zu)",
                    (unsigned long long)needed, (int)s, used);
    return 0;
}

static int run_codec(const cJSON *m) {
    const char *v;
    uint8_t version;
    TRY(req_str(m, "version", "codec", &v));
    TRY(version_of(v, "codec", &version));
    uint64_t max = 0;
    TRY(opt_uint(m, "max_packet_size", "codec", UINT32_MAX, &max, NULL));
    const cJSON *cases = field(m, "cases");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0)
        return fail("cases: a non-empty array");
    iotmqtt_codec *codec = NULL;
    if (iotmqtt_codec_new(version, (uint32_t)max, &codec) != IOTMQTT_STATUS_OK)
        return fail("iotmqtt_codec_new failed");
    int i = 0, r = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        if (codec_case(codec, c) < 0) {
            const cJSON *name = field(c, "name");
            r = wrap("case %d \"%s\"", i, cJSON_IsString(name) ? name->valuestring : "");
            break;
        }
        i++;
    }
    iotmqtt_codec_free(codec);
    return r;
}

/* ------------------------------------------------------------------ kind client (README §4) */

static int client_config(const cJSON *v, iotmqtt_client_config *c) {
    static const char *const fields[] = {
        "client_id", "protocol", "keep_alive", "ping_timeout_ms", "clean_start", "session_expiry",
        "credentials", "username", "password", "password_hex", "will", "receive_maximum",
        "maximum_packet_size", "topic_alias_maximum", "outgoing_topic_aliases",
        "connack_timeout_ms", "reconnect", "reconnect_min_delay_ms", "reconnect_max_delay_ms",
        "jitter_seed", "stable_after_ms", "resubscribe", "requeue", "max_queued_messages",
        "max_queued_bytes", "max_inflight", "max_subscriptions", "max_events", "manual_ack",
        "persistence", "auth_method", "auth_data_hex", "connect_properties", NULL};
    const char *ctx = "config";
    TRY(check_fields(v, ctx, fields));
    if (iotmqtt_client_config_default(c) != IOTMQTT_STATUS_OK) return fail("config_default failed");
    TRY(req_str(v, "client_id", ctx, &c->client_id));
    const char *s;
    TRY(opt_str(v, "protocol", ctx, &s));
    if (s) TRY(version_of(s, ctx, &c->protocol));
    uint64_t n;
    TRY(uint_or(v, "keep_alive", ctx, UINT16_MAX, c->keep_alive, &n));
    c->keep_alive = (uint16_t)n;
    TRY(uint_or(v, "ping_timeout_ms", ctx, UINT32_MAX, 0, &c->ping_timeout_ms));
    TRY(flag_or(v, "clean_start", ctx, c->clean_start, &c->clean_start));
    TRY(uint_or(v, "session_expiry", ctx, UINT32_MAX, c->session_expiry, &n));
    c->session_expiry = (uint32_t)n;
    const char *username;
    int has_password;
    TRY(opt_str(v, "username", ctx, &username));
    TRY(bytes_field(v, "password", ctx, &c->password, &has_password));
    TRY(opt_str(v, "credentials", ctx, &s));
    if (!s) s = "none";
    if (strcmp(s, "static") == 0) {
        c->credentials = IOTMQTT_CREDENTIALS_MODE_STATIC;
        c->username = username;
    } else {
        if (username || has_password) return fail("%s: username/password need credentials \"static\"", ctx);
        if (strcmp(s, "none") == 0) c->credentials = IOTMQTT_CREDENTIALS_MODE_NONE;
        else if (strcmp(s, "ask_each_time") == 0) c->credentials = IOTMQTT_CREDENTIALS_MODE_ASK_EACH_TIME;
        else return fail("%s: credentials \"%s\"", ctx, s);
    }
    const cJSON *w = field(v, "will");
    if (w && !cJSON_IsNull(w)) {
        static const char *const wf[] = {"topic", "payload", "payload_hex", "qos", "retain",
                                         "properties", NULL};
        TRY(check_fields(w, "config.will", wf));
        iotmqtt_will *will = alloc(sizeof *will);
        int present;
        TRY(req_str(w, "topic", "config.will", &will->topic));
        TRY(bytes_field(w, "payload", "config.will", &will->payload, &present));
        if (!present) will->payload = (iotmqtt_bytes){(const uint8_t *)"", 0};
        TRY(uint_or(w, "qos", "config.will", UINT8_MAX, 0, &n));
        TRY(qos_of(n, "config.will", &will->qos));
        TRY(flag_or(w, "retain", "config.will", false, &will->retain));
        TRY(props_in(field(w, "properties"), "config.will.properties", &will->properties));
        c->will = will;
    }
    TRY(uint_or(v, "receive_maximum", ctx, UINT16_MAX, c->receive_maximum, &n));
    c->receive_maximum = (uint16_t)n;
    TRY(uint_or(v, "maximum_packet_size", ctx, UINT32_MAX, c->maximum_packet_size, &n));
    c->maximum_packet_size = (uint32_t)n;
    TRY(uint_or(v, "topic_alias_maximum", ctx, UINT16_MAX, c->topic_alias_maximum, &n));
    c->topic_alias_maximum = (uint16_t)n;
    TRY(uint_or(v, "outgoing_topic_aliases", ctx, UINT16_MAX, c->outgoing_topic_aliases, &n));
    c->outgoing_topic_aliases = (uint16_t)n;
    TRY(uint_or(v, "connack_timeout_ms", ctx, UINT32_MAX, c->connack_timeout_ms, &c->connack_timeout_ms));
    TRY(flag_or(v, "reconnect", ctx, c->reconnect, &c->reconnect));
    TRY(uint_or(v, "reconnect_min_delay_ms", ctx, UINT32_MAX, c->reconnect_min_delay_ms,
                &c->reconnect_min_delay_ms));
    TRY(uint_or(v, "reconnect_max_delay_ms", ctx, UINT32_MAX, c->reconnect_max_delay_ms,
                &c->reconnect_max_delay_ms));
    TRY(uint_or(v, "jitter_seed", ctx, (uint64_t)1 << 53, c->jitter_seed, &c->jitter_seed));
    TRY(uint_or(v, "stable_after_ms", ctx, UINT32_MAX, c->stable_after_ms, &c->stable_after_ms));
    TRY(flag_or(v, "resubscribe", ctx, c->resubscribe, &c->resubscribe));
    TRY(opt_str(v, "requeue", ctx, &s));
    if (!s || strcmp(s, "resend") == 0) c->requeue = IOTMQTT_REQUEUE_POLICY_RESEND;
    else if (strcmp(s, "drop") == 0) c->requeue = IOTMQTT_REQUEUE_POLICY_DROP;
    else return fail("%s: requeue \"%s\"", ctx, s);
    TRY(uint_or(v, "max_queued_messages", ctx, UINT32_MAX, c->max_queued_messages, &n));
    c->max_queued_messages = (size_t)n;
    TRY(uint_or(v, "max_queued_bytes", ctx, UINT32_MAX, c->max_queued_bytes, &n));
    c->max_queued_bytes = (size_t)n;
    TRY(uint_or(v, "max_inflight", ctx, UINT16_MAX, c->max_inflight, &n));
    c->max_inflight = (uint16_t)n;
    TRY(uint_or(v, "max_subscriptions", ctx, UINT32_MAX, c->max_subscriptions, &n));
    c->max_subscriptions = (size_t)n;
    TRY(uint_or(v, "max_events", ctx, UINT32_MAX, c->max_events, &n));
    c->max_events = (size_t)n;
    TRY(flag_or(v, "manual_ack", ctx, c->manual_ack, &c->manual_ack));
    TRY(flag_or(v, "persistence", ctx, c->persistence, &c->persistence));
    TRY(opt_str(v, "auth_method", ctx, &c->auth_method));
    TRY(opt_str(v, "auth_data_hex", ctx, &s));
    if (s) {
        uint8_t *b;
        size_t bn;
        TRY(unhex(s, &b, &bn));
        c->auth_data = (iotmqtt_bytes){b, bn};
    }
    TRY(props_in(field(v, "connect_properties"), "config.connect_properties", &c->connect_properties));
    return 0;
}

typedef struct {
    iotmqtt_client_config config;
    iotmqtt_client *client;
    /* kind device: the device instead of the client */
    int is_device;
    iotmqtt_device_config device_config;
    iotmqtt_device *device;
    iotmqtt_codec *codec;
    uint64_t clock;
    uint64_t tokens[65536];
    uint8_t *wire;
    size_t wire_cap;
} client_run;

static iotmqtt_error client_error(client_run *r) {
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    if (r->device) iotmqtt_device_last_error(r->device, &e);
    else iotmqtt_client_last_error(r->client, &e);
    return e;
}

/* The calls both targets share. */
static iotmqtt_status t_connect(client_run *r) {
    return r->device ? iotmqtt_device_connect(r->device) : iotmqtt_client_connect(r->client);
}
static iotmqtt_status t_disconnect(client_run *r) {
    return r->device ? iotmqtt_device_disconnect(r->device) : iotmqtt_client_disconnect(r->client);
}
static iotmqtt_status t_bytes(client_run *r, const uint8_t *b, size_t n) {
    return r->device ? iotmqtt_device_handle_bytes(r->device, r->clock, b, n)
                     : iotmqtt_client_handle_bytes(r->client, r->clock, b, n);
}
static iotmqtt_status t_timeout(client_run *r) {
    return r->device ? iotmqtt_device_handle_timeout(r->device, r->clock)
                     : iotmqtt_client_handle_timeout(r->client, r->clock);
}
static iotmqtt_status t_closed(client_run *r) {
    return r->device ? iotmqtt_device_handle_closed(r->device, r->clock)
                     : iotmqtt_client_handle_closed(r->client, r->clock);
}
static iotmqtt_status t_transmit(client_run *r, uint8_t *buf, size_t cap, size_t *n) {
    return r->device ? iotmqtt_device_poll_transmit(r->device, r->clock, buf, cap, n)
                     : iotmqtt_client_poll_transmit(r->client, r->clock, buf, cap, n);
}
static iotmqtt_status t_poll_timeout(client_run *r, uint64_t *at) {
    return r->device ? iotmqtt_device_poll_timeout(r->device, at)
                     : iotmqtt_client_poll_timeout(r->client, at);
}
static iotmqtt_status t_state(client_run *r, iotmqtt_state *st) {
    return r->device ? iotmqtt_device_state(r->device, st) : iotmqtt_client_state(r->client, st);
}

/* Everything poll_transmit has, joined, in r->wire. */
static int transmitted(client_run *r, size_t *len) {
    size_t total = 0;
    for (int i = 0; i < 100000; i++) {
        size_t n = 0;
        iotmqtt_status s = t_transmit(r, r->wire + total, r->wire_cap - total, &n);
        if (s == IOTMQTT_STATUS_BUFFER_TOO_SMALL) {
            size_t cap = (total + n) * 2;
            uint8_t *bigger = realloc(r->wire, cap);
            if (!bigger) return fail("out of memory");
            r->wire = bigger;
            r->wire_cap = cap;
            continue;
        }
        if (s != IOTMQTT_STATUS_OK) return fail("poll_transmit: %s", client_error(r).message);
        if (n == 0) {
            *len = total;
            return 0;
        }
        total += n;
    }
    return fail("poll_transmit never ran dry");
}

/* The next event's view in *view (NULL when there is none), remembering ack tokens. */
static int next_event_view(client_run *r, cJSON **view);

static int expect_id(const cJSON *s, uint16_t got) {
    const cJSON *want = field(s, "expect_packet_id");
    if (!want) return 0;
    if (cJSON_IsNull(want) ? got == 0 : (cJSON_IsNumber(want) && want->valuedouble == got)) return 0;
    return fail("packet id %u, expected %s", got, print_json(want));
}

static int new_target(client_run *r) {
    iotmqtt_status s = r->is_device ? iotmqtt_device_new(&r->device_config, &r->device)
                                    : iotmqtt_client_new(&r->config, &r->client);
    if (s != IOTMQTT_STATUS_OK) {
        iotmqtt_error e;
        iotmqtt_last_error(&e);
        return fail("creating the %s: %s (%s)", r->is_device ? "device" : "client",
                    e.message, e.code);
    }
    return 0;
}

static const char *state_name(iotmqtt_state s) {
    switch (s) {
    case IOTMQTT_STATE_IDLE: return "idle";
    case IOTMQTT_STATE_WAITING_FOR_TRANSPORT: return "waiting_for_transport";
    case IOTMQTT_STATE_AWAITING_CREDENTIALS: return "awaiting_credentials";
    case IOTMQTT_STATE_AWAITING_CONNACK: return "awaiting_connack";
    case IOTMQTT_STATE_CONNECTED: return "connected";
    case IOTMQTT_STATE_BACKOFF: return "backoff";
    default: return "?";
    }
}

#define OUTCOME(call)                                                                      \
    do {                                                                                   \
        st = (call);                                                                       \
        iotmqtt_error e_ = client_error(r);                                                \
        TRY(outcome(st, &e_, expect_error));                                               \
    } while (0)

/* The ops of kind client alone (README §4.4); 1 when `op` is not one. */
static int client_op(client_run *r, const cJSON *s, const char *op, const char *const **fields) {
    static const char *const set_credentials[] = {"username", "password", "password_hex",
                                                  "expect_error", NULL};
    static const char *const publish[] = {"topic", "payload", "payload_hex", "qos", "retain",
                                          "properties", "expect_packet_id", "expect_error", NULL};
    static const char *const subscribe[] = {"subscriptions", "properties", "expect_packet_id",
                                            "expect_error", NULL};
    static const char *const unsubscribe[] = {"filters", "properties", "expect_packet_id",
                                              "expect_error", NULL};
    static const char *const ack[] = {"packet_id", "expect_error", NULL};
    static const char *const auth[] = {"data_hex", "expect_error", NULL};
    static const char *const none[] = {NULL};
    if (fields) {
        if (!strcmp(op, "set_credentials")) *fields = set_credentials;
        else if (!strcmp(op, "publish")) *fields = publish;
        else if (!strcmp(op, "subscribe")) *fields = subscribe;
        else if (!strcmp(op, "unsubscribe")) *fields = unsubscribe;
        else if (!strcmp(op, "ack")) *fields = ack;
        else if (!strcmp(op, "auth_continue") || !strcmp(op, "reauthenticate")) *fields = auth;
        else if (!strcmp(op, "snapshot") || !strcmp(op, "restart") || !strcmp(op, "handle_connected"))
            *fields = none;
        else return 1;
        return 0;
    }
    const cJSON *expect_error = field(s, "expect_error");
    iotmqtt_client *c = r->client;
    iotmqtt_status st;
    uint16_t id = 0;
    int present;
    if (!strcmp(op, "set_credentials")) {
        const char *username;
        iotmqtt_bytes password;
        TRY(opt_str(s, "username", "step", &username));
        TRY(bytes_field(s, "password", "step", &password, &present));
        OUTCOME(iotmqtt_client_set_credentials(c, username, password.ptr, password.len));
    } else if (!strcmp(op, "publish")) {
        const char *topic;
        iotmqtt_bytes payload;
        uint64_t q;
        uint8_t qos = 0;
        bool retain;
        iotmqtt_properties props;
        TRY(req_str(s, "topic", "step", &topic));
        TRY(bytes_field(s, "payload", "step", &payload, &present));
        TRY(uint_or(s, "qos", "step", UINT8_MAX, 0, &q));
        TRY(qos_of(q, "step", &qos));
        TRY(flag_or(s, "retain", "step", false, &retain));
        TRY(props_in(field(s, "properties"), "step.properties", &props));
        OUTCOME(iotmqtt_client_publish(c, topic, payload.ptr, payload.len, qos, retain, props.items,
                                       props.len, &id));
        if (st == IOTMQTT_STATUS_OK) TRY(expect_id(s, id));
    } else if (!strcmp(op, "subscribe")) {
        const cJSON *subs = field(s, "subscriptions");
        if (!cJSON_IsArray(subs)) return fail("subscriptions: an array");
        int n = cJSON_GetArraySize(subs);
        iotmqtt_subscription *list = alloc(sizeof(iotmqtt_subscription) * (size_t)(n + 1));
        int i = 0;
        const cJSON *x;
        static const char *const sf[] = {"filter", "qos", "no_local", "retain_as_published",
                                         "retain_handling", NULL};
        cJSON_ArrayForEach(x, subs) {
            uint64_t q, rh;
            TRY(check_fields(x, "subscription", sf));
            TRY(req_str(x, "filter", "subscription", &list[i].filter));
            TRY(uint_or(x, "qos", "subscription", UINT8_MAX, 0, &q));
            TRY(qos_of(q, "subscription", &list[i].qos));
            TRY(flag_or(x, "no_local", "subscription", false, &list[i].no_local));
            TRY(flag_or(x, "retain_as_published", "subscription", false,
                        &list[i].retain_as_published));
            TRY(uint_or(x, "retain_handling", "subscription", 2, 0, &rh));
            list[i].retain_handling = (uint8_t)rh;
            i++;
        }
        iotmqtt_properties props;
        TRY(props_in(field(s, "properties"), "step.properties", &props));
        OUTCOME(iotmqtt_client_subscribe(c, list, (size_t)n, props.items, props.len, &id));
        if (st == IOTMQTT_STATUS_OK) TRY(expect_id(s, id));
    } else if (!strcmp(op, "unsubscribe")) {
        const cJSON *fs = field(s, "filters");
        if (!cJSON_IsArray(fs)) return fail("filters: an array");
        int n = cJSON_GetArraySize(fs), i = 0;
        const char **list = alloc(sizeof(char *) * (size_t)(n + 1));
        const cJSON *x;
        cJSON_ArrayForEach(x, fs) {
            if (!cJSON_IsString(x)) return fail("filters: strings");
            list[i++] = x->valuestring;
        }
        iotmqtt_properties props;
        TRY(props_in(field(s, "properties"), "step.properties", &props));
        OUTCOME(iotmqtt_client_unsubscribe(c, list, (size_t)n, props.items, props.len, &id));
        if (st == IOTMQTT_STATUS_OK) TRY(expect_id(s, id));
    } else if (!strcmp(op, "ack")) {
        uint64_t pid;
        TRY(uint_or(s, "packet_id", "step", UINT16_MAX, 0, &pid));
        if (!r->tokens[pid])
            return fail("no message event with packet id %llu was taken", (unsigned long long)pid);
        OUTCOME(iotmqtt_client_ack(c, r->tokens[pid]));
    } else if (!strcmp(op, "auth_continue") || !strcmp(op, "reauthenticate")) {
        const char *h;
        uint8_t *data;
        size_t n;
        TRY(req_str(s, "data_hex", "step", &h));
        TRY(unhex(h, &data, &n));
        if (!strcmp(op, "auth_continue")) OUTCOME(iotmqtt_client_auth_continue(c, data, n));
        else OUTCOME(iotmqtt_client_reauthenticate(c, data, n));
    } else if (!strcmp(op, "snapshot")) {
        iotmqtt_bytes snap;
        if (iotmqtt_client_snapshot(c, &snap) != IOTMQTT_STATUS_OK) return fail("snapshot failed");
    } else if (!strcmp(op, "restart")) {
        iotmqtt_bytes snap;
        if (iotmqtt_client_snapshot(c, &snap) != IOTMQTT_STATUS_OK) return fail("snapshot failed");
        uint8_t *copy = alloc(snap.len);
        memcpy(copy, snap.ptr, snap.len);
        size_t len = snap.len;
        iotmqtt_client_free(c);
        r->client = NULL;
        TRY(new_target(r));
        if (iotmqtt_client_restore(r->client, copy, len) != IOTMQTT_STATUS_OK)
            return fail("restore failed: %s", client_error(r).message);
        memset(r->tokens, 0, sizeof r->tokens);
    } else { /* handle_connected */
        if (iotmqtt_client_handle_connected(c, r->clock) != IOTMQTT_STATUS_OK)
            return fail("handle_connected");
    }
    return 0;
}

/* `suffix` and `request_id` of a report step (README §7.2). */
static int report_suffix(const cJSON *s, uint8_t *suffix, const char **rid) {
    const char *sf;
    TRY(opt_str(s, "request_id", "step", rid));
    TRY(opt_str(s, "suffix", "step", &sf));
    if (!sf) sf = "none";
    if (!strcmp(sf, "none") && !*rid) *suffix = IOTMQTT_REPORT_SUFFIX_NONE;
    else if (!strcmp(sf, "gzip") && !*rid) *suffix = IOTMQTT_REPORT_SUFFIX_GZIP;
    else if (!strcmp(sf, "request_id") && *rid) *suffix = IOTMQTT_REPORT_SUFFIX_REQUEST_ID;
    else return fail("suffix \"%s\" with request_id %s", sf, *rid ? *rid : "null");
    return 0;
}

/* A JSON field of a step as text for the library's JSON readers. */
static int json_text(const cJSON *s, const char *key, const char **out) {
    const cJSON *v = field(s, key);
    if (!v) return fail("step: missing field \"%s\"", key);
    *out = print_json(v);
    return 0;
}

/* The ops of kind device alone (README §7.2); 1 when `op` is not one. */
static int device_op(client_run *r, const cJSON *s, const char *op, const char *const **fields) {
    static const char *const connected[] = {"utc", NULL};
    static const char *const respond[] = {"request_id", "response", "expect_error", NULL};
    static const char *const report[] = {"report", "suffix", "request_id", "expect_error", NULL};
    static const char *const message[] = {"payload", "payload_hex", "suffix", "request_id",
                                          "expect_error", NULL};
    static const char *const publish[] = {"topic", "payload", "payload_hex", "qos", "retain",
                                          "expect_error", NULL};
    static const char *const subscribe[] = {"filter", "qos", "expect_packet_id", "expect_error",
                                            NULL};
    static const char *const unsubscribe[] = {"filter", "expect_packet_id", "expect_error", NULL};
    static const char *const shadow[] = {"service_id", "object_device_id", "expect_request_id",
                                         "expect_error", NULL};
    if (fields) {
        if (!strcmp(op, "handle_connected")) *fields = connected;
        else if (!strcmp(op, "respond_command") || !strcmp(op, "respond_properties_set") ||
                 !strcmp(op, "respond_properties_get"))
            *fields = respond;
        else if (!strcmp(op, "report_properties")) *fields = report;
        else if (!strcmp(op, "send_message")) *fields = message;
        else if (!strcmp(op, "publish")) *fields = publish;
        else if (!strcmp(op, "subscribe")) *fields = subscribe;
        else if (!strcmp(op, "unsubscribe")) *fields = unsubscribe;
        else if (!strcmp(op, "get_shadow")) *fields = shadow;
        else return 1;
        return 0;
    }
    const cJSON *expect_error = field(s, "expect_error");
    iotmqtt_device *d = r->device;
    iotmqtt_status st;
    int present;
    if (!strcmp(op, "handle_connected")) {
        const char *utc;
        uint64_t ms;
        TRY(req_str(s, "utc", "step", &utc));
        if (iotmqtt_utc_parse(utc, &ms) != IOTMQTT_STATUS_OK) return fail("utc: \"%s\"", utc);
        if (iotmqtt_device_handle_connected(d, r->clock, ms) != IOTMQTT_STATUS_OK)
            return fail("handle_connected: %s", client_error(r).message);
    } else if (!strncmp(op, "respond_", 8)) {
        const char *rid, *json;
        TRY(req_str(s, "request_id", "step", &rid));
        TRY(json_text(s, "response", &json));
        if (!strcmp(op, "respond_command")) OUTCOME(iotmqtt_device_respond_command(d, rid, json));
        else if (!strcmp(op, "respond_properties_set"))
            OUTCOME(iotmqtt_device_respond_properties_set(d, rid, json));
        else OUTCOME(iotmqtt_device_respond_properties_get(d, rid, json));
    } else if (!strcmp(op, "report_properties")) {
        const char *json, *rid;
        uint8_t suffix;
        TRY(json_text(s, "report", &json));
        TRY(report_suffix(s, &suffix, &rid));
        OUTCOME(iotmqtt_device_report_properties(d, json, suffix, rid));
    } else if (!strcmp(op, "send_message")) {
        iotmqtt_bytes payload;
        const char *rid;
        uint8_t suffix;
        TRY(bytes_field(s, "payload", "step", &payload, &present));
        TRY(report_suffix(s, &suffix, &rid));
        OUTCOME(iotmqtt_device_send_message(d, payload.ptr, payload.len, suffix, rid));
    } else if (!strcmp(op, "publish")) {
        const char *topic;
        iotmqtt_bytes payload;
        uint64_t q;
        uint8_t qos = 0;
        bool retain;
        TRY(req_str(s, "topic", "step", &topic));
        TRY(bytes_field(s, "payload", "step", &payload, &present));
        TRY(uint_or(s, "qos", "step", UINT8_MAX, 0, &q));
        TRY(qos_of(q, "step", &qos));
        TRY(flag_or(s, "retain", "step", false, &retain));
        OUTCOME(iotmqtt_device_publish(d, topic, payload.ptr, payload.len, qos, retain));
    } else if (!strcmp(op, "subscribe") || !strcmp(op, "unsubscribe")) {
        const char *filter;
        uint16_t id = 0;
        TRY(req_str(s, "filter", "step", &filter));
        if (!strcmp(op, "subscribe")) {
            uint64_t q;
            uint8_t qos = 0;
            TRY(uint_or(s, "qos", "step", UINT8_MAX, 0, &q));
            TRY(qos_of(q, "step", &qos));
            OUTCOME(iotmqtt_device_subscribe(d, filter, qos, &id));
        } else {
            OUTCOME(iotmqtt_device_unsubscribe(d, filter, &id));
        }
        if (st == IOTMQTT_STATUS_OK) TRY(expect_id(s, id));
    } else { /* get_shadow */
        const char *service, *object;
        iotmqtt_str rid;
        TRY(opt_str(s, "service_id", "step", &service));
        TRY(opt_str(s, "object_device_id", "step", &object));
        OUTCOME(iotmqtt_device_get_shadow(d, service, object, &rid));
        const cJSON *want = field(s, "expect_request_id");
        if (st == IOTMQTT_STATUS_OK && want) {
            cJSON *got = str_json(rid);
            int eq = json_eq(want, got);
            const char *text = print_json(got);
            cJSON_Delete(got);
            if (!eq) return fail("request id %s, expected %s", text, print_json(want));
        }
    }
    return 0;
}
#undef OUTCOME

static int run_step(client_run *r, const cJSON *s, const char *op) {
    static const char *const err_only[] = {"expect_error", NULL};
    static const char *const none[] = {NULL};
    static const char *const receive[] = {"hex", NULL};
    static const char *const transmit[] = {"hex", "packets", NULL};
    static const char *const event[] = {"event", NULL};
    static const char *const timeout[] = {"at", "at_least", "at_most", NULL};
    static const char *const state[] = {"state", NULL};
    const char *const *fields = NULL;
    int common = 1;
    if (!strcmp(op, "connect") || !strcmp(op, "disconnect")) fields = err_only;
    else if (!strcmp(op, "timeout") || !strcmp(op, "closed") || !strcmp(op, "expect_no_transmit") ||
             !strcmp(op, "expect_no_event"))
        fields = none;
    else if (!strcmp(op, "receive")) fields = receive;
    else if (!strcmp(op, "expect_transmit")) fields = transmit;
    else if (!strcmp(op, "expect_event")) fields = event;
    else if (!strcmp(op, "expect_timeout")) fields = timeout;
    else if (!strcmp(op, "expect_state")) fields = state;
    else {
        common = 0;
        int unknown = r->device ? device_op(r, s, op, &fields) : client_op(r, s, op, &fields);
        if (unknown) return fail("unknown op \"%s\"", op);
    }
    /* "op" and "now" are allowed everywhere. */
    const cJSON *f;
    cJSON_ArrayForEach(f, s) {
        int known = !strcmp(f->string, "op") || !strcmp(f->string, "now");
        for (const char *const *a = fields; *a && !known; a++) known = !strcmp(*a, f->string);
        if (!known) return fail("step: unknown field \"%s\"", f->string);
    }
    uint64_t now;
    int present;
    TRY(opt_uint(s, "now", "step", (uint64_t)1 << 53, &now, &present));
    if (present) {
        if (now < r->clock)
            return fail("now %llu is before the clock %llu", (unsigned long long)now,
                        (unsigned long long)r->clock);
        r->clock = now;
    }
    if (!common) return r->device ? device_op(r, s, op, NULL) : client_op(r, s, op, NULL);
    const cJSON *expect_error = field(s, "expect_error");
    if (!strcmp(op, "connect") || !strcmp(op, "disconnect")) {
        iotmqtt_status st = !strcmp(op, "connect") ? t_connect(r) : t_disconnect(r);
        iotmqtt_error e = client_error(r);
        return outcome(st, &e, expect_error);
    }
    if (!strcmp(op, "receive")) {
        const char *h;
        uint8_t *b;
        size_t n;
        TRY(req_str(s, "hex", "step", &h));
        TRY(unhex(h, &b, &n));
        if (t_bytes(r, b, n) != IOTMQTT_STATUS_OK) return fail("handle_bytes");
    } else if (!strcmp(op, "timeout")) {
        if (t_timeout(r) != IOTMQTT_STATUS_OK) return fail("handle_timeout");
    } else if (!strcmp(op, "closed")) {
        if (t_closed(r) != IOTMQTT_STATUS_OK) return fail("handle_closed");
    } else if (!strcmp(op, "expect_transmit")) {
        size_t n;
        TRY(transmitted(r, &n));
        const cJSON *h = field(s, "hex"), *p = field(s, "packets");
        if (h && !p) {
            if (!cJSON_IsString(h)) return fail("hex: a string");
            uint8_t *want;
            size_t wn;
            TRY(unhex(h->valuestring, &want, &wn));
            if (wn != n || memcmp(want, r->wire, n) != 0)
                return fail("transmitted %s\n      expected    %s", hex_of(r->wire, n),
                            hex_of(want, wn));
        } else if (p && !h) {
            if (!cJSON_IsArray(p)) return fail("packets: an array");
            cJSON *views = cJSON_CreateArray();
            size_t at = 0;
            while (at < n) {
                iotmqtt_packet pk;
                size_t used = 0;
                if (iotmqtt_codec_decode(r->codec, r->wire + at, n - at, &pk, &used) !=
                    IOTMQTT_STATUS_OK) {
                    cJSON_Delete(views);
                    return fail("transmitted bytes do not decode: %s", hex_of(r->wire + at, n - at));
                }
                cJSON_AddItemToArray(views, packet_view(&pk));
                at += used;
            }
            TRY(match_view(p, views, "packets"));
        } else {
            return fail("expect_transmit: exactly one of hex, packets");
        }
    } else if (!strcmp(op, "expect_no_transmit")) {
        size_t n;
        TRY(transmitted(r, &n));
        if (n) return fail("transmitted %s", hex_of(r->wire, n));
    } else if (!strcmp(op, "expect_event")) {
        const cJSON *want = field(s, "event");
        if (!want) return fail("step: missing field \"event\"");
        cJSON *view;
        TRY(next_event_view(r, &view));
        if (!view) return fail("no event");
        TRY(match_view(want, view, "event"));
    } else if (!strcmp(op, "expect_no_event")) {
        cJSON *view;
        TRY(next_event_view(r, &view));
        if (view) {
            int res = fail("got %s", print_json(view));
            cJSON_Delete(view);
            return res;
        }
    } else if (!strcmp(op, "expect_timeout")) {
        uint64_t got;
        if (t_poll_timeout(r, &got) != IOTMQTT_STATUS_OK) return fail("poll_timeout");
        const cJSON *at = field(s, "at"), *lo = field(s, "at_least"), *hi = field(s, "at_most");
        if (at && !lo && !hi) {
            if (cJSON_IsNull(at)) {
                if (got != IOTMQTT_NO_DEADLINE)
                    return fail("deadline %llu, expected none", (unsigned long long)got);
            } else {
                uint64_t want;
                TRY(opt_uint(s, "at", "step", (uint64_t)1 << 53, &want, NULL));
                if (got != want)
                    return fail("deadline %llu, expected %llu", (unsigned long long)got,
                                (unsigned long long)want);
            }
        } else if (!at && lo && hi) {
            uint64_t l, h;
            TRY(opt_uint(s, "at_least", "step", (uint64_t)1 << 53, &l, NULL));
            TRY(opt_uint(s, "at_most", "step", (uint64_t)1 << 53, &h, NULL));
            if (got == IOTMQTT_NO_DEADLINE || got < l || got > h)
                return fail("deadline %llu, expected in [%llu, %llu]", (unsigned long long)got,
                            (unsigned long long)l, (unsigned long long)h);
        } else {
            return fail("expect_timeout: at, or at_least and at_most");
        }
    } else { /* expect_state */
        const char *want;
        TRY(req_str(s, "state", "step", &want));
        iotmqtt_state got;
        if (t_state(r, &got) != IOTMQTT_STATUS_OK) return fail("state");
        if (strcmp(state_name(got), want) != 0)
            return fail("state %s, expected %s", state_name(got), want);
    }
    return 0;
}

/* Runs the steps against the target (client or device), then checks nothing is left. */
static int run_steps(client_run *r, const cJSON *m, uint8_t version) {
    const cJSON *steps = field(m, "steps");
    if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0)
        return fail("steps: a non-empty array");
    TRY(new_target(r));
    r->wire_cap = 65536;
    r->wire = malloc(r->wire_cap);
    int res = 0;
    if (iotmqtt_codec_new(version, 0, &r->codec) != IOTMQTT_STATUS_OK) res = fail("codec");
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, steps) {
        if (res < 0) break;
        const cJSON *op = cJSON_IsObject(s) ? field(s, "op") : NULL;
        if (!cJSON_IsString(op)) {
            res = fail("step %d: a step needs a string field \"op\"", i);
            break;
        }
        if (run_step(r, s, op->valuestring) < 0) res = wrap("step %d (%s)", i, op->valuestring);
        i++;
    }
    if (res == 0) {
        size_t n;
        cJSON *view = NULL;
        if (transmitted(r, &n) < 0 ||
            (n && fail("bytes left to transmit: %s", hex_of(r->wire, n)) < 0) ||
            next_event_view(r, &view) < 0) {
            res = wrap("after the last step");
        } else if (view) {
            res = fail("after the last step: event left: %s", print_json(view));
            cJSON_Delete(view);
        }
    }
    iotmqtt_client_free(r->client);
    iotmqtt_device_free(r->device);
    iotmqtt_codec_free(r->codec);
    free(r->wire);
    return res;
}

static client_run the_run;

static int run_client(const cJSON *m) {
    client_run *r = &the_run;
    memset(r, 0, sizeof *r);
    TRY(client_config(field(m, "config"), &r->config));
    return run_steps(r, m, r->config.protocol);
}

/* ------------------------------------------------------------------ kind device (§7) */

static int auth_from(const cJSON *a, const char *ctx, iotmqtt_device_auth *auth);

static int device_config(const cJSON *v, iotmqtt_device_config *c) {
    static const char *const fields[] = {
        "auth", "protocol", "keep_alive", "upstream_qos", "subscribe_downstream_qos1",
        "max_messages_per_sec", "max_bytes_per_sec", "max_queued_messages", "max_queued_bytes",
        "request_timeout_ms", "max_pending_requests", "request_id_seed", "connack_timeout_ms",
        "reconnect", "reconnect_min_delay_ms", "reconnect_max_delay_ms", "jitter_seed",
        "max_events", NULL};
    const char *ctx = "config";
    TRY(check_fields(v, ctx, fields));
    if (iotmqtt_device_config_default(c) != IOTMQTT_STATUS_OK) return fail("device_config_default");
    const cJSON *a = field(v, "auth");
    if (!a) return fail("config: missing field \"auth\"");
    TRY(auth_from(a, "config.auth", &c->auth));
    const char *s;
    uint64_t n;
    TRY(opt_str(v, "protocol", ctx, &s));
    if (s) TRY(version_of(s, ctx, &c->protocol));
    TRY(uint_or(v, "keep_alive", ctx, UINT16_MAX, c->keep_alive, &n));
    c->keep_alive = (uint16_t)n;
    TRY(uint_or(v, "upstream_qos", ctx, UINT8_MAX, c->upstream_qos, &n));
    TRY(qos_of(n, ctx, &c->upstream_qos));
    TRY(flag_or(v, "subscribe_downstream_qos1", ctx, c->subscribe_downstream_qos1,
                &c->subscribe_downstream_qos1));
    TRY(uint_or(v, "max_messages_per_sec", ctx, UINT32_MAX, c->max_messages_per_sec, &n));
    c->max_messages_per_sec = (uint32_t)n;
    TRY(uint_or(v, "max_bytes_per_sec", ctx, UINT32_MAX, c->max_bytes_per_sec, &n));
    c->max_bytes_per_sec = (uint32_t)n;
    TRY(uint_or(v, "max_queued_messages", ctx, UINT32_MAX, c->max_queued_messages, &n));
    c->max_queued_messages = (size_t)n;
    TRY(uint_or(v, "max_queued_bytes", ctx, UINT32_MAX, c->max_queued_bytes, &n));
    c->max_queued_bytes = (size_t)n;
    TRY(uint_or(v, "request_timeout_ms", ctx, UINT32_MAX, c->request_timeout_ms, &c->request_timeout_ms));
    TRY(uint_or(v, "max_pending_requests", ctx, UINT32_MAX, c->max_pending_requests, &n));
    c->max_pending_requests = (size_t)n;
    TRY(uint_or(v, "request_id_seed", ctx, (uint64_t)1 << 53, c->request_id_seed, &c->request_id_seed));
    TRY(uint_or(v, "connack_timeout_ms", ctx, UINT32_MAX, c->connack_timeout_ms, &c->connack_timeout_ms));
    TRY(flag_or(v, "reconnect", ctx, c->reconnect, &c->reconnect));
    TRY(uint_or(v, "reconnect_min_delay_ms", ctx, UINT32_MAX, c->reconnect_min_delay_ms,
                &c->reconnect_min_delay_ms));
    TRY(uint_or(v, "reconnect_max_delay_ms", ctx, UINT32_MAX, c->reconnect_max_delay_ms,
                &c->reconnect_max_delay_ms));
    TRY(uint_or(v, "jitter_seed", ctx, (uint64_t)1 << 53, c->jitter_seed, &c->jitter_seed));
    TRY(uint_or(v, "max_events", ctx, UINT32_MAX, c->max_events, &n));
    c->max_events = (size_t)n;
    return 0;
}

static int run_device(const cJSON *m) {
    client_run *r = &the_run;
    memset(r, 0, sizeof *r);
    r->is_device = 1;
    TRY(device_config(field(m, "config"), &r->device_config));
    return run_steps(r, m, r->device_config.protocol);
}

/* A JSON span handed out by the device, parsed (null for an absent one). */
static int json_span(iotmqtt_str s, cJSON **out) {
    *out = NULL;
    if (!s.ptr) {
        *out = cJSON_CreateNull();
        return 0;
    }
    char *text = alloc(s.len);
    memcpy(text, s.ptr, s.len);
    *out = cJSON_Parse(text);
    if (!*out) return fail("the library handed out JSON that does not parse: %s", text);
    return 0;
}

static const char *const REQUEST_KINDS[] = {NULL,           "shadow",           "time_sync",
                                            "add_sub_devices", "delete_sub_devices",
                                            "sub_device_status", "upload_url", "download_url",
                                            "bootstrap"};

static cJSON *pending_view(iotmqtt_pending_request p) {
    if (p.kind == IOTMQTT_REQUEST_KIND_NONE || p.kind > IOTMQTT_REQUEST_KIND_BOOTSTRAP)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", REQUEST_KINDS[p.kind]);
    cJSON_AddItemToObject(o, "id", str_json(p.id));
    return o;
}

static int device_event_view(const iotmqtt_device_event *e, cJSON **out) {
    if (e->type == IOTMQTT_DEVICE_EVENT_TYPE_MQTT) return event_view(&e->mqtt, out);
    cJSON *o = cJSON_CreateObject();
    *out = o;
    cJSON *json = NULL;
    TRY(json_span(e->json, &json));
    const char *json_key = NULL;
    switch (e->type) {
    case IOTMQTT_DEVICE_EVENT_TYPE_COMMAND:
        cJSON_AddStringToObject(o, "type", "command");
        cJSON_AddItemToObject(o, "request_id", str_json(e->request_id));
        json_key = "command";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_SET:
    case IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_GET:
        cJSON_AddStringToObject(o, "type", e->type == IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_SET
                                               ? "properties_set"
                                               : "properties_get");
        cJSON_AddItemToObject(o, "request_id", str_json(e->request_id));
        json_key = "request";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_SHADOW:
        cJSON_AddStringToObject(o, "type", "shadow");
        cJSON_AddItemToObject(o, "request_id", str_json(e->request_id));
        cJSON_AddItemToObject(o, "answers", pending_view(e->answers));
        json_key = "response";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_MESSAGE_DOWN:
        cJSON_AddStringToObject(o, "type", "message_down");
        cJSON_AddItemToObject(o, "payload_hex", hex_json(e->payload));
        json_key = "message";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_SYSTEM:
        cJSON_AddStringToObject(o, "type", "system");
        cJSON_AddItemToObject(o, "object_device_id", str_json(e->object_device_id));
        cJSON_AddItemToObject(o, "event_id", str_json(e->event_id));
        cJSON_AddItemToObject(o, "event_time", str_json(e->event_time));
        cJSON_AddItemToObject(o, "service_id", str_json(e->service_id));
        cJSON_AddItemToObject(o, "event_type", str_json(e->event_type));
        cJSON_AddItemToObject(o, "answers", pending_view(e->answers));
        json_key = "paras";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_BOOTSTRAPPED:
        cJSON_AddStringToObject(o, "type", "bootstrapped");
        cJSON_AddItemToObject(o, "address", str_json(e->address));
        cJSON_AddBoolToObject(o, "secret_changed", e->secret_changed);
        json_key = "init_config";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_BOOTSTRAP_FAILED:
        cJSON_AddStringToObject(o, "type", "bootstrap_failed");
        json_key = "failure";
        break;
    case IOTMQTT_DEVICE_EVENT_TYPE_REQUEST_TIMEOUT: {
        cJSON *p = pending_view(e->answers);
        cJSON_AddStringToObject(o, "type", "request_timeout");
        cJSON_AddItemToObject(o, "kind", cJSON_DetachItemFromObject(p, "kind"));
        cJSON_AddItemToObject(o, "id", cJSON_DetachItemFromObject(p, "id"));
        cJSON_Delete(p);
        break;
    }
    case IOTMQTT_DEVICE_EVENT_TYPE_BAD_INPUT: {
        static const char *const problems[] = {"unknown_topic", "other_device", "unexpected_topic",
                                               "unexpected_bootstrap", "payload"};
        if (e->problem > IOTMQTT_INPUT_PROBLEM_PAYLOAD) {
            cJSON_Delete(json);
            return fail("an input problem this runner has no name for (%d)", (int)e->problem);
        }
        cJSON_AddStringToObject(o, "type", "bad_input");
        cJSON_AddItemToObject(o, "topic", str_json(e->topic));
        cJSON_AddItemToObject(o, "request_id", str_json(e->request_id));
        cJSON_AddStringToObject(o, "problem", problems[e->problem]);
        cJSON_AddItemToObject(o, "error", e->error.kind == IOTMQTT_ERROR_KIND_NONE
                                              ? cJSON_CreateNull()
                                              : error_view(&e->error));
        break;
    }
    case IOTMQTT_DEVICE_EVENT_TYPE_UPSTREAM_FAILED: {
        cJSON_AddStringToObject(o, "type", "upstream_failed");
        cJSON_AddItemToObject(o, "topic", str_json(e->topic));
        cJSON_AddItemToObject(o, "error", error_view(&e->error));
        cJSON *reqs = cJSON_CreateArray();
        for (size_t i = 0; i < e->requests_len; i++)
            cJSON_AddItemToArray(reqs, pending_view(e->requests[i]));
        cJSON_AddItemToObject(o, "requests", reqs);
        break;
    }
    default:
        cJSON_Delete(json);
        return fail("a device event this runner has no view for (type %d)", (int)e->type);
    }
    if (json_key) cJSON_AddItemToObject(o, json_key, json);
    else cJSON_Delete(json);
    return 0;
}

static int next_event_view(client_run *r, cJSON **view) {
    *view = NULL;
    const iotmqtt_event *mqtt;
    iotmqtt_event ce;
    iotmqtt_device_event de;
    if (r->device) {
        if (iotmqtt_device_poll_event(r->device, &de) != IOTMQTT_STATUS_OK)
            return fail("poll_event: %s", client_error(r).message);
        if (de.type == IOTMQTT_DEVICE_EVENT_TYPE_NONE) return 0;
        mqtt = de.type == IOTMQTT_DEVICE_EVENT_TYPE_MQTT ? &de.mqtt : NULL;
    } else {
        if (iotmqtt_client_poll_event(r->client, &ce) != IOTMQTT_STATUS_OK)
            return fail("poll_event: %s", client_error(r).message);
        if (ce.type == IOTMQTT_EVENT_TYPE_NONE) return 0;
        mqtt = &ce;
    }
    if (mqtt && mqtt->type == IOTMQTT_EVENT_TYPE_MESSAGE && mqtt->message.packet_id &&
        mqtt->message.ack_token)
        r->tokens[mqtt->message.packet_id] = mqtt->message.ack_token;
    int res = r->device ? device_event_view(&de, view) : event_view(&ce, view);
    if (res < 0) {
        cJSON_Delete(*view);
        *view = NULL;
    }
    return res;
}

/* ------------------------------------------------------------------ kind credentials (§5) */

static const char *tests_dir = "tests";

/* One call of a case that may fail with `expect_error` (kind usage, from this thread's last
 * error). A success is no verdict yet: a later call may be the one that fails. */
static int thread_outcome(iotmqtt_status s, const cJSON *expect_error, int *failed_as_expected) {
    *failed_as_expected = 0;
    if (s == IOTMQTT_STATUS_OK) return 0;
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    iotmqtt_last_error(&e);
    *failed_as_expected = expect_error != NULL;
    return outcome(s, &e, expect_error);
}

static int check_text(const cJSON *c, const char *key, const char *got) {
    const cJSON *want = field(c, key);
    if (!want) return 0;
    if (cJSON_IsNull(want) ? got == NULL : (got && cJSON_IsString(want) && !strcmp(want->valuestring, got)))
        return 0;
    return fail("%s: got %s, expected %s", key, got ? got : "null", print_json(want));
}

static int credentials_case(const cJSON *c) {
    static const char *const fields[] = {"name", "kind", "device_id", "secret", "group_secret",
                                         "scope_id", "sig_type", "utc", "timestamp", "client_id",
                                         "username", "password", "derived_secret", "expect_error",
                                         NULL};
    const char *ctx = "case";
    TRY(check_fields(c, ctx, fields));
    const char *name, *kind, *dummy;
    TRY(opt_str(c, "name", ctx, &name));
    TRY(req_str(c, "kind", ctx, &kind));
    uint64_t sig;
    TRY(uint_or(c, "sig_type", ctx, UINT8_MAX, 0, &sig));
    if (sig > 2) return fail("sig_type %llu", (unsigned long long)sig);
    const cJSON *expect_error = field(c, "expect_error");
    static const char *const outputs[] = {"client_id", "username", "password", "derived_secret"};
    for (int i = 0; i < 4; i++)
        if (expect_error && has(c, outputs[i])) return fail("expect_error excludes expected values");
    TRY(req_str(c, "device_id", ctx, &dummy));
    iotmqtt_device_auth auth;
    memset(&auth, 0, sizeof auth);
    if (!strcmp(kind, "secret") || !strcmp(kind, "bridge")) {
        auth.kind = !strcmp(kind, "secret") ? IOTMQTT_AUTH_KIND_SECRET : IOTMQTT_AUTH_KIND_BRIDGE;
        TRY(req_str(c, "secret", ctx, &dummy));
    } else if (!strcmp(kind, "bootstrap_group_secret")) {
        auth.kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_GROUP_SECRET;
        TRY(req_str(c, "group_secret", ctx, &dummy));
        TRY(req_str(c, "scope_id", ctx, &dummy));
    } else if (!strcmp(kind, "bootstrap_certificate")) {
        auth.kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_CERTIFICATE;
        TRY(req_str(c, "scope_id", ctx, &dummy));
    } else if (!strcmp(kind, "certificate")) {
        auth.kind = IOTMQTT_AUTH_KIND_CERTIFICATE;
    } else {
        return fail("unknown credentials kind \"%s\"", kind);
    }
    if (has(c, "utc") == has(c, "timestamp")) return fail("exactly one of utc, timestamp");
    /* The identity's strings as the core gets them ("" for an absent one, as in Rust). */
    const char *s;
#define STR_OR_EMPTY(key, dst)                                                             \
    do {                                                                                   \
        TRY(opt_str(c, key, ctx, &s));                                                     \
        dst = s ? s : "";                                                                  \
    } while (0)
    STR_OR_EMPTY("device_id", auth.device_id);
    STR_OR_EMPTY("secret", auth.secret);
    STR_OR_EMPTY("group_secret", auth.group_secret);
    STR_OR_EMPTY("scope_id", auth.scope_id);
#undef STR_OR_EMPTY
    auth.sig_type = (uint8_t)sig;
    /* Building the identity (it checks every part), then the time, as README §5 orders it. */
    char secret[256];
    size_t n;
    bool has_secret = false;
    int expected_failure;
    TRY(thread_outcome(iotmqtt_iotda_device_secret(&auth, secret, sizeof secret, &n, &has_secret),
                       expect_error, &expected_failure));
    if (expected_failure) return 0;
    const char *utc, *ts;
    TRY(opt_str(c, "utc", ctx, &utc));
    TRY(opt_str(c, "timestamp", ctx, &ts));
    if (ts) {
        if (has(c, "client_id") || has(c, "username") || has(c, "derived_secret"))
            return fail("a timestamp case checks only password");
        if (!has_secret) return fail("a timestamp case needs a secret");
        char pw[128];
        TRY(thread_outcome(iotmqtt_iotda_compute_password(secret, ts, (uint8_t)sig, pw, sizeof pw, &n),
                           expect_error, &expected_failure));
        if (expected_failure) return 0;
        if (expect_error) return fail("expected error %s, it succeeded", print_json(expect_error));
        return check_text(c, "password", pw);
    }
    uint64_t unix_ms = 0;
    TRY(thread_outcome(iotmqtt_utc_parse(utc, &unix_ms), expect_error, &expected_failure));
    if (expected_failure) return 0;
    if (expect_error) return fail("expected error %s, it succeeded", print_json(expect_error));
    char id[512], user[256], pw[128];
    iotmqtt_text_buffer ib = {id, sizeof id, 0}, ub = {user, sizeof user, 0}, pb = {pw, sizeof pw, 0};
    bool has_password = false;
    if (iotmqtt_iotda_credentials(&auth, unix_ms, &ib, &ub, &pb, &has_password) != IOTMQTT_STATUS_OK) {
        iotmqtt_error e;
        iotmqtt_last_error(&e);
        return fail("credentials: %s", e.message);
    }
    TRY(check_text(c, "client_id", id));
    TRY(check_text(c, "username", user));
    TRY(check_text(c, "password", has_password ? pw : NULL));
    TRY(check_text(c, "derived_secret", has_secret ? secret : NULL));
    if (!has(c, "client_id") && !has(c, "username") && !has(c, "password") &&
        !has(c, "derived_secret"))
        return fail("a case checks nothing");
    return 0;
}

/* The identity of a device config (README §7.1: as in a credentials case). */
static int auth_from(const cJSON *a, const char *ctx, iotmqtt_device_auth *auth) {
    static const char *const fields[] = {"kind", "device_id", "secret", "group_secret",
                                         "scope_id", "sig_type", NULL};
    TRY(check_fields(a, ctx, fields));
    memset(auth, 0, sizeof *auth);
    const char *kind, *s;
    TRY(req_str(a, "kind", ctx, &kind));
    if (!strcmp(kind, "secret")) auth->kind = IOTMQTT_AUTH_KIND_SECRET;
    else if (!strcmp(kind, "bridge")) auth->kind = IOTMQTT_AUTH_KIND_BRIDGE;
    else if (!strcmp(kind, "bootstrap_group_secret")) auth->kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_GROUP_SECRET;
    else if (!strcmp(kind, "bootstrap_certificate")) auth->kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_CERTIFICATE;
    else if (!strcmp(kind, "certificate")) auth->kind = IOTMQTT_AUTH_KIND_CERTIFICATE;
    else return fail("%s: unknown kind \"%s\"", ctx, kind);
    uint64_t sig;
    TRY(uint_or(a, "sig_type", ctx, 2, 0, &sig));
    auth->sig_type = (uint8_t)sig;
#define STR_OR_EMPTY(key, dst)                                                             \
    do {                                                                                   \
        TRY(opt_str(a, key, ctx, &s));                                                     \
        dst = s ? s : "";                                                                  \
    } while (0)
    STR_OR_EMPTY("device_id", auth->device_id);
    STR_OR_EMPTY("secret", auth->secret);
    STR_OR_EMPTY("group_secret", auth->group_secret);
    STR_OR_EMPTY("scope_id", auth->scope_id);
#undef STR_OR_EMPTY
    return 0;
}

static int run_credentials(const cJSON *m) {
    const char *vectors;
    TRY(opt_str(m, "vectors", "credentials", &vectors));
    int total = 0;
    cJSON *doc = NULL;
    int res = 0;
    if (vectors) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", tests_dir, vectors);
        char *text = read_file(path, NULL);
        if (!text) return fail("vectors \"%s\": cannot read", vectors);
        doc = cJSON_Parse(text);
        free(text);
        const cJSON *cases = field(doc, "cases");
        if (!cJSON_IsArray(cases)) {
            cJSON_Delete(doc);
            return fail("vectors \"%s\": no cases array", vectors);
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, cases) {
            if (credentials_case(c) < 0) {
                const cJSON *name = field(c, "name");
                res = wrap("case %d (%s \"%s\")", total, vectors,
                           cJSON_IsString(name) ? name->valuestring : "");
                break;
            }
            total++;
        }
        cJSON_Delete(doc);
        if (res < 0) return res;
    }
    const cJSON *cases = field(m, "cases");
    if (cases) {
        if (!cJSON_IsArray(cases)) return fail("cases: an array");
        const cJSON *c;
        cJSON_ArrayForEach(c, cases) {
            if (credentials_case(c) < 0) {
                const cJSON *name = field(c, "name");
                return wrap("case %d (\"%s\")", total, cJSON_IsString(name) ? name->valuestring : "");
            }
            total++;
        }
    }
    if (total == 0) return fail("no credentials case");
    return 0;
}

/* ------------------------------------------------------------------ kind topic (§6) */

enum sys_param { S_PLAIN, S_RID, S_REPORT };
static const struct {
    const char *name;
    uint8_t sys;
    enum sys_param param;
} SYS[] = {
    {"messages_up", IOTMQTT_SYS_TOPIC_MESSAGES_UP, S_REPORT},
    {"messages_down", IOTMQTT_SYS_TOPIC_MESSAGES_DOWN, S_PLAIN},
    {"properties_report", IOTMQTT_SYS_TOPIC_PROPERTIES_REPORT, S_REPORT},
    {"gateway_properties_report", IOTMQTT_SYS_TOPIC_GATEWAY_PROPERTIES_REPORT, S_REPORT},
    {"properties_set", IOTMQTT_SYS_TOPIC_PROPERTIES_SET, S_RID},
    {"properties_set_response", IOTMQTT_SYS_TOPIC_PROPERTIES_SET_RESPONSE, S_RID},
    {"properties_get", IOTMQTT_SYS_TOPIC_PROPERTIES_GET, S_RID},
    {"properties_get_response", IOTMQTT_SYS_TOPIC_PROPERTIES_GET_RESPONSE, S_RID},
    {"command", IOTMQTT_SYS_TOPIC_COMMAND, S_RID},
    {"command_response", IOTMQTT_SYS_TOPIC_COMMAND_RESPONSE, S_RID},
    {"shadow_get", IOTMQTT_SYS_TOPIC_SHADOW_GET, S_RID},
    {"shadow_get_response", IOTMQTT_SYS_TOPIC_SHADOW_GET_RESPONSE, S_RID},
    {"events_up", IOTMQTT_SYS_TOPIC_EVENTS_UP, S_PLAIN},
    {"events_down", IOTMQTT_SYS_TOPIC_EVENTS_DOWN, S_PLAIN},
    {"bootstrap_up", IOTMQTT_SYS_TOPIC_BOOTSTRAP_UP, S_PLAIN},
    {"bootstrap_down", IOTMQTT_SYS_TOPIC_BOOTSTRAP_DOWN, S_PLAIN},
    {"sub_device_messages_up", IOTMQTT_SYS_TOPIC_SUB_DEVICE_MESSAGES_UP, S_PLAIN},
    {"login", IOTMQTT_SYS_TOPIC_LOGIN, S_RID},
    {"login_response", IOTMQTT_SYS_TOPIC_LOGIN_RESPONSE, S_RID},
    {"logout", IOTMQTT_SYS_TOPIC_LOGOUT, S_RID},
    {"logout_response", IOTMQTT_SYS_TOPIC_LOGOUT_RESPONSE, S_RID},
    {"reset_secret", IOTMQTT_SYS_TOPIC_RESET_SECRET, S_RID},
    {"reset_secret_response", IOTMQTT_SYS_TOPIC_RESET_SECRET_RESPONSE, S_RID},
    {"disconnect", IOTMQTT_SYS_TOPIC_DISCONNECT, S_PLAIN},
};
#define NSYS (sizeof SYS / sizeof SYS[0])
static const char *const LEGACY_NAMES[] = {"data_json", "data_binary", "command_json",
                                           "command_binary"};
static const char *const SUFFIX_NAMES[] = {"none", "gzip", "request_id"};

static int topic_view(const iotmqtt_topic *t, cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    *out = o;
    switch (t->type) {
    case IOTMQTT_TOPIC_TYPE_DEVICE:
    case IOTMQTT_TOPIC_TYPE_BRIDGE: {
        size_t i;
        for (i = 0; i < NSYS; i++)
            if (SYS[i].sys == t->sys) break;
        if (i == NSYS) return fail("a system topic without a view (%d)", t->sys);
        cJSON_AddStringToObject(o, "type", t->type == IOTMQTT_TOPIC_TYPE_DEVICE ? "device" : "bridge");
        if (t->type == IOTMQTT_TOPIC_TYPE_BRIDGE)
            cJSON_AddItemToObject(o, "bridge_id", str_json(t->bridge_id));
        cJSON_AddItemToObject(o, "device_id", str_json(t->device_id));
        cJSON_AddStringToObject(o, "sys", SYS[i].name);
        if (t->request_id.ptr) cJSON_AddItemToObject(o, "request_id", str_json(t->request_id));
        if (SYS[i].param == S_REPORT) {
            if (t->suffix > 2) return fail("report suffix %d", t->suffix);
            cJSON_AddStringToObject(o, "suffix", SUFFIX_NAMES[t->suffix]);
        }
        break;
    }
    case IOTMQTT_TOPIC_TYPE_USER:
        cJSON_AddStringToObject(o, "type", "user");
        cJSON_AddItemToObject(o, "device_id", str_json(t->device_id));
        cJSON_AddItemToObject(o, "name", str_json(t->name));
        break;
    case IOTMQTT_TOPIC_TYPE_M2M:
        cJSON_AddStringToObject(o, "type", "m2m");
        cJSON_AddItemToObject(o, "to", str_json(t->to));
        cJSON_AddItemToObject(o, "from", str_json(t->from));
        cJSON_AddItemToObject(o, "request_id", str_json(t->request_id));
        break;
    case IOTMQTT_TOPIC_TYPE_LEGACY:
        if (t->legacy > 3) return fail("legacy topic %d", t->legacy);
        cJSON_AddStringToObject(o, "type", "legacy");
        cJSON_AddItemToObject(o, "device_id", str_json(t->device_id));
        cJSON_AddStringToObject(o, "legacy", LEGACY_NAMES[t->legacy]);
        break;
    case IOTMQTT_TOPIC_TYPE_CUSTOM:
    case IOTMQTT_TOPIC_TYPE_UNKNOWN:
        cJSON_AddStringToObject(o, "type", t->type == IOTMQTT_TOPIC_TYPE_CUSTOM ? "custom" : "unknown");
        cJSON_AddItemToObject(o, "topic", str_json(t->topic));
        break;
    default: return fail("a topic without a view (%d)", t->type);
    }
    switch (t->direction) {
    case IOTMQTT_DIRECTION_UP: cJSON_AddStringToObject(o, "direction", "up"); break;
    case IOTMQTT_DIRECTION_DOWN: cJSON_AddStringToObject(o, "direction", "down"); break;
    case IOTMQTT_DIRECTION_BOTH: cJSON_AddStringToObject(o, "direction", "both"); break;
    default: cJSON_AddNullToObject(o, "direction"); break;
    }
    return 0;
}

static int topic_from(const cJSON *v, iotmqtt_topic *t) {
    memset(t, 0, sizeof *t);
    const char *ty, *s;
    TRY(req_str(v, "type", "build", &ty));
    static const char *const device_f[] = {"type", "device_id", "sys", "request_id", "suffix", NULL};
    static const char *const bridge_f[] = {"type", "bridge_id", "device_id", "sys", "request_id",
                                           "suffix", NULL};
    static const char *const user_f[] = {"type", "device_id", "name", NULL};
    static const char *const m2m_f[] = {"type", "to", "from", "request_id", NULL};
    static const char *const legacy_f[] = {"type", "device_id", "legacy", NULL};
    static const char *const topic_f[] = {"type", "topic", NULL};
#define STR(key, dst)                                                                      \
    do {                                                                                   \
        TRY(req_str(v, key, "build", &s));                                                 \
        dst = str_of(s);                                                                   \
    } while (0)
    if (!strcmp(ty, "device") || !strcmp(ty, "bridge")) {
        int bridge = !strcmp(ty, "bridge");
        TRY(check_fields(v, "build", bridge ? bridge_f : device_f));
        t->type = bridge ? IOTMQTT_TOPIC_TYPE_BRIDGE : IOTMQTT_TOPIC_TYPE_DEVICE;
        if (bridge) STR("bridge_id", t->bridge_id);
        STR("device_id", t->device_id);
        const char *sys, *rid, *suffix;
        TRY(req_str(v, "sys", "build", &sys));
        TRY(opt_str(v, "request_id", "build", &rid));
        TRY(opt_str(v, "suffix", "build", &suffix));
        size_t i;
        for (i = 0; i < NSYS; i++)
            if (!strcmp(SYS[i].name, sys)) break;
        if (i == NSYS) return fail("unknown sys topic \"%s\"", sys);
        t->sys = SYS[i].sys;
        if (rid) t->request_id = str_of(rid);
        if (SYS[i].param == S_PLAIN && (rid || suffix))
            return fail("%s takes neither request_id nor suffix", sys);
        if (SYS[i].param == S_RID) {
            if (suffix) return fail("%s takes no suffix", sys);
            if (!rid) return fail("%s needs request_id", sys);
        }
        if (SYS[i].param == S_REPORT) {
            const char *sf = suffix ? suffix : "none";
            if (!strcmp(sf, "none") && !rid) t->suffix = IOTMQTT_REPORT_SUFFIX_NONE;
            else if (!strcmp(sf, "gzip") && !rid) t->suffix = IOTMQTT_REPORT_SUFFIX_GZIP;
            else if (!strcmp(sf, "request_id") && rid) t->suffix = IOTMQTT_REPORT_SUFFIX_REQUEST_ID;
            else return fail("suffix \"%s\" with request_id %s", sf, rid ? rid : "null");
        }
    } else if (!strcmp(ty, "user")) {
        TRY(check_fields(v, "build", user_f));
        t->type = IOTMQTT_TOPIC_TYPE_USER;
        STR("device_id", t->device_id);
        STR("name", t->name);
    } else if (!strcmp(ty, "m2m")) {
        TRY(check_fields(v, "build", m2m_f));
        t->type = IOTMQTT_TOPIC_TYPE_M2M;
        STR("to", t->to);
        STR("from", t->from);
        STR("request_id", t->request_id);
    } else if (!strcmp(ty, "legacy")) {
        TRY(check_fields(v, "build", legacy_f));
        t->type = IOTMQTT_TOPIC_TYPE_LEGACY;
        STR("device_id", t->device_id);
        TRY(req_str(v, "legacy", "build", &s));
        int i;
        for (i = 0; i < 4; i++)
            if (!strcmp(LEGACY_NAMES[i], s)) break;
        if (i == 4) return fail("unknown legacy topic \"%s\"", s);
        t->legacy = (uint8_t)i;
    } else if (!strcmp(ty, "custom") || !strcmp(ty, "unknown")) {
        TRY(check_fields(v, "build", topic_f));
        t->type = !strcmp(ty, "custom") ? IOTMQTT_TOPIC_TYPE_CUSTOM : IOTMQTT_TOPIC_TYPE_UNKNOWN;
        STR("topic", t->topic);
    } else {
        return fail("build: unknown type \"%s\"", ty);
    }
#undef STR
    return 0;
}

static int topic_case(const cJSON *c) {
    static const char *const fields[] = {"name", "parse", "expect", "build", "expect_topic",
                                         "expect_error", NULL};
    TRY(check_fields(c, "case", fields));
    const char *name;
    TRY(opt_str(c, "name", "case", &name));
    const cJSON *p = field(c, "parse"), *b = field(c, "build");
    char out[70000];
    size_t n = 0;
    if (p && !b) {
        if (has(c, "expect_topic") || has(c, "expect_error")) return fail("a parse case has expect only");
        if (!cJSON_IsString(p)) return fail("parse: a string");
        const cJSON *want = field(c, "expect");
        if (!want) return fail("case: missing field \"expect\"");
        iotmqtt_topic t;
        if (iotmqtt_topic_parse(p->valuestring, &t) != IOTMQTT_STATUS_OK) return fail("topic_parse failed");
        cJSON *view;
        if (topic_view(&t, &view) < 0) {
            cJSON_Delete(view);
            return -1;
        }
        TRY(match_view(want, view, "topic"));
        if (t.type != IOTMQTT_TOPIC_TYPE_UNKNOWN) {
            if (iotmqtt_topic_write(&t, out, sizeof out, &n) != IOTMQTT_STATUS_OK) {
                iotmqtt_error e;
                iotmqtt_last_error(&e);
                return fail("the parsed topic does not build: %s", e.message);
            }
            if (strcmp(out, p->valuestring) != 0) return fail("the parsed topic builds as \"%s\"", out);
        }
        return 0;
    }
    if (b && !p) {
        if (has(c, "expect")) return fail("a build case has expect_topic or expect_error");
        iotmqtt_topic t;
        TRY(topic_from(b, &t));
        iotmqtt_status s = iotmqtt_topic_write(&t, out, sizeof out, &n);
        const cJSON *want = field(c, "expect_topic"), *err = field(c, "expect_error");
        if (want && !err) {
            if (!cJSON_IsString(want)) return fail("expect_topic: a string");
            if (s != IOTMQTT_STATUS_OK) {
                iotmqtt_error e;
                iotmqtt_last_error(&e);
                return fail("build failed: %s", e.message);
            }
            if (strcmp(out, want->valuestring) != 0)
                return fail("built \"%s\", expected \"%s\"", out, want->valuestring);
            return 0;
        }
        if (err && !want) {
            if (s == IOTMQTT_STATUS_OK) return fail("expected error %s, built \"%s\"", print_json(err), out);
            int expected;
            return thread_outcome(s, err, &expected);
        }
        return fail("a build case has exactly one of expect_topic, expect_error");
    }
    return fail("a case has exactly one of parse, build");
}

static int run_topics(const cJSON *m) {
    const cJSON *cases = field(m, "cases");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) return fail("cases: a non-empty array");
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        if (topic_case(c) < 0) {
            const cJSON *name = field(c, "name");
            return wrap("case %d \"%s\"", i, cJSON_IsString(name) ? name->valuestring : "");
        }
        i++;
    }
    return 0;
}

/* ------------------------------------------------------------------ files */

static int valid_spec(const char *s) {
    if (!strncmp(s, "MQTT-", 5)) {
        const char *p = s + 5;
        int parts = 0, digits = 0;
        for (; *p && *p != '-'; p++) {
            if (*p == '.') {
                if (!digits) return 0;
                parts++;
                digits = 0;
            } else if (*p >= '0' && *p <= '9') {
                digits++;
            } else {
                return 0;
            }
        }
        if (!digits || parts < 1) return 0;
        if (*p == '-') {
            p++;
            if (!*p) return 0;
            for (; *p; p++)
                if (*p < '0' || *p > '9') return 0;
        }
        return 1;
    }
    const char *prefix = "IOTDA.md \xc2\xa7";
    if (strncmp(s, prefix, strlen(prefix))) return 0;
    const char *p = s + strlen(prefix);
    int digits = 0;
    if (!*p) return 0;
    for (; *p; p++) {
        if (*p == '.') {
            if (!digits) return 0;
            digits = 0;
        } else if (*p >= '0' && *p <= '9') {
            digits++;
        } else {
            return 0;
        }
    }
    return digits > 0;
}

static int run_file(const char *file, const cJSON *v) {
    const cJSON *kind = field(v, "kind");
    if (!cJSON_IsString(kind)) return fail("missing string field \"kind\"");
    static const char *const codec_f[] = {"name", "description", "spec", "kind", "version",
                                          "max_packet_size", "cases", NULL};
    static const char *const client_f[] = {"name", "description", "spec", "kind", "config",
                                           "steps", NULL};
    static const char *const credentials_f[] = {"name", "description", "spec", "kind", "vectors",
                                                "cases", NULL};
    static const char *const topic_f[] = {"name", "description", "spec", "kind", "cases", NULL};
    static const char *const device_f[] = {"name", "description", "spec", "kind", "config",
                                           "steps", NULL};
    const char *k = kind->valuestring;
    const char *const *fields;
    if (!strcmp(k, "codec")) fields = codec_f;
    else if (!strcmp(k, "client")) fields = client_f;
    else if (!strcmp(k, "credentials")) fields = credentials_f;
    else if (!strcmp(k, "topic")) fields = topic_f;
    else if (!strcmp(k, "device")) fields = device_f;
    else return fail("unknown kind \"%s\"", k);
    TRY(check_fields(v, "file", fields));
    const char *name, *description;
    TRY(req_str(v, "name", "file", &name));
    size_t fl = strlen(file);
    if (fl < 5 || strlen(name) != fl - 5 || strncmp(name, file, fl - 5) != 0)
        return fail("name \"%s\" differs from the file name", name);
    TRY(req_str(v, "description", "file", &description));
    const cJSON *spec = field(v, "spec");
    if (!cJSON_IsArray(spec) || cJSON_GetArraySize(spec) == 0) return fail("spec: a non-empty array");
    const cJSON *x;
    cJSON_ArrayForEach(x, spec) {
        if (!cJSON_IsString(x)) return fail("spec: strings");
        if (!valid_spec(x->valuestring))
            return fail("spec: \"%s\" is neither MQTT-x.y.z[-n] nor IOTDA.md \xc2\xa7n", x->valuestring);
    }
    if (!strcmp(k, "codec")) return run_codec(v);
    if (!strcmp(k, "client")) return run_client(v);
    if (!strcmp(k, "credentials")) return run_credentials(v);
    if (!strcmp(k, "device")) return run_device(v);
    return run_topics(v);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A scenario given as text must fail with a message containing `want` (the runner's checks). */
static void must_fail(const char *name, const char *text, const char *want) {
    cJSON *v = cJSON_Parse(text);
    CHECK(v != NULL);
    failure[0] = 0;
    int r = v ? run_file(name, v) : 0;
    cJSON_Delete(v);
    arena_free();
    if (r == 0 || !strstr(failure, want))
        FAIL_AT(__FILE__, __LINE__, "expected a failure mentioning \"%s\", got \"%s\"", want,
                r == 0 ? "success" : failure);
}

static const char MINIMAL[] =
    "{\"name\": \"t\", \"description\": \"d\", \"spec\": [\"MQTT-3.1.0-1\"], \"kind\": \"%s\","
    " \"config\": {\"client_id\": \"c\", \"protocol\": \"3.1.1\", \"keep_alive\": 0%s},"
    " \"steps\": [{\"op\": \"%s\"%s}, {\"op\": \"handle_connected\"},"
    " {\"op\": \"expect_transmit\", \"hex\": \"10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 %s\"}%s]}";

static void the_runner_fails_on_what_it_does_not_know(void) {
    char text[2048];
    snprintf(text, sizeof text, MINIMAL, "client", "", "connect", "", "63", "");
    cJSON *v = cJSON_Parse(text);
    CHECK(run_file("t.json", v) == 0);
    cJSON_Delete(v);
    arena_free();
    snprintf(text, sizeof text, MINIMAL, "clients", "", "connect", "", "63", "");
    must_fail("t.json", text, "unknown kind");
    snprintf(text, sizeof text, MINIMAL, "devices", "", "connect", "", "63", "");
    must_fail("t.json", text, "unknown kind");
    snprintf(text, sizeof text, MINIMAL, "client", "", "konnect", "", "63", "");
    must_fail("t.json", text, "unknown op");
    snprintf(text, sizeof text, MINIMAL, "client", ", \"keepalive\": 1", "connect", "", "63", "");
    must_fail("t.json", text, "unknown field \"keepalive\"");
    snprintf(text, sizeof text, MINIMAL, "client", "", "connect", ", \"x\": 1", "63", "");
    must_fail("t.json", text, "unknown field \"x\"");
    snprintf(text, sizeof text, MINIMAL, "client", "", "connect", "", "64", "");
    must_fail("t.json", text, "step 2 (expect_transmit)");
    snprintf(text, sizeof text, MINIMAL, "client", "", "connect", "", "63",
             ", {\"op\": \"receive\", \"hex\": \"20 02 00 00\"}");
    must_fail("t.json", text, "event left");
    snprintf(text, sizeof text, MINIMAL, "client", "", "connect", "", "63", "");
    must_fail("u.json", text, "differs from the file name");
}

static const char *dir_arg;

static void every_scenario_file_passes(void) {
    DIR *d = opendir(dir_arg);
    CHECK(d != NULL);
    if (!d) return;
    char *names[1024];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 1024) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            names[count] = malloc(n + 1);
            memcpy(names[count], e->d_name, n + 1);
            count++;
        }
    }
    closedir(d);
    qsort(names, count, sizeof names[0], by_name);
    CHECK(count > 0);
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir_arg, names[i]);
        char *text = read_file(path, NULL);
        cJSON *v = text ? cJSON_Parse(text) : NULL;
        failure[0] = 0;
        int r = !text ? fail("cannot read") : !v ? fail("not JSON") : run_file(names[i], v);
        if (r < 0) {
            failed++;
            FAIL_AT(__FILE__, __LINE__, "%s: %s", names[i], failure);
        }
        cJSON_Delete(v);
        free(text);
        arena_free();
        free(names[i]);
    }
    printf("     %zu scenario files, %zu failed\n", count, failed);
}

int main(int argc, char **argv) {
    dir_arg = argc > 1 ? argv[1] : "tests";
    tests_dir = dir_arg;
    RUN(the_runner_fails_on_what_it_does_not_know);
    RUN(every_scenario_file_passes);
    HARNESS_EXIT();
}
