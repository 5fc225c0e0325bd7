/*
 * A Huawei Cloud IoTDA device in C over POSIX sockets and poll(): it logs in with fresh
 * credentials on every connection attempt, reports its properties periodically, answers
 * commands and property requests, and reconnects when the connection is lost.
 *
 * iotmqtt does the protocol (MQTT session, IoTDA credentials and topics); this file only moves
 * bytes and time. Plain TCP: for TLS, put a TLS library between the socket and the two calls
 * marked "transport".
 *
 *   cc -o device device.c $(pkg-config --cflags --libs iotmqtt)
 *   ./device --host 127.0.0.1 --port 1883 --device-id dev_1 --secret s3cr3t-Key
 *
 * Options: --report-ms N (default 10000), --keep-alive S (default 120), --protocol 3.1.1|5,
 * --reconnect-max-ms N (default 30000). SIGINT/SIGTERM disconnect cleanly and exit 0.
 * Every line printed starts with a word a test can look for: login, connected, subscribed,
 * reported, command, properties_set, properties_get, lost, reconnecting, disconnected.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iotmqtt.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

typedef struct {
    const char *host, *port, *device_id, *secret;
    uint64_t report_ms;
    uint16_t keep_alive;
    uint8_t protocol;
    uint64_t reconnect_max_ms;
} options;

typedef struct {
    options opt;
    iotmqtt_client *client;
    int fd; /* -1: no transport */
    uint8_t *out;
    size_t out_cap;
    uint64_t next_report;
    unsigned reports, commands;
    double temperature;
} device;

static uint64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t utc_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Prints the status of a failed call with the library's last error, and exits. */
static void check(iotmqtt_status s, iotmqtt_client *c, const char *what) {
    if (s == IOTMQTT_STATUS_OK) return;
    iotmqtt_error e;
    if (c) iotmqtt_client_last_error(c, &e);
    else iotmqtt_last_error(&e);
    fprintf(stderr, "%s: %s (%s: %s)\n", what, iotmqtt_status_str((int)s), e.code, e.message);
    exit(1);
}

/* ------------------------------------------------------------------ transport */

static int tcp_connect(const char *host, const char *port) {
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static void close_transport(device *d) {
    if (d->fd >= 0) close(d->fd);
    d->fd = -1;
}

/* Writes everything the client has to send (transport). */
static void flush_output(device *d, uint64_t now) {
    for (;;) {
        size_t n = 0;
        iotmqtt_status s = iotmqtt_client_poll_transmit(d->client, now, d->out, d->out_cap, &n);
        if (s == IOTMQTT_STATUS_BUFFER_TOO_SMALL) {
            /* n is the size of the next packet: grow and try again. */
            uint8_t *bigger = realloc(d->out, n);
            if (!bigger) exit(1);
            d->out = bigger;
            d->out_cap = n;
            continue;
        }
        check(s, d->client, "poll_transmit");
        if (n == 0) return;
        size_t sent = 0;
        while (d->fd >= 0 && sent < n) {
            ssize_t w = send(d->fd, d->out + sent, n - sent, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                /* The client learns of it below; what was not sent is lost with the link. */
                close_transport(d);
                check(iotmqtt_client_handle_closed(d->client, now), d->client, "handle_closed");
                break;
            }
            sent += (size_t)w;
        }
    }
}

/* ------------------------------------------------------------------ the application */

static void publish_json(device *d, const char *topic, const char *json) {
    uint16_t id = 0;
    iotmqtt_status s = iotmqtt_client_publish(d->client, topic, (const uint8_t *)json, strlen(json),
                                              IOTMQTT_QOS_AT_LEAST_ONCE, false, NULL, 0, &id);
    if (s == IOTMQTT_STATUS_QUEUE_FULL) {
        printf("dropped %s: queue full\n", topic);
        return;
    }
    check(s, d->client, "publish");
}

static void report_properties(device *d) {
    char topic[256], json[256];
    size_t n;
    check(iotmqtt_topic_device(d->opt.device_id, IOTMQTT_SYS_TOPIC_PROPERTIES_REPORT, NULL, topic,
                               sizeof topic, &n),
          NULL, "topic");
    d->temperature += 0.5;
    snprintf(json, sizeof json,
             "{\"services\":[{\"service_id\":\"Sensor\",\"properties\":"
             "{\"temperature\":%.1f,\"reports\":%u}}]}",
             d->temperature, d->reports + 1);
    publish_json(d, topic, json);
    d->reports++;
    printf("reported %u\n", d->reports);
}

/* Answers a request on the response topic with the same request id. */
static void respond(device *d, iotmqtt_topic *request, iotmqtt_sys_topic response_sys,
                    const char *json) {
    char topic[512];
    size_t n;
    request->sys = (uint8_t)response_sys;
    check(iotmqtt_topic_write(request, topic, sizeof topic, &n), NULL, "response topic");
    publish_json(d, topic, json);
}

static void on_message(device *d, const iotmqtt_message_event *m) {
    /* The spans borrow from the client until the next call on it: copy what is needed. */
    char topic[512];
    if (m->topic.len >= sizeof topic) return;
    memcpy(topic, m->topic.ptr, m->topic.len);
    topic[m->topic.len] = 0;
    char payload[1024];
    size_t plen = m->payload.len < sizeof payload - 1 ? m->payload.len : sizeof payload - 1;
    memcpy(payload, m->payload.ptr, plen);
    payload[plen] = 0;

    iotmqtt_topic t;
    check(iotmqtt_topic_parse(topic, &t), NULL, "topic_parse");
    if (t.type != IOTMQTT_TOPIC_TYPE_DEVICE) {
        printf("message %s\n", topic);
        return;
    }
    char rid[256];
    snprintf(rid, sizeof rid, "%.*s", (int)t.request_id.len, t.request_id.ptr ? t.request_id.ptr : "");
    switch (t.sys) {
    case IOTMQTT_SYS_TOPIC_COMMAND:
        d->commands++;
        printf("command request_id=%s payload=%s\n", rid, payload);
        respond(d, &t, IOTMQTT_SYS_TOPIC_COMMAND_RESPONSE,
                "{\"result_code\":0,\"response_name\":\"COMMAND_RESPONSE\","
                "\"paras\":{\"result\":\"done\"}}");
        break;
    case IOTMQTT_SYS_TOPIC_PROPERTIES_SET:
        printf("properties_set request_id=%s\n", rid);
        respond(d, &t, IOTMQTT_SYS_TOPIC_PROPERTIES_SET_RESPONSE,
                "{\"result_code\":0,\"result_desc\":\"success\"}");
        break;
    case IOTMQTT_SYS_TOPIC_PROPERTIES_GET: {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"services\":[{\"service_id\":\"Sensor\",\"properties\":"
                 "{\"temperature\":%.1f}}]}",
                 d->temperature);
        printf("properties_get request_id=%s\n", rid);
        respond(d, &t, IOTMQTT_SYS_TOPIC_PROPERTIES_GET_RESPONSE, json);
        break;
    }
    default: printf("message %s\n", topic); break;
    }
}

