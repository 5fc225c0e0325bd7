/* The client session through the C API against scripted server bytes. */
#include "harness.h"

HARNESS_STATE

static uint8_t wire[8192];

/* Polls everything the client wants to send and decodes the first packet with `codec`. */
static iotmqtt_packet sent_packet(iotmqtt_client *c, iotmqtt_codec *codec, uint64_t now,
                                  size_t *total) {
    iotmqtt_packet p;
    memset(&p, 0, sizeof p);
    size_t n = drain(c, now, wire, sizeof wire);
    if (total) *total = n;
    size_t used = 0;
    CHECK_OK(iotmqtt_codec_decode(codec, wire, n, &p, &used));
    return p;
}

static iotmqtt_event next_event(iotmqtt_client *c) {
    iotmqtt_event e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_client_poll_event(c, &e));
    return e;
}

static void expect_no_event(iotmqtt_client *c) {
    iotmqtt_event e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_NONE);
}

static iotmqtt_state state_of(iotmqtt_client *c) {
    iotmqtt_state s = IOTMQTT_STATE_IDLE;
    CHECK_OK(iotmqtt_client_state(c, &s));
    return s;
}

static iotmqtt_error client_error(iotmqtt_client *c) {
    iotmqtt_error e;
    memset(&e, 0, sizeof e);
    CHECK_OK(iotmqtt_client_last_error(c, &e));
    return e;
}

