/* Helpers shared by the test programs. */
#ifndef IOTMQTT_TEST_COMMON_H
#define IOTMQTT_TEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "iotmqtt.h"

/* Decodes hex (pairs of digits, spaces ignored); the byte count, or -1 on bad hex or overflow. */
long hex_decode(const char *hex, uint8_t *out, size_t cap);

/* The whole file, NUL-terminated (free it), or NULL. */
char *read_file(const char *path, size_t *len);

/* A client with the core's defaults and these settings, or NULL. */
iotmqtt_client *client_with(const char *client_id, iotmqtt_protocol_version version,
                            uint16_t keep_alive);

/* Polls transmit until nothing is left; the bytes polled. */
size_t drain(iotmqtt_client *c, uint64_t now, uint8_t *out, size_t cap);

/* handle_bytes with bytes given as hex. */
iotmqtt_status feed_hex(iotmqtt_client *c, uint64_t now, const char *hex);

#endif
