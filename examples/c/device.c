/*
 * A Huawei Cloud IoTDA device in C over POSIX sockets and poll(): it logs in with credentials
 * made from the UTC hour on every connection attempt, reports its properties periodically,
 * answers commands and property requests, and reconnects when the connection is lost.
 *
 * iotmqtt does the protocol (the MQTT session, IoTDA's login, topics, JSON and pacing); this
 * file only moves bytes and time. Plain TCP: for TLS, put a TLS library between the socket and
 * the two calls marked "transport".
 *
 *   cc -o device device.c $(pkg-config --cflags --libs iotmqtt)
 *   ./device --host 127.0.0.1 --port 1883 --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key
 *
 * Options: --report-ms N (default 10000), --keep-alive S (default 120), --protocol 3.1.1|5,
 * --reconnect-max-ms N (default 30000). SIGINT/SIGTERM disconnect cleanly and exit 0.
 * Every line printed starts with a word a test can look for: connecting, connected,
 * subscribed, reported, command, properties_set, properties_get, lost, reconnecting,
 * disconnected, exit.
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
    iotmqtt_device *device;
    int fd; /* -1: no transport */
    uint8_t *out;
    size_t out_cap;
    uint64_t next_report;
    unsigned reports, commands;
    double temperature;
} app;

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

/* Stops with the library's last error when a call failed. */
static void check(iotmqtt_status s, iotmqtt_device *d, const char *what) {
    if (s == IOTMQTT_STATUS_OK) return;
    iotmqtt_error e;
    if (d) iotmqtt_device_last_error(d, &e);
    else iotmqtt_last_error(&e);
    fprintf(stderr, "%s: %s (%s: %s)\n", what, iotmqtt_status_str((int)s), e.code, e.message);
    exit(1);
}

