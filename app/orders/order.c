/* app/orders/order.c: one JSON order line to a validated struct order (see order.h).
 *
 * Lines of the common shape are taken by the one-pass fast path (order_fast.c); it declines
 * everything else, which then goes through the full parser here, four passes, each linear:
 * 1. scan (order_scan.c): our own strict RFC 8259 checker. jsmn, even in strict mode, accepts
 *    "[1 2]", {"a"}, "tru", "01", raw control characters in strings and a NUL as the end of
 *    input, and gives no column, so every byte is checked first, and the first bad one is
 *    reported with its column. The scan also counts the tokens jsmn will need.
 * 2. jsmn tokenizes the line (known valid by then) into that many tokens, on the stack for
 *    ordinary lines. With JSMN_PARENT_LINKS closing brackets cost O(1) and nothing recurses, so
 *    deep nesting cannot exhaust a coroutine's stack.
 * 3. duplicate keys, object by object, compared after unescaping (so "id" and "\u0069d" are
 *    the same key): pairwise for small objects, sorting for large ones.
 * 4. the fields, in the fixed order of order.h, unescaped into the order's one allocation and
 *    checked by the validators shared with the CSV reader (order_fields.c). */
#include "app/orders/order.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "app/orders/order_int.h"
#include "core/ascii.h"
#include "core/mem.h"

/* ---- tokens ------------------------------------------------------------------------------- */

/* Decoded bytes of a string one at a time, to compare keys without a buffer. */
struct undec {
    const char *s;
    size_t len, pos;
    char pend[4];
    size_t npend, ipend;
};

static int undec_next(struct undec *d)
{
    size_t used;

    if (d->ipend < d->npend)
        return (unsigned char)d->pend[d->ipend++];
    if (d->pos >= d->len)
        return -1;
    if (d->s[d->pos] != '\\')
        return (unsigned char)d->s[d->pos++];
    d->npend = order__unescape_one(d->s + d->pos, d->len - d->pos, &used, d->pend);
    d->pos += used;
    d->ipend = 1;
    return (unsigned char)d->pend[0];
}

struct doc {
    const char *line;
    const jsmntok_t *t;
    int ntok;
    bool escapes;      /* from the scan: when false, no string needs unescaping */
};

static size_t tok_len(const jsmntok_t *t)
{
    return (size_t)(t->end - t->start);
}

/* The index of the token after token i and everything inside it. */
static int skip(const struct doc *d, int i)
{
    int k = i + 1;

    if (d->t[i].type == JSMN_OBJECT || d->t[i].type == JSMN_ARRAY)
        while (k < d->ntok && d->t[k].start < d->t[i].end)
            k++;
    return k;
}

/* Compare two string tokens by their decoded bytes (memcmp order, then length). */
static int key_cmp(const struct doc *d, int a, int b, bool esc_a, bool esc_b)
{
    const jsmntok_t *ta = &d->t[a], *tb = &d->t[b];
    struct undec ua = {d->line + ta->start, tok_len(ta), 0, {0}, 0, 0};
    struct undec ub = {d->line + tb->start, tok_len(tb), 0, {0}, 0, 0};
    int ca, cb;

    if (!esc_a && !esc_b) {
        const size_t la = tok_len(ta), lb = tok_len(tb);
        const int c = memcmp(ua.s, ub.s, la < lb ? la : lb);

        return c ? c : (la > lb) - (la < lb);
    }
    do {
        ca = undec_next(&ua);
        cb = undec_next(&ub);
    } while (ca == cb && ca >= 0);
    return ca - cb;
}

static bool has_escape(const struct doc *d, int i)
{
    return d->escapes && memchr(d->line + d->t[i].start, '\\', tok_len(&d->t[i])) != NULL;
}

/* Append to buf (cap bytes, NUL-terminated) as much of s[0..n) as fits. */
static void path_put(char *buf, size_t cap, size_t *used, const char *s, size_t n)
{
    if (*used + 1 >= cap)
        return;
    if (n > cap - 1 - *used)
        n = cap - 1 - *used;
    memcpy(buf + *used, s, n);
    *used += n;
    buf[*used] = '\0';
}

