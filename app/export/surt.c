/* app/export/surt.c: SURT keys, step for step as Python surt 0.3 computes them (see surt.h).
 * Function names follow surt's (unescapeRepeatedly, escapeOnce, normalizePath, ...) so the two
 * can be read side by side. */
#include "app/export/surt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

/* A working string: bytes, length, and whether it is there at all (Python's None). */
struct str {
    struct core_buf b;
    bool set;
};

static void str_init(struct str *s, size_t max)
{
    core_buf_init(&s->b, max);
    s->set = false;
}

static int str_set(struct str *s, const char *p, size_t n)
{
    core_buf_reset(&s->b);
    s->set = true;
    return core_buf_append(&s->b, n ? p : "", n);
}

static bool str_truthy(const struct str *s)
{
    return s->set && s->b.len > 0;
}

static void str_truncate(struct str *s, size_t n)
{
    s->b.len = n;
    if (s->b.data)
        s->b.data[n] = '\0';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void lower(struct str *s)
{
    size_t i;

    for (i = 0; i < s->b.len; i++)
        if (s->b.data[i] >= 'A' && s->b.data[i] <= 'Z')
            s->b.data[i] = (char)(s->b.data[i] - 'A' + 'a');
}

/* unquote_to_bytes until nothing changes, in place (decoding only shortens). */
static void unescape_repeatedly(struct str *s)
{
    bool changed = true;

    while (s->set && changed) {
        char *d = s->b.data;
        size_t i, o = 0, n = s->b.len;

        changed = false;
        for (i = 0; i < n; i++) {
            int h, l;

            if (d[i] == '%' && i + 2 < n && (h = hexval((unsigned char)d[i + 1])) >= 0 &&
                (l = hexval((unsigned char)d[i + 2])) >= 0) {
                d[o++] = (char)(h << 4 | l);
                i += 2;
                changed = true;
            } else {
                d[o++] = d[i];
            }
        }
        str_truncate(s, o);
    }
}

/* quote_from_bytes with surt's safe set: letters, digits, "_.-~" and !"$&'()*+,-./:;<=>?@[\]^_`{|}~
 * stay; everything else (controls, space, '#', '%', DEL, bytes >= 0x80) becomes %XX. */
static int escape_once(struct str *s, struct core_buf *tmp)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    int rc = 0;

    if (!str_truthy(s))
        return 0;
    core_buf_reset(tmp);
    for (i = 0; i < s->b.len && rc == 0; i++) {
        const unsigned char c = (unsigned char)s->b.data[i];

        if (c > 32 && c < 127 && c != '#' && c != '%') {
            rc = core_buf_putc(tmp, (char)c);
        } else {
            const char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            rc = core_buf_append(tmp, e, 3);
        }
    }
    if (rc == 0)
        rc = str_set(s, tmp->data, tmp->len);
    return rc;
}

/* GoogleURLCanonicalizer.normalizePath: "." and ".." segments resolved, empty segments dropped
 * (a trailing '/' kept), on a path that starts with '/'. */
static int normalize_path(struct str *s, struct core_buf *tmp)
{
    const char *p, *end, *seg;
    size_t *kept, nkept = 0, cap, i;
    int rc = 0;

    if (!str_truthy(s))
        return str_set(s, "/", 1);
    p = s->b.data;
    end = p + s->b.len;
    cap = s->b.len + 1;
    kept = core_calloc(cap, 2 * sizeof(*kept));   /* (start, length) of each kept segment */
    if (!kept)
        return -ENOMEM;
    /* the part before the first '/' is dropped, as split('/')[1:] does */
    seg = memchr(p, '/', s->b.len);
    while (seg) {
        const char *start = seg + 1, *next = memchr(start, '/', (size_t)(end - start));
        const size_t n = (size_t)((next ? next : end) - start);

        if (n == 1 && start[0] == '.') {
            /* skip */
        } else if (n == 2 && start[0] == '.' && start[1] == '.' && nkept > 0) {
            nkept--;
        } else {
            kept[2 * nkept] = (size_t)(start - p);
            kept[2 * nkept + 1] = n;
            nkept++;
        }
        seg = next;
    }
    core_buf_reset(tmp);
    rc = core_buf_putc(tmp, '/');
    for (i = 0; rc == 0 && i + 1 < nkept; i++)
        if (kept[2 * i + 1] > 0) {
            rc = core_buf_append(tmp, p + kept[2 * i], kept[2 * i + 1]);
            if (rc == 0)
                rc = core_buf_putc(tmp, '/');
        }
    if (rc == 0 && nkept > 0)
        rc = core_buf_append(tmp, p + kept[2 * (nkept - 1)], kept[2 * (nkept - 1) + 1]);
    core_free(kept);
    if (rc == 0)
        rc = str_set(s, tmp->data, tmp->len);
    return rc;
}

