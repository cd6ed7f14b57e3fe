/* parse/url.c: URL resolution and normalisation (see url.h for the output form).
 *
 * One pass writes the normalised URL straight into the caller's buffer. A relative reference
 * is resolved by first writing the normalised base, then cutting it back at the component the
 * reference replaces (RFC 3986 5.2.2) and appending the reference's parts; ".." pops segments
 * off what is already written (RFC 3986 5.2.4 as WHATWG's path state does it), never above the
 * path's first '/'. Normalising the base again on every call costs a pass over ~100 bytes and
 * makes the result canonical even when a caller hands in a base spelled loosely. The host
 * between the authority's userinfo and port is written by parse/host.c (url_int.h). */
#include "parse/url.h"

#include <errno.h>
#include <string.h>

#include "core/ascii.h"
#include "core/mem.h"
#include "parse/url_int.h"

/* Byte classes. */
enum {
    C_UNRES = 1 << 0,  /* RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
    C_PATH = 1 << 1,   /* raw in a path segment: pchar (unreserved, sub-delims, ':', '@') */
    C_QUERY = 1 << 2,  /* raw in a query: pchar but '\'', '/' and '?' */
    C_HOST = 1 << 3,   /* in a host name: ALPHA DIGIT - . _ */
    C_HEX = 1 << 4,    /* a hex digit */
    C_SCHEME = 1 << 5  /* after a scheme's first letter: ALPHA DIGIT + - . */
};

#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#define IS_UNRES(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')
#define IS_SUBDELIM(c)                                                                        \
    ((c) == '!' || (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' ||      \
     (c) == '*' || (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=')
#define IS_PCHAR(c) (IS_UNRES(c) || IS_SUBDELIM(c) || (c) == ':' || (c) == '@')
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define CLS(c)                                                                                \
    ((IS_UNRES(c) ? C_UNRES : 0) | (IS_PCHAR(c) ? C_PATH : 0) |                               \
     ((IS_PCHAR(c) && (c) != '\'') || (c) == '/' || (c) == '?' ? C_QUERY : 0) |               \
     (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' ? C_HOST : 0) |                    \
     (IS_HEX(c) ? C_HEX : 0) |                                                                \
     (IS_ALNUM(c) || (c) == '+' || (c) == '-' || (c) == '.' ? C_SCHEME : 0))
#define ROW(b)                                                                                \
    CLS((b) + 0), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3), CLS((b) + 4), CLS((b) + 5),        \
        CLS((b) + 6), CLS((b) + 7), CLS((b) + 8), CLS((b) + 9), CLS((b) + 10), CLS((b) + 11), \
        CLS((b) + 12), CLS((b) + 13), CLS((b) + 14), CLS((b) + 15)

/* Bytes 0x80-0xFF are in no class: they are always percent-encoded. */
static const unsigned char url_class[256] = {
    ROW(0x00), ROW(0x10), ROW(0x20), ROW(0x30), ROW(0x40), ROW(0x50), ROW(0x60), ROW(0x70),
};

static const char url_hex[] = "0123456789ABCDEF";

enum { URL_HTTP, URL_HTTPS };
static const char *const url_prefix[] = {"http://", "https://"};
static const size_t url_prefix_len[] = {7, 8};
static const unsigned url_default_port[] = {80, 443};

enum { URL_SCRATCH = 1024 };   /* stack copy of an input that had tabs or newlines removed */

/* Where the parts of the URL being written to out begin. */
struct url_marks {
    size_t path;   /* offset of the path's first '/' */
    size_t query;  /* offset of the '?', or the end of the path when there is no query */
};

/* An input with WHATWG's cleanup applied: trimmed, tabs and newlines removed. */
struct url_src {
    const char *s;
    size_t n;
    char *heap;    /* owned copy when the input did not fit the stack copy */
    char stack[URL_SCRATCH];
};

static inline unsigned char cls(char c)
{
    return url_class[(unsigned char)c];
}

static inline bool is_slash(char c)
{
    return c == '/' || c == '\\';
}

static inline char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c & ~0x20) : c;
}

/* Writers: out->data always keeps one spare byte for the NUL written at the end. */
static inline int put(struct core_buf *out, char c)
{
    if (out->len + 2 > out->cap) {
        int rc = core_buf_reserve(out, 1);

        if (rc < 0)
            return rc;
    }
    out->data[out->len++] = c;
    return 0;
}

static inline int put_n(struct core_buf *out, const char *p, size_t n)
{
    if (n >= out->cap - out->len) {   /* cap > len unless both are 0 */
        int rc = core_buf_reserve(out, n);

        if (rc < 0)
            return rc;
    }
    memcpy(out->data + out->len, p, n);
    out->len += n;
    return 0;
}

