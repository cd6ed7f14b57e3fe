/* app/orders/order_int.h: what the JSON reader (order.c, order_fast.c, order_scan.c) and the
 * CSV reader (order_csv.c) share, implemented in order_fields.c: the one-allocation order
 * layout and the field validators with their messages, so that a field means the same and
 * fails with the same words whichever format it came in; and how the JSON reader's parts (its
 * fast path, full parser and syntax scan) call each other.
 *
 * A validator takes a field value as its reader saw it (struct order__val), writes the result
 * on success, and on failure returns -EINVAL with err->cls and err->msg set; the caller then
 * names the field in err->path (JSON: "items[0].qty", CSV: "row 3, column qty").
 *
 * Ownership: values are borrowed for the call. Private to app/order*.c. */
#ifndef APP_ORDER_INT_H
#define APP_ORDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/orders/order.h"

enum order__kind {
    ORDER__MISSING,  /* JSON: no such key */
    ORDER__STRING,   /* JSON string, unescaped */
    ORDER__NUMBER,   /* JSON number token, as written */
    ORDER__OTHER,    /* JSON true, false, null, object or array */
    ORDER__TEXT      /* CSV field: untyped text; an empty one is "missing" for optional fields */
};

struct order__val {
    enum order__kind kind;
    const char *s;   /* STRING, TEXT: the bytes; NUMBER: the token */
    size_t len;
    bool plain;      /* the reader already checked: printable ASCII only (the fast path) */
};

/* Where an order may be built instead of allocated (order_parse_json_into); NULL: allocate. */
struct order__space {
    void *buf;
    size_t cap;
};

/* One block for an order with nitems items and strbytes bytes of string storage, which
 * *strings points at: in space when it fits there, else allocated. NULL when out of memory.
 * Free with order_free. */
struct order *order__alloc(const struct order__space *space, size_t nitems, size_t strbytes,
                           char **strings);

/* The fast path of order_parse_json (order_fast.c): 1 and *out when line has the common shape
 * and is valid (the same order the full parser builds), 0 when it declines (the full parser
 * must decide), -ENOMEM. Writes nothing else. */
int order__parse_fast(const char *line, size_t len, const struct order__space *space,
                      struct order **out);
/* The full parser alone (order.c), with order_parse_json_into's contract. */
int order__parse_full(const char *line, size_t len, const struct order__space *space,
                      struct order **out, struct order_error *err);

/* The full parser's pass 1 (order_scan.c): a strict syntax check of s[0..len), filled in
 * before the call along with pos = 0 and the rest zeroed. */
struct order__scan {
    const char *s;
    size_t len;
    size_t pos;
    size_t ntok;       /* jsmn tokens: every value and every key */
    bool escapes;      /* some string holds a backslash escape */
    size_t err_at;     /* offset of the first bad byte (len: the end of the line) */
    const char *msg;
};
/* 0 when the line is one JSON object, with ntok and escapes set; else -1 with err_at and msg. */
int order__scan_line(struct order__scan *sc);
/* Unescape the string content s[0..len), which the scan accepted, into out (which has room for
 * len bytes: unescaping never lengthens). Returns the decoded length. */
size_t order__unescape(const char *s, size_t len, char *out);
/* Decode the escape at s[0] == '\\' into out (up to 4 bytes); *used is set to the escape's
 * length. Returns the decoded length. */
size_t order__unescape_one(const char *s, size_t len, size_t *used, char *out);

/* Validators: 0, or -EINVAL with err->cls = ORDER_E_INVALID and err->msg set (path untouched). */
/* id: a non-empty string of at most ORDER_MAX_ID bytes without control characters (U+0000 to
 * U+001F and U+007F: it becomes an HTTP header). */
int order__check_id(const struct order__val *v, struct order_error *err);
/* customer and sku: a non-empty string (control characters are data). */
int order__check_name(const struct order__val *v, struct order_error *err);
/* A missing value (or an empty CSV field) is ORDER_STANDARD. */
int order__check_priority(const struct order__val *v, enum order_priority *p,
                          struct order_error *err);
int order__check_currency(const struct order__val *v, char currency[4], int *decimals,
                          struct order_error *err);
int order__check_created_at(const struct order__val *v, struct order_error *err);
int order__check_qty(const struct order__val *v, int64_t *qty, struct order_error *err);
int order__check_price(const struct order__val *v, const char *currency, int decimals,
                       int64_t *minor, struct order_error *err);

/* Fill err as an invalid-content error with an empty path and a printf-style message. */
void order__fail(struct order_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Set err->path (printf-style; cut to fit, with "..." at the end when cut). */
void order__path(struct order_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Fill err as a parse error at line, column (both 1-based). */
void order__parse_error(struct order_error *err, uint64_t line, size_t column, const char *msg);

#endif