/* A queued reply or report that fails (a full queue) is reported and skipped. */
static void soft(iotmqtt_status s, iotmqtt_device *d, const char *what) {
    if (s == IOTMQTT_STATUS_OK) return;
    iotmqtt_error e;
    iotmqtt_device_last_error(d, &e);
    printf("dropped %s: %s\n", what, e.message);
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

static void close_transport(app *a) {
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
}

/* Writes everything the device has to send (transport). */
static void flush_output(app *a, uint64_t now) {
    for (;;) {
        size_t n = 0;
        iotmqtt_status s = iotmqtt_device_poll_transmit(a->device, now, a->out, a->out_cap, &n);
        if (s == IOTMQTT_STATUS_BUFFER_TOO_SMALL) {
            /* n is the size of the next packet: grow and try again. */
            uint8_t *bigger = realloc(a->out, n);
            if (!bigger) exit(1);
            a->out = bigger;
            a->out_cap = n;
            continue;
        }
        check(s, a->device, "poll_transmit");
        if (n == 0) return;
        size_t sent = 0;
        while (a->fd >= 0 && sent < n) {
            ssize_t w = send(a->fd, a->out + sent, n - sent, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                close_transport(a);
                check(iotmqtt_device_handle_closed(a->device, now), a->device, "handle_closed");
                break;
            }
            sent += (size_t)w;
        }
    }
}

/* ------------------------------------------------------------------ the application */

static void current_properties(app *a, char *json, size_t cap) {
    snprintf(json, cap,
             "{\"services\":[{\"service_id\":\"Sensor\",\"properties\":"
             "{\"temperature\":%.1f,\"reports\":%u}}]}",
             a->temperature, a->reports);
}

static void report_properties(app *a) {
    char json[256];
    a->temperature += 0.5;
    a->reports++;
    current_properties(a, json, sizeof json);
    soft(iotmqtt_device_report_properties(a->device, json, IOTMQTT_REPORT_SUFFIX_NONE, NULL),
         a->device, "report");
    printf("reported %u\n", a->reports);
}

/* The event's request id as a C string (its span borrows from the device). */
static void request_id_of(const iotmqtt_device_event *e, char *rid, size_t cap) {
    snprintf(rid, cap, "%.*s", (int)e->request_id.len, e->request_id.ptr ? e->request_id.ptr : "");
}

/* Takes every event; returns 1 when the program should exit. */
static int handle_events(app *a, uint64_t now) {
    for (;;) {
        iotmqtt_device_event e;
        check(iotmqtt_device_poll_event(a->device, &e), a->device, "poll_event");
        char rid[256], json[512];
        switch (e.type) {
        case IOTMQTT_DEVICE_EVENT_TYPE_NONE: return 0;
        case IOTMQTT_DEVICE_EVENT_TYPE_COMMAND:
            request_id_of(&e, rid, sizeof rid);
            a->commands++;
            printf("command request_id=%s %.*s\n", rid, (int)e.json.len, e.json.ptr);
            soft(iotmqtt_device_respond_command(a->device, rid,
                                                "{\"result_code\":0,\"response_name\":"
                                                "\"COMMAND_RESPONSE\",\"paras\":{\"result\":\"done\"}}"),
                 a->device, "command response");
            break;
        case IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_SET:
            request_id_of(&e, rid, sizeof rid);
            printf("properties_set request_id=%s %.*s\n", rid, (int)e.json.len, e.json.ptr);
            soft(iotmqtt_device_respond_properties_set(a->device, rid,
                                                       "{\"result_code\":0,\"result_desc\":\"success\"}"),
                 a->device, "properties set response");
            break;
        case IOTMQTT_DEVICE_EVENT_TYPE_PROPERTIES_GET:
            request_id_of(&e, rid, sizeof rid);
            printf("properties_get request_id=%s\n", rid);
            current_properties(a, json, sizeof json);
            soft(iotmqtt_device_respond_properties_get(a->device, rid, json), a->device,
                 "properties get response");
            break;
        case IOTMQTT_DEVICE_EVENT_TYPE_BAD_INPUT:
            printf("bad_input %.*s\n", (int)e.topic.len, e.topic.ptr);
            break;
        case IOTMQTT_DEVICE_EVENT_TYPE_MQTT:
            switch (e.mqtt.type) {
            case IOTMQTT_EVENT_TYPE_CONNECTED:
                printf("connected session_present=%d\n", e.mqtt.connected.session_present);
                a->next_report = now;
                break;
            case IOTMQTT_EVENT_TYPE_SUBSCRIBED:
                printf("subscribed packet_id=%u\n", e.mqtt.subscribed.packet_id);
                break;
            case IOTMQTT_EVENT_TYPE_CONNECTION_LOST:
                printf("lost %s: %s\n", e.mqtt.connection_lost.error.code,
                       e.mqtt.connection_lost.error.message);
                flush_output(a, now);
                close_transport(a);
                if (e.mqtt.connection_lost.reconnect_at == IOTMQTT_NO_DEADLINE) return 1;
                break;
            case IOTMQTT_EVENT_TYPE_RECONNECT_DUE:
                printf("reconnecting attempt=%u\n", e.mqtt.reconnect_attempt);
                break;
            case IOTMQTT_EVENT_TYPE_DISCONNECTED:
                flush_output(a, now);
                close_transport(a);
                printf("disconnected\n");
                return 1;
            default: break;
            }
            break;
        default: break;
        }
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
    app a;
    memset(&a, 0, sizeof a);
    if (parse_options(argc, argv, &a.opt) != 0) {
        fprintf(stderr, "usage: %s --device-id ID --secret SECRET [--host H] [--port P] "
                        "[--report-ms N] [--keep-alive S] [--protocol 3.1.1|5] "
                        "[--reconnect-max-ms N]\n", argv[0]);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);

    iotmqtt_device_config cfg;
    check(iotmqtt_device_config_default(&cfg), NULL, "config");
    cfg.auth.kind = IOTMQTT_AUTH_KIND_SECRET;
    cfg.auth.device_id = a.opt.device_id;
    cfg.auth.secret = a.opt.secret;
    cfg.protocol = a.opt.protocol;
    cfg.keep_alive = a.opt.keep_alive;
    /* QoS 1 delivery of commands and requests (and a broker that is not IoTDA delivers them at
     * all only after a SUBSCRIBE). */
    cfg.subscribe_downstream_qos1 = true;
    cfg.reconnect_min_delay_ms = 500;
    cfg.reconnect_max_delay_ms = a.opt.reconnect_max_ms;
    cfg.jitter_seed = (uint64_t)getpid();
    cfg.request_id_seed = (uint64_t)getpid();
    check(iotmqtt_device_new(&cfg, &a.device), NULL, "device_new");
    a.fd = -1;
    a.out_cap = 4096;
    a.out = malloc(a.out_cap);
    a.temperature = 20.0;
    check(iotmqtt_device_connect(a.device), a.device, "connect");

    uint64_t start = monotonic_ms();
    int exiting = 0;
    for (;;) {
        uint64_t now = monotonic_ms() - start;
        if (stop_requested && !exiting) {
            exiting = 1;
            if (iotmqtt_device_disconnect(a.device) != IOTMQTT_STATUS_OK) break;
        }
        iotmqtt_state state;
        check(iotmqtt_device_state(a.device, &state), a.device, "state");
        if (state == IOTMQTT_STATE_WAITING_FOR_TRANSPORT && a.fd < 0) {
            printf("connecting %s:%s\n", a.opt.host, a.opt.port);
            a.fd = tcp_connect(a.opt.host, a.opt.port); /* transport */
            if (a.fd >= 0) /* the login of this attempt is made from the UTC time now */
                check(iotmqtt_device_handle_connected(a.device, now, utc_ms()), a.device, "connected");
            else
                check(iotmqtt_device_handle_closed(a.device, now), a.device, "closed");
        }
        if (state == IOTMQTT_STATE_CONNECTED && now >= a.next_report) {
            report_properties(&a);
            a.next_report = now + a.opt.report_ms;
        }
        /* The poll order: transmit, timeout, events, until nothing moves. */
        flush_output(&a, now);
        if (handle_events(&a, now)) break;
        flush_output(&a, now);

        uint64_t deadline = IOTMQTT_NO_DEADLINE;
        check(iotmqtt_device_poll_timeout(a.device, &deadline), a.device, "poll_timeout");
        if (state == IOTMQTT_STATE_CONNECTED && a.next_report < deadline) deadline = a.next_report;
        now = monotonic_ms() - start;
        int wait = deadline == IOTMQTT_NO_DEADLINE ? 1000
                   : deadline <= now              ? 0
                   : deadline - now > 1000        ? 1000
                                                  : (int)(deadline - now);
        struct pollfd p = {a.fd, POLLIN, 0};
        int ready = poll(&p, a.fd >= 0 ? 1 : 0, wait);
        now = monotonic_ms() - start;
        if (ready > 0 && a.fd >= 0) {
            uint8_t in[4096];
            ssize_t r = recv(a.fd, in, sizeof in, 0); /* transport */
            if (r > 0) {
                check(iotmqtt_device_handle_bytes(a.device, now, in, (size_t)r), a.device, "bytes");
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close_transport(&a);
                check(iotmqtt_device_handle_closed(a.device, now), a.device, "closed");
            }
        }
        check(iotmqtt_device_handle_timeout(a.device, now), a.device, "timeout");
    }
    printf("exit reports=%u commands=%u\n", a.reports, a.commands);
    close_transport(&a);
    iotmqtt_device_free(a.device);
    free(a.out);
    return 0;
}
