/* core/buf.c: growable, capped, NUL-terminated byte buffer. */
#include "core/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"

void core_buf_init(struct core_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void core_buf_free(struct core_buf *b)
{
    core_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void core_buf_reset(struct core_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int core_buf_reserve(struct core_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max - b->len)
        return -EMSGSIZE;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    p = core_reallocarray(b->data, cap, 1);
    if (!p)
        return -ENOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

int core_buf_append_slow(struct core_buf *b, const void *p, size_t n)
{
    int rc = core_buf_reserve(b, n);

    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int core_buf_putc(struct core_buf *b, char c)
{
    if (b->len + 2 <= b->cap && b->len < b->max) { /* room for c and the NUL, within max */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return core_buf_append(b, &c, 1);
}

int core_buf_puts(struct core_buf *b, const char *s)
{
    return core_buf_append(b, s, strlen(s));
}

int core_buf_puthex(struct core_buf *b, const void *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = p;
    int rc = n > (SIZE_MAX - 1) / 2 ? -ENOMEM : core_buf_reserve(b, 2 * n);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        char two[2] = {hex[u[i] >> 4], hex[u[i] & 15]};

        rc = core_buf_append(b, two, 2);
    }
    return rc;
}

int core_buf_printf(struct core_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    rc = core_buf_reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *core_buf_steal(struct core_buf *b)
{
    char *p;

    if (!b->data && core_buf_reserve(b, 0) < 0)
        return NULL;
    p = b->data;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
