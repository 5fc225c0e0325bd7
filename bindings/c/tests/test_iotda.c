/* IoTDA credentials against tests/vectors/iotda-auth.json (read at run time) and topics. */
#include <cjson/cJSON.h>

#include "harness.h"

HARNESS_STATE

static const char *tests_dir = "tests";

static const char *str_field(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static iotmqtt_error thread_error(void) {
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_last_error(&e));
    return e;
}

/* One case of the vectors file; the number of checks it made. */
static int vector_case(const cJSON *c) {
    const char *name = str_field(c, "name");
    const char *kind = str_field(c, "kind");
    const char *device_id = str_field(c, "device_id");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(c, "sig_type");
    uint8_t sig_type = cJSON_IsNumber(sig) ? (uint8_t)sig->valueint : 0;
    const char *expected_password = str_field(c, "password");
    char pw[128];
    size_t n = 0;
    int checks = 0;
    if (str_field(c, "timestamp")) {
        CHECK_OK(iotmqtt_iotda_compute_password(str_field(c, "secret"), str_field(c, "timestamp"),
                                                sig_type, pw, sizeof pw, &n));
        CHECK(expected_password && strcmp(pw, expected_password) == 0);
        return 1;
    }
    iotmqtt_device_auth auth;
    memset(&auth, 0, sizeof auth);
    if (strcmp(kind, "secret") == 0) auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    else if (strcmp(kind, "bridge") == 0) auth.kind = IOTMQTT_AUTH_KIND_BRIDGE;
    else if (strcmp(kind, "bootstrap_group_secret") == 0)
        auth.kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_GROUP_SECRET;
    else if (strcmp(kind, "bootstrap_certificate") == 0)
        auth.kind = IOTMQTT_AUTH_KIND_BOOTSTRAP_CERTIFICATE;
    else if (strcmp(kind, "certificate") == 0) auth.kind = IOTMQTT_AUTH_KIND_CERTIFICATE;
    else {
        FAIL_AT(__FILE__, __LINE__, "%s: unknown kind %s", name, kind);
        return 0;
    }
    auth.device_id = device_id;
    auth.secret = str_field(c, "secret");
    auth.group_secret = str_field(c, "group_secret");
    auth.scope_id = str_field(c, "scope_id");
    auth.sig_type = sig_type;
    uint64_t unix_ms = 0;
    CHECK_OK(iotmqtt_utc_parse(str_field(c, "utc"), &unix_ms));
    char id[300], user[200];
    iotmqtt_text_buffer ib = {id, sizeof id, 0}, ub = {user, sizeof user, 0}, pb = {pw, sizeof pw, 0};
    bool has_password = false;
    CHECK_OK(iotmqtt_iotda_credentials(&auth, unix_ms, &ib, &ub, &pb, &has_password));
    if (str_field(c, "client_id")) {
        CHECK(strcmp(id, str_field(c, "client_id")) == 0);
        CHECK_EQ_INT(ib.len, strlen(str_field(c, "client_id")));
        checks++;
    }
    if (str_field(c, "username")) {
        CHECK(strcmp(user, str_field(c, "username")) == 0);
        checks++;
    }
    if (expected_password) {
        CHECK(has_password);
        CHECK(strcmp(pw, expected_password) == 0);
        checks++;
    }
    if (str_field(c, "derived_secret")) {
        char derived[100];
        CHECK_OK(iotmqtt_iotda_derive_device_secret(auth.group_secret, device_id, derived,
                                                    sizeof derived, &n));
        CHECK(strcmp(derived, str_field(c, "derived_secret")) == 0);
        checks++;
    }
    if (checks == 0) FAIL_AT(__FILE__, __LINE__, "%s: the case checks nothing", name);
    return checks;
}

static void credentials_match_every_shared_vector(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/iotda-auth.json", tests_dir);
    char *text = read_file(path, NULL);
    CHECK(text != NULL);
    if (!text) return;
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    CHECK(cJSON_IsArray(cases));
    int replayed = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        CHECK(vector_case(c) > 0);
        replayed++;
    }
    CHECK(replayed >= 6);
    cJSON_Delete(root);
}

