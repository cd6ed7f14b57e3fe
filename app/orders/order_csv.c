/* app/orders/order_csv.c: CSV batches to orders (see order_csv.h).
 *
 * Three layers, each fed by the one before:
 * - lex_byte: the RFC 4180 state machine, one byte at a time, which collects a record's
 *   fields (text and start position) and tracks the line and column of every byte;
 * - take_record: the header, or a data record checked for shape and added to the pending
 *   order (or ending it, when its id differs);
 * - finish_order: the pending order's rows validated with order_fields.c and copied into one
 *   allocation.
 * Results wait in a small queue (a record can end the pending order and be rejected itself)
 * until order_csv_next hands them out, one per call. */
#include "app/orders/order_csv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/orders/order_int.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

enum col { C_ID, C_CUSTOMER, C_PRIORITY, C_CURRENCY, C_CREATED_AT, C_SKU, C_QTY, C_PRICE, C_N };

static const char *const col_names[C_N] = {
    "id", "customer", "priority", "currency", "created_at", "sku", "qty", "unit_price",
};

enum state {
    S_FIELD_START,  /* before the first byte of a field */
    S_UNQUOTED,
    S_CR,           /* a CR in an unquoted field: the end of the record if LF follows */
    S_QUOTED,
    S_QUOTE,        /* a quote inside a quoted field: doubled, or the closing one */
    S_QUOTE_CR,     /* a CR after the closing quote */
    S_SKIP          /* after a syntax error: drop the rest of the physical line */
};

struct field {
    size_t off, len;   /* in rec */
    uint64_t line;     /* where the field starts */
    size_t col;
    bool quoted;
};

/* One row of the pending order: offsets of its texts in ord. */
struct row {
    size_t sku, sku_len, qty, qty_len, price, price_len;
    uint64_t row;
};

enum { QUEUE = 4 };

struct order_csv {
    /* input */
    const char *chunk;
    size_t chunk_len, pos;
    bool eof, finished;
    int broken;                 /* sticky -ENOMEM */
    unsigned char bom[3];
    size_t bom_len;
    bool bom_checked;

    /* lexer */
    enum state state;
    uint64_t line;              /* of the next byte */
    size_t col;
    struct core_buf rec;        /* field text of the current record */
    size_t max_record;
    struct field fields[ORDER_CSV_MAX_FIELDS];
    size_t nfields;             /* fields seen, even past ORDER_CSV_MAX_FIELDS */
    bool rec_started;
    uint64_t rec_line;          /* first line of the current record */
    bool rec_too_long;
    bool rec_bad_utf8;
    uint64_t utf8_line;
    size_t utf8_col;
    struct order_error syntax;  /* the error that S_SKIP will report */
    uint64_t row;               /* records so far (the header is row 1) */

    /* header */
    bool have_header, header_ok;
    int col_of[C_N];            /* field index of each column, -1 if absent */
    size_t ncols;

    /* the pending order: consecutive rows with one id */
    bool pending;
    struct core_buf ord;        /* texts: order-level fields of the first row, then the rows' */
    size_t lvl[C_CREATED_AT + 1][2];   /* offset and length of id..created_at in ord */
    struct row *rows;
    size_t nrows, rows_cap;
    size_t total_rows;          /* rows of this order, kept or not */
    uint64_t first_line, last_line, first_row;
    uint64_t too_many_row, too_big_row, disagree_row;
    enum col disagree_col;

    /* results ready to hand out */
    struct order_csv_result queue[QUEUE];
    size_t qhead, qlen;
};

int order_csv_create(size_t max_record, struct order_csv **out)
{
    struct order_csv *c = core_calloc(1, sizeof(*c));

    if (!c)
        return -ENOMEM;
    c->max_record = max_record ? max_record : ORDER_CSV_DEFAULT_RECORD;
    core_buf_init(&c->rec, c->max_record);
    core_buf_init(&c->ord, ORDER_CSV_MAX_ORDER);
    c->line = 1;
    c->col = 1;
    *out = c;
    return 0;
}