static void a_v5_session_connects_subscribes_publishes_and_receives(void) {
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    CHECK_EQ_INT(cfg.protocol, IOTMQTT_PROTOCOL_VERSION_V5);
    CHECK_EQ_INT(cfg.keep_alive, 60);
    CHECK_EQ_INT(cfg.receive_maximum, 64);
    cfg.client_id = "dev-1";
    cfg.keep_alive = 30;
    cfg.credentials = IOTMQTT_CREDENTIALS_MODE_STATIC;
    cfg.username = "user";
    cfg.password = (iotmqtt_bytes){(const uint8_t *)"hunter2", 7};
    iotmqtt_client *c = NULL;
    CHECK_OK(iotmqtt_client_new(&cfg, &c));
    iotmqtt_codec *codec = NULL;
    CHECK_OK(iotmqtt_codec_new(IOTMQTT_PROTOCOL_VERSION_V5, 0, &codec));

    CHECK_OK(iotmqtt_client_connect(c));
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_WAITING_FOR_TRANSPORT);
    CHECK_OK(iotmqtt_client_handle_connected(c, 0));
    iotmqtt_packet p = sent_packet(c, codec, 0, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_CONNECT);
    CHECK_SPAN(p.client_id, "dev-1");
    CHECK_SPAN(p.username, "user");
    CHECK_SPAN(p.password, "hunter2");
    CHECK_EQ_INT(p.keep_alive, 30);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_AWAITING_CONNACK);

    /* CONNACK with Topic Alias Maximum 0 and a Reason String. */
    CHECK_OK(feed_hex(c, 10, "20 07 00 00 04 1f 00 01 72"));
    iotmqtt_event e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_CONNECTED);
    CHECK(!e.connected.session_present);
    CHECK_EQ_INT(e.connected.keep_alive, 30);
    CHECK_EQ_INT(e.connected.receive_maximum, 65535);
    CHECK_EQ_INT(e.connected.maximum_qos, IOTMQTT_QOS_EXACTLY_ONCE);
    CHECK(e.connected.assigned_client_id.ptr == NULL);
    CHECK_SPAN(e.connected.reason_string, "r");
    CHECK_EQ_INT(e.connected.properties.len, 1);
    expect_no_event(c);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_CONNECTED);

    iotmqtt_subscription sub = {"a/#", IOTMQTT_QOS_AT_LEAST_ONCE, false, false, 0};
    uint16_t id = 0;
    CHECK_OK(iotmqtt_client_subscribe(c, &sub, 1, NULL, 0, &id));
    CHECK_EQ_INT(id, 1);
    p = sent_packet(c, codec, 20, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_SUBSCRIBE);
    CHECK_EQ_INT(p.packet_id, 1);
    CHECK_EQ_INT(p.subscriptions_len, 1);
    if (p.subscriptions_len == 1) CHECK_SPAN(p.subscriptions[0].filter, "a/#");
    CHECK_OK(feed_hex(c, 30, "90 04 00 01 00 01"));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_SUBSCRIBED);
    CHECK_EQ_INT(e.subscribed.packet_id, 1);
    CHECK_EQ_INT(e.subscribed.reasons.len, 1);
    if (e.subscribed.reasons.len == 1) CHECK_EQ_INT(e.subscribed.reasons.ptr[0], 1);

    iotmqtt_property up;
    memset(&up, 0, sizeof up);
    up.id = IOTMQTT_PROPERTY_ID_USER_PROPERTY;
    up.text = (iotmqtt_str){"unit", 4};
    up.text2 = (iotmqtt_str){"C", 1};
    CHECK_OK(iotmqtt_client_publish(c, "a/b", (const uint8_t *)"hi", 2, IOTMQTT_QOS_AT_LEAST_ONCE,
                                    false, &up, 1, &id));
    CHECK_EQ_INT(id, 2);
    p = sent_packet(c, codec, 40, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PUBLISH);
    CHECK_SPAN(p.topic, "a/b");
    CHECK_SPAN(p.payload, "hi");
    CHECK_EQ_INT(p.packet_id, 2);
    CHECK_EQ_INT(p.properties.len, 1);
    if (p.properties.len == 1) CHECK_SPAN(p.properties.items[0].text2, "C");
    CHECK_OK(feed_hex(c, 50, "40 02 00 02"));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_PUBLISH_ACKED);
    CHECK_EQ_INT(e.ack.packet_id, 2);
    CHECK_EQ_INT(e.ack.reason, 0);

    /* A QoS 1 message from the server, one byte at a time. */
    uint8_t in[32];
    long n = hex_decode("32 0a 00 03 61 2f 78 00 05 00 79 6f", in, sizeof in);
    for (long i = 0; i < n; i++) CHECK_OK(iotmqtt_client_handle_bytes(c, 60, in + i, 1));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_MESSAGE);
    CHECK_SPAN(e.message.topic, "a/x");
    CHECK_SPAN(e.message.payload, "yo");
    CHECK_EQ_INT(e.message.qos, IOTMQTT_QOS_AT_LEAST_ONCE);
    CHECK_EQ_INT(e.message.packet_id, 5);
    CHECK(e.message.ack_token != 0);
    expect_no_event(c);
    size_t total = 0;
    p = sent_packet(c, codec, 60, &total);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PUBACK);
    CHECK_EQ_INT(p.packet_id, 5);
    CHECK_EQ_INT(total, 4);

    /* Keep-alive: PINGREQ when nothing was sent for 30 s. */
    uint64_t deadline = 0;
    CHECK_OK(iotmqtt_client_poll_timeout(c, &deadline));
    CHECK_EQ_INT(deadline, 60 + 30000);
    CHECK_OK(iotmqtt_client_handle_timeout(c, deadline));
    p = sent_packet(c, codec, deadline, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PINGREQ);
    CHECK_OK(feed_hex(c, deadline + 5, "d0 00"));
    expect_no_event(c);

    /* A buffer too small for the next packet: its size, and nothing lost. */
    uint8_t big[200];
    memset(big, 'z', sizeof big);
    CHECK_OK(iotmqtt_client_publish(c, "a/b", big, sizeof big, IOTMQTT_QOS_AT_MOST_ONCE, false,
                                    NULL, 0, &id));
    CHECK_EQ_INT(id, 0);
    size_t need = 0;
    CHECK_STATUS(iotmqtt_client_poll_transmit(c, deadline + 6, wire, 10, &need),
                 IOTMQTT_STATUS_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, 1 + 2 + 2 + 3 + 1 + 200);
    CHECK_EQ_INT(client_error(c).required, need);
    CHECK_OK(iotmqtt_client_poll_transmit(c, deadline + 6, wire, need, &total));
    CHECK_EQ_INT(total, need);

    CHECK_OK(iotmqtt_client_disconnect(c));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_DISCONNECTED);
    p = sent_packet(c, codec, deadline + 7, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_DISCONNECT);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_IDLE);

    /* An error message never carries the password. */
    CHECK_STATUS(iotmqtt_client_set_credentials(c, "user", (const uint8_t *)"hunter2", 7),
                 IOTMQTT_STATUS_INVALID_STATE);
    iotmqtt_error err = client_error(c);
    CHECK(strcmp(err.code, "invalid_state") == 0);
    CHECK(strstr(err.message, "hunter2") == NULL);
    iotmqtt_client_free(c);
    iotmqtt_codec_free(codec);
}