static void credentials_report_sizes_and_refuse_bad_identities(void) {
    iotmqtt_device_auth auth;
    memset(&auth, 0, sizeof auth);
    auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    auth.device_id = "dev_1";
    auth.secret = "s3cr3t-Key";
    char small[4], user[64], pw[80];
    iotmqtt_text_buffer ib = {small, sizeof small, 0}, ub = {user, sizeof user, 0},
                        pb = {pw, sizeof pw, 0};
    CHECK_STATUS(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, NULL),
                 IOTMQTT_STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(ib.len, strlen("dev_1_0_0_1970010100"));
    CHECK_EQ_INT(pb.len, 64);
    /* A certificate identity has no password. */
    auth.kind = IOTMQTT_AUTH_KIND_CERTIFICATE;
    char id[64];
    ib = (iotmqtt_text_buffer){id, sizeof id, 0};
    bool has = true;
    CHECK_OK(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, &has));
    CHECK(!has);
    CHECK_EQ_INT(pb.len, 0);
    /* Errors name the rule and never the secret. */
    auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    auth.device_id = "dev/1";
    CHECK_STATUS(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, NULL), IOTMQTT_STATUS_IOTDA);
    iotmqtt_error e = thread_error();
    CHECK(strcmp(e.code, "invalid_device_id") == 0);
    CHECK(strstr(e.message, "s3cr3t") == NULL);
    auth.device_id = "dev_1";
    auth.secret = "";
    CHECK_STATUS(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, NULL), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(thread_error().code, "invalid_secret") == 0);
    auth.secret = "k";
    auth.sig_type = 3;
    CHECK_STATUS(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, NULL),
                 IOTMQTT_STATUS_INVALID_ARGUMENT);
    auth.sig_type = 0;
    auth.kind = 9;
    CHECK_STATUS(iotmqtt_iotda_credentials(&auth, 0, &ib, &ub, &pb, NULL),
                 IOTMQTT_STATUS_INVALID_ARGUMENT);
    uint64_t ms = 0;
    CHECK_STATUS(iotmqtt_utc_parse("2026-11-25 08:00:00", &ms), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(thread_error().code, "invalid_time") == 0);
    char buf[80];
    size_t n = 0;
    CHECK_STATUS(iotmqtt_iotda_compute_password("k", "2026132508", 0, buf, sizeof buf, &n),
                 IOTMQTT_STATUS_IOTDA);
}

