/* The codec through the C API: decode into the tagged packet struct, encode it back, errors. */
#include "harness.h"

HARNESS_STATE

static iotmqtt_codec *codec(iotmqtt_protocol_version v, uint32_t max) {
    iotmqtt_codec *c = NULL;
    CHECK_OK(iotmqtt_codec_new((uint8_t)v, max, &c));
    return c;
}

static iotmqtt_error codec_error(iotmqtt_codec *c) {
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_codec_last_error(c, &e));
    return e;
}

/* Decodes hex, checks it uses every byte, re-encodes and compares. */
static iotmqtt_packet round_trip(iotmqtt_codec *c, const char *hex, uint8_t *bytes, size_t cap) {
    iotmqtt_packet p;
    memset(&p, 0, sizeof p);
    long n = hex_decode(hex, bytes, cap);
    CHECK(n > 0);
    size_t used = 0;
    CHECK_OK(iotmqtt_codec_decode(c, bytes, (size_t)n, &p, &used));
    CHECK_EQ_INT(used, n);
    uint8_t again[512];
    size_t written = 0;
    CHECK_OK(iotmqtt_codec_encode(c, &p, again, sizeof again, &written));
    CHECK_EQ_INT(written, n);
    CHECK(memcmp(again, bytes, (size_t)n) == 0);
    return p;
}

static void decodes_a_v311_publish_and_encodes_it_again(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V311, 0);
    uint8_t bytes[64];
    iotmqtt_packet p = round_trip(c, "32 09 00 03 61 2f 62 00 01 68 69", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PUBLISH);
    CHECK_EQ_INT(p.qos, IOTMQTT_QOS_AT_LEAST_ONCE);
    CHECK_EQ_INT(p.packet_id, 1);
    CHECK(!p.dup && !p.retain);
    CHECK_SPAN(p.topic, "a/b");
    CHECK_SPAN(p.payload, "hi");
    /* The spans point into the caller's input. */
    CHECK((const uint8_t *)p.topic.ptr == bytes + 4);
    CHECK_EQ_INT(p.properties.len, 0);
    iotmqtt_codec_free(c);
}

static void decodes_properties_and_lists_of_v5_packets(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V5, 0);
    uint8_t bytes[128];
    /* CONNACK: session present, success, Receive Maximum 10, User Property ("k", "v"). */
    iotmqtt_packet p =
        round_trip(c, "20 0d 01 00 0a 21 00 0a 26 00 01 6b 00 01 76", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_CONNACK);
    CHECK(p.session_present);
    CHECK_EQ_INT(p.reason, 0);
    CHECK_EQ_INT(p.properties.len, 2);
    if (p.properties.len == 2) {
        CHECK_EQ_INT(p.properties.items[0].id, IOTMQTT_PROPERTY_ID_RECEIVE_MAXIMUM);
        CHECK_EQ_INT(p.properties.items[0].value, 10);
        CHECK_EQ_INT(p.properties.items[1].id, IOTMQTT_PROPERTY_ID_USER_PROPERTY);
        CHECK_SPAN(p.properties.items[1].text, "k");
        CHECK_SPAN(p.properties.items[1].text2, "v");
    }
    /* SUBSCRIBE id 1: "a/#" QoS 1 with No Local, "b" QoS 0 with Retain Handling 2. */
    p = round_trip(c, "82 0d 00 01 00 00 03 61 2f 23 05 00 01 62 20", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_SUBSCRIBE);
    CHECK_EQ_INT(p.subscriptions_len, 2);
    if (p.subscriptions_len == 2) {
        CHECK_SPAN(p.subscriptions[0].filter, "a/#");
        CHECK_EQ_INT(p.subscriptions[0].qos, 1);
        CHECK(p.subscriptions[0].no_local);
        CHECK_SPAN(p.subscriptions[1].filter, "b");
        CHECK_EQ_INT(p.subscriptions[1].retain_handling, 2);
    }
    /* SUBACK id 7: granted 1, refused 0x87. */
    p = round_trip(c, "90 05 00 07 00 01 87", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_SUBACK);
    CHECK_EQ_INT(p.packet_id, 7);
    CHECK_EQ_INT(p.reasons.len, 2);
    if (p.reasons.len == 2) CHECK(p.reasons.ptr[0] == 1 && p.reasons.ptr[1] == 0x87);
    /* UNSUBSCRIBE id 2: "x", "y/z". */
    p = round_trip(c, "a2 0b 00 02 00 00 01 78 00 03 79 2f 7a", bytes, sizeof bytes);
    CHECK_EQ_INT(p.filters_len, 2);
    if (p.filters_len == 2) CHECK_SPAN(p.filters[1], "y/z");
    /* DISCONNECT with reason 0x8e (session taken over). */
    p = round_trip(c, "e0 01 8e", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_DISCONNECT);
    CHECK_EQ_INT(p.reason, 0x8e);
    p = round_trip(c, "c0 00", bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PINGREQ);
    iotmqtt_codec_free(c);
}

