/* The IoTDA device through the C API: login, requests and their answers, JSON in and out, errors. */
#include "harness.h"

HARNESS_STATE

#define DEV "5f1c0d2e_sensor01"

static uint8_t wire[65536];

static iotmqtt_device *new_device(iotmqtt_device_config *cfg) {
    iotmqtt_device *d = NULL;
    CHECK_OK(iotmqtt_device_new(cfg, &d));
    return d;
}

static iotmqtt_device_config config(void) {
    iotmqtt_device_config cfg;
    CHECK_OK(iotmqtt_device_config_default(&cfg));
    cfg.auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    cfg.auth.device_id = DEV;
    cfg.auth.secret = "s3cr3t-Key";
    return cfg;
}

static size_t drain_device(iotmqtt_device *d, uint64_t now) {
    size_t total = 0;
    for (;;) {
        size_t n = 0;
        CHECK_OK(iotmqtt_device_poll_transmit(d, now, wire + total, sizeof wire - total, &n));
        if (n == 0) return total;
        total += n;
    }
}

static iotmqtt_device_event next(iotmqtt_device *d) {
    iotmqtt_device_event e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_device_poll_event(d, &e));
    return e;
}

static iotmqtt_error device_error(iotmqtt_device *d) {
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_device_last_error(d, &e));
    return e;
}

/* Finds `needle` in the bytes sent. */
static int sent_contains(size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(wire + i, needle, k) == 0) return 1;
    return 0;
}

/* Connects at 2026-11-25T08:30:00Z and accepts with CONNACK. */
static iotmqtt_device *connected_device(iotmqtt_device_config *cfg) {
    iotmqtt_device *d = new_device(cfg);
    CHECK_OK(iotmqtt_device_connect(d));
    uint64_t utc = 0;
    CHECK_OK(iotmqtt_utc_parse("2026-11-25T08:30:00Z", &utc));
    CHECK_OK(iotmqtt_device_handle_connected(d, 0, utc));
    size_t n = drain_device(d, 0);
    CHECK(sent_contains(n, DEV "_0_0_2026112508"));
    uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    CHECK_OK(iotmqtt_device_handle_bytes(d, 10, connack, sizeof connack));
    iotmqtt_device_event e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_MQTT);
    CHECK_EQ_INT(e.mqtt.type, IOTMQTT_EVENT_TYPE_CONNECTED);
    iotmqtt_state st;
    CHECK_OK(iotmqtt_device_state(d, &st));
    CHECK_EQ_INT(st, IOTMQTT_STATE_CONNECTED);
    return d;
}

/* A PUBLISH (QoS 0) from the platform. */
static void platform_publishes(iotmqtt_device *d, uint64_t now, const char *topic, const char *json) {
    size_t tl = strlen(topic), jl = strlen(json), rl = 2 + tl + jl;
    uint8_t p[1024];
    size_t i = 0;
    p[i++] = 0x30;
    if (rl < 128) p[i++] = (uint8_t)rl;
    else {
        p[i++] = (uint8_t)(0x80 | (rl & 0x7f));
        p[i++] = (uint8_t)(rl >> 7);
    }
    p[i++] = (uint8_t)(tl >> 8);
    p[i++] = (uint8_t)tl;
    memcpy(p + i, topic, tl);
    i += tl;
    memcpy(p + i, json, jl);
    i += jl;
    CHECK_OK(iotmqtt_device_handle_bytes(d, now, p, i));
}

static void answers_commands_and_property_requests_with_json(void) {
    iotmqtt_device_config cfg = config();
    iotmqtt_device *d = connected_device(&cfg);
    platform_publishes(d, 20, "$oc/devices/" DEV "/sys/commands/request_id=9",
                       "{\"service_id\":\"Light\",\"command_name\":\"on\",\"paras\":{\"x\":1}}");
    iotmqtt_device_event e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_COMMAND);
    CHECK_SPAN(e.request_id, "9");
    CHECK(e.json.ptr && strstr(e.json.ptr, "\"command_name\":\"on\"") != NULL);
    /* A request id span passed back in the answering call (copied to a C string). */
    char rid[16];
    snprintf(rid, sizeof rid, "%.*s", (int)e.request_id.len, e.request_id.ptr);
    CHECK_OK(iotmqtt_device_respond_command(d, rid, "{\"result_code\":0}"));
    size_t n = drain_device(d, 21);
    CHECK(sent_contains(n, "$oc/devices/" DEV "/sys/commands/response/request_id=9"));
    CHECK(sent_contains(n, "{\"result_code\":0}"));

    platform_publishes(d, 30, "$oc/devices/" DEV "/sys/properties/get/request_id=g1",
                       "{\"service_id\":\"Sensor\"}");
    e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_GET);
    CHECK_OK(iotmqtt_device_respond_properties_get(
        d, "g1", "{\"services\":[{\"service_id\":\"Sensor\",\"properties\":{\"t\":21}}]}"));
    n = drain_device(d, 31);
    CHECK(sent_contains(n, "properties/get/response/request_id=g1"));

    /* JSON that is not a command response: typed error, nothing sent. */
    CHECK_STATUS(iotmqtt_device_respond_command(d, "9", "{\"result_code\":"), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(device_error(d).code, "invalid_json") == 0);
    CHECK_STATUS(iotmqtt_device_respond_command(d, "a+b", "{\"result_code\":0}"), IOTMQTT_STATUS_IOTDA);
    CHECK(strcmp(device_error(d).code, "invalid_request_id") == 0);
    CHECK_EQ_INT(drain_device(d, 32), 0);

    /* A payload the device cannot read is bad input, with the error. */
    platform_publishes(d, 40, "$oc/devices/" DEV "/sys/commands/request_id=10", "not json");
    e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_BAD_INPUT);
    CHECK_EQ_INT(e.problem, IOTMQTT_INPUT_PROBLEM_PAYLOAD);
    CHECK(strcmp(e.error.code, "invalid_json") == 0);
    CHECK_SPAN(e.request_id, "10");
    e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_NONE);
    iotmqtt_device_free(d);
}

