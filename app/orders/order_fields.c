/* app/orders/order_fields.c: the order's field rules and messages, shared by the JSON and CSV readers
 * (see order_int.h), and the one-allocation layout of struct order.
 *
 * Messages name what is wrong, not what was seen, so they never echo arbitrary input, except
 * the currency code, which is 3 letters by then. */
#include "app/orders/order_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/orders/money.h"
#include "core/mem.h"

struct order *order__alloc(const struct order__space *space, size_t nitems, size_t strbytes,
                           char **strings)
{
    /* struct order and struct order_item both end on an 8-byte boundary (they hold pointers
     * and int64_t), so the items right after the struct are aligned */
    const size_t head = sizeof(struct order) + nitems * sizeof(struct order_item);
    const size_t align = _Alignof(max_align_t);
    struct order *o = NULL;

    if (nitems > ORDER_MAX_ITEMS || strbytes > SIZE_MAX - head)
        return NULL;
    if (space && space->buf) {
        const size_t skip = (align - (uintptr_t)space->buf % align) % align;

        if (space->cap >= skip && space->cap - skip >= head + strbytes)
            o = (struct order *)(void *)((char *)space->buf + skip);
    }
    if (o) {
        o->in_place = true;
    } else {
        o = core_malloc(head + strbytes);
        if (!o)
            return NULL;
        o->in_place = false;
    }
    o->items = (struct order_item *)(o + 1);
    o->nitems = nitems;
    *strings = (char *)o + head;
    return o;
}

void order_free(struct order *o)
{
    if (o && !o->in_place)
        core_free(o);
}

const char *order_priority_name(enum order_priority p)
{
    switch (p) {
    case ORDER_EXPRESS: return "express";
    case ORDER_STANDARD: return "standard";
    case ORDER_BULK: return "bulk";
    }
    return "standard";
}

static void vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
    const int n = vsnprintf(dst, cap, fmt, ap);

    /* a cut text ends in "..." so that nobody takes it for the whole */
    if (n >= (int)cap && cap > 4)
        memcpy(dst + cap - 4, "...", 4);
}