/* A fresh login for this attempt: the ClientId and the password carry the current UTC hour. */
static void log_in(device *d) {
    iotmqtt_device_auth auth;
    memset(&auth, 0, sizeof auth);
    auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    auth.device_id = d->opt.device_id;
    auth.secret = d->opt.secret;
    char id[300], user[200], password[100];
    iotmqtt_text_buffer ib = {id, sizeof id, 0}, ub = {user, sizeof user, 0},
                        pb = {password, sizeof password, 0};
    check(iotmqtt_iotda_credentials(&auth, utc_ms(), &ib, &ub, &pb, NULL), NULL, "credentials");
    check(iotmqtt_client_set_client_id(d->client, id), d->client, "set_client_id");
    check(iotmqtt_client_set_credentials(d->client, user, (const uint8_t *)password, pb.len),
          d->client, "set_credentials");
    memset(password, 0, sizeof password);
    printf("login client_id=%s\n", id);
}

static void subscribe_downstream(device *d) {
    size_t count = 1, n;
    for (size_t i = 0; i < count; i++) {
        char filter[256];
        check(iotmqtt_iotda_downstream_filter(d->opt.device_id, i, filter, sizeof filter, &n, &count),
              NULL, "downstream_filter");
        iotmqtt_subscription sub = {filter, IOTMQTT_QOS_AT_LEAST_ONCE, false, false, 0};
        check(iotmqtt_client_subscribe(d->client, &sub, 1, NULL, 0, NULL), d->client, "subscribe");
    }
}

/* Takes every event; returns 1 when the device should exit. */
static int handle_events(device *d, uint64_t now) {
    for (;;) {
        iotmqtt_event e;
        check(iotmqtt_client_poll_event(d->client, &e), d->client, "poll_event");
        switch (e.type) {
        case IOTMQTT_EVENT_TYPE_NONE: return 0;
        case IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED: log_in(d); break;
        case IOTMQTT_EVENT_TYPE_CONNECTED:
            printf("connected session_present=%d\n", e.connected.session_present);
            subscribe_downstream(d);
            d->next_report = now;
            break;
        case IOTMQTT_EVENT_TYPE_SUBSCRIBED:
            printf("subscribed packet_id=%u\n", e.subscribed.packet_id);
            break;
        case IOTMQTT_EVENT_TYPE_MESSAGE: on_message(d, &e.message); break;
        case IOTMQTT_EVENT_TYPE_CONNECTION_LOST:
            printf("lost %s: %s\n", e.connection_lost.error.code, e.connection_lost.error.message);
            flush_output(d, now);
            close_transport(d);
            if (e.connection_lost.reconnect_at == IOTMQTT_NO_DEADLINE) return 1;
            break;
        case IOTMQTT_EVENT_TYPE_RECONNECT_DUE:
            printf("reconnecting attempt=%u\n", e.reconnect_attempt);
            break;
        case IOTMQTT_EVENT_TYPE_DISCONNECTED:
            flush_output(d, now);
            close_transport(d);
            printf("disconnected\n");
            return 1;
        default: break;
        }
        fflush(stdout);
    }
}