static void credentials_each_time_manual_ack_loss_and_reconnect(void) {
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    cfg.client_id = "dev-2";
    cfg.protocol = IOTMQTT_PROTOCOL_VERSION_V311;
    cfg.keep_alive = 0;
    cfg.credentials = IOTMQTT_CREDENTIALS_MODE_ASK_EACH_TIME;
    cfg.manual_ack = true;
    cfg.reconnect_min_delay_ms = 1000;
    cfg.reconnect_max_delay_ms = 1000;
    iotmqtt_client *c = NULL;
    CHECK_OK(iotmqtt_client_new(&cfg, &c));
    iotmqtt_codec *codec = NULL;
    CHECK_OK(iotmqtt_codec_new(IOTMQTT_PROTOCOL_VERSION_V311, 0, &codec));

    CHECK_OK(iotmqtt_client_connect(c));
    CHECK_OK(iotmqtt_client_handle_connected(c, 0));
    size_t n = 99;
    CHECK_OK(iotmqtt_client_poll_transmit(c, 0, wire, sizeof wire, &n));
    CHECK_EQ_INT(n, 0);
    iotmqtt_event e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED);
    CHECK_OK(iotmqtt_client_set_client_id(c, "dev-2-fresh"));
    CHECK_OK(iotmqtt_client_set_credentials(c, "u", (const uint8_t *)"p", 1));
    iotmqtt_str id;
    CHECK_OK(iotmqtt_client_client_id(c, &id));
    CHECK_SPAN(id, "dev-2-fresh");
    iotmqtt_packet p = sent_packet(c, codec, 0, NULL);
    CHECK_SPAN(p.client_id, "dev-2-fresh");
    CHECK_SPAN(p.password, "p");
    CHECK_OK(feed_hex(c, 5, "20 02 00 00"));
    CHECK_EQ_INT(next_event(c).type, IOTMQTT_EVENT_TYPE_CONNECTED);

    /* Manual ack: nothing is sent until iotmqtt_client_ack. */
    CHECK_OK(feed_hex(c, 6, "32 07 00 01 74 00 09 68 69"));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_MESSAGE);
    uint64_t token = e.message.ack_token;
    CHECK(token != 0);
    CHECK_OK(iotmqtt_client_poll_transmit(c, 6, wire, sizeof wire, &n));
    CHECK_EQ_INT(n, 0);
    CHECK_OK(iotmqtt_client_ack(c, token));
    p = sent_packet(c, codec, 7, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PUBACK);
    CHECK_EQ_INT(p.packet_id, 9);
    CHECK_STATUS(iotmqtt_client_ack(c, token), IOTMQTT_STATUS_INVALID_ARGUMENT);

    /* Garbage from the server: the connection is lost, a reconnect is scheduled. */
    CHECK_OK(feed_hex(c, 100, "f0 00"));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_CONNECTION_LOST);
    CHECK_EQ_INT(e.connection_lost.error.kind, IOTMQTT_ERROR_KIND_MALFORMED);
    CHECK(strcmp(e.connection_lost.error.code, "invalid_packet_type") == 0);
    CHECK_EQ_INT(e.connection_lost.error.offset, 0);
    CHECK(e.connection_lost.reconnect_at != IOTMQTT_NO_DEADLINE);
    uint64_t at = e.connection_lost.reconnect_at;
    CHECK(at >= 100 + 500 && at <= 100 + 1000);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_BACKOFF);
    uint64_t deadline = 0;
    CHECK_OK(iotmqtt_client_poll_timeout(c, &deadline));
    CHECK_EQ_INT(deadline, at);
    CHECK_OK(iotmqtt_client_handle_timeout(c, at));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_RECONNECT_DUE);
    CHECK_EQ_INT(e.reconnect_attempt, 1);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_WAITING_FOR_TRANSPORT);

    /* The transport could not be opened. */
    CHECK_OK(iotmqtt_client_handle_closed(c, at + 1));
    e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_CONNECTION_LOST);
    CHECK(strcmp(e.connection_lost.error.code, "connection_closed") == 0);
    iotmqtt_client_free(c);
    iotmqtt_codec_free(codec);
}