static void requests_get_ids_and_their_answers(void) {
    iotmqtt_device_config cfg = config();
    cfg.request_id_seed = 0xab;
    cfg.request_timeout_ms = 1000;
    iotmqtt_device *d = connected_device(&cfg);
    iotmqtt_str id;
    CHECK_OK(iotmqtt_device_get_shadow(d, "Sensor", NULL, &id));
    CHECK_SPAN(id, "ab-1");
    size_t n = drain_device(d, 20);
    CHECK(sent_contains(n, "$oc/devices/" DEV "/sys/shadow/get/request_id=ab-1"));
    platform_publishes(d, 30, "$oc/devices/" DEV "/sys/shadow/get/response/request_id=ab-1",
                       "{\"object_device_id\":\"" DEV "\",\"shadow\":[{\"service_id\":"
                       "\"Sensor\",\"reported\":{\"properties\":{\"t\":1}},\"version\":3}]}");
    iotmqtt_device_event e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_SHADOW);
    CHECK_EQ_INT(e.answers.kind, IOTMQTT_REQUEST_KIND_SHADOW);
    CHECK_SPAN(e.answers.id, "ab-1");
    CHECK(e.json.ptr && strstr(e.json.ptr, "\"version\":3") != NULL);

    CHECK_OK(iotmqtt_device_request_time_sync(d, 1795593000000ULL, &id));
    CHECK_SPAN(id, "ab-2");
    n = drain_device(d, 40);
    CHECK(sent_contains(n, "\"event_type\":\"time_sync_request\""));
    CHECK(sent_contains(n, "\"event_id\":\"ab-2\""));
    /* No answer: the request times out. */
    uint64_t at = 0;
    CHECK_OK(iotmqtt_device_poll_timeout(d, &at));
    CHECK(at != IOTMQTT_NO_DEADLINE && at <= 40 + 1000);
    CHECK_OK(iotmqtt_device_handle_timeout(d, 40 + 1000));
    e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_REQUEST_TIMEOUT);
    CHECK_EQ_INT(e.answers.kind, IOTMQTT_REQUEST_KIND_TIME_SYNC);
    CHECK_SPAN(e.answers.id, "ab-2");

    /* An events envelope: a version report needs no answer, so no id. */
    CHECK_OK(iotmqtt_device_report_events(
        d, "{\"services\":[{\"service_id\":\"$ota\",\"event_type\":\"version_report\","
           "\"paras\":{\"sw_version\":\"1.2\"}}]}",
        &id));
    CHECK(id.ptr == NULL);
    n = drain_device(d, 1100);
    CHECK(sent_contains(n, "$oc/devices/" DEV "/sys/events/up"));
    /* Gateway helpers. */
    CHECK_OK(iotmqtt_device_add_sub_devices(
        d, "{\"devices\":[{\"node_id\":\"c1\",\"product_id\":\"p\"}]}", &id));
    CHECK_SPAN(id, "ab-3");
    CHECK_STATUS(iotmqtt_device_delete_sub_devices(d, "{\"devices\":[]}", &id),
                 IOTMQTT_STATUS_INVALID_ARGUMENT);
    CHECK_OK(iotmqtt_device_sync_sub_devices(d, true, 7));
    CHECK_OK(iotmqtt_device_report_sub_device_properties(
        d, "{\"devices\":[{\"device_id\":\"c1\",\"services\":[]}]}"));
    CHECK_OK(iotmqtt_device_send_message(d, (const uint8_t *)"hi", 2, IOTMQTT_REPORT_SUFFIX_NONE, NULL));
    CHECK_STATUS(iotmqtt_device_send_message(d, (const uint8_t *)"hi", 2, IOTMQTT_REPORT_SUFFIX_REQUEST_ID, NULL),
                 IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_OK(iotmqtt_device_report_properties(
        d, "{\"services\":[{\"service_id\":\"S\",\"properties\":{\"a\":1}}]}",
        IOTMQTT_REPORT_SUFFIX_REQUEST_ID, "r7"));
    n = drain_device(d, 1200);
    CHECK(sent_contains(n, "properties/report?request_id=r7"));
    CHECK(sent_contains(n, "$oc/devices/" DEV "/sys/messages/up"));
    /* The device refuses what IoTDA refuses. */
    CHECK_STATUS(iotmqtt_device_publish(d, "$oc/devices/other/user/x", NULL, 0, 0, false),
                 IOTMQTT_STATUS_IOTDA);
    CHECK_STATUS(iotmqtt_device_publish(d, "plain/topic", NULL, 0, 2, false),
                 IOTMQTT_STATUS_QOS_NOT_SUPPORTED);
    CHECK_STATUS(iotmqtt_device_publish(d, "plain/topic", NULL, 0, 0, true),
                 IOTMQTT_STATUS_RETAIN_NOT_SUPPORTED);
    uint16_t pid = 0;
    CHECK_OK(iotmqtt_device_subscribe(d, "plain/#", 1, &pid));
    CHECK(pid != 0);
    CHECK_OK(iotmqtt_device_unsubscribe(d, "plain/#", &pid));
    CHECK_OK(iotmqtt_device_disconnect(d));
    e = next(d);
    CHECK_EQ_INT(e.type, IOTMQTT_DEVICE_EVENT_TYPE_MQTT);
    iotmqtt_device_free(d);
}

