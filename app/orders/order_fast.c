/* app/orders/order_fast.c: the fast path of order_parse_json, for the shape nearly every order line
 * has: one object of the six known keys (each at most once, in any order), string values of
 * printable ASCII without escapes, "items" an array of at most FAST_ITEMS objects of the three
 * item keys, qty a plain integer, unit_price a string or a plain decimal number.
 *
 * Other keys are ignored, as by the full parser, when their value is a scalar (a string as
 * above, a number, true, false or null) and no key repeats in its object.
 *
 * It decides in one pass over the line, with no tokens: a line it accepts is valid and gives
 * exactly the order the full parser (order.c) would build, checked by the same field
 * validators (order_fields.c). Anything else - an escape, a non-ASCII byte, an unknown or
 * repeated key, a number with a sign or exponent, a field that fails its rule, any syntax
 * error - makes it decline, and the full parser then decides and words the error. So the fast
 * path never needs its own error messages, and the two cannot disagree on what is valid: the
 * tests and the fuzz target compare them line by line. */
#include "app/orders/order_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

#define FAST_ITEMS 64
#define FAST_OTHER_KEYS 8   /* unknown keys per object */

struct span {
    const char *s;
    size_t len;
    enum order__kind kind;   /* ORDER__MISSING until seen */
};

struct fast_item {
    struct span sku, qty, price;
};

struct fast {
    const char *p, *end;
    struct span id, customer, priority, currency, created_at;
    struct fast_item items[FAST_ITEMS];
    size_t nitems;
    bool has_items;
};