void order_csv_destroy(struct order_csv *c)
{
    if (!c)
        return;
    while (c->qlen > 0) {
        order_free(c->queue[c->qhead].order);
        c->qhead = (c->qhead + 1) % QUEUE;
        c->qlen--;
    }
    core_buf_free(&c->rec);
    core_buf_free(&c->ord);
    core_free(c->rows);
    core_free(c);
}

int order_csv_feed(struct order_csv *c, const char *data, size_t len, bool eof)
{
    if (c->eof)
        return -EINVAL;
    if (c->pos < c->chunk_len)
        return -EBUSY;
    c->chunk = data;
    c->chunk_len = len;
    c->pos = 0;
    c->eof = eof;
    return 0;
}

/* ---- results ------------------------------------------------------------------------------ */

static struct order_csv_result *push(struct order_csv *c, uint64_t first_line,
                                     uint64_t last_line, uint64_t first_row, size_t rows)
{
    struct order_csv_result *r = &c->queue[(c->qhead + c->qlen++) % QUEUE];

    r->order = NULL;
    r->first_line = first_line;
    r->last_line = last_line;
    r->first_row = first_row;
    r->rows = rows;
    return r;
}

/* A reject for the current record alone. */
static void reject_record(struct order_csv *c, uint64_t line, size_t col, const char *msg)
{
    struct order_csv_result *r = push(c, c->rec_line, c->line, c->row, 1);

    order__parse_error(&r->err, line, col, msg);
}

/* ---- the pending order -------------------------------------------------------------------- */

static struct order__val text(const struct order_csv *c, size_t off, size_t len)
{
    const struct order__val v = {ORDER__TEXT, c->ord.data + off, len, false};

    return v;
}

static struct order__val level(const struct order_csv *c, enum col k)
{
    return text(c, c->lvl[k][0], c->lvl[k][1]);
}

/* Validate the pending order and queue it, or its first error. */
static int finish_order(struct order_csv *c)
{
    struct order_csv_result *r;
    struct order_error *err;
    struct order__val v;
    struct order *o;
    enum order_priority prio;
    char currency[4], *s;
    int decimals;
    size_t i, strbytes;

    if (!c->pending)
        return 0;
    c->pending = false;
    r = push(c, c->first_line, c->last_line, c->first_row, c->total_rows);
    err = &r->err;
    if (c->too_many_row) {
        order__fail(err, "too many items (at most %d)", ORDER_MAX_ITEMS);
        order__path(err, "row %llu", (unsigned long long)c->too_many_row);
        return 0;
    }
    if (c->too_big_row) {
        order__fail(err, "order too large (more than %d MiB of text)", ORDER_CSV_MAX_ORDER >> 20);
        order__path(err, "row %llu", (unsigned long long)c->too_big_row);
        return 0;
    }
    if (c->disagree_row) {
        order__fail(err, "rows disagree on %s", col_names[c->disagree_col]);
        order__path(err, "row %llu, column %s", (unsigned long long)c->disagree_row,
                    col_names[c->disagree_col]);
        return 0;
    }

#define CHECK(call, colname, rownum) \
    do { \
        if ((call) < 0) { \
            order__path(err, "row %llu, column %s", (unsigned long long)(rownum), colname); \
            return 0; \
        } \
    } while (0)

    v = level(c, C_ID);
    CHECK(order__check_id(&v, err), "id", c->first_row);
    v = level(c, C_CUSTOMER);
    CHECK(order__check_name(&v, err), "customer", c->first_row);
    v = level(c, C_PRIORITY);
    CHECK(order__check_priority(&v, &prio, err), "priority", c->first_row);
    v = level(c, C_CURRENCY);
    CHECK(order__check_currency(&v, currency, &decimals, err), "currency", c->first_row);
    v = level(c, C_CREATED_AT);
    CHECK(order__check_created_at(&v, err), "created_at", c->first_row);
    strbytes = c->lvl[C_ID][1] + c->lvl[C_CUSTOMER][1] + c->lvl[C_CREATED_AT][1] + 3;
    for (i = 0; i < c->nrows; i++) {
        const struct row *w = &c->rows[i];
        int64_t n;

        v = text(c, w->sku, w->sku_len);
        CHECK(order__check_name(&v, err), "sku", w->row);
        v = text(c, w->qty, w->qty_len);
        CHECK(order__check_qty(&v, &n, err), "qty", w->row);
        v = text(c, w->price, w->price_len);
        CHECK(order__check_price(&v, currency, decimals, &n, err), "unit_price", w->row);
        strbytes += w->sku_len + 1;
    }
#undef CHECK

    o = order__alloc(NULL, c->nrows, strbytes, &s);
    if (!o) {
        c->qlen--;
        return -ENOMEM;
    }
#define COPY(dst, dstlen, off, len) \
    do { \
        memcpy(s, c->ord.data + (off), (len)); \
        s[len] = '\0'; \
        (dst) = s; \
        (dstlen) = (len); \
        s += (len) + 1; \
    } while (0)
    COPY(o->id, o->id_len, c->lvl[C_ID][0], c->lvl[C_ID][1]);
    COPY(o->customer, o->customer_len, c->lvl[C_CUSTOMER][0], c->lvl[C_CUSTOMER][1]);
    COPY(o->created_at, o->created_at_len, c->lvl[C_CREATED_AT][0], c->lvl[C_CREATED_AT][1]);
    o->priority = prio;
    memcpy(o->currency, currency, sizeof(currency));
    o->decimals = decimals;
    for (i = 0; i < c->nrows; i++) {
        const struct row *w = &c->rows[i];
        struct order_item *it = &o->items[i];
        struct order__val q = text(c, w->qty, w->qty_len);
        struct order__val p = text(c, w->price, w->price_len);

        COPY(it->sku, it->sku_len, w->sku, w->sku_len);
        /* checked above: these cannot fail now */
        (void)order__check_qty(&q, &it->qty, err);
        (void)order__check_price(&p, currency, decimals, &it->unit_price, err);
    }
#undef COPY
    r->order = o;
    return 0;
}