static inline int put_escape(struct core_buf *out, unsigned char c)
{
    char e[3] = {'%', url_hex[c >> 4], url_hex[c & 15]};

    return put_n(out, e, 3);
}

static int put_uint(struct core_buf *out, unsigned long v)
{
    char d[24];
    size_t i = sizeof(d);

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put_n(out, d + i, sizeof(d) - i);
}

/* Strip leading and trailing C0 controls and spaces, and remove tab, LF and CR anywhere. */
static int src_init(struct url_src *src, const char *s, size_t n)
{
    size_t i, k;
    char *d;

    src->heap = NULL;
    while (n && (unsigned char)s[0] <= 0x20) {
        s++;
        n--;
    }
    while (n && (unsigned char)s[n - 1] <= 0x20)
        n--;
    for (i = 0; i < n && s[i] != '\t' && s[i] != '\n' && s[i] != '\r'; i++)
        ;
    src->s = s;
    src->n = n;
    if (i == n)
        return 0;
    if (n <= sizeof(src->stack)) {
        d = src->stack;
    } else {
        src->heap = core_malloc(n);
        if (!src->heap)
            return -ENOMEM;
        d = src->heap;
    }
    memcpy(d, s, i);
    for (k = i; i < n; i++)
        if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            d[k++] = s[i];
    src->s = d;
    src->n = k;
    return 0;
}

static void src_release(struct url_src *src)
{
    core_free(src->heap);
}

/* Length of s's scheme (before the ':'), or 0 when s has none. */
static size_t scheme_len(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || !IS_ALPHA(s[0]))
        return 0;
    for (i = 1; i < n && (cls(s[i]) & C_SCHEME); i++)
        ;
    return i < n && s[i] == ':' ? i : 0;
}

/* URL_HTTP, URL_HTTPS, or -1 for any other scheme. */
static int scheme_kind(const char *s, size_t n)
{
    static const char http[] = "https";
    size_t i;

    if (n != 4 && n != 5)
        return -1;
    for (i = 0; i < n; i++)
        if (core_ascii_lower(s[i]) != http[i])
            return -1;
    return n == 4 ? URL_HTTP : URL_HTTPS;
}

/* 1 for a "." segment, 2 for "..", else 0; a dot may be spelled %2e or %2E (WHATWG). */
static int dot_segment(const char *p, size_t n)
{
    size_t k = 0;
    int dots = 0;

    while (k < n) {
        if (p[k] == '.')
            k++;
        else if (n - k >= 3 && p[k] == '%' && p[k + 1] == '2' && (p[k + 2] | 0x20) == 'e')
            k += 3;
        else
            return 0;
        if (++dots > 2)
            return 0;
    }
    return dots;
}

/* Append p[0..n) with percent-encoding normalised: bytes in class raw are copied, %XX gets
 * uppercase hex or is decoded when XX is unreserved, a stray '%' becomes %25, and every other
 * byte is encoded. */