void order__fail(struct order_error *err, const char *fmt, ...)
{
    va_list ap;

    err->cls = ORDER_E_INVALID;
    err->line = 0;
    err->column = 0;
    err->path[0] = '\0';
    va_start(ap, fmt);
    vformat(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void order__path(struct order_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vformat(err->path, sizeof(err->path), fmt, ap);
    va_end(ap);
}

void order__parse_error(struct order_error *err, uint64_t line, size_t column, const char *msg)
{
    err->cls = ORDER_E_PARSE;
    err->line = line;
    err->column = column;
    err->path[0] = '\0';
    snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

int order_error_format(const struct order_error *e, char *buf, size_t cap)
{
    int n;

    if (e->cls == ORDER_E_PARSE)
        n = snprintf(buf, cap, "line %llu, column %zu: %s", (unsigned long long)e->line,
                     e->column, e->msg);
    else if (e->path[0])
        n = snprintf(buf, cap, "%s: %s", e->path, e->msg);
    else
        n = snprintf(buf, cap, "%s", e->msg);
    if (n < 0)
        return -EINVAL;
    return (size_t)n >= cap ? -EMSGSIZE : n;
}

/* ---- validators ------------------------------------------------------------------------- */

static int need_string(const struct order__val *v, struct order_error *err)
{
    if (v->kind == ORDER__MISSING) {
        order__fail(err, "missing");
        return -EINVAL;
    }
    if (v->kind != ORDER__STRING && v->kind != ORDER__TEXT) {
        order__fail(err, "must be a string");
        return -EINVAL;
    }
    return 0;
}

static bool has_control(const char *s, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = ones * 0x80;
    size_t i = 0;

    /* 8 bytes at a time: a byte below 0x20, or equal to 0x7F, sets its high bit in the mask
     * (borrows only ever mark bytes after a true mark, so "any mark" is exact) */
    for (; len - i >= 8; i += 8) {
        uint64_t w, del;

        memcpy(&w, s + i, 8);
        del = w ^ (ones * 0x7F);
        if ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs)
            return true;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return true;
    return false;
}

/* Control characters are data in a customer or SKU: JSON strings may hold any of them
 * (escaped), CSV fields too, and every writer escapes or quotes them on the way out. */
int order__check_name(const struct order__val *v, struct order_error *err)
{
    if (need_string(v, err) < 0)
        return -EINVAL;
    if (v->len == 0) {
        order__fail(err, "must not be empty");
        return -EINVAL;
    }
    return 0;
}

/* The id is narrower: it is sent as the Idempotency-Key HTTP header, where a CR or LF would
 * end the header, a NUL would cut it short, other controls but tab are not allowed (RFC 9110
 * section 5.5) and a tab at either end would be stripped; it is also quoted in messages. One
 * rule with or without --endpoint, so that delivery never changes which orders are valid. */
int order__check_id(const struct order__val *v, struct order_error *err)
{
    if (order__check_name(v, err) < 0)
        return -EINVAL;
    if (!v->plain && has_control(v->s, v->len)) {
        order__fail(err, "must not contain control characters (U+0000-U+001F, U+007F): it is "
                         "sent as the Idempotency-Key header");
        return -EINVAL;
    }
    if (v->len > ORDER_MAX_ID) {
        order__fail(err, "must be at most %d bytes", ORDER_MAX_ID);
        return -EINVAL;
    }
    return 0;
}

/* v's bytes are name (a literal: its length is a constant, so the compare is inlined). */
#define IS_NAME(v, name) \
    ((v)->len == sizeof(name) - 1 && memcmp((v)->s, name, sizeof(name) - 1) == 0)

int order__check_priority(const struct order__val *v, enum order_priority *p,
                          struct order_error *err)
{
    if (v->kind == ORDER__MISSING || (v->kind == ORDER__TEXT && v->len == 0)) {
        *p = ORDER_STANDARD;
        return 0;
    }
    if (v->kind == ORDER__STRING || v->kind == ORDER__TEXT) {
        if (IS_NAME(v, "express")) {
            *p = ORDER_EXPRESS;
            return 0;
        }
        if (IS_NAME(v, "standard")) {
            *p = ORDER_STANDARD;
            return 0;
        }
        if (IS_NAME(v, "bulk")) {
            *p = ORDER_BULK;
            return 0;
        }
    }
    order__fail(err, "must be one of express, standard, bulk");
    return -EINVAL;
}

int order__check_currency(const struct order__val *v, char currency[4], int *decimals,
                          struct order_error *err)
{
    int d;

    if (need_string(v, err) < 0)
        return -EINVAL;
    d = money_decimals(v->s, v->len);
    if (d == -ENOENT) {
        order__fail(err, "unknown currency '%.3s'", v->s);
        return -EINVAL;
    }
    if (d < 0) {
        order__fail(err, "must be 3 uppercase letters");
        return -EINVAL;
    }
    memcpy(currency, v->s, 3);
    currency[3] = '\0';
    *decimals = d;
    return 0;
}

/* Digits s[at..at+n) as a number, or -1 when one is not a digit. */
static int digits(const char *s, size_t at, size_t n)
{
    int v = 0;
    size_t i;

    for (i = at; i < at + n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

/* RFC 3339 section 5.6 date-time: full-date "T" full-time, where "T" and "Z" may be lower
 * case (section 5.6, note). A format error and a range error get different messages. */
int order__check_created_at(const struct order__val *v, struct order_error *err)
{
    static const char bad_format[] = "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z";
    const char *s = v->s;
    const size_t len = v->len;
    int year, month, day, hour, minute, second, off = 0;
    size_t i;

    if (need_string(v, err) < 0)
        return -EINVAL;
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        goto format;
    year = digits(s, 0, 4);
    month = digits(s, 5, 2);
    day = digits(s, 8, 2);
    hour = digits(s, 11, 2);
    minute = digits(s, 14, 2);
    second = digits(s, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
        goto format;
    i = 19;
    if (s[i] == '.') {
        const size_t start = ++i;

        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            goto format;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;

        if (len - i != 6 || s[i + 3] != ':')
            goto format;
        oh = digits(s, i + 1, 2);
        om = digits(s, i + 4, 2);
        if (oh < 0 || om < 0)
            goto format;
        if (oh > 23 || om > 59)
            goto bad_time;
        off = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
        i += 6;
    } else {
        goto format;
    }
    if (i != len)
        goto format;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
        order__fail(err, "has an invalid date");
        return -EINVAL;
    }
    if (hour > 23 || minute > 59 || second > 60)
        goto bad_time;
    /* a leap second is 23:59:60 in UTC, whatever the local offset makes of it */
    if (second == 60 && ((hour * 60 + minute - off) % 1440 + 1440) % 1440 != 23 * 60 + 59)
        goto bad_time;
    return 0;

bad_time:
    order__fail(err, "has an invalid time");
    return -EINVAL;
format:
    order__fail(err, "%s", bad_format);
    return -EINVAL;
}

int order__check_qty(const struct order__val *v, int64_t *qty, struct order_error *err)
{
    int64_t n = 0;
    size_t i;

    if (v->kind == ORDER__MISSING) {
        order__fail(err, "missing");
        return -EINVAL;
    }
    /* a JSON number token or CSV text, made of digits only: no sign, fraction or exponent;
     * JSON's grammar already rules out leading zeros, CSV's does not, so check them here */
    if ((v->kind != ORDER__NUMBER && v->kind != ORDER__TEXT) || v->len == 0 ||
        (v->len > 1 && v->s[0] == '0'))
        goto not_positive;
    for (i = 0; i < v->len; i++) {
        if (v->s[i] < '0' || v->s[i] > '9')
            goto not_positive;
        if (n <= ORDER_MAX_QTY)   /* saturate: any longer run of digits is too large */
            n = n * 10 + (v->s[i] - '0');
    }
    if (n == 0)
        goto not_positive;
    if (n > ORDER_MAX_QTY) {
        order__fail(err, "must be at most %d", ORDER_MAX_QTY);
        return -EINVAL;
    }
    *qty = n;
    return 0;

not_positive:
    order__fail(err, "must be a positive integer");
    return -EINVAL;
}

int order__check_price(const struct order__val *v, const char *currency, int decimals,
                       int64_t *minor, struct order_error *err)
{
    int64_t m;
    int rc;

    if (v->kind == ORDER__MISSING) {
        order__fail(err, "missing");
        return -EINVAL;
    }
    if (v->kind == ORDER__OTHER) {
        order__fail(err, "must be a decimal amount like 12.50");
        return -EINVAL;
    }
    rc = money_parse(v->s, v->len, decimals, &m);
    if (rc == -EDOM) {
        order__fail(err, "has more than %d decimals for %s", decimals, currency);
        return -EINVAL;
    }
    if (rc == -ERANGE) {
        order__fail(err, "is too large");
        return -EINVAL;
    }
    if (rc < 0) {
        order__fail(err, "must be a decimal amount like 12.50");
        return -EINVAL;
    }
    if (m < 0) {   /* "-0" and "-0.00" are zero, as in JSON */
        order__fail(err, "must not be negative");
        return -EINVAL;
    }
    *minor = m;
    return 0;
}