static const struct field *fld(const struct order_csv *c, enum col k)
{
    return c->col_of[k] >= 0 ? &c->fields[c->col_of[k]] : NULL;
}

/* Append field k of the record to ord; *off and *len say where. false when ord is full. */
static int keep(struct order_csv *c, enum col k, size_t *off, size_t *len)
{
    const struct field *f = fld(c, k);
    int rc;

    *off = c->ord.len;
    *len = f ? f->len : 0;
    if (!f)
        return 0;
    rc = core_buf_append(&c->ord, c->rec.data + f->off, f->len);
    if (rc == -EMSGSIZE && !c->too_big_row)
        c->too_big_row = c->row;
    return rc == -EMSGSIZE ? 0 : rc;
}

static bool same(const struct order_csv *c, enum col k)
{
    const struct field *f = fld(c, k);
    const size_t len = f ? f->len : 0;

    return len == c->lvl[k][1] &&
           (len == 0 || memcmp(c->rec.data + f->off, c->ord.data + c->lvl[k][0], len) == 0);
}

/* Add the current record, whose shape is right, to the pending order (starting one). */
static int add_row(struct order_csv *c)
{
    struct row w;
    int k, rc;

    if (!c->pending) {
        c->pending = true;
        core_buf_reset(&c->ord);
        c->nrows = 0;
        c->total_rows = 0;
        c->first_line = c->rec_line;
        c->first_row = c->row;
        c->too_many_row = c->too_big_row = c->disagree_row = 0;
        for (k = C_ID; k <= C_CREATED_AT; k++) {
            rc = keep(c, (enum col)k, &c->lvl[k][0], &c->lvl[k][1]);
            if (rc < 0)
                return rc;
        }
    } else if (!c->disagree_row) {
        for (k = C_CUSTOMER; k <= C_CREATED_AT; k++)
            if (!same(c, (enum col)k)) {
                c->disagree_row = c->row;
                c->disagree_col = (enum col)k;
                break;
            }
    }
    c->total_rows++;
    c->last_line = c->line;
    if (c->nrows == ORDER_MAX_ITEMS) {
        if (!c->too_many_row)
            c->too_many_row = c->row;
        return 0;
    }
    if (c->too_big_row)
        return 0;
    w.row = c->row;
    if ((rc = keep(c, C_SKU, &w.sku, &w.sku_len)) < 0 ||
        (rc = keep(c, C_QTY, &w.qty, &w.qty_len)) < 0 ||
        (rc = keep(c, C_PRICE, &w.price, &w.price_len)) < 0)
        return rc;
    if (c->too_big_row)
        return 0;
    if (c->nrows == c->rows_cap) {
        const size_t cap = c->rows_cap ? c->rows_cap * 2 : 8;
        struct row *p = core_reallocarray(c->rows, cap, sizeof(*p));

        if (!p)
            return -ENOMEM;
        c->rows = p;
        c->rows_cap = cap;
    }
    c->rows[c->nrows++] = w;
    return 0;
}