static void configuration_and_arguments_are_checked(void) {
    iotmqtt_device_config cfg = config();
    cfg.keep_alive = 10;
    iotmqtt_device *d = new_device(&cfg);
    CHECK_STATUS(iotmqtt_device_connect(d), IOTMQTT_STATUS_INVALID_CONFIG);
    CHECK(strstr(device_error(d).message, "keep_alive") != NULL);
    iotmqtt_device_free(d);

    cfg = config();
    cfg.auth.device_id = "bad/id";
    d = NULL;
    CHECK_STATUS(iotmqtt_device_new(&cfg, &d), IOTMQTT_STATUS_IOTDA);
    CHECK(d == NULL);
    cfg = config();
    cfg.bootstrap_request_json = "{";
    CHECK_STATUS(iotmqtt_device_new(&cfg, &d), IOTMQTT_STATUS_IOTDA);
    cfg.bootstrap_request_json = "{}";
    d = new_device(&cfg);
    iotmqtt_str id;
    CHECK_OK(iotmqtt_device_request_bootstrap(d, &id));
    CHECK(id.ptr != NULL);
    iotmqtt_device_free(d);
    cfg = config();
    cfg.upstream_qos = 3;
    CHECK_STATUS(iotmqtt_device_new(&cfg, &d), IOTMQTT_STATUS_INVALID_ARGUMENT);
    cfg = config();
    CHECK_EQ_INT(cfg.reconnect_stop_on, 0x4D0); /* the core's default: 0x84, 0x86, 0x87, 0x8A */
    cfg.reconnect_stop_on = 1u << 0x1E;         /* 0x9E: no CONNACK reason */
    CHECK_STATUS(iotmqtt_device_new(&cfg, &d), IOTMQTT_STATUS_INVALID_ARGUMENT);
    cfg.reconnect_stop_on = 0;
    d = new_device(&cfg);
    iotmqtt_device_free(d);

    iotmqtt_device_free(NULL);
    iotmqtt_device_event e;
    size_t n;
    CHECK_STATUS(iotmqtt_device_config_default(NULL), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_new(NULL, &d), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_connect(NULL), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_poll_event(NULL, &e), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_poll_transmit(NULL, 0, wire, 1, &n), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_respond_command(NULL, "1", "{}"), IOTMQTT_STATUS_NULL_ARGUMENT);
    cfg = config();
    d = new_device(&cfg);
    CHECK_STATUS(iotmqtt_device_respond_command(d, NULL, "{}"), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_respond_command(d, "1", NULL), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_report_properties(d, "{}", 9, NULL), IOTMQTT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_poll_event(d, NULL), IOTMQTT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(iotmqtt_device_handle_bytes(d, 0, NULL, 4), IOTMQTT_STATUS_NULL_ARGUMENT);
    iotmqtt_device_free(d);
}

int main(void) {
    RUN(answers_commands_and_property_requests_with_json);
    RUN(requests_get_ids_and_their_answers);
    RUN(configuration_and_arguments_are_checked);
    HARNESS_EXIT();
}