/* attemptIPFormats: a host that is a number, or a dotted decimal or octal address as
 * inet_aton reads it (gethostbyname does the same), becomes a dotted quad. */
static bool attempt_ip_formats(struct str *s)
{
    const char *h = s->b.data;
    size_t i, n = s->b.len, parts = 1, start = 0;
    struct in_addr a;
    bool all_digits = n > 0;
    char quad[16];

    for (i = 0; i < n; i++)
        if (h[i] < '0' || h[i] > '9')
            all_digits = false;
    if (all_digits) {
        uint32_t v = 0;

        for (i = 0; i < n; i++)
            v = v * 10u + (uint32_t)(h[i] - '0');   /* mod 2^32: "& 0xffffffff" */
        snprintf(quad, sizeof(quad), "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255,
                 v & 255);
        return str_set(s, quad, strlen(quad)) == 0;
    }
    /* ^([1-9][0-9]*)(\.[0-9]+){0,3}$ or ^(0[0-7]*)(\.[0-7]+){0,3}$ */
    if (n == 0)
        return false;
    for (i = 0; i <= n; i++) {
        if (i < n && h[i] != '.')
            continue;
        if (i == start)
            return false;   /* empty part */
        if (i < n && ++parts > 4)
            return false;
        start = i + 1;
    }
    if (h[0] == '0') {
        for (i = 0; i < n; i++)
            if (h[i] != '.' && (h[i] < '0' || h[i] > '7'))
                return false;
    } else {
        for (i = 0; i < n; i++)
            if (h[i] != '.' && (h[i] < '0' || h[i] > '9'))
                return false;
    }
    if (inet_aton(h, &a) == 0)
        return false;
    if (!inet_ntop(AF_INET, &a, quad, sizeof(quad)))
        return false;
    return str_set(s, quad, strlen(quad)) == 0;
}

/* The query session-id patterns of URLRegexTransformer, each ^(.*)TOKEN(?:&(.*))?$ with re.I:
 * returns the end of TOKEN when it matches at i, else 0. */
static size_t query_token(const char *q, size_t n, size_t i, int k)
{
    static const char *const lits[] = {"jsessionid=", "phpsessid=", "sid=", "aspsessionid",
                                       "cfid="};
    const size_t l = strlen(lits[k]);
    size_t j, c;

    if (n - i < l || strncasecmp(q + i, lits[k], l) != 0)
        return 0;
    j = i + l;
    switch (k) {
    case 3:   /* ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24} */
        for (c = 0; c < 8; c++, j++)
            if (j >= n || !is_alpha((unsigned char)q[j]))
                return 0;
        if (j >= n || q[j] != '=')
            return 0;
        j++;
        for (c = 0; c < 24; c++, j++)
            if (j >= n || !is_alpha((unsigned char)q[j]))
                return 0;
        return j;
    case 4:   /* cfid=[^&]+&cftoken=[^&]+ */
        for (c = j; j < n && q[j] != '&'; j++)
            ;
        if (j == c || n - j < 9 || strncasecmp(q + j, "&cftoken=", 9) != 0)
            return 0;
        j += 9;
        for (c = j; j < n && q[j] != '&'; j++)
            ;
        return j == c ? 0 : j;
    default:   /* [0-9a-zA-Z]{32} */
        for (c = 0; c < 32; c++, j++)
            if (j >= n || !is_alnum((unsigned char)q[j]))
                return 0;
        return j;
    }
}