/* ---- records ------------------------------------------------------------------------------ */

/* A record's own fault, shared by the header and data records: true and where and what, or
 * false. */
struct fault {
    uint64_t line;
    size_t col;
    char msg[80];
};

static bool record_fault(const struct order_csv *c, struct fault *f)
{
    if (c->rec_too_long) {
        f->line = c->rec_line;
        f->col = 1;
        snprintf(f->msg, sizeof(f->msg), "record longer than %zu bytes", c->max_record);
        return true;
    }
    if (c->rec_bad_utf8) {
        f->line = c->utf8_line;
        f->col = c->utf8_col;
        snprintf(f->msg, sizeof(f->msg), "invalid UTF-8");
        return true;
    }
    if (c->nfields == 1 && c->fields[0].len == 0 && !c->fields[0].quoted) {
        f->line = c->rec_line;
        f->col = 1;
        snprintf(f->msg, sizeof(f->msg), "empty line");
        return true;
    }
    return false;
}

static void take_header(struct order_csv *c)
{
    struct fault f;
    size_t i;
    int k;

    c->have_header = true;
    for (k = 0; k < C_N; k++)
        c->col_of[k] = -1;
    if (c->nfields > ORDER_CSV_MAX_FIELDS) {
        snprintf(f.msg, sizeof(f.msg), "more than %d columns", ORDER_CSV_MAX_FIELDS);
        reject_record(c, c->rec_line, 1, f.msg);
        return;
    }
    if (record_fault(c, &f)) {
        reject_record(c, f.line, f.col, f.msg);
        return;
    }
    for (i = 0; i < c->nfields; i++) {
        const struct field *h = &c->fields[i];

        for (k = 0; k < C_N; k++) {
            if (strlen(col_names[k]) != h->len ||
                strncasecmp(c->rec.data + h->off, col_names[k], h->len) != 0)
                continue;
            if (c->col_of[k] >= 0) {
                snprintf(f.msg, sizeof(f.msg), "duplicate column '%s'", col_names[k]);
                reject_record(c, h->line, h->col, f.msg);
                return;
            }
            c->col_of[k] = (int)i;
        }
    }
    for (k = 0; k < C_N; k++)
        if (c->col_of[k] < 0 && k != C_PRIORITY) {
            snprintf(f.msg, sizeof(f.msg), "no column '%s' in the header", col_names[k]);
            reject_record(c, c->rec_line, 1, f.msg);
            return;
        }
    c->ncols = c->nfields;
    c->header_ok = true;
}

/* A data record: a reject (which also ends the pending order), a row of the pending order,
 * or the first row of a new one. */
static int take_data(struct order_csv *c)
{
    const struct field *id;
    struct fault f;
    bool bad = true;
    int rc;

    if (!c->header_ok) {
        f.line = c->rec_line;
        f.col = 1;
        snprintf(f.msg, sizeof(f.msg), "no usable header");
    } else if (!record_fault(c, &f)) {
        if (c->nfields > c->ncols) {
            /* the first extra field, when it was recorded */
            const bool known = c->ncols < ORDER_CSV_MAX_FIELDS;

            f.line = known ? c->fields[c->ncols].line : c->rec_line;
            f.col = known ? c->fields[c->ncols].col : 1;
            snprintf(f.msg, sizeof(f.msg), "too many fields (%zu, expected %zu)", c->nfields,
                     c->ncols);
        } else if (c->nfields < c->ncols) {
            f.line = c->line;
            f.col = c->col;
            snprintf(f.msg, sizeof(f.msg), "too few fields (%zu, expected %zu)", c->nfields,
                     c->ncols);
        } else {
            bad = false;
        }
    }
    if (bad) {
        rc = finish_order(c);
        if (rc == 0)
            reject_record(c, f.line, f.col, f.msg);
        return rc;
    }
    id = fld(c, C_ID);
    if (c->pending && (id->len != c->lvl[C_ID][1] ||
                       memcmp(c->rec.data + id->off, c->ord.data + c->lvl[C_ID][0],
                              id->len) != 0)) {
        rc = finish_order(c);
        if (rc < 0)
            return rc;
    }
    return add_row(c);
}

