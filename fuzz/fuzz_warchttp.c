/* fuzz/fuzz_warchttp.c: libFuzzer target for app/export/warchttp.c.
 *
 * The input is an HTTP message (header block and body). Checks: the payload handed over is
 * never longer than the body and its count matches what the sink got; a rewritten response or
 * request starts with an HTTP/1.x line and keeps everything after the first line; status codes
 * are 0 or 100-999; a header value lies inside the input.
 * Run: scripts/fuzz 60 fuzz_warchttp. A crash belongs in tests/test_app_warchttp.c as well. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/export/warchttp.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

static void count(void *arg, const void *p, size_t n)
{
    (void)p;
    *(size_t *)arg += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data, *v, *nl;
    size_t head = app_warchttp_head_len(msg, size), body, got = 0, n, vlen;
    struct core_buf out;
    int status;

    if (head == 0)
        head = size;
    body = size - head;
    n = app_warchttp_payload(msg, head, msg + head, body, count, &got);
    CHECK(n == got && n <= body);
    got = 0;
    CHECK(app_warchttp_dechunk(msg, size, count, &got) == got && got <= size);
    status = app_warchttp_status(msg, head);
    CHECK(status == 0 || (status >= 100 && status <= 999));
    if (app_warchttp_header(msg, head, "content-type", &v, &vlen))
        CHECK(v >= msg && v + vlen <= msg + head);
    core_buf_init(&out, 1 << 20);
    nl = memchr(msg, '\n', size);
    if (app_warchttp_response_to_http11(msg, size, &out) == 0) {
        CHECK(out.len >= 9 && memcmp(out.data, "HTTP/1.", 7) == 0);
        CHECK(nl && out.len >= size - (size_t)(nl - msg) &&
              memcmp(out.data + out.len - (size - (size_t)(nl - msg)), nl,
                     size - (size_t)(nl - msg)) == 0);
    }
    core_buf_reset(&out);
    if (app_warchttp_request_to_http11(msg, size, &out) == 0)
        CHECK(nl && memcmp(out.data + out.len - (size - (size_t)(nl - msg)), nl,
                           size - (size_t)(nl - msg)) == 0);
    core_buf_free(&out);
    return 0;
}