static int strip_query_session_id(struct str *s, struct core_buf *tmp)
{
    int k, rc;

    for (k = 0; k < 5; k++) {
        const char *q = s->b.data;
        const size_t n = s->b.len;
        size_t i = n + 1, end = 0;

        /* the greedy (.*) makes the last place where the token matches win */
        while (i-- > 0) {
            end = query_token(q, n, i, k);
            if (end && (end == n || q[end] == '&'))
                break;
        }
        if (i == (size_t)-1)
            continue;
        core_buf_reset(tmp);
        rc = core_buf_append(tmp, q, i);
        if (rc == 0 && end + 1 < n)   /* group 2, when not empty */
            rc = core_buf_append(tmp, q + end + 1, n - end - 1);
        if (rc == 0)
            rc = str_set(s, tmp->data ? tmp->data : "", tmp->len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ([^\?]+\.aspx.*)$ from j on. */
static bool aspx_rest(const char *p, size_t n, size_t j)
{
    size_t k;

    for (k = j + 1; k + 5 <= n; k++) {
        if (p[k - 1] == '?')
            return false;
        if (strncasecmp(p + k, ".aspx", 5) == 0)
            return true;
    }
    return false;
}

/* The path session-id patterns: at j (just after a '/'), the length of
 * \((?:[a-z]\([0-9a-z]{24}\))+\)/ (pattern 0) or \([0-9a-z]{24}\)/ (pattern 1), or 0. */
static size_t path_token(const char *p, size_t n, size_t j, int k)
{
    size_t i = j, c, units = 0;

    if (i >= n || p[i++] != '(')
        return 0;
    if (k == 0) {
        while (i < n && is_alpha((unsigned char)p[i])) {
            if (i + 27 > n || p[i + 1] != '(' || p[i + 26] != ')')
                return 0;
            for (c = 0; c < 24; c++)
                if (!is_alnum((unsigned char)p[i + 2 + c]))
                    return 0;
            i += 27;
            units++;
        }
        if (units == 0)
            return 0;
    } else {
        for (c = 0; c < 24; c++, i++)
            if (i >= n || !is_alnum((unsigned char)p[i]))
                return 0;
    }
    if (i + 2 > n || p[i] != ')' || p[i + 1] != '/')
        return 0;
    return i + 2 - j;
}

static int strip_path_session_id(struct str *s, struct core_buf *tmp)
{
    int k, rc;

    for (k = 0; k < 2; k++) {
        const char *p = s->b.data;
        const size_t n = s->b.len;
        size_t j = n + 1, t = 0;

        while (j-- > 1) {
            if (p[j - 1] != '/')
                continue;
            t = path_token(p, n, j, k);
            if (t && aspx_rest(p, n, j + t))
                break;
        }
        if (j == 0)
            continue;
        core_buf_reset(tmp);
        rc = core_buf_append(tmp, p, j);
        if (rc == 0)
            rc = core_buf_append(tmp, p + j + t, n - j - t);
        if (rc == 0)
            rc = str_set(s, tmp->data, tmp->len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

struct arg {
    const char *name, *value;
    size_t nlen, vlen;
    bool has_value;
};

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);

    return c ? c : (an > bn) - (an < bn);
}

/* Python's tuple order: by name, then (name,) before (name, value), then by value. */
static int cmp_arg(const void *x, const void *y)
{
    const struct arg *a = x, *b = y;
    int c = cmp_bytes(a->name, a->nlen, b->name, b->nlen);

    if (c)
        return c;
    if (a->has_value != b->has_value)
        return a->has_value ? 1 : -1;
    return cmp_bytes(a->value, a->vlen, b->value, b->vlen);
}

static int alpha_reorder_query(struct str *s, struct core_buf *tmp)
{
    const char *q = s->b.data, *end = q + s->b.len, *p = q;
    size_t n = 1, i;
    struct arg *args;
    int rc = 0;

    if (s->b.len <= 1)
        return 0;
    for (i = 0; i < s->b.len; i++)
        n += q[i] == '&';
    args = core_calloc(n, sizeof(*args));
    if (!args)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));

        args[i].name = p;
        args[i].nlen = (size_t)((eq ? eq : stop) - p);
        args[i].has_value = eq != NULL;
        args[i].value = eq ? eq + 1 : stop;
        args[i].vlen = eq ? (size_t)(stop - eq - 1) : 0;
        p = stop + 1;
    }
    qsort(args, n, sizeof(*args), cmp_arg);
    core_buf_reset(tmp);
    for (i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = core_buf_putc(tmp, '&');
        if (rc == 0)
            rc = core_buf_append(tmp, args[i].name, args[i].nlen);
        if (rc == 0 && args[i].has_value) {
            rc = core_buf_putc(tmp, '=');
            if (rc == 0)
                rc = core_buf_append(tmp, args[i].value, args[i].vlen);
        }
    }
    core_free(args);
    if (rc == 0)
        rc = str_set(s, tmp->data, tmp->len);
    return rc;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
    const size_t l = strlen(prefix);

    return n >= l && memcmp(s, prefix, l) == 0;
}

/* hostToSURT: labels reversed, joined by ','. */
static int host_to_surt(const char *h, size_t n, struct core_buf *out)
{
    size_t end = n, i;
    int rc = 0;

    for (i = n; rc == 0; i--) {
        if (i == 0 || h[i - 1] == '.') {
            rc = core_buf_append(out, h + i, end - i);
            if (rc == 0 && i > 0)
                rc = core_buf_putc(out, ',');
            end = i - 1;
            if (i == 0)
                break;
        }
    }
    return rc;
}

struct url {
    struct str scheme, host, path, query;
    long port;   /* -1: none */
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* handyurl.parse (with Python's urlsplit): 1 when parsed, 0 when the URL has no usable form
 * (surt raises, and indexers then use the URL itself), or a negated errno. */
static int parse(const char *url, size_t len, struct url *u, struct core_buf *tmp)
{
    const char *s, *e, *p, *net = NULL, *netend = NULL, *rest, *hash, *qm;
    size_t i, n;
    int rc;

    /* strip, drop tab/CR/LF, add "http://" when there is no scheme */
    while (len > 0 && is_ws(url[0])) {
        url++;
        len--;
    }
    while (len > 0 && is_ws(url[len - 1]))
        len--;
    core_buf_reset(tmp);
    for (i = 0; i < len; i++)
        if (url[i] != '\t' && url[i] != '\r' && url[i] != '\n' &&
            (rc = core_buf_putc(tmp, url[i])) < 0)
            return rc;
    s = tmp->data ? tmp->data : "";
    n = tmp->len;
    for (i = 0; i < n && (is_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
                          s[i] == '.');
         i++)
        ;
    rc = 0;
    if (n == 0 || !is_alpha((unsigned char)s[0]) || i == n || s[i] != ':') {
        rc = str_set(&u->scheme, "http", 4);
        p = s;
        e = s + n;
        net = p;   /* "//" is implied */
    } else {
        /* ^(https?://)+ -> the last of them */
        const char *t = s;

        for (;;) {
            size_t l = starts(t, n - (size_t)(t - s), "http://")    ? 7
                       : starts(t, n - (size_t)(t - s), "https://") ? 8
                                                                     : 0;

            if (!l || !(starts(t + l, n - (size_t)(t + l - s), "http://") ||
                        starts(t + l, n - (size_t)(t + l - s), "https://")))
                break;
            t += l;
        }
        s = t;
        n = tmp->len - (size_t)(s - tmp->data);
        for (i = 0; s[i] != ':'; i++)
            ;
        rc = str_set(&u->scheme, s, i);
        lower(&u->scheme);
        p = s + i + 1;
        e = s + n;
        if (e - p >= 2 && p[0] == '/' && p[1] == '/')
            net = p + 2;
    }
    if (rc < 0)
        return rc;
    rest = p;
    if (net) {
        for (netend = net; netend < e && *netend != '/' && *netend != '?' && *netend != '#';
             netend++)
            ;
        rest = netend;
    }
    hash = memchr(rest, '#', (size_t)(e - rest));
    if (hash)
        e = hash;   /* the fragment is dropped */
    qm = memchr(rest, '?', (size_t)(e - rest));
    if (qm && qm + 1 < e)
        rc = str_set(&u->query, qm + 1, (size_t)(e - qm - 1));
    if (rc == 0 && (qm ? qm : e) > rest)
        rc = str_set(&u->path, rest, (size_t)((qm ? qm : e) - rest));
    if (rc < 0)
        return rc;
    u->port = -1;
    if (net && netend > net) {
        const char *h = net, *he, *at, *colon = NULL, *c;

        while (netend > net && netend[-1] == ':')   /* "host:" with no port */
            netend--;
        for (at = NULL, c = net; c < netend; c++)
            if (*c == '@')
                at = c;
        if (at)
            h = at + 1;
        if (h < netend && *h == '[') {
            const char *rb = memchr(h, ']', (size_t)(netend - h));

            he = rb ? rb : netend;
            h++;
            if (rb && rb + 1 < netend && rb[1] == ':')
                colon = rb + 1;
        } else {
            colon = h < netend ? memchr(h, ':', (size_t)(netend - h)) : NULL;
            he = colon ? colon : netend;
        }
        if (colon && colon + 1 < netend) {
            long v = 0;

            for (c = colon + 1; c < netend; c++) {
                if (*c < '0' || *c > '9')
                    return 0;   /* urlsplit's port raises */
                v = v * 10 + (*c - '0');
                if (v > 65535)
                    return 0;
            }
            u->port = v ? v : -1;
        }
        if (he > h) {
            rc = str_set(&u->host, h, (size_t)(he - h));
            lower(&u->host);
        }
    }
    /* "http:///www.x.com/y": the host is taken from the path */
    if (rc == 0 && !str_truthy(&u->host) && u->path.set &&
        starts(u->scheme.b.data ? u->scheme.b.data : "", u->scheme.b.len, "http")) {
        const char *q = u->path.b.data, *qe = q + u->path.b.len, *sl;
        struct core_buf t2;

        while (q < qe && *q == '/')
            q++;
        sl = memchr(q, '/', (size_t)(qe - q));
        core_buf_init(&t2, u->path.b.max);
        rc = core_buf_putc(&t2, '/');
        if (rc == 0 && sl)
            rc = core_buf_append(&t2, sl + 1, (size_t)(qe - sl - 1));
        if (rc == 0)
            rc = str_set(&u->host, q, (size_t)((sl ? sl : qe) - q));
        if (rc == 0)
            rc = str_set(&u->path, t2.data, t2.len);
        core_buf_free(&t2);
    }
    return rc < 0 ? rc : 1;
}

/* GoogleURLCanonicalizer, then IAURLCanonicalizer. */
static int canonicalize(struct url *u, struct core_buf *tmp)
{
    int rc = 0;

    /* Google */
    if (str_truthy(&u->query)) {
        unescape_repeatedly(&u->query);
        rc = escape_once(&u->query, tmp);
    }
    if (rc == 0 && str_truthy(&u->host)) {
        struct str *h = &u->host;
        size_t i, o = 0;

        unescape_repeatedly(h);
        /* replace('..', '.'), one left-to-right pass, then strip('.') */
        for (i = 0; i < h->b.len; i++) {
            if (h->b.data[i] == '.' && i + 1 < h->b.len && h->b.data[i + 1] == '.') {
                h->b.data[o++] = '.';
                i++;
            } else {
                h->b.data[o++] = h->b.data[i];
            }
        }
        str_truncate(h, o);
        for (i = 0; i < h->b.len && h->b.data[i] == '.'; i++)
            ;
        o = h->b.len;
        while (o > i && h->b.data[o - 1] == '.')
            o--;
        memmove(h->b.data, h->b.data + i, o - i);
        str_truncate(h, o - i);
        if (!attempt_ip_formats(h)) {
            lower(h);
            rc = escape_once(h, tmp);
        }
    }
    if (rc == 0) {
        unescape_repeatedly(&u->path);
        if (str_truthy(&u->host))
            rc = normalize_path(&u->path, tmp);
        if (rc == 0)
            rc = escape_once(&u->path, tmp);
    }
    /* IA */
    if (rc == 0 && str_truthy(&u->host)) {
        struct str *h = &u->host;
        size_t i = 3;

        lower(h);
        if (h->b.len > 3 && memcmp(h->b.data, "www", 3) == 0) {
            while (i < h->b.len && h->b.data[i] >= '0' && h->b.data[i] <= '9')
                i++;
            if (i < h->b.len && h->b.data[i] == '.') {
                memmove(h->b.data, h->b.data + i + 1, h->b.len - i - 1);
                str_truncate(h, h->b.len - i - 1);
            }
        }
    }
    if (rc == 0 && u->port >= 0) {
        const char *sc = u->scheme.b.data ? u->scheme.b.data : "";

        if ((strcmp(sc, "http") == 0 && u->port == 80) ||
            (strcmp(sc, "https") == 0 && u->port == 443))
            u->port = -1;
    }
    if (rc == 0 && str_truthy(&u->path)) {
        lower(&u->path);
        rc = strip_path_session_id(&u->path, tmp);
        if (rc == 0 && u->path.b.len > 1 && u->path.b.data[u->path.b.len - 1] == '/')
            str_truncate(&u->path, u->path.b.len - 1);
    }
    if (rc == 0 && str_truthy(&u->query)) {
        rc = strip_query_session_id(&u->query, tmp);
        lower(&u->query);
        if (rc == 0)
            rc = alpha_reorder_query(&u->query, tmp);
    }
    if (rc == 0 && u->query.set && u->query.b.len == 0)
        u->query.set = false;
    return rc;
}

int app_surt_key(const char *url, size_t len, struct core_buf *out)
{
    const size_t start = out->len, max = len * 3 + 64;
    struct core_buf tmp, scratch;
    struct url u;
    int rc;

    if (len == 0)
        return core_buf_putc(out, '-');
    if (starts(url, len, "filedesc") || starts(url, len, "warcinfo") ||
        starts(url, len, "whois://"))
        return core_buf_append(out, url, len);
    if (starts(url, len, "dns:")) {
        rc = host_to_surt(url + 4, len - 4, out);
        if (rc == 0)
            rc = core_buf_putc(out, ')');
        goto out;
    }
    core_buf_init(&tmp, max);
    core_buf_init(&scratch, max);
    str_init(&u.scheme, max);
    str_init(&u.host, max);
    str_init(&u.path, max);
    str_init(&u.query, max);
    rc = parse(url, len, &u, &tmp);
    if (rc == 1)
        rc = canonicalize(&u, &scratch);
    if (rc == 0 && !str_truthy(&u.host))
        rc = 1;   /* no host: surt gives the URL back */
    if (rc == 0) {
        rc = host_to_surt(u.host.b.data, u.host.b.len, out);
        if (rc == 0 && u.port >= 0)
            rc = core_buf_printf(out, ":%ld", u.port);
        if (rc == 0)
            rc = core_buf_putc(out, ')');
        if (rc == 0 && str_truthy(&u.path))
            rc = core_buf_append(out, u.path.b.data, u.path.b.len);
        else if (rc == 0 && u.query.set)
            rc = core_buf_putc(out, '/');
        if (rc == 0 && u.query.set) {
            rc = core_buf_putc(out, '?');
            if (rc == 0)
                rc = core_buf_append(out, u.query.b.data, u.query.b.len);
        }
    }
    if (rc == 1) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        rc = core_buf_append(out, url, len);
    }
    core_buf_free(&tmp);
    core_buf_free(&scratch);
    core_buf_free(&u.scheme.b);
    core_buf_free(&u.host.b);
    core_buf_free(&u.path.b);
    core_buf_free(&u.query.b);
out:
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}