/* The current record is complete: c->line and c->col are at its LF (or the end of input). */
static int end_record(struct order_csv *c)
{
    int rc = 0;

    c->row++;
    if (!c->have_header)
        take_header(c);
    else
        rc = take_data(c);
    core_buf_reset(&c->rec);
    c->nfields = 0;
    c->rec_started = false;
    c->rec_too_long = false;
    c->rec_bad_utf8 = false;
    return rc;
}

/* ---- the lexer ---------------------------------------------------------------------------- */

static void begin_field(struct order_csv *c, bool quoted)
{
    if (!c->rec_started) {
        c->rec_started = true;
        c->rec_line = c->line;
    }
    if (c->nfields < ORDER_CSV_MAX_FIELDS) {
        struct field *f = &c->fields[c->nfields];

        f->off = c->rec.len;
        f->line = c->line;
        f->col = c->col;
        f->quoted = quoted;
    }
}

static void end_field(struct order_csv *c)
{
    if (c->nfields < ORDER_CSV_MAX_FIELDS) {
        struct field *f = &c->fields[c->nfields];
        size_t ok;

        f->len = c->rec.len - f->off;
        ok = core_utf8_valid_prefix(c->rec.data ? c->rec.data + f->off : "", f->len);
        if (ok < f->len && !c->rec_bad_utf8) {
            /* an unquoted field lies on one line, so its bytes map to columns; a quoted one
             * may hold doubled quotes and line breaks, so point at its start */
            c->rec_bad_utf8 = true;
            c->utf8_line = f->line;
            c->utf8_col = f->quoted ? f->col : f->col + ok;
        }
    }
    c->nfields++;
}

static int put(struct order_csv *c, char ch)
{
    if (c->rec.len >= c->max_record) {
        c->rec_too_long = true;
        return 0;
    }
    return core_buf_putc(&c->rec, ch);
}

static void syntax_error(struct order_csv *c, const char *msg)
{
    if (!c->rec_started)
        c->rec_line = c->line;
    order__parse_error(&c->syntax, c->line, c->col, msg);
    c->state = S_SKIP;
}

static int lex_byte(struct order_csv *c, char ch)
{
    int rc = 0;

    switch (c->state) {
    case S_FIELD_START:
        begin_field(c, ch == '"');
        if (ch == '"') {
            c->state = S_QUOTED;
        } else if (ch == ',') {
            end_field(c);
        } else if (ch == '\r') {
            c->state = S_CR;
        } else if (ch == '\n') {
            end_field(c);
            rc = end_record(c);
        } else {
            rc = put(c, ch);
            c->state = S_UNQUOTED;
        }
        break;
    case S_CR:
        if (ch == '\n') {
            end_field(c);
            rc = end_record(c);
            c->state = S_FIELD_START;
            break;
        }
        rc = put(c, '\r');   /* a lone CR is data */
        if (rc < 0)
            return rc;
        c->state = S_UNQUOTED;
        /* fall through */
    case S_UNQUOTED:
        if (ch == ',') {
            end_field(c);
            c->state = S_FIELD_START;
        } else if (ch == '\n') {
            end_field(c);
            rc = end_record(c);
            c->state = S_FIELD_START;
        } else if (ch == '\r') {
            c->state = S_CR;
        } else if (ch == '"') {
            syntax_error(c, "quote in an unquoted field");
        } else {
            rc = put(c, ch);
        }
        break;
    case S_QUOTED:
        if (ch == '"')
            c->state = S_QUOTE;
        else
            rc = put(c, ch);
        break;
    case S_QUOTE:
        if (ch == '"') {
            rc = put(c, '"');
            c->state = S_QUOTED;
        } else if (ch == ',') {
            end_field(c);
            c->state = S_FIELD_START;
        } else if (ch == '\n') {
            end_field(c);
            rc = end_record(c);
            c->state = S_FIELD_START;
        } else if (ch == '\r') {
            c->state = S_QUOTE_CR;
        } else {
            syntax_error(c, "character after a closing quote");
        }
        break;
    case S_QUOTE_CR:
        if (ch == '\n') {
            end_field(c);
            rc = end_record(c);
            c->state = S_FIELD_START;
        } else {
            syntax_error(c, "character after a closing quote");
        }
        break;
    case S_SKIP:
        if (ch == '\n') {
            c->row++;
            rc = finish_order(c);
            if (rc == 0) {
                struct order_csv_result *r = push(c, c->rec_line, c->line, c->row, 1);

                r->err = c->syntax;
            }
            core_buf_reset(&c->rec);
            c->nfields = 0;
            c->rec_started = false;
            c->rec_too_long = false;
            c->rec_bad_utf8 = false;
            c->state = S_FIELD_START;
        }
        break;
    }
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else {
        c->col++;
    }
    return rc;
}