static void a_command_topic_parses_and_its_response_topic_builds(void) {
    const char *incoming = "$oc/devices/dev_1/sys/commands/request_id=42ab";
    iotmqtt_topic t;
    CHECK_OK(iotmqtt_topic_parse(incoming, &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_DEVICE);
    CHECK_EQ_INT(t.sys, IOTMQTT_SYS_TOPIC_COMMAND);
    CHECK_EQ_INT(t.direction, IOTMQTT_DIRECTION_DOWN);
    CHECK_SPAN(t.device_id, "dev_1");
    CHECK_SPAN(t.request_id, "42ab");
    CHECK(t.request_id.ptr == incoming + strlen(incoming) - 4); /* a span into the input */
    t.sys = IOTMQTT_SYS_TOPIC_COMMAND_RESPONSE;
    char out[128];
    size_t n = 0;
    CHECK_OK(iotmqtt_topic_write(&t, out, sizeof out, &n));
    CHECK(strcmp(out, "$oc/devices/dev_1/sys/commands/response/request_id=42ab") == 0);
    CHECK_EQ_INT(n, strlen(out));
    CHECK_STATUS(iotmqtt_topic_write(&t, out, 10, &n), IOTMQTT_STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, strlen("$oc/devices/dev_1/sys/commands/response/request_id=42ab"));

    CHECK_OK(iotmqtt_topic_device("dev_1", IOTMQTT_SYS_TOPIC_PROPERTIES_REPORT, NULL, out,
                                  sizeof out, &n));
    CHECK(strcmp(out, "$oc/devices/dev_1/sys/properties/report") == 0);
    CHECK_OK(iotmqtt_topic_device("dev_1", IOTMQTT_SYS_TOPIC_MESSAGES_UP, "7", out, sizeof out, &n));
    CHECK(strcmp(out, "$oc/devices/dev_1/sys/messages/up?request_id=7") == 0);
    CHECK_STATUS(iotmqtt_topic_device("dev_1", IOTMQTT_SYS_TOPIC_COMMAND, NULL, out, sizeof out, &n),
                 IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_topic_device("dev_1", 99, NULL, out, sizeof out, &n),
                 IOTMQTT_STATUS_INVALID_ARGUMENT);
}

static void other_topics_parse_and_bad_ones_are_refused(void) {
    iotmqtt_topic t;
    CHECK_OK(iotmqtt_topic_parse("$oc/devices/d1/user/a/b", &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_USER);
    CHECK_SPAN(t.name, "a/b");
    CHECK_EQ_INT(t.direction, IOTMQTT_DIRECTION_BOTH);
    CHECK_OK(iotmqtt_topic_parse("$oc/devices/d1/sys/nope", &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_UNKNOWN);
    CHECK_EQ_INT(t.direction, IOTMQTT_DIRECTION_UNKNOWN);
    CHECK_OK(iotmqtt_topic_parse("plain/custom", &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_CUSTOM);
    CHECK_SPAN(t.topic, "plain/custom");
    CHECK_OK(iotmqtt_topic_parse("$oc/devices/d1/sys/properties/report?encoding=gzip", &t));
    CHECK_EQ_INT(t.suffix, IOTMQTT_REPORT_SUFFIX_GZIP);
    CHECK_OK(iotmqtt_topic_parse("/huawei/v1/devices/d1/command/json", &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_LEGACY);
    CHECK_EQ_INT(t.legacy, IOTMQTT_LEGACY_TOPIC_COMMAND_JSON);
    CHECK_OK(iotmqtt_topic_parse("$oc/m2m/to/a/from/b/request_id=1", &t));
    CHECK_EQ_INT(t.type, IOTMQTT_TOPIC_TYPE_M2M);
    CHECK_SPAN(t.from, "b");

    iotmqtt_topic u;
    memset(&u, 0, sizeof u);
    u.type = IOTMQTT_TOPIC_TYPE_USER;
    u.device_id = (iotmqtt_str){"d1", 2};
    u.name = (iotmqtt_str){"a//b", 4};
    char out[128];
    size_t n = 0;
    CHECK_STATUS(iotmqtt_topic_write(&u, out, sizeof out, &n), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(thread_error().code, "invalid_user_topic_name") == 0);
    u.type = IOTMQTT_TOPIC_TYPE_UNKNOWN;
    CHECK_STATUS(iotmqtt_topic_write(&u, out, sizeof out, &n), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(thread_error().code, "topic_not_in_catalogue") == 0);

    size_t count = 0;
    CHECK_OK(iotmqtt_iotda_downstream_filter("d1", 3, out, sizeof out, &n, &count));
    CHECK_EQ_INT(count, 6);
    CHECK(strcmp(out, "$oc/devices/d1/sys/commands/#") == 0);
    CHECK_STATUS(iotmqtt_iotda_downstream_filter("d1", 6, out, sizeof out, &n, NULL),
                 IOTMQTT_STATUS_INVALID_ARGUMENT);
}

int main(int argc, char **argv) {
    if (argc > 1) tests_dir = argv[1];
    RUN(credentials_match_every_shared_vector);
    RUN(credentials_report_sizes_and_refuse_bad_identities);
    RUN(a_command_topic_parses_and_its_response_topic_builds);
    RUN(other_topics_parse_and_bad_ones_are_refused);
    HARNESS_EXIT();
}