/* The path of token i from the root: keys as written ("items[1].sku"). */
static void token_path(const struct doc *d, int i, char *buf, size_t cap)
{
    int chain[2 * ORDER_MAX_DEPTH + 2];
    size_t n = 0, used = 0;

    buf[0] = '\0';
    for (; i > 0 && n < sizeof(chain) / sizeof(chain[0]); i = d->t[i].parent)
        chain[n++] = i;
    while (n-- > 0) {
        const int c = chain[n], p = d->t[c].parent;

        if (d->t[p].type == JSMN_OBJECT) {
            if (used > 0)
                path_put(buf, cap, &used, ".", 1);
            path_put(buf, cap, &used, d->line + d->t[c].start, tok_len(&d->t[c]));
        } else if (d->t[p].type == JSMN_ARRAY) {
            char num[24];
            int k = p + 1, idx = 0;

            while (k < c) {
                k = skip(d, k);
                idx++;
            }
            path_put(buf, cap, &used, num, (size_t)snprintf(num, sizeof(num), "[%d]", idx));
        }
        /* else c is the value of key p, already named */
    }
}

/* ---- pass 3: duplicate keys --------------------------------------------------------------- */

enum { SMALL_OBJECT = 16 };

struct sort_ctx {
    const struct doc *d;
};

static int sort_cmp(const void *pa, const void *pb, void *arg)
{
    const struct doc *d = ((const struct sort_ctx *)arg)->d;
    const int a = *(const int *)pa, b = *(const int *)pb;
    const int c = key_cmp(d, a, b, has_escape(d, a), has_escape(d, b));

    return c ? c : (a > b) - (a < b);
}

/* The first key of object o (in document order) that repeats an earlier one, or -1. scratch
 * has room for the object's keys. */
static int object_dup(const struct doc *d, int o, int *scratch)
{
    const int n = d->t[o].size;
    bool esc[SMALL_OBJECT];
    int k = o + 1, m, j, first = -1;

    for (m = 0; m < n; m++) {
        scratch[m] = k;
        k = skip(d, k + 1);
    }
    if (n <= SMALL_OBJECT) {
        for (m = 0; m < n; m++) {
            esc[m] = has_escape(d, scratch[m]);
            for (j = 0; j < m; j++) {
                const jsmntok_t *a = &d->t[scratch[m]], *b = &d->t[scratch[j]];

                if (!esc[m] && !esc[j] ? tok_len(a) == tok_len(b) &&
                                             memcmp(d->line + a->start, d->line + b->start,
                                                    tok_len(a)) == 0
                                       : key_cmp(d, scratch[m], scratch[j], esc[m], esc[j]) == 0)
                    return scratch[m];
            }
        }
        return -1;
    }
    {
        struct sort_ctx ctx = {d};

        /* equal keys end up side by side, in document order */
        qsort_r(scratch, (size_t)n, sizeof(int), sort_cmp, &ctx);
        for (m = 1; m < n; m++)
            if (key_cmp(d, scratch[m], scratch[m - 1], has_escape(d, scratch[m]),
                        has_escape(d, scratch[m - 1])) == 0 &&
                (first < 0 || scratch[m] < first) &&
                (m < 2 || key_cmp(d, scratch[m - 1], scratch[m - 2],
                                  has_escape(d, scratch[m - 1]),
                                  has_escape(d, scratch[m - 2])) != 0))
                first = scratch[m];
        return first;
    }
}

static int check_dups(const struct doc *d, int *scratch, struct order_error *err)
{
    int i, dup;

    for (i = 0; i < d->ntok; i++) {
        if (d->t[i].type != JSMN_OBJECT || d->t[i].size < 2)
            continue;
        dup = object_dup(d, i, scratch);
        if (dup >= 0) {
            char path[2 * sizeof(err->path)];   /* longer, so that order__path marks a cut */

            order__fail(err, "duplicate key");
            token_path(d, dup, path, sizeof(path));
            order__path(err, "%s", path);
            return -EINVAL;
        }
    }
    return 0;
}

/* ---- pass 4: fields ----------------------------------------------------------------------- */

enum key {
    K_UNKNOWN, K_ID, K_CUSTOMER, K_PRIORITY, K_CURRENCY, K_ITEMS, K_CREATED_AT,
    K_SKU, K_QTY, K_UNIT_PRICE
};

static enum key key_of(const struct doc *d, int i)
{
    char buf[64];
    const char *k = d->line + d->t[i].start;
    size_t n = tok_len(&d->t[i]);