static void a_snapshot_carries_queued_messages_to_a_new_client(void) {
    iotmqtt_client *c = client_with("dev-3", IOTMQTT_PROTOCOL_VERSION_V311, 0);
    CHECK(c != NULL);
    uint16_t id = 0;
    CHECK_OK(iotmqtt_client_publish(c, "q", (const uint8_t *)"1", 1, IOTMQTT_QOS_AT_LEAST_ONCE,
                                    false, NULL, 0, &id));
    CHECK_EQ_INT(id, 1);
    iotmqtt_bytes snap;
    CHECK_OK(iotmqtt_client_snapshot(c, &snap));
    CHECK(snap.len > 0);
    uint8_t copy[1024];
    CHECK(snap.len <= sizeof copy);
    size_t len = snap.len < sizeof copy ? snap.len : sizeof copy;
    memcpy(copy, snap.ptr, len);
    iotmqtt_client_free(c);

    iotmqtt_client *d = client_with("dev-3", IOTMQTT_PROTOCOL_VERSION_V311, 0);
    CHECK_STATUS(iotmqtt_client_restore(d, copy, 3), IOTMQTT_STATUS_SNAPSHOT);
    CHECK(strncmp(client_error(d).code, "snapshot_", 9) == 0);
    CHECK_OK(iotmqtt_client_restore(d, copy, len));
    CHECK_OK(iotmqtt_client_connect(d));
    CHECK_OK(iotmqtt_client_handle_connected(d, 0));
    drain(d, 0, wire, sizeof wire);
    CHECK_OK(feed_hex(d, 1, "20 02 00 00"));
    iotmqtt_codec *codec = NULL;
    CHECK_OK(iotmqtt_codec_new(IOTMQTT_PROTOCOL_VERSION_V311, 0, &codec));
    iotmqtt_packet p = sent_packet(d, codec, 1, NULL);
    CHECK_EQ_INT(p.type, IOTMQTT_PACKET_TYPE_PUBLISH);
    CHECK_SPAN(p.topic, "q");
    CHECK_EQ_INT(p.packet_id, 1);
    iotmqtt_client_free(d);
    iotmqtt_codec_free(codec);
}

/* reconnect_stop_on: the CONNACK refusals (a bit per code 0x80 + n) that end the reconnects. */
static bool refusal_is_retried(uint32_t stop_on) {
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    cfg.client_id = "dev-stop";
    cfg.keep_alive = 0;
    cfg.reconnect_stop_on = stop_on;
    iotmqtt_client *c = NULL;
    CHECK_OK(iotmqtt_client_new(&cfg, &c));
    CHECK_OK(iotmqtt_client_connect(c));
    CHECK_OK(iotmqtt_client_handle_connected(c, 0));
    size_t n = 0;
    CHECK_OK(iotmqtt_client_poll_transmit(c, 0, wire, sizeof wire, &n));
    CHECK_OK(feed_hex(c, 1, "20 03 00 86 00")); /* 5.0 CONNACK: bad user name or password */
    iotmqtt_event e = next_event(c);
    CHECK_EQ_INT(e.type, IOTMQTT_EVENT_TYPE_CONNECTION_LOST);
    bool retried = e.connection_lost.reconnect_at != IOTMQTT_NO_DEADLINE;
    CHECK_EQ_INT(state_of(c), retried ? IOTMQTT_STATE_BACKOFF : IOTMQTT_STATE_IDLE);
    iotmqtt_client_free(c);
    return retried;
}