static int parse_options(int argc, char **argv, options *o) {
    o->host = "127.0.0.1";
    o->port = "1883";
    o->device_id = NULL;
    o->secret = NULL;
    o->report_ms = 10000;
    o->keep_alive = 120;
    o->protocol = IOTMQTT_PROTOCOL_VERSION_V311;
    o->reconnect_max_ms = 30000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--host")) o->host = v;
        else if (!strcmp(k, "--port")) o->port = v;
        else if (!strcmp(k, "--device-id")) o->device_id = v;
        else if (!strcmp(k, "--secret")) o->secret = v;
        else if (!strcmp(k, "--report-ms")) o->report_ms = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--keep-alive")) o->keep_alive = (uint16_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "--reconnect-max-ms")) o->reconnect_max_ms = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--protocol"))
            o->protocol = strcmp(v, "5") ? IOTMQTT_PROTOCOL_VERSION_V311 : IOTMQTT_PROTOCOL_VERSION_V5;
        else return -1;
    }
    return o->device_id && o->secret && o->report_ms > 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    device d;
    memset(&d, 0, sizeof d);
    if (parse_options(argc, argv, &d.opt) != 0) {
        fprintf(stderr, "usage: %s --device-id ID --secret SECRET [--host H] [--port P] "
                        "[--report-ms N] [--keep-alive S] [--protocol 3.1.1|5] "
                        "[--reconnect-max-ms N]\n", argv[0]);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);

    iotmqtt_client_config cfg;
    check(iotmqtt_client_config_default(&cfg), NULL, "config");
    cfg.protocol = d.opt.protocol;
    cfg.client_id = d.opt.device_id; /* replaced by the login of every attempt */
    cfg.keep_alive = d.opt.keep_alive;
    cfg.credentials = IOTMQTT_CREDENTIALS_MODE_ASK_EACH_TIME;
    cfg.reconnect_min_delay_ms = 500;
    cfg.reconnect_max_delay_ms = d.opt.reconnect_max_ms;
    cfg.jitter_seed = (uint64_t)getpid();
    check(iotmqtt_client_new(&cfg, &d.client), NULL, "client_new");
    d.fd = -1;
    d.out_cap = 4096;
    d.out = malloc(d.out_cap);
    d.temperature = 20.0;
    check(iotmqtt_client_connect(d.client), d.client, "connect");

    uint64_t start = monotonic_ms();
    int exiting = 0;
    for (;;) {
        uint64_t now = monotonic_ms() - start;
        if (stop_requested && !exiting) {
            exiting = 1;
            if (iotmqtt_client_disconnect(d.client) != IOTMQTT_STATUS_OK) break;
        }
        iotmqtt_state state;
        check(iotmqtt_client_state(d.client, &state), d.client, "state");
        if (state == IOTMQTT_STATE_WAITING_FOR_TRANSPORT && d.fd < 0) {
            d.fd = tcp_connect(d.opt.host, d.opt.port); /* transport */
            if (d.fd >= 0) check(iotmqtt_client_handle_connected(d.client, now), d.client, "connected");
            else check(iotmqtt_client_handle_closed(d.client, now), d.client, "closed");
        }
        if (state == IOTMQTT_STATE_CONNECTED && now >= d.next_report) {
            report_properties(&d);
            d.next_report = now + d.opt.report_ms;
        }
        /* The poll order: transmit, timeout, events, until nothing moves. */
        flush_output(&d, now);
        if (handle_events(&d, now)) break;
        flush_output(&d, now);

        uint64_t deadline = IOTMQTT_NO_DEADLINE;
        check(iotmqtt_client_poll_timeout(d.client, &deadline), d.client, "poll_timeout");
        if (state == IOTMQTT_STATE_CONNECTED && d.next_report < deadline) deadline = d.next_report;
        now = monotonic_ms() - start;
        int wait = deadline == IOTMQTT_NO_DEADLINE ? 1000
                   : deadline <= now              ? 0
                   : deadline - now > 1000        ? 1000
                                                  : (int)(deadline - now);
        struct pollfd p = {d.fd, POLLIN, 0};
        int ready = poll(&p, d.fd >= 0 ? 1 : 0, wait);
        now = monotonic_ms() - start;
        if (ready > 0 && d.fd >= 0) {
            uint8_t in[4096];
            ssize_t r = recv(d.fd, in, sizeof in, 0); /* transport */
            if (r > 0) {
                check(iotmqtt_client_handle_bytes(d.client, now, in, (size_t)r), d.client, "bytes");
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close_transport(&d);
                check(iotmqtt_client_handle_closed(d.client, now), d.client, "closed");
            }
        }
        check(iotmqtt_client_handle_timeout(d.client, now), d.client, "timeout");
    }
    printf("exit reports=%u commands=%u\n", d.reports, d.commands);
    close_transport(&d);
    iotmqtt_client_free(d.client);
    free(d.out);
    return 0;
}
