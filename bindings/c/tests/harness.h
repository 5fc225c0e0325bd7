/* A tiny test harness: CHECK macros that count failures and say where, and a runner. */
#ifndef IOTMQTT_TEST_HARNESS_H
#define IOTMQTT_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "iotmqtt.h"

extern int harness_failures;
extern const char *harness_current;

#define FAIL_AT(file, line, ...)                                                           \
    do {                                                                                   \
        harness_failures++;                                                                \
        fprintf(stderr, "FAIL %s (%s:%d): ", harness_current, file, line);                 \
        fprintf(stderr, __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                               \
    } while (0)

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) FAIL_AT(__FILE__, __LINE__, "%s", #cond);                             \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                                     \
    do {                                                                                   \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
        if (a_ != e_)                                                                      \
            FAIL_AT(__FILE__, __LINE__, "%s == %lld, expected %lld", #actual, a_, e_);     \
    } while (0)

/* A status check that prints the library's last error on failure. */
#define CHECK_STATUS(call, expected)                                                       \
    do {                                                                                   \
        iotmqtt_status s_ = (call);                                                        \
        if (s_ != (expected)) {                                                            \
            iotmqtt_error e_;                                                              \
            iotmqtt_last_error(&e_);                                                       \
            FAIL_AT(__FILE__, __LINE__, "%s returned %d (%s), expected %d; last error %s", \
                    #call, (int)s_, iotmqtt_status_str((int)s_), (int)(expected),          \
                    e_.message);                                                           \
        }                                                                                  \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, IOTMQTT_STATUS_OK)

/* Compares a span (iotmqtt_str or iotmqtt_bytes) with a C string. */
#define CHECK_SPAN(span, text)                                                             \
    do {                                                                                   \
        const char *t_ = (text);                                                           \
        size_t n_ = strlen(t_);                                                            \
        if ((span).ptr == NULL || (span).len != n_ ||                                      \
            memcmp((const void *)(span).ptr, t_, n_) != 0)                                 \
            FAIL_AT(__FILE__, __LINE__, "%s is \"%.*s\", expected \"%s\"", #span,          \
                    (int)((span).ptr ? (span).len : 0),                                    \
                    (span).ptr ? (const char *)(span).ptr : "", t_);                       \
    } while (0)

#define RUN(test)                                                                          \
    do {                                                                                   \
        harness_current = #test;                                                           \
        int before_ = harness_failures;                                                    \
        test();                                                                            \
        printf("%s %s\n", harness_failures == before_ ? "ok  " : "FAIL", #test);           \
    } while (0)

#define HARNESS_STATE                                                                      \
    int harness_failures = 0;                                                              \
    const char *harness_current = "";

#define HARNESS_EXIT()                                                                     \
    do {                                                                                   \
        if (harness_failures) {                                                            \
            fprintf(stderr, "%d check(s) failed\n", harness_failures);                     \
            return 1;                                                                      \
        }                                                                                  \
        return 0;                                                                          \
    } while (0)

#endif
