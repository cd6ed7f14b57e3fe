/* app/orders/order_csv.h: orders from a CSV batch, read incrementally from raw bytes.
 *
 * The input is RFC 4180 CSV: fields separated by ',', records ending in LF or CRLF, fields
 * optionally quoted with '"' (a quoted field may hold commas, doubled quotes and line breaks,
 * so a record may span lines). The first record is the header; it names the columns
 * id, customer, priority, currency, created_at, sku, qty, unit_price in any order (names are
 * compared without regard to ASCII case; priority is optional; other columns are ignored).
 * Each later record is one item; consecutive records with the same id (byte for byte) form one
 * order, whose order-level columns (customer, priority, currency, created_at) must then agree
 * byte for byte across its rows. A UTF-8 BOM at the very start is removed. A CR not followed
 * by LF is data. CSV has no escapes, so control characters come raw (a quoted field may hold
 * line breaks); the field rules take them as JSON's escaped ones: data in a customer or SKU,
 * an error in an id.
 *
 * Why raw bytes and not lines from app/lines: a quoted field may hold line breaks, so the
 * reader has to see them as data; a byte-level state machine fed chunks of any size is simpler
 * than rejoining lines, and it keeps exact line and column numbers for errors.
 *
 * Each result covers a contiguous range of input lines, and the ranges of all results cover
 * every line after the header exactly once (so the caller can account for every line):
 * - an order (validated by the same rules and messages as JSON lines, see order.h; errors are
 *   ORDER_E_INVALID with a path like "row 3, column qty", where row N is the Nth record of the
 *   file, the header being row 1). Checked in this order: more than ORDER_MAX_ITEMS rows ("too
 *   many items"), more than ORDER_CSV_MAX_ORDER bytes of text, rows that disagree on an
 *   order-level column ("rows disagree on customer", at the first disagreeing row), then the
 *   fields as for JSON, order-level ones at the order's first row, then each item's row;
 * - a malformed record: ORDER_E_PARSE with its line and 1-based byte column: a quote inside an
 *   unquoted field, a character after a closing quote, a quoted field still open at the end of
 *   the input, invalid UTF-8 (at the bad byte in an unquoted field, at the field's start in a
 *   quoted one), a wrong number of fields (at the first extra field, or at the end of a short
 *   record), an empty line, a record longer than max_record bytes. After a quote error the
 *   rest of that physical line is skipped. A malformed record also ends the order before it;
 * - a bad header (a missing or repeated column, or any of the above): one ORDER_E_PARSE
 *   result for the header's lines, then every record is rejected with "no usable header".
 * A valid header produces no result. Empty input produces none.
 *
 * Memory: the current record (at most max_record bytes) and the current order's rows (at most
 * ORDER_MAX_ITEMS of them and ORDER_CSV_MAX_ORDER bytes; more rows of the same id are counted,
 * not kept), whatever the input size.
 *
 * Ownership: order_csv_create allocates the reader, order_csv_destroy frees it (and any order
 * not yet taken). A chunk passed to order_csv_feed is borrowed until order_csv_next has returned
 * 0 for it. A result's order belongs to the caller (order_free). One thread at a time. */
#ifndef APP_ORDER_CSV_H
#define APP_ORDER_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/orders/order.h"
#include "core/err.h"

enum {
    ORDER_CSV_DEFAULT_RECORD = 1 << 20,   /* bytes of field text in one record */
    ORDER_CSV_MAX_FIELDS = 256,           /* fields in one record */
    ORDER_CSV_MAX_ORDER = 8 << 20         /* bytes of field text kept for one order */
};

struct order_csv;

struct order_csv_result {
    struct order *order;       /* the order (free it with order_free), or NULL for a reject */
    struct order_error err;    /* why, when order is NULL */
    uint64_t first_line;       /* 1-based input lines this result covers */
    uint64_t last_line;
    uint64_t first_row;        /* records it covers (the header is row 1) */
    size_t rows;
};

/* Create a reader whose records hold at most max_record bytes (0: ORDER_CSV_DEFAULT_RECORD).
 * 0 and *out, or -ENOMEM. */
CORE_MUST_CHECK int order_csv_create(size_t max_record, struct order_csv **out);
/* Free the reader and the orders of results not taken yet. NULL is a no-op. */
void order_csv_destroy(struct order_csv *c);
/* Hand over the next chunk (eof = true with the last one, possibly empty; data may be NULL
 * when len is 0). 0, -EBUSY when the previous chunk is not drained, -EINVAL after eof. */
CORE_MUST_CHECK int order_csv_feed(struct order_csv *c, const char *data, size_t len, bool eof);
/* Next result: 1 and *res filled, 0 when more input is needed (or the input is over), or
 * -ENOMEM, after which the reader is unusable (every call returns -ENOMEM). */
CORE_MUST_CHECK int order_csv_next(struct order_csv *c, struct order_csv_result *res);

#endif