    if (d->escapes && memchr(k, '\\', n)) {
        if (n > sizeof(buf))   /* longer than any escaped spelling of a known key */
            return K_UNKNOWN;
        n = order__unescape(k, n, buf);
        k = buf;
    }
    switch (n) {
    case 2: return memcmp(k, "id", 2) == 0 ? K_ID : K_UNKNOWN;
    case 3:
        if (memcmp(k, "sku", 3) == 0)
            return K_SKU;
        return memcmp(k, "qty", 3) == 0 ? K_QTY : K_UNKNOWN;
    case 5: return memcmp(k, "items", 5) == 0 ? K_ITEMS : K_UNKNOWN;
    case 8:
        if (memcmp(k, "customer", 8) == 0)
            return K_CUSTOMER;
        if (memcmp(k, "priority", 8) == 0)
            return K_PRIORITY;
        return memcmp(k, "currency", 8) == 0 ? K_CURRENCY : K_UNKNOWN;
    case 10:
        if (memcmp(k, "created_at", 10) == 0)
            return K_CREATED_AT;
        return memcmp(k, "unit_price", 10) == 0 ? K_UNIT_PRICE : K_UNKNOWN;
    default: return K_UNKNOWN;
    }
}

/* Token i (or -1 for a missing key) as a validator sees it; strings are unescaped into *arena,
 * NUL-terminated. */
static void value_of(const struct doc *d, int i, char **arena, struct order__val *v)
{
    const jsmntok_t *t;
    char c;

    v->plain = false;
    if (i < 0) {
        v->kind = ORDER__MISSING;
        v->s = NULL;
        v->len = 0;
        return;
    }
    t = &d->t[i];
    if (t->type == JSMN_STRING) {
        v->kind = ORDER__STRING;
        v->s = *arena;
        v->len = tok_len(t);
        if (d->escapes)
            v->len = order__unescape(d->line + t->start, v->len, *arena);
        else
            memcpy(*arena, d->line + t->start, v->len);
        (*arena)[v->len] = '\0';
        *arena += v->len + 1;
        return;
    }
    c = d->line[t->start];
    v->kind = t->type == JSMN_PRIMITIVE && (c == '-' || core_ascii_is_digit(c)) ? ORDER__NUMBER
                                                                                 : ORDER__OTHER;
    v->s = d->line + t->start;
    v->len = tok_len(t);
}

/* The values of the given keys in object o (-1 when absent). */
static void find_keys(const struct doc *d, int o, const enum key *keys, int nkeys, int *vals)
{
    int k = o + 1, m, j;

    for (j = 0; j < nkeys; j++)
        vals[j] = -1;
    for (m = 0; m < d->t[o].size; m++) {
        const enum key key = key_of(d, k);

        for (j = 0; j < nkeys; j++)
            if (keys[j] == key)
                vals[j] = k + 1;
        k = skip(d, k + 1);
    }
}

static int check_items(const struct doc *d, int items, struct order *o, char **arena,
                       struct order_error *err)
{
    static const enum key item_keys[] = {K_SKU, K_QTY, K_UNIT_PRICE};
    struct order__val v;
    int k = items + 1, vals[3];
    size_t n;

    for (n = 0; n < o->nitems; n++, k = skip(d, k)) {
        struct order_item *it = &o->items[n];

        if (d->t[k].type != JSMN_OBJECT) {
            order__fail(err, "must be an object");
            order__path(err, "items[%zu]", n);
            return -EINVAL;
        }
        find_keys(d, k, item_keys, 3, vals);
        value_of(d, vals[0], arena, &v);
        if (order__check_name(&v, err) < 0) {
            order__path(err, "items[%zu].sku", n);
            return -EINVAL;
        }
        it->sku = v.s;
        it->sku_len = v.len;
        value_of(d, vals[1], arena, &v);
        if (order__check_qty(&v, &it->qty, err) < 0) {
            order__path(err, "items[%zu].qty", n);
            return -EINVAL;
        }
        value_of(d, vals[2], arena, &v);
        if (order__check_price(&v, o->currency, o->decimals, &it->unit_price, err) < 0) {
            order__path(err, "items[%zu].unit_price", n);
            return -EINVAL;
        }
    }
    return 0;
}

static int build(const struct doc *d, const struct order__space *space, struct order **out,
                 struct order_error *err)
{
    static const enum key root_keys[] = {K_ID, K_CUSTOMER, K_PRIORITY, K_CURRENCY,
                                         K_CREATED_AT, K_ITEMS};
    enum { ID, CUSTOMER, PRIORITY, CURRENCY, CREATED_AT, ITEMS };
    struct order__val v;
    struct order *o;
    char *arena;
    int vals[6], items;
    size_t nitems = 0;

    find_keys(d, 0, root_keys, 6, vals);
    items = vals[ITEMS];
    if (items >= 0 && d->t[items].type == JSMN_ARRAY && d->t[items].size <= ORDER_MAX_ITEMS)
        nitems = (size_t)d->t[items].size;
    /* unescaped strings and their NULs never take more room than the quoted originals */
    o = order__alloc(space, nitems, (size_t)d->t[0].end, &arena);
    if (!o) {
        order__fail(err, "out of memory");
        return -ENOMEM;
    }

