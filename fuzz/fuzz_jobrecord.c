/* fuzz/fuzz_jobrecord.c: libFuzzer target for redisfront_parse_record (app/crawl/redisfront.c),
 * the reader of the job records a lease reply carries.
 *
 * The input is a record. Checks: a record taken has its URL within the input, NUL-terminated
 * where its newline was, its origin no longer than the URL, and its parent (if any) the
 * input's rest; a record refused reads nothing past the input (ASan, on an exact-size copy).
 * Run: scripts/fuzz 60 fuzz_jobrecord. A crash belongs in tests/test_app_redisfront.c's table
 * of refused records as well. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/crawl/redisfront.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct redisfront_job j;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0'; /* as in a Redis reply */
    memset(&j, 0, sizeof(j));
    if (redisfront_parse_record(s, size, &j)) {
        CHECK(j.url > s && j.url + j.len < s + size + 1);
        CHECK(j.url[j.len] == '\0');
        CHECK(j.origin_len <= j.len);
        CHECK(!j.parent || (j.parent == j.url + j.len + 1 && j.parent < s + size));
        CHECK(j.parent || j.url + j.len + 1 == s + size);
    }
    free(s);
    return 0;
}