static void decodes_a_connect_with_will_and_credentials(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V311, 0);
    uint8_t bytes[128];
    /* CONNECT 3.1.1: clean, will QoS 1 retain ("w", "bye"), user "u", password "pw". */
    iotmqtt_packet p = round_trip(
        c, "10 1d 00 04 4d 51 54 54 04 ee 00 3c 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 02 70 77",
        bytes, sizeof bytes);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_CONNECT);
    CHECK_EQ_INT(p.protocol, IOTMQTT_PROTOCOL_VERSION_V311);
    CHECK(p.clean_start);
    CHECK_EQ_INT(p.keep_alive, 60);
    CHECK_SPAN(p.client_id, "c1");
    CHECK(p.has_will);
    CHECK_SPAN(p.will.topic, "w");
    CHECK_SPAN(p.will.payload, "bye");
    CHECK_EQ_INT(p.will.qos, 1);
    CHECK(p.will.retain);
    CHECK_SPAN(p.username, "u");
    CHECK_SPAN(p.password, "pw");
    iotmqtt_codec_free(c);
}

static void reports_incomplete_input_with_the_bytes_needed(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V311, 0);
    const uint8_t part[] = {0x30, 0x05, 0x00};
    iotmqtt_packet p;
    size_t n = 0;
    CHECK_STATUS(iotmqtt_codec_decode(c, part, sizeof part, &p, &n), IOTMQTT_STATUS_INCOMPLETE);
    CHECK_EQ_INT(n, 4);
    iotmqtt_error e = codec_error(c);
    CHECK(strcmp(e.code, "incomplete") == 0);
    CHECK_EQ_INT(e.required, 4);
    CHECK_STATUS(iotmqtt_codec_decode(c, part, 1, &p, &n), IOTMQTT_STATUS_INCOMPLETE);
    CHECK_EQ_INT(n, 1);
    CHECK_STATUS(iotmqtt_codec_decode(c, NULL, 0, &p, &n), IOTMQTT_STATUS_INCOMPLETE);
    iotmqtt_codec_free(c);
}

static void reports_the_violation_its_rule_and_the_offset(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V311, 0);
    const uint8_t wildcard[] = {0x30, 0x05, 0x00, 0x03, 'a', '/', '+'};
    iotmqtt_packet p;
    size_t n = 0;
    CHECK_STATUS(iotmqtt_codec_decode(c, wildcard, sizeof wildcard, &p, &n),
                 IOTMQTT_STATUS_MALFORMED);
    iotmqtt_error e = codec_error(c);
    CHECK_EQ_INT(e.status, IOTMQTT_STATUS_MALFORMED);
    CHECK_EQ_INT(e.kind, IOTMQTT_ERROR_KIND_MALFORMED);
    CHECK(strcmp(e.code, "topic_wildcard") == 0);
    CHECK(strcmp(e.rule, "MQTT-3.3.2-2") == 0);
    CHECK_EQ_INT(e.offset, 6);
    CHECK_EQ_INT(e.reason_code, 0x90);
    CHECK(strlen(e.message) > 0);
    iotmqtt_codec_free(c);

    /* A size limit is checked on the fixed header alone. */
    c = codec(IOTMQTT_PROTOCOL_VERSION_V5, 64);
    const uint8_t big[] = {0x30, 0x80, 0x01};
    CHECK_STATUS(iotmqtt_codec_decode(c, big, sizeof big, &p, &n), IOTMQTT_STATUS_MALFORMED);
    e = codec_error(c);
    CHECK(strcmp(e.code, "packet_too_large") == 0);
    iotmqtt_codec_free(c);
}