static void reconnect_stop_on_ends_the_reconnects_on_the_refusals_it_names(void) {
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    /* The default: 0x84, 0x86, 0x87, 0x8A. */
    CHECK_EQ_INT(cfg.reconnect_stop_on, (1u << 4) | (1u << 6) | (1u << 7) | (1u << 10));
    CHECK(!refusal_is_retried(cfg.reconnect_stop_on));
    CHECK(!refusal_is_retried(1u << (0x86 - 0x80)));
    CHECK(refusal_is_retried(1u << (0x87 - 0x80)));
    CHECK(refusal_is_retried(0));
    /* A bit of a code that is no CONNACK reason (0x8E) is refused, and named. */
    cfg.client_id = "dev-stop";
    cfg.reconnect_stop_on = 1u << (0x8E - 0x80);
    iotmqtt_client *c = NULL;
    CHECK_STATUS(iotmqtt_client_new(&cfg, &c), IOTMQTT_STATUS_INVALID_ARGUMENT);
    CHECK(c == NULL);
    iotmqtt_error err;
    CHECK_OK(iotmqtt_last_error(&err));
    CHECK(strstr(err.message, "reconnect_stop_on") != NULL && strstr(err.message, "0x8E") != NULL);
}

static void usage_errors_are_typed_and_change_nothing(void) {
    iotmqtt_client_config cfg;
    CHECK_OK(iotmqtt_client_config_default(&cfg));
    cfg.client_id = "dev-4";
    cfg.max_queued_messages = 1;
    cfg.receive_maximum = 0;
    iotmqtt_client *c = NULL;
    CHECK_OK(iotmqtt_client_new(&cfg, &c));
    CHECK_STATUS(iotmqtt_client_connect(c), IOTMQTT_STATUS_INVALID_CONFIG);
    iotmqtt_error e = client_error(c);
    CHECK(strcmp(e.code, "invalid_config") == 0);
    CHECK(strstr(e.message, "receive_maximum") != NULL);
    CHECK_EQ_INT(state_of(c), IOTMQTT_STATE_IDLE);
    CHECK_STATUS(iotmqtt_client_disconnect(c), IOTMQTT_STATUS_INVALID_STATE);
    CHECK_OK(iotmqtt_client_publish(c, "a", NULL, 0, IOTMQTT_QOS_AT_LEAST_ONCE, false, NULL, 0, NULL));
    CHECK_STATUS(iotmqtt_client_publish(c, "a", NULL, 0, IOTMQTT_QOS_AT_LEAST_ONCE, false, NULL, 0,
                                        NULL),
                 IOTMQTT_STATUS_QUEUE_FULL);
    CHECK_EQ_INT(client_error(c).reason_code, 0x97);
    CHECK_STATUS(iotmqtt_client_publish(c, "a/+", NULL, 0, 0, false, NULL, 0, NULL),
                 IOTMQTT_STATUS_ENCODE);
    e = client_error(c);
    CHECK(strcmp(e.code, "topic_wildcard") == 0);
    CHECK(strcmp(e.rule, "MQTT-3.3.2-2") == 0);
    iotmqtt_subscription bad = {"a/#/b", 0, false, false, 0};
    CHECK_STATUS(iotmqtt_client_subscribe(c, &bad, 1, NULL, 0, NULL), IOTMQTT_STATUS_ENCODE);
    CHECK(strcmp(client_error(c).code, "invalid_topic_filter") == 0);
    const char *filters[] = {"x"};
    uint16_t id = 0;
    CHECK_OK(iotmqtt_client_unsubscribe(c, filters, 1, NULL, 0, &id));
    CHECK(id != 0);
    CHECK_STATUS(iotmqtt_client_auth_continue(c, NULL, 0), IOTMQTT_STATUS_INVALID_STATE);
    CHECK_STATUS(iotmqtt_client_reauthenticate(c, NULL, 0), IOTMQTT_STATUS_INVALID_STATE);
    iotmqtt_client_free(c);
}

int main(void) {
    RUN(a_v5_session_connects_subscribes_publishes_and_receives);
    RUN(credentials_each_time_manual_ack_loss_and_reconnect);
    RUN(reconnect_stop_on_ends_the_reconnects_on_the_refusals_it_names);
    RUN(a_snapshot_carries_queued_messages_to_a_new_client);
    RUN(usage_errors_are_typed_and_change_nothing);
    HARNESS_EXIT();
}
