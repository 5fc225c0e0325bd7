/* Helpers shared by the test programs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long hex_decode(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        int hi = hex_value(p[0]);
        int lo = hi < 0 ? -1 : hex_value(p[1]);
        if (hi < 0 || lo < 0 || n >= cap) return -1;
        out[n++] = (uint8_t)(hi * 16 + lo);
        p += 2;
    }
    return (long)n;
}

char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

iotmqtt_client *client_with(const char *client_id, iotmqtt_protocol_version version,
                            uint16_t keep_alive) {
    iotmqtt_client_config cfg;
    if (iotmqtt_client_config_default(&cfg) != IOTMQTT_STATUS_OK) return NULL;
    cfg.client_id = client_id;
    cfg.protocol = (uint8_t)version;
    cfg.keep_alive = keep_alive;
    iotmqtt_client *c = NULL;
    if (iotmqtt_client_new(&cfg, &c) != IOTMQTT_STATUS_OK) return NULL;
    return c;
}

size_t drain(iotmqtt_client *c, uint64_t now, uint8_t *out, size_t cap) {
    size_t total = 0;
    for (;;) {
        size_t n = 0;
        if (iotmqtt_client_poll_transmit(c, now, out + total, cap - total, &n) != IOTMQTT_STATUS_OK)
            return total;
        if (n == 0) return total;
        total += n;
    }
}

iotmqtt_status feed_hex(iotmqtt_client *c, uint64_t now, const char *hex) {
    uint8_t bytes[4096];
    long n = hex_decode(hex, bytes, sizeof bytes);
    if (n < 0) return IOTMQTT_STATUS_INVALID_ARGUMENT;
    return iotmqtt_client_handle_bytes(c, now, bytes, (size_t)n);
}