static void skip_ws(struct fast *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

/* Expect byte c (after optional whitespace) and step over it. */
static inline bool eat(struct fast *f, char c)
{
    if (f->p < f->end && *f->p == c) {  /* the usual case: no whitespace */
        f->p++;
        return true;
    }
    skip_ws(f);
    if (f->p >= f->end || *f->p != c)
        return false;
    f->p++;
    return true;
}

/* Step over bytes a JSON string holds as they are (printable ASCII but '"' and '\\'). */
static void skip_plain(struct fast *f)
{
    f->p += core_utf8_json_plain_prefix(f->p, (size_t)(f->end - f->p));
}

/* A string of printable ASCII, no escapes: its content into *out. */
static bool string(struct fast *f, struct span *out)
{
    const char *s;

    if (!eat(f, '"'))
        return false;
    s = f->p;
    skip_plain(f);
    if (f->p >= f->end || *f->p != '"')
        return false;   /* an escape, a control or non-ASCII byte, or the end of the line */
    out->s = s;
    out->len = (size_t)(f->p - s);
    out->kind = ORDER__STRING;
    f->p++;
    return true;
}

/* Whether the value just read ends here (the line ends, or a separator or space follows). */
static bool ends_value(const struct fast *f)
{
    return f->p >= f->end || *f->p == ',' || *f->p == '}' || *f->p == ']' || *f->p == ' ' ||
           *f->p == '\t' || *f->p == '\n' || *f->p == '\r';
}

/* A number the fast path takes: 0 or [1-9][0-9]*, then optionally . and digits. */
static bool number(struct fast *f, struct span *out, bool fraction)
{
    const char *s;

    skip_ws(f);
    s = f->p;
    if (f->p >= f->end || *f->p < '0' || *f->p > '9')
        return false;
    if (*f->p++ != '0')
        while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
            f->p++;
    if (fraction && f->p < f->end && *f->p == '.') {
        const char *digits = ++f->p;

        while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
            f->p++;
        if (f->p == digits)
            return false;
    }
    /* anything else after it (e, E, ., a letter) is for the full parser to judge */
    if (!ends_value(f))
        return false;
    out->s = s;
    out->len = (size_t)(f->p - s);
    out->kind = ORDER__NUMBER;
    return true;
}

static bool digits(struct fast *f)
{
    const char *s = f->p;

    while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
        f->p++;
    return f->p > s;
}

/* Any JSON number (for a value that is ignored): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool any_number(struct fast *f)
{
    if (f->p < f->end && *f->p == '-')
        f->p++;
    if (f->p < f->end && *f->p == '0')
        f->p++;
    else if (f->p >= f->end || *f->p < '1' || *f->p > '9' || !digits(f))
        return false;
    if (f->p < f->end && *f->p == '.') {
        f->p++;
        if (!digits(f))
            return false;
    }
    if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
        f->p++;
        if (f->p < f->end && (*f->p == '+' || *f->p == '-'))
            f->p++;
        if (!digits(f))
            return false;
    }
    return ends_value(f);
}

static bool literal(struct fast *f, const char *word, size_t n)
{
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
        return false;
    f->p += n;
    return ends_value(f);
}

/* The value of a key the order does not use: a scalar, else the full parser decides. */
static bool ignored_value(struct fast *f)
{
    struct span s;

    skip_ws(f);
    if (f->p >= f->end)
        return false;
    switch (*f->p) {
    case '"': return string(f, &s);
    case 't': return literal(f, "true", 4);
    case 'f': return literal(f, "false", 5);
    case 'n': return literal(f, "null", 4);
    default: return any_number(f);
    }
}

/* Unknown keys of one object, to catch a repeated one (the full parser rejects those). */
struct others {
    struct span k[FAST_OTHER_KEYS];
    size_t n;
};

static bool other(struct fast *f, struct others *o, const struct span *k)
{
    size_t i;

    if (o->n == FAST_OTHER_KEYS)
        return false;
    for (i = 0; i < o->n; i++)
        if (o->k[i].len == k->len && memcmp(o->k[i].s, k->s, k->len) == 0)
            return false;
    o->k[o->n++] = *k;
    return ignored_value(f);
}

/* The length of lit (a string literal) when the line continues with it at f->p, else 0. The
 * length is a constant, so the compare is a load or two, not a call. */
#define MATCH(f, lit) \
    ((size_t)((f)->end - (f)->p) >= sizeof(lit) - 1 && memcmp((f)->p, lit, sizeof(lit) - 1) == 0 \
         ? sizeof(lit) - 1 : 0)

/* The length of the known key at f->p written as "name": with nothing between (the usual
 * way), or 0: a guess from its first letters, confirmed by one compare. */
static size_t known_key(const struct fast *f)
{
    if (f->end - f->p < 5 || f->p[0] != '"')
        return 0;
    switch (f->p[1]) {
    case 'i': return f->p[2] == 'd' ? MATCH(f, "\"id\":") : MATCH(f, "\"items\":");
    case 'c':
        if (f->p[2] == 'r')
            return MATCH(f, "\"created_at\":");
        return f->p[3] == 's' ? MATCH(f, "\"customer\":") : MATCH(f, "\"currency\":");
    case 'p': return MATCH(f, "\"priority\":");
    case 's': return MATCH(f, "\"sku\":");
    case 'q': return MATCH(f, "\"qty\":");
    case 'u': return MATCH(f, "\"unit_price\":");
    default: return 0;
    }
}

/* A key; *k is its spelling. A known key written plainly is taken by one compare; anything
 * else is scanned as a string. */
static bool key(struct fast *f, struct span *k)
{
    const size_t n = known_key(f);

    if (n) {
        k->s = f->p + 1;
        k->len = n - 3; /* without the quotes and the colon */
        k->kind = ORDER__STRING;
        f->p += n;
        return true;
    }
    return string(f, k) && eat(f, ':');
}

/* Whether key k is name (n its length, a constant, so the compare is a load or two). */
#define IS(k, name, n) ((k)->len == (n) && memcmp((k)->s, name, n) == 0)

/* A value for a string field seen for the first time. */
static bool once_string(struct fast *f, struct span *field)
{
    return field->kind == ORDER__MISSING && string(f, field);
}

static bool item(struct fast *f, struct fast_item *it)
{
    struct others others;
    struct span k;

    memset(it, 0, sizeof(*it));
    others.n = 0;
    if (!eat(f, '{'))
        return false;
    do {
        if (!key(f, &k))
            return false;
        if (IS(&k, "sku", 3)) {
            if (!once_string(f, &it->sku))
                return false;
        } else if (IS(&k, "qty", 3)) {
            if (it->qty.kind != ORDER__MISSING || !number(f, &it->qty, false))
                return false;
        } else if (IS(&k, "unit_price", 10)) {
            if (it->price.kind != ORDER__MISSING)
                return false;
            skip_ws(f);
            if (f->p < f->end && *f->p == '"' ? !string(f, &it->price)
                                              : !number(f, &it->price, true))
                return false;
        } else if (!other(f, &others, &k)) {
            return false;
        }
    } while (eat(f, ','));
    return eat(f, '}');
}

static bool items(struct fast *f)
{
    if (f->has_items || !eat(f, '['))
        return false;
    f->has_items = true;
    do {
        if (f->nitems == FAST_ITEMS || !item(f, &f->items[f->nitems]))
            return false;
        f->nitems++;
    } while (eat(f, ','));
    return eat(f, ']');
}

static bool field(struct fast *f, struct others *others)
{
    struct span k;

    if (!key(f, &k))
        return false;
    if (IS(&k, "id", 2))
        return once_string(f, &f->id);
    if (IS(&k, "items", 5))
        return items(f);
    if (IS(&k, "customer", 8))
        return once_string(f, &f->customer);
    if (IS(&k, "priority", 8))
        return once_string(f, &f->priority);
    if (IS(&k, "currency", 8))
        return once_string(f, &f->currency);
    if (IS(&k, "created_at", 10))
        return once_string(f, &f->created_at);
    return other(f, others, &k);
}

static bool syntax(struct fast *f)
{
    struct others others;

    others.n = 0;
    if (!eat(f, '{'))
        return false;
    do {
        if (!field(f, &others))
            return false;
    } while (eat(f, ','));
    if (!eat(f, '}'))
        return false;
    skip_ws(f);
    return f->p == f->end && f->has_items;
}

/* Copy a string into the order's string storage, NUL-terminated, as the full parser does. */
static void copy(const struct span *in, char **arena, struct order__val *v)
{
    v->kind = in->kind;
    v->len = in->len;
    v->plain = true; /* strings: printable ASCII, checked by string() */
    if (in->kind != ORDER__STRING) {
        v->s = in->s;
        return;
    }
    v->s = *arena;
    memcpy(*arena, in->s, in->len);
    (*arena)[in->len] = '\0';
    *arena += in->len + 1;
}

static bool fill_items(const struct fast *f, struct order *o, char **arena,
                       struct order_error *scratch)
{
    struct order__val v;
    size_t i;

    for (i = 0; i < f->nitems; i++) {
        const struct fast_item *in = &f->items[i];
        struct order_item *it = &o->items[i];

        copy(&in->sku, arena, &v);
        if (order__check_name(&v, scratch) < 0)
            return false;
        it->sku = v.s;
        it->sku_len = v.len;
        copy(&in->qty, arena, &v);
        if (order__check_qty(&v, &it->qty, scratch) < 0)
            return false;
        copy(&in->price, arena, &v);
        if (order__check_price(&v, o->currency, o->decimals, &it->unit_price, scratch) < 0)
            return false;
    }
    return true;
}

/* The order's fields, through the same validators as the full parser. */
static bool fill(const struct fast *f, struct order *o, char **arena)
{
    struct order_error scratch;
    struct order__val v;

    copy(&f->id, arena, &v);
    if (order__check_id(&v, &scratch) < 0)
        return false;
    o->id = v.s;
    o->id_len = v.len;
    copy(&f->customer, arena, &v);
    if (order__check_name(&v, &scratch) < 0)
        return false;
    o->customer = v.s;
    o->customer_len = v.len;
    copy(&f->priority, arena, &v);
    if (order__check_priority(&v, &o->priority, &scratch) < 0)
        return false;
    copy(&f->currency, arena, &v);
    if (order__check_currency(&v, o->currency, &o->decimals, &scratch) < 0)
        return false;
    copy(&f->created_at, arena, &v);
    if (order__check_created_at(&v, &scratch) < 0)
        return false;
    o->created_at = v.s;
    o->created_at_len = v.len;
    return fill_items(f, o, arena, &scratch);
}

int order__parse_fast(const char *line, size_t len, const struct order__space *space,
                      struct order **out)
{
    struct fast f;
    struct order *o;
    char *arena;

    f.p = line;
    f.end = line + len;
    f.id.kind = f.customer.kind = f.priority.kind = ORDER__MISSING;
    f.currency.kind = f.created_at.kind = ORDER__MISSING;
    f.nitems = 0;
    f.has_items = false;
    if (len > ORDER_MAX_LINE || !syntax(&f))
        return 0;
    /* the strings and their NULs take less room than the line they were quoted in */
    o = order__alloc(space, f.nitems, len, &arena);
    if (!o)
        return -ENOMEM;
    if (!fill(&f, o, &arena)) {
        order_free(o);
        return 0;
    }
    *out = o;
    return 1;
}