static void encodes_a_packet_built_from_a_zeroed_struct(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V5, 0);
    iotmqtt_property props[2];
    memset(props, 0, sizeof props);
    props[0].id = IOTMQTT_PROPERTY_ID_CONTENT_TYPE;
    props[0].text = (iotmqtt_str){"text/plain", 10};
    props[1].id = IOTMQTT_PROPERTY_ID_USER_PROPERTY;
    props[1].text = (iotmqtt_str){"k", 1};
    props[1].text2 = (iotmqtt_str){"v", 1};
    iotmqtt_packet p;
    memset(&p, 0, sizeof p);
    p.type = IOTMQTT_PACKET_TYPE_PUBLISH;
    p.qos = IOTMQTT_QOS_EXACTLY_ONCE;
    p.packet_id = 9;
    p.topic = (iotmqtt_str){"t", 1};
    p.payload = (iotmqtt_bytes){(const uint8_t *)"x", 1};
    p.properties = (iotmqtt_properties){props, 2};
    uint8_t small[4], buf[64];
    size_t n = 0;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, small, sizeof small, &n),
                 IOTMQTT_STATUS_BUFFER_TOO_SMALL);
    size_t need = n;
    CHECK(need > sizeof small);
    CHECK_EQ_INT(codec_error(c).required, need);
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, NULL, 0, &n), IOTMQTT_STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(n, need);
    CHECK_OK(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n));
    CHECK_EQ_INT(n, need);
    CHECK_EQ_INT(buf[0], 0x34);
    iotmqtt_packet back;
    size_t used = 0;
    CHECK_OK(iotmqtt_codec_decode(c, buf, n, &back, &used));
    CHECK_EQ_INT(back.packet_id, 9);
    CHECK_EQ_INT(back.properties.len, 2);
    if (back.properties.len == 2) CHECK_SPAN(back.properties.items[0].text, "text/plain");
    iotmqtt_codec_free(c);
}

static void refuses_packets_that_break_a_rule(void) {
    iotmqtt_codec *c = codec(IOTMQTT_PROTOCOL_VERSION_V311, 0);
    iotmqtt_packet p;
    memset(&p, 0, sizeof p);
    p.type = IOTMQTT_PACKET_TYPE_PUBLISH;
    p.topic = (iotmqtt_str){"a/#", 3};
    uint8_t buf[32];
    size_t n = 0;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_ENCODE);
    iotmqtt_error e = codec_error(c);
    CHECK(strcmp(e.code, "topic_wildcard") == 0);
    CHECK_EQ_INT(e.kind, IOTMQTT_ERROR_KIND_USAGE);
    /* Properties do not exist in 3.1.1. */
    iotmqtt_property prop;
    memset(&prop, 0, sizeof prop);
    prop.id = IOTMQTT_PROPERTY_ID_MESSAGE_EXPIRY_INTERVAL;
    prop.value = 5;
    p.topic = (iotmqtt_str){"a", 1};
    p.properties = (iotmqtt_properties){&prop, 1};
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_ENCODE);
    CHECK(strcmp(codec_error(c).code, "not_in_version") == 0);
    /* A reason code the packet may not carry, a zero packet id, a type that does not exist. */
    memset(&p, 0, sizeof p);
    p.type = IOTMQTT_PACKET_TYPE_PUBACK;
    p.packet_id = 1;
    p.reason = 0x02;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_INVALID_ARGUMENT);
    p.reason = 0;
    p.packet_id = 0;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_INVALID_ARGUMENT);
    p.type = 0;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_INVALID_ARGUMENT);
    p.type = 16;
    CHECK_STATUS(iotmqtt_codec_encode(c, &p, buf, sizeof buf, &n), IOTMQTT_STATUS_INVALID_ARGUMENT);
    iotmqtt_codec_free(c);
}

int main(void) {
    RUN(decodes_a_v311_publish_and_encodes_it_again);
    RUN(decodes_properties_and_lists_of_v5_packets);
    RUN(decodes_a_connect_with_will_and_credentials);
    RUN(reports_incomplete_input_with_the_bytes_needed);
    RUN(reports_the_violation_its_rule_and_the_offset);
    RUN(encodes_a_packet_built_from_a_zeroed_struct);
    RUN(refuses_packets_that_break_a_rule);
    HARNESS_EXIT();
}