    value_of(d, vals[ID], &arena, &v);
    if (order__check_id(&v, err) < 0) {
        order__path(err, "id");
        goto invalid;
    }
    o->id = v.s;
    o->id_len = v.len;
    value_of(d, vals[CUSTOMER], &arena, &v);
    if (order__check_name(&v, err) < 0) {
        order__path(err, "customer");
        goto invalid;
    }
    o->customer = v.s;
    o->customer_len = v.len;
    value_of(d, vals[PRIORITY], &arena, &v);
    if (order__check_priority(&v, &o->priority, err) < 0) {
        order__path(err, "priority");
        goto invalid;
    }
    value_of(d, vals[CURRENCY], &arena, &v);
    if (order__check_currency(&v, o->currency, &o->decimals, err) < 0) {
        order__path(err, "currency");
        goto invalid;
    }
    value_of(d, vals[CREATED_AT], &arena, &v);
    if (order__check_created_at(&v, err) < 0) {
        order__path(err, "created_at");
        goto invalid;
    }
    o->created_at = v.s;
    o->created_at_len = v.len;

    if (items < 0)
        order__fail(err, "missing");
    else if (d->t[items].type != JSMN_ARRAY)
        order__fail(err, "must be an array");
    else if (d->t[items].size == 0)
        order__fail(err, "must not be empty");
    else if (d->t[items].size > ORDER_MAX_ITEMS)
        order__fail(err, "too many items (at most %d)", ORDER_MAX_ITEMS);
    else if (check_items(d, items, o, &arena, err) == 0)
        goto valid;
    if (err->path[0] == '\0')
        order__path(err, "items");
    goto invalid;

valid:
    *out = o;
    return 0;
invalid:
    order_free(o);
    return -EINVAL;
}

/* ---- entry point -------------------------------------------------------------------------- */

int order_parse_json(const char *line, size_t len, struct order **out, struct order_error *err)
{
    return order_parse_json_into(line, len, NULL, 0, out, err);
}

int order_parse_json_into(const char *line, size_t len, void *buf, size_t cap,
                          struct order **out, struct order_error *err)
{
    const struct order__space space = {buf, cap};
    const int rc = order__parse_fast(line, len, &space, out);

    if (rc == 1)
        return 0;
    if (rc < 0) {
        order__fail(err, "out of memory");
        return rc;
    }
    return order__parse_full(line, len, &space, out, err);
}

int order__parse_full(const char *line, size_t len, const struct order__space *space,
                      struct order **out, struct order_error *err)
{
    jsmntok_t stack_tokens[ORDER_STACK_TOKENS];
    int stack_scratch[ORDER_STACK_TOKENS / 2];
    struct order__scan sc = {line, len, 0, 0, false, 0, NULL};
    struct doc d = {line, stack_tokens, 0, false};
    jsmntok_t *tokens = stack_tokens;
    int *scratch = stack_scratch;
    void *heap = NULL;
    jsmn_parser p;
    int rc;

    if (len > ORDER_MAX_LINE) {
        order__parse_error(err, 1, (size_t)ORDER_MAX_LINE + 1, "line longer than 64 MiB");
        return CORE_EPARSE;
    }
    if (order__scan_line(&sc) < 0) {
        order__parse_error(err, 1, sc.err_at + 1, sc.msg);
        return CORE_EPARSE;
    }
    if (sc.ntok > ORDER_MAX_TOKENS) {
        order__fail(err, "too many JSON values (more than %d)", ORDER_MAX_TOKENS);
        return -EINVAL;
    }
    if (sc.ntok > ORDER_STACK_TOKENS) {
        heap = core_calloc(sc.ntok, sizeof(jsmntok_t) + sizeof(int));
        if (!heap) {
            order__fail(err, "out of memory");
            return -ENOMEM;
        }
        tokens = heap;
        scratch = (int *)(tokens + sc.ntok);
    }
    jsmn_init(&p);
    rc = jsmn_parse(&p, line, len, tokens, (unsigned)sc.ntok);
    if (rc != (int)sc.ntok || tokens[0].type != JSMN_OBJECT) {
        /* cannot happen for text the scan accepted; kept as a guard against a jsmn change */
        order__parse_error(err, 1, p.pos + 1, "malformed JSON");
        rc = CORE_EPARSE;
        goto out;
    }
    d.t = tokens;
    d.ntok = rc;
    d.escapes = sc.escapes;
    rc = check_dups(&d, scratch, err);
    if (rc == 0)
        rc = build(&d, space, out, err);
out:
    core_free(heap);
    return rc;
}
