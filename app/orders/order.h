/* app/orders/order.h: one order, parsed from a JSON line (order_parse_json) or from CSV rows
 * (app/orders/order_csv.h) and validated by the same field rules.
 *
 * An order line is one JSON object:
 *   {"id": "ORD-1001", "customer": "C-17", "priority": "express", "currency": "EUR",
 *    "items": [{"sku": "A-1", "qty": 2, "unit_price": "12.50"}],
 *    "created_at": "2026-11-21T10:00:00Z"}
 *
 * Syntax (a parse error, ORDER_E_PARSE, with the 1-based byte column of the first bad byte):
 * strict RFC 8259 JSON, checked by our own scanner before jsmn tokenizes it: exactly one object
 * and nothing but whitespace after it; valid UTF-8 everywhere; no raw control characters in
 * strings; escapes checked, \uXXXX surrogates must pair (a lone surrogate is a parse error);
 * numbers in JSON's grammar (no leading zeros, "1." or "+1"); nesting at most ORDER_MAX_DEPTH
 * levels; at most ORDER_MAX_LINE bytes. An empty or blank line is a parse error at column 1.
 *
 * Content (ORDER_E_INVALID, with a path such as "items[2].qty" and a message), checked in this
 * fixed order so that the first error is deterministic:
 *   1. at most ORDER_MAX_TOKENS JSON values and keys in the line (path "");
 *   2. no duplicate key in any object, compared after unescaping ("duplicate key", the path
 *      of the second occurrence);
 *   3. id: string, not empty, no control characters (U+0000-U+001F, U+007F: it is sent as
 *      the Idempotency-Key header), at most ORDER_MAX_ID bytes;
 *   4. customer: string, not empty (any characters: escaped controls, NUL included, are data);
 *   5. priority: optional (default standard), one of "express", "standard", "bulk";
 *   6. currency: 3 uppercase ASCII letters, a known ISO 4217 code (money_decimals);
 *   7. created_at: an RFC 3339 date-time ("2026-11-21T10:00:00Z", "...T10:00:00.5+01:00"),
 *      with real dates (leap years) and times (a leap second only at 23:59:60 UTC);
 *   8. items: an array of 1..ORDER_MAX_ITEMS objects, each checked in turn:
 *      sku (as customer), qty (a JSON integer, no fraction or exponent, 1..ORDER_MAX_QTY),
 *      unit_price (a JSON string or number in money_parse's grammar, at most the currency's
 *      decimals, >= 0).
 * Unknown keys are ignored (but must be valid JSON, and their objects free of duplicate keys).
 * Strings are unescaped into the order; ids, customers and SKUs are compared byte for byte.
 *
 * Cost: common lines (known keys, ASCII strings without escapes) take a one-pass fast path;
 * the rest are scanned, tokenized by jsmn and checked in four passes, with the same results.
 * One allocation per order that passes the syntax check (none for a parse error), and a
 * second one only for lines with more than ORDER_STACK_TOKENS JSON values (token scratch).
 *
 * Ownership: order_parse_json reads line during the call only; the order it returns is one
 * block holding the struct, the items and copies of the strings (NUL-terminated, so the id
 * and created_at are also C strings; a customer or SKU may hold a NUL, so use their lengths):
 * allocated and freed with order_free, or, from order_parse_json_into, in the caller's buffer
 * when it fits. No state: any thread. */
#ifndef APP_ORDER_H
#define APP_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum {
    ORDER_MAX_ITEMS = 1000,
    ORDER_MAX_ID = 128,                 /* bytes */
    ORDER_MAX_QTY = 1000000000,
    ORDER_MAX_DEPTH = 64,               /* nested objects and arrays */
    ORDER_MAX_TOKENS = 16384,           /* JSON values and keys: room for 1000 items and more */
    ORDER_STACK_TOKENS = 256,           /* token scratch kept on the stack (about 5 KiB) */
    ORDER_MAX_LINE = 64 * 1024 * 1024   /* bytes */
};

enum order_priority { ORDER_EXPRESS = 0, ORDER_STANDARD = 1, ORDER_BULK = 2 };

struct order_item {
    const char *sku;
    size_t sku_len;
    int64_t qty;         /* 1..ORDER_MAX_QTY */
    int64_t unit_price;  /* minor units of the order's currency, >= 0 */
};

struct order {
    const char *id;
    size_t id_len;
    const char *customer;
    size_t customer_len;
    enum order_priority priority;
    char currency[4];              /* NUL-terminated ISO 4217 code */
    int decimals;                  /* the currency's minor-unit digits */
    struct order_item *items;
    size_t nitems;                 /* 1..ORDER_MAX_ITEMS */
    const char *created_at;        /* as written, validated */
    size_t created_at_len;
    bool in_place;                 /* built in a caller's buffer (order_parse_json_into) */
    /* one allocation holds the struct, the items and copies of the strings (unescaped UTF-8) */
};

enum order_error_class { ORDER_E_PARSE, ORDER_E_INVALID };

struct order_error {
    enum order_error_class cls;
    uint64_t line;     /* parse errors: 1-based input line (always 1 for a JSON line); else 0 */
    size_t column;     /* parse errors: 1-based byte column; 0 otherwise */
    char path[96];     /* e.g. "items[2].qty" or "row 3, column qty"; "" for the whole line */
    char msg[160];     /* e.g. "must be a positive integer" */
};

/* Parse and validate one JSON order line (without its newline). Returns 0 and *out (free it
 * with order_free); CORE_EPARSE with *err a parse error; -EINVAL with *err an invalid-content
 * error; or -ENOMEM (*err then says "out of memory"). *out is written only on success, *err
 * only on failure. */
CORE_MUST_CHECK int order_parse_json(const char *line, size_t len, struct order **out,
                                     struct order_error *err);
/* order_parse_json, building the order in buf (cap bytes, any alignment) when it fits there:
 * no allocation, and the order lives as long as buf does (order_free leaves it alone). An
 * order that does not fit is allocated as by order_parse_json. For a caller that already has
 * a block per order (trawl orders keeps each order inside its pipeline item). */
CORE_MUST_CHECK int order_parse_json_into(const char *line, size_t len, void *buf, size_t cap,
                                          struct order **out, struct order_error *err);
/* Free an order. NULL, and an order built in place, are no-ops. */
void order_free(struct order *o);

/* A human line for rejects: "items[2].qty: must be a positive integer", "line 1, column 17:
 * expected ':'", or the message alone when the path is empty. Writes at most cap bytes,
 * always NUL-terminated when cap > 0. Returns the length, or -EMSGSIZE when it was cut. */
int order_error_format(const struct order_error *e, char *buf, size_t cap);

/* The name of a priority: "express", "standard" or "bulk". */
const char *order_priority_name(enum order_priority p);

#endif