static int put_encoded(struct core_buf *out, const char *p, size_t n, unsigned raw)
{
    size_t k = 0, run;
    int rc;

    while (k < n) {
        for (run = k; run < n && (cls(p[run]) & raw); run++)
            ;
        if (run > k) {
            rc = put_n(out, p + k, run - k);
            if (rc < 0)
                return rc;
            k = run;
            if (k == n)
                break;
        }
        if (p[k] == '%' && n - k >= 3 && (cls(p[k + 1]) & C_HEX) && (cls(p[k + 2]) & C_HEX)) {
            unsigned char v = (unsigned char)(core_ascii_xdigit(p[k + 1]) << 4 | core_ascii_xdigit(p[k + 2]));

            if (url_class[v] & C_UNRES) {
                rc = put(out, (char)v);
            } else {
                char e[3] = {'%', ascii_upper(p[k + 1]), ascii_upper(p[k + 2])};

                rc = put_n(out, e, 3);
            }
            k += 3;
        } else {
            rc = put_escape(out, (unsigned char)p[k]);
            k++;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Append the path segments starting at s[*pi] (just after a '/'), up to the query, fragment or
 * end, which *pi is left at. out ends with '/' and root is the offset of the path's first '/'. */
static int put_path(struct core_buf *out, const char *s, size_t n, size_t *pi, size_t root)
{
    size_t i = *pi, j;
    int rc, dots;
    bool last;

    for (;;) {
        for (j = i; j < n && !is_slash(s[j]) && s[j] != '?' && s[j] != '#'; j++)
            ;
        last = j == n || !is_slash(s[j]);
        dots = dot_segment(s + i, j - i);
        if (dots == 2) {
            /* Pop the last segment, keeping the '/' before it; "/.." stays "/". */
            if (out->len - 1 > root) {
                out->len--;
                while (out->data[out->len - 1] != '/')
                    out->len--;
            }
        } else if (dots == 0) {
            rc = put_encoded(out, s + i, j - i, C_PATH);
            if (rc == 0 && !last)
                rc = put(out, '/');
            if (rc < 0)
                return rc;
        }
        if (last) {
            *pi = j;
            return 0;
        }
        i = j + 1;
    }
}

/* Append "?query" when s[i] starts one; stop at the fragment. */
static int put_query(struct core_buf *out, const char *s, size_t n, size_t i)
{
    size_t j;
    int rc;

    if (i == n || s[i] != '?')
        return 0;
    rc = put(out, '?');
    if (rc < 0)
        return rc;
    i++;
    for (j = i; j < n && s[j] != '#'; j++)
        ;
    return put_encoded(out, s + i, j - i, C_QUERY);
}

/* Append host[:port] for the authority a[0..n): userinfo dropped, default port dropped. */
static int put_authority(struct core_buf *out, int kind, const char *a, size_t n)
{
    unsigned long port = 0;
    size_t h = 0, k;
    int rc;

    for (k = n; k > 0; k--) {
        if (a[k - 1] == '@') {
            h = k;
            break;
        }
    }
    if (h < n && a[h] == '[') {
        for (k = h + 1; k < n && a[k] != ']'; k++)
            ;
        if (k == n || (k + 1 < n && a[k + 1] != ':'))
            return CORE_EPARSE;
        k++;
    } else {
        for (k = h; k < n && a[k] != ':'; k++)
            ;
        if (k == h)
            return CORE_EPARSE;
    }
    rc = parse__url_put_host(out, a + h, k - h);
    if (rc < 0 || k == n)
        return rc;
    /* a[k] is ':'. An empty port ("http://h:/") means the default, as in WHATWG. */
    if (++k == n)
        return 0;
    for (; k < n; k++) {
        if (!IS_DIGIT(a[k]))
            return CORE_EPARSE;
        port = port * 10 + (unsigned long)(a[k] - '0');
        if (port > 65535)
            return CORE_EPARSE;
    }
    if (port == url_default_port[kind])
        return 0;
    rc = put(out, ':');
    return rc < 0 ? rc : put_uint(out, port);
}

/* Write the URL whose scheme is kind and whose text after "scheme:" is s[i..n). */
static int put_absolute(struct core_buf *out, int kind, const char *s, size_t n, size_t i,
                        struct url_marks *m)
{
    size_t a;
    int rc;

    out->len = 0;
    rc = put_n(out, url_prefix[kind], url_prefix_len[kind]);
    if (rc < 0)
        return rc;
    while (i < n && is_slash(s[i]))
        i++;
    for (a = i; i < n && !is_slash(s[i]) && s[i] != '?' && s[i] != '#'; i++)
        ;
    rc = put_authority(out, kind, s + a, i - a);
    if (rc < 0)
        return rc;
    m->path = out->len;
    rc = put(out, '/');
    if (rc < 0)
        return rc;
    if (i < n && is_slash(s[i]))
        i++;
    rc = put_path(out, s, n, &i, m->path);
    if (rc < 0)
        return rc;
    m->query = out->len;
    return put_query(out, s, n, i);
}

/* Normalise the cleaned absolute URL s into out. */
static int normalize_src(struct core_buf *out, const char *s, size_t n, int *kind,
                         struct url_marks *m)
{
    size_t sl = scheme_len(s, n);

    if (sl == 0)
        return CORE_EPARSE;
    *kind = scheme_kind(s, sl);
    if (*kind < 0)
        return CORE_ESCHEME;
    return put_absolute(out, *kind, s, n, sl + 1, m);
}

static int normalize_base(struct core_buf *out, const char *base, size_t len, int *kind,
                          struct url_marks *m)
{
    struct url_src src;
    int rc = src_init(&src, base, len);

    if (rc == 0)
        rc = normalize_src(out, src.s, src.n, kind, m);
    src_release(&src);
    return rc == CORE_EPARSE || rc == CORE_ESCHEME ? -EINVAL : rc;
}

/* The scheme of base, for references that take only that from it. */
static int base_scheme(const char *base, size_t len, int *kind)
{
    struct url_src src;
    size_t sl;
    int rc = src_init(&src, base, len);

    if (rc == 0) {
        sl = scheme_len(src.s, src.n);
        *kind = scheme_kind(src.s, sl);
        rc = *kind < 0 ? -EINVAL : 0;
    }
    src_release(&src);
    return rc;
}

/* out holds the normalised base; replace its tail with the relative reference s[i..n). */
static int put_relative(struct core_buf *out, const struct url_marks *m, const char *s,
                        size_t n, size_t i)
{
    int rc;

    if (i == n || s[i] == '#')
        return 0;
    if (s[i] == '?') {
        out->len = m->query;
        return put_query(out, s, n, i);
    }
    if (is_slash(s[i])) {
        out->len = m->path + 1;
        i++;
    } else {
        out->len = m->query;
        while (out->data[out->len - 1] != '/')
            out->len--;
    }
    rc = put_path(out, s, n, &i, m->path);
    return rc < 0 ? rc : put_query(out, s, n, i);
}

static bool two_slashes(const char *s, size_t n, size_t i)
{
    return n - i >= 2 && is_slash(s[i]) && is_slash(s[i + 1]);
}

static int resolve_src(const char *base, size_t base_len, const char *s, size_t n,
                       struct core_buf *out)
{
    struct url_marks m;
    size_t sl = scheme_len(s, n);
    int kind = -1, base_kind = -1;
    int rc;

    if (sl) {
        kind = scheme_kind(s, sl);
        if (kind < 0)
            return CORE_ESCHEME;
        sl++;
        if (two_slashes(s, n, sl))
            return put_absolute(out, kind, s, n, sl, &m);
    }
    rc = base_scheme(base, base_len, &base_kind);
    if (rc < 0)
        return rc;
    if (sl == 0 && two_slashes(s, n, 0))
        return put_absolute(out, base_kind, s, n, 0, &m);
    /* WHATWG: "http:foo" is relative to an http base, but names host "foo" otherwise. */
    if (sl && kind != base_kind)
        return put_absolute(out, kind, s, n, sl, &m);
    rc = normalize_base(out, base, base_len, &base_kind, &m);
    return rc < 0 ? rc : put_relative(out, &m, s, n, sl);
}

static int finish(struct core_buf *out, int rc)
{
    if (rc < 0)
        core_buf_reset(out);
    else
        out->data[out->len] = '\0';
    return rc;
}

int parse_url_resolve(const char *base, size_t base_len, const char *ref, size_t ref_len,
                      struct core_buf *out)
{
    struct url_src src;
    int rc;

    core_buf_reset(out);
    rc = src_init(&src, ref, ref_len);
    if (rc == 0)
        rc = resolve_src(base, base_len, src.s, src.n, out);
    src_release(&src);
    return finish(out, rc);
}

int parse_url_normalize(const char *url, size_t len, struct core_buf *out)
{
    struct url_marks m;
    struct url_src src;
    int kind, rc;

    core_buf_reset(out);
    rc = src_init(&src, url, len);
    if (rc == 0)
        rc = normalize_src(out, src.s, src.n, &kind, &m);
    src_release(&src);
    return finish(out, rc);
}

int parse_url_split(const char *url, size_t len, struct parse_url_view *out)
{
    struct parse_url_view v;
    size_t i, k;
    unsigned long port = 0;

    memset(&v, 0, sizeof(v));
    if (len >= 7 && memcmp(url, "http://", 7) == 0) {
        v.scheme_len = 4;
        v.port = 80;
    } else if (len >= 8 && memcmp(url, "https://", 8) == 0) {
        v.scheme_len = 5;
        v.port = 443;
    } else {
        return CORE_EPARSE;
    }
    v.scheme = url;
    i = v.scheme_len + 3;
    v.host = url + i;
    if (i < len && url[i] == '[') {
        for (i++; i < len && (url[i] == ':' || url[i] == '.' || (cls(url[i]) & C_HEX)); i++)
            ;
        if (i == len || url[i] != ']')
            return CORE_EPARSE;
        i++;
    } else {
        for (; i < len && (cls(url[i]) & C_HOST); i++)
            ;
    }
    v.host_len = (size_t)(url + i - v.host);
    if (v.host_len == 0)
        return CORE_EPARSE;
    if (i < len && url[i] == ':') {
        for (k = ++i; i < len && IS_DIGIT(url[i]) && i - k < 5; i++)
            port = port * 10 + (unsigned long)(url[i] - '0');
        if (i == k || port > 65535)
            return CORE_EPARSE;
        v.port = (uint16_t)port;
        v.port_explicit = true;
    }
    v.origin = url;
    v.origin_len = i;
    if (i == len || url[i] != '/')
        return CORE_EPARSE;
    v.path = v.target = url + i;
    v.target_len = len - i;
    for (; i < len && url[i] != '?'; i++)
        if (url[i] == '#')
            return CORE_EPARSE;
    v.path_len = (size_t)(url + i - v.path);
    v.query = url + len;
    if (i < len) {
        v.has_query = true;
        v.query = url + i + 1;
        v.query_len = len - i - 1;
        if (memchr(v.query, '#', v.query_len))
            return CORE_EPARSE;
    }
    *out = v;
    return 0;
}
