/* NULL and garbage arguments: every function answers with a status, never a crash. */
#include "harness.h"

HARNESS_STATE

#define NUL IOTMQTT_STATUS_NULL_ARGUMENT
#define BAD IOTMQTT_STATUS_INVALID_ARGUMENT

static const char not_utf8[] = {(char)0xff, (char)0xfe, 0};

static void null_handles_and_outputs(void) {
    uint8_t buf[8];
    size_t n;
    uint16_t id;
    uint64_t t;
    iotmqtt_event ev;
    iotmqtt_error err;
    iotmqtt_state st;
    iotmqtt_str s;
    iotmqtt_bytes b;
    iotmqtt_client_free(NULL);
    iotmqtt_codec_free(NULL);
    CHECK_STATUS(iotmqtt_client_config_default(NULL), NUL);
    CHECK_STATUS(iotmqtt_client_new(NULL, NULL), NUL);
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    CHECK_STATUS(iotmqtt_client_new(&cfg, NULL), NUL);
    iotmqtt_client *none = NULL;
    CHECK_STATUS(iotmqtt_client_new(NULL, &none), NUL);
    CHECK(none == NULL);
    CHECK_STATUS(iotmqtt_client_last_error(NULL, &err), NUL);
    CHECK_STATUS(iotmqtt_client_connect(NULL), NUL);
    CHECK_STATUS(iotmqtt_client_disconnect(NULL), NUL);
    CHECK_STATUS(iotmqtt_client_set_credentials(NULL, "u", NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_set_client_id(NULL, "x"), NUL);
    CHECK_STATUS(iotmqtt_client_publish(NULL, "t", NULL, 0, 0, false, NULL, 0, &id), NUL);
    CHECK_STATUS(iotmqtt_client_subscribe(NULL, NULL, 0, NULL, 0, &id), NUL);
    CHECK_STATUS(iotmqtt_client_unsubscribe(NULL, NULL, 0, NULL, 0, &id), NUL);
    CHECK_STATUS(iotmqtt_client_ack(NULL, 1), NUL);
    CHECK_STATUS(iotmqtt_client_auth_continue(NULL, NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_reauthenticate(NULL, NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_handle_connected(NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_handle_bytes(NULL, 0, buf, 1), NUL);
    CHECK_STATUS(iotmqtt_client_handle_timeout(NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_handle_closed(NULL, 0), NUL);
    CHECK_STATUS(iotmqtt_client_poll_transmit(NULL, 0, buf, sizeof buf, &n), NUL);
    CHECK_STATUS(iotmqtt_client_poll_timeout(NULL, &t), NUL);
    CHECK_STATUS(iotmqtt_client_poll_event(NULL, &ev), NUL);
    CHECK_STATUS(iotmqtt_client_state(NULL, &st), NUL);
    CHECK_STATUS(iotmqtt_client_client_id(NULL, &s), NUL);
    CHECK_STATUS(iotmqtt_client_snapshot(NULL, &b), NUL);
    CHECK_STATUS(iotmqtt_client_restore(NULL, buf, 1), NUL);
    CHECK_STATUS(iotmqtt_codec_new(5, 0, NULL), NUL);
    CHECK_STATUS(iotmqtt_codec_decode(NULL, buf, 1, NULL, &n), NUL);
    CHECK_STATUS(iotmqtt_codec_encode(NULL, NULL, buf, 1, &n), NUL);
    CHECK_STATUS(iotmqtt_codec_last_error(NULL, &err), NUL);
    CHECK_STATUS(iotmqtt_last_error(NULL), NUL);
    /* The thread's last error says what was NULL. */
    CHECK_OK(iotmqtt_last_error(&err));
    CHECK_EQ_INT(err.status, NUL);
    CHECK(strcmp(err.code, "null_argument") == 0);
    CHECK(strstr(err.message, "out") != NULL);

    iotmqtt_client *c = client_with("x", IOTMQTT_PROTOCOL_VERSION_V5, 0);
    CHECK(c != NULL);
    CHECK_STATUS(iotmqtt_client_poll_transmit(c, 0, buf, sizeof buf, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_poll_transmit(c, 0, NULL, 8, &n), NUL);
    CHECK_STATUS(iotmqtt_client_poll_timeout(c, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_poll_event(c, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_state(c, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_last_error(c, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_publish(c, NULL, NULL, 0, 0, false, NULL, 0, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_publish(c, "t", NULL, 5, 0, false, NULL, 0, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_publish(c, "t", NULL, 0, 0, false, NULL, 2, NULL), NUL);
    CHECK_STATUS(iotmqtt_client_handle_bytes(c, 0, NULL, 3), NUL);
    CHECK_OK(iotmqtt_client_handle_bytes(c, 0, NULL, 0));
    CHECK_STATUS(iotmqtt_client_set_client_id(c, NULL), NUL);
    const char *filters[] = {NULL};
    CHECK_STATUS(iotmqtt_client_unsubscribe(c, filters, 1, NULL, 0, NULL), NUL);
    iotmqtt_subscription sub = {NULL, 0, false, false, 0};
    CHECK_STATUS(iotmqtt_client_subscribe(c, &sub, 1, NULL, 0, NULL), NUL);
    /* Nothing above changed the client. */
    iotmqtt_client_state(c, &st);
    CHECK_EQ_INT(st, IOTMQTT_STATE_IDLE);
    CHECK_OK(iotmqtt_client_poll_transmit(c, 0, NULL, 0, &n));
    CHECK_EQ_INT(n, 0);
    iotmqtt_client_free(c);
}

static void garbage_values(void) {
    iotmqtt_client_config cfg;
    iotmqtt_client *c = NULL;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    cfg.protocol = 7;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    cfg.protocol = IOTMQTT_PROTOCOL_VERSION_V5;
    cfg.credentials = 3;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    cfg.credentials = 0;
    cfg.requeue = 2;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    cfg.requeue = 0;
    cfg.client_id = not_utf8;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    iotmqtt_error err;
    CHECK_OK(iotmqtt_last_error(&err));
    CHECK(strstr(err.message, "UTF-8") != NULL);
    cfg.client_id = "ok";
    iotmqtt_will will = {NULL, {NULL, 0}, 0, false, {NULL, 0}};
    cfg.will = &will;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), NUL);
    will.topic = "w";
    will.qos = 3;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    will.qos = 0;
    iotmqtt_property bad_prop;
    memset(&bad_prop, 0, sizeof bad_prop);
    bad_prop.id = 0x05; /* no such property */
    cfg.connect_properties = (iotmqtt_properties){&bad_prop, 1};
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    bad_prop.id = IOTMQTT_PROPERTY_ID_RECEIVE_MAXIMUM;
    bad_prop.value = 70000;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), BAD);
    bad_prop.id = IOTMQTT_PROPERTY_ID_TOPIC_ALIAS; /* not a CONNECT property */
    bad_prop.value = 1;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), IOTMQTT_STATUS_ENCODE);
    cfg.connect_properties = (iotmqtt_properties){NULL, 0};
    cfg.will = NULL;
    CHECK_OK(iotmqtt_client_new(&cfg, &c));

    CHECK_STATUS(iotmqtt_client_publish(c, "t", NULL, 0, 3, false, NULL, 0, NULL), BAD);
    CHECK_STATUS(iotmqtt_client_publish(c, not_utf8, NULL, 0, 0, false, NULL, 0, NULL), BAD);
    iotmqtt_property p;
    memset(&p, 0, sizeof p);
    p.id = IOTMQTT_PROPERTY_ID_CONTENT_TYPE;
    p.text = (iotmqtt_str){not_utf8, 2};
    CHECK_STATUS(iotmqtt_client_publish(c, "t", NULL, 0, 0, false, &p, 1, NULL), BAD);
    p.id = IOTMQTT_PROPERTY_ID_PAYLOAD_FORMAT_INDICATOR;
    p.value = 2;
    CHECK_STATUS(iotmqtt_client_publish(c, "t", NULL, 0, 0, false, &p, 1, NULL), BAD);
    iotmqtt_subscription sub = {"a", 0, false, false, 3};
    CHECK_STATUS(iotmqtt_client_subscribe(c, &sub, 1, NULL, 0, NULL), BAD);
    /* An enormous length behind a real pointer is refused before it is used. */
    uint8_t one = 0;
    CHECK_STATUS(iotmqtt_client_handle_bytes(c, 0, &one, SIZE_MAX), BAD);
    CHECK(strcmp(iotmqtt_status_str(IOTMQTT_STATUS_OK), "success") == 0);
    CHECK(strcmp(iotmqtt_status_str(-1), "unknown status") == 0);
    CHECK(strcmp(iotmqtt_status_str(IOTMQTT_STATUS_QUEUE_FULL), "queue full") == 0);
    iotmqtt_client_free(c);

    iotmqtt_codec *codec = NULL;
    CHECK_STATUS(iotmqtt_codec_new(3, 0, &codec), BAD);
    CHECK(codec == NULL);
    iotmqtt_topic t;
    CHECK_STATUS(iotmqtt_topic_parse(not_utf8, &t), BAD);
    CHECK_STATUS(iotmqtt_topic_parse(NULL, &t), NUL);
    memset(&t, 0, sizeof t);
    t.type = 42;
    char out[64];
    size_t n;
    CHECK_STATUS(iotmqtt_topic_write(&t, out, sizeof out, &n), BAD);
    t.type = IOTMQTT_TOPIC_TYPE_DEVICE;
    t.device_id = (iotmqtt_str){"d", 1};
    t.sys = 200;
    CHECK_STATUS(iotmqtt_topic_write(&t, out, sizeof out, &n), BAD);
    t.sys = IOTMQTT_SYS_TOPIC_MESSAGES_UP;
    t.suffix = 9;
    CHECK_STATUS(iotmqtt_topic_write(&t, out, sizeof out, &n), BAD);
    CHECK_STATUS(iotmqtt_iotda_credentials(NULL, 0, NULL, NULL, NULL, NULL), NUL);
    CHECK_STATUS(iotmqtt_utc_parse(NULL, NULL), NUL);
}

/* Random bytes into a connected client and into the decoder: statuses and events, no crash. */
static void random_bytes_are_survived(void) {
    uint32_t seed = 12345;
    uint8_t junk[97];
    iotmqtt_codec *codec = NULL;
    CHECK_OK(iotmqtt_codec_new(IOTMQTT_PROTOCOL_VERSION_V5, 0, &codec));
    int malformed = 0;
    for (int round = 0; round < 300; round++) {
        for (size_t i = 0; i < sizeof junk; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
        }
        iotmqtt_client *c = client_with("fuzz", round % 2 ? IOTMQTT_PROTOCOL_VERSION_V5
                                                          : IOTMQTT_PROTOCOL_VERSION_V311, 0);
        iotmqtt_client_connect(c);
        iotmqtt_client_handle_connected(c, 0);
        uint8_t wire[512];
        drain(c, 0, wire, sizeof wire);
        feed_hex(c, 1, "20 03 00 00 00");
        CHECK_OK(iotmqtt_client_handle_bytes(c, 2, junk, sizeof junk));
        iotmqtt_event ev;
        for (int k = 0; k < 50; k++) {
            CHECK_OK(iotmqtt_client_poll_event(c, &ev));
            if (ev.type == IOTMQTT_EVENT_TYPE_NONE) break;
        }
        drain(c, 3, wire, sizeof wire);
        iotmqtt_client_free(c);

        iotmqtt_packet p;
        size_t n = 0;
        iotmqtt_status s = iotmqtt_codec_decode(codec, junk, (size_t)(round % 97), &p, &n);
        CHECK(s == IOTMQTT_STATUS_OK || s == IOTMQTT_STATUS_INCOMPLETE ||
              s == IOTMQTT_STATUS_MALFORMED);
        if (s == IOTMQTT_STATUS_MALFORMED) malformed++;
    }
    CHECK(malformed > 0);
    iotmqtt_codec_free(codec);
}

int main(void) {
    RUN(null_handles_and_outputs);
    RUN(garbage_values);
    RUN(random_bytes_are_survived);
    HARNESS_EXIT();
}