/* The input is over: end the record in progress, then the pending order. */
static int lex_eof(struct order_csv *c)
{
    int rc = 0;

    switch (c->state) {
    case S_FIELD_START:
        if (c->rec_started) {   /* after a trailing comma: one more, empty, field */
            begin_field(c, false);
            end_field(c);
            rc = end_record(c);
        }
        break;
    case S_UNQUOTED:
    case S_CR:                  /* a CR at the very end ends the record, like CRLF */
    case S_QUOTE:
    case S_QUOTE_CR:
        end_field(c);
        rc = end_record(c);
        break;
    case S_QUOTED: {
        const struct field *f = &c->fields[c->nfields < ORDER_CSV_MAX_FIELDS ? c->nfields : 0];
        /* input ending in LF has no line after it, even inside a quoted field */
        const uint64_t last = c->col == 1 ? c->line - 1 : c->line;

        c->row++;
        rc = finish_order(c);
        if (rc == 0)
            order__parse_error(&push(c, c->rec_line, last, c->row, 1)->err, f->line, f->col,
                               "quoted field not closed at the end of input");
        break;
    }
    case S_SKIP:
        c->row++;
        rc = finish_order(c);
        if (rc == 0)
            push(c, c->rec_line, c->line, c->row, 1)->err = c->syntax;
        break;
    }
    c->state = S_FIELD_START;
    if (rc == 0)
        rc = finish_order(c);
    return rc;
}

/* Bytes at the very start that may be a BOM are held back; others go to the lexer. */
static int check_bom(struct order_csv *c)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i;
    int rc;

    while (c->pos < c->chunk_len) {
        const unsigned char ch = (unsigned char)c->chunk[c->pos];

        if (ch != bom[c->bom_len])
            break;
        c->bom[c->bom_len++] = ch;
        c->pos++;
        if (c->bom_len == 3) {
            c->bom_checked = true;
            return 0;
        }
    }
    if (c->pos == c->chunk_len && !c->eof)
        return 0;
    c->bom_checked = true;
    for (i = 0; i < c->bom_len; i++) {
        rc = lex_byte(c, (char)c->bom[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int order_csv_next(struct order_csv *c, struct order_csv_result *res)
{
    int rc;

    if (c->broken)
        return c->broken;
    if (!c->bom_checked && (rc = check_bom(c)) < 0)
        goto broken;
    while (c->qlen == 0 && c->pos < c->chunk_len)
        if ((rc = lex_byte(c, c->chunk[c->pos++])) < 0)
            goto broken;
    if (c->qlen == 0 && c->eof && c->bom_checked && !c->finished) {
        c->finished = true;
        if ((rc = lex_eof(c)) < 0)
            goto broken;
    }
    if (c->qlen == 0)
        return 0;
    *res = c->queue[c->qhead];
    c->qhead = (c->qhead + 1) % QUEUE;
    c->qlen--;
    return 1;

broken:
    c->broken = rc;
    return rc;
}
