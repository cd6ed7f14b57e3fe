/* parse/sitemap.c: <loc> extraction from sitemaps and sitemap indexes (see sitemap.h).
 *
 * The scanner walks the document once, from '<' to '<' (memchr), and keeps no stack of
 * element names: only the depth and the kind of the open elements at depths 1 to 3, which is
 * all that deciding whether a <loc> counts needs. Every step moves forward, and a construct
 * that is not closed before the end of the input ends the scan, so any input is read in
 * linear time (short terminators such as "-->" are searched for with memchr on their first
 * byte, at most 3 compares per candidate).
 *
 * gzip input is inflated whole into a buffer capped at max_bytes, then scanned: sitemaps are
 * at most 50 MB uncompressed, and a buffer keeps the scanner simple; streaming would save that
 * memory at the cost of a resumable scanner. */
#define ZLIB_CONST
#include "parse/sitemap.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"

enum {
    SM_CHUNK = 64 * 1024   /* bytes of output per inflate() call */
};

/* Kinds of element, by local name. */
enum {
    K_OTHER,
    K_URLSET,
    K_INDEX,
    K_ENTRY,   /* url or sitemap */
    K_LOC
};

/* How reading the text of a <loc> ended. */
enum {
    LOC_DONE,    /* at its end tag, consumed */
    LOC_ABORT,   /* at another tag, not consumed */
    LOC_EOF      /* at the end of the input */
};

struct sm_scan {
    const char *s;
    size_t n;
    parse_sitemap_fn *fn;
    void *arg;
    struct core_buf loc;    /* decoded text of the current <loc> */
    bool loc_long;          /* it went past PARSE_SITEMAP_LOC_MAX */
    size_t count;           /* URLs reported */
    int root;               /* K_URLSET, K_INDEX, or K_OTHER before the first element */
    bool wrong_root;        /* the first element is something else */
    bool *is_index;         /* the caller's, may be NULL */
};

static inline bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool name_start(char c)
{
    unsigned u = (unsigned char)c;

    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

static bool starts(const struct sm_scan *sc, size_t i, const char *lit)
{
    size_t k = strlen(lit);

    return sc->n - i >= k && memcmp(sc->s + i, lit, k) == 0;
}

/* Offset of the first lit (3 bytes or fewer) at or after i, or SIZE_MAX when there is none. */
static size_t find(const struct sm_scan *sc, size_t i, const char *lit)
{
    const char *p;

    while (i < sc->n) {
        p = memchr(sc->s + i, lit[0], sc->n - i);
        if (!p)
            break;
        i = (size_t)(p - sc->s);
        if (starts(sc, i, lit))
            return i;
        i++;
    }
    return SIZE_MAX;
}

/* Offset just past the first lit at or after i, or n when there is none. */
static size_t skip_past(const struct sm_scan *sc, size_t i, const char *lit)
{
    size_t at = find(sc, i, lit);

    return at == SIZE_MAX ? sc->n : at + strlen(lit);
}

/* "<!DOCTYPE ... [ ... ]>" and other declarations: past the '>' outside brackets. */
static size_t skip_decl(const struct sm_scan *sc, size_t i)
{
    size_t depth = 0;

    for (; i < sc->n; i++) {
        if (sc->s[i] == '[')
            depth++;
        else if (sc->s[i] == ']' && depth > 0)
            depth--;
        else if (sc->s[i] == '>' && depth == 0)
            return i + 1;
    }
    return sc->n;
}

/* The element name starting at i: its end, and the local name (after the last ':'). */
static size_t tag_name(const struct sm_scan *sc, size_t i, const char **local, size_t *local_len)
{
    size_t start = i;

    for (; i < sc->n && !xml_space(sc->s[i]) && sc->s[i] != '/' && sc->s[i] != '>'; i++)
        if (sc->s[i] == ':')
            start = i + 1;
    *local = sc->s + start;
    *local_len = i - start;
    return i;
}

static bool name_is(const char *p, size_t n, const char *lit)
{
    size_t i;

    if (n != strlen(lit))
        return false;
    for (i = 0; i < n; i++)
        if (core_ascii_lower(p[i]) != lit[i])
            return false;
    return true;
}

static int kind_of(const char *p, size_t n)
{
    if (name_is(p, n, "loc"))
        return K_LOC;
    if (name_is(p, n, "url") || name_is(p, n, "sitemap"))
        return K_ENTRY;
    if (name_is(p, n, "urlset"))
        return K_URLSET;
    if (name_is(p, n, "sitemapindex"))
        return K_INDEX;
    return K_OTHER;
}

/* Append to the current <loc>; past PARSE_SITEMAP_LOC_MAX it is only marked too long. */
static int loc_put(struct sm_scan *sc, const char *p, size_t n)
{
    int rc;

    if (sc->loc_long)
        return 0;
    rc = core_buf_append(&sc->loc, p, n);
    if (rc == -EMSGSIZE) {
        sc->loc_long = true;
        return 0;
    }
    return rc;
}

/* Decode the reference at s[i] == '&' into out (up to 4 bytes, UTF-8). Returns the bytes it
 * spans, or 0 when it is not one we decode (the '&' is then kept as it is). */
static size_t entity(const struct sm_scan *sc, size_t i, char *out, size_t *out_len)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const char *s = sc->s + i + 1;
    size_t max = sc->n - i - 1, k, j;
    unsigned long v = 0;
    unsigned base = 10, d;

    if (max > 12)
        max = 12;   /* "&#x0010FFFF;" is the longest we need */
    for (k = 0; k < max && s[k] != ';'; k++)
        ;
    if (k == max || k == 0)
        return 0;
    for (j = 0; j < sizeof(named) / sizeof(named[0]); j++) {
        if (strlen(named[j].name) == k && memcmp(s, named[j].name, k) == 0) {
            out[0] = named[j].c;
            *out_len = 1;
            return k + 2;
        }
    }
    if (s[0] != '#')
        return 0;
    j = 1;
    if (j < k && (s[j] == 'x' || s[j] == 'X')) {
        base = 16;
        j++;
    }
    if (j == k)
        return 0;
    for (; j < k; j++) {
        char c = s[j];

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return 0;
        v = v * base + d;
        if (v > 0x10FFFF)
            return 0;
    }
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if (v < 0x80) {
        out[0] = (char)v;
        *out_len = 1;
    } else if (v < 0x800) {
        out[0] = (char)(0xC0 | (v >> 6));
        out[1] = (char)(0x80 | (v & 0x3F));
        *out_len = 2;
    } else if (v < 0x10000) {
        out[0] = (char)(0xE0 | (v >> 12));
        out[1] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[2] = (char)(0x80 | (v & 0x3F));
        *out_len = 3;
    } else {
        out[0] = (char)(0xF0 | (v >> 18));
        out[1] = (char)(0x80 | ((v >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[3] = (char)(0x80 | (v & 0x3F));
        *out_len = 4;
    }
    return k + 2;
}

/* Report the collected <loc>, trimmed, unless it is empty or too long. */
static int loc_report(struct sm_scan *sc)
{
    char *p = sc->loc.data;
    size_t n = sc->loc.len;

    if (sc->loc_long || n == 0)
        return 0;
    while (n && xml_space(*p)) {
        p++;
        n--;
    }
    while (n && xml_space(p[n - 1]))
        n--;
    if (n == 0)
        return 0;
    if (sc->count == PARSE_SITEMAP_MAX_URLS)
        return -E2BIG;
    sc->count++;
    p[n] = '\0';
    sc->fn(p, n, sc->arg);
    return 0;
}

/* Read the text of a <loc> from *pi (just past its start tag). On LOC_DONE the URL has been
 * reported and *pi is past the end tag; on LOC_ABORT *pi is at the '<' of the tag that
 * interrupted it. Negative on -ENOMEM or -E2BIG. */
static int loc_read(struct sm_scan *sc, size_t *pi)
{
    size_t i = *pi, j, k, local_len;
    const char *local, *p;
    char ent[4];
    int rc = 0;

    core_buf_reset(&sc->loc);
    sc->loc_long = false;
    while (i < sc->n && rc == 0) {
        char c = sc->s[i];

        if (c == '&') {
            k = entity(sc, i, ent, &j);
            rc = k ? loc_put(sc, ent, j) : loc_put(sc, "&", 1);
            i += k ? k : 1;
        } else if (c != '<') {
            for (j = i; j < sc->n && sc->s[j] != '<' && sc->s[j] != '&'; j++)
                ;
            rc = loc_put(sc, sc->s + i, j - i);
            i = j;
        } else if (starts(sc, i, "<![CDATA[")) {
            j = find(sc, i + 9, "]]>");
            if (j == SIZE_MAX)
                break;   /* not closed */
            rc = loc_put(sc, sc->s + i + 9, j - (i + 9));
            i = j + 3;
        } else if (starts(sc, i, "<!--")) {
            j = find(sc, i + 4, "-->");
            if (j == SIZE_MAX)
                break;
            i = j + 3;
        } else if (starts(sc, i, "</")) {
            j = tag_name(sc, i + 2, &local, &local_len);
            if (kind_of(local, local_len) != K_LOC) {
                *pi = i;
                return LOC_ABORT;
            }
            p = memchr(sc->s + j, '>', sc->n - j);
            if (!p)
                break;
            *pi = (size_t)(p - sc->s) + 1;
            rc = loc_report(sc);
            return rc < 0 ? rc : LOC_DONE;
        } else {
            *pi = i;
            return LOC_ABORT;
        }
    }
    if (rc < 0)
        return rc;
    *pi = sc->n;
    return LOC_EOF;
}

/* Does a <loc> opened at depth d (its parent at d - 1) count? */
static bool loc_counts(const int *kind, size_t d)
{
    return (d == 2 || d == 3) &&
           (kind[d - 1] == K_URLSET || kind[d - 1] == K_INDEX || kind[d - 1] == K_ENTRY);
}

static int scan(struct sm_scan *sc)
{
    int kind[4] = {K_OTHER, K_OTHER, K_OTHER, K_OTHER};   /* of the open element at depth d */
    size_t i = 0, j, depth = 0, local_len;
    const char *lt, *local;
    char quote;
    int k, rc;

    while (i < sc->n) {
        lt = memchr(sc->s + i, '<', sc->n - i);
        if (!lt)
            break;
        i = (size_t)(lt - sc->s);
        if (starts(sc, i, "<!--")) {
            i = skip_past(sc, i + 4, "-->");
        } else if (starts(sc, i, "<![CDATA[")) {
            i = skip_past(sc, i + 9, "]]>");
        } else if (starts(sc, i, "<?")) {
            i = skip_past(sc, i + 2, "?>");
        } else if (starts(sc, i, "<!")) {
            i = skip_decl(sc, i + 2);
        } else if (starts(sc, i, "</")) {
            lt = memchr(sc->s + i, '>', sc->n - i);
            if (!lt)
                break;
            i = (size_t)(lt - sc->s) + 1;
            if (depth > 0)
                depth--;
        } else if (i + 1 < sc->n && name_start(sc->s[i + 1])) {
            j = tag_name(sc, i + 1, &local, &local_len);
            k = kind_of(local, local_len);
            if (sc->root == K_OTHER) {
                if (k != K_URLSET && k != K_INDEX) {
                    sc->wrong_root = true;
                    return CORE_EPARSE;
                }
                sc->root = k;
                if (sc->is_index)
                    *sc->is_index = k == K_INDEX;
            }
            /* the end of the tag: the first '>' outside quoted attribute values */
            for (quote = 0; j < sc->n; j++) {
                char c = sc->s[j];

                if (quote) {
                    if (c == quote)
                        quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '>') {
                    break;
                }
            }
            if (j == sc->n)
                break;   /* cut off inside the tag */
            i = j + 1;
            if (sc->s[j - 1] == '/')
                continue;   /* <empty/> */
            depth++;
            if (depth < 4)
                kind[depth] = k;
            if (k == K_LOC && loc_counts(kind, depth)) {
                rc = loc_read(sc, &i);
                if (rc < 0)
                    return rc;
                if (rc == LOC_EOF)
                    break;
                depth--;   /* LOC_DONE consumed </loc>; LOC_ABORT closes it implicitly */
            }
        } else {
            i++;   /* a '<' that starts no markup is text */
        }
    }
    return sc->root == K_OTHER ? CORE_EPARSE : 0;
}

static voidpf sm_zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return core_reallocarray(NULL, items, size);
}

static void sm_zfree(voidpf opaque, voidpf p)
{
    (void)opaque;
    core_free(p);
}

/* Inflate the gzip member(s) in body into out (capped at out->max). Returns 0 or -ENOMEM;
 * *over is set when there is more output than fits, *corrupt when the data is damaged or
 * ends early. */
static int inflate_all(const char *body, size_t len, struct core_buf *out, bool *over,
                       bool *corrupt)
{
    size_t pos = 0, room, produced;
    unsigned char probe;
    z_stream z;
    int zr, rc = 0;

    memset(&z, 0, sizeof(z));
    z.zalloc = sm_zalloc;
    z.zfree = sm_zfree;
    zr = inflateInit2(&z, 16 + MAX_WBITS);   /* gzip wrapper only */
    if (zr != Z_OK)
        return zr == Z_MEM_ERROR ? -ENOMEM : CORE_EPARSE;
    for (;;) {
        if (z.avail_in == 0 && pos < len) {
            size_t take = len - pos < UINT_MAX ? len - pos : UINT_MAX;

            z.next_in = (const Bytef *)body + pos;
            z.avail_in = (uInt)take;
            pos += take;
        }
        room = out->max - out->len < SM_CHUNK ? out->max - out->len : SM_CHUNK;
        if (room) {
            rc = core_buf_reserve(out, room);
            if (rc < 0)
                break;
            z.next_out = (Bytef *)out->data + out->len;
            z.avail_out = (uInt)room;
        } else {
            /* full: one more byte of output would mean the document is too long */
            z.next_out = &probe;
            z.avail_out = 1;
        }
        zr = inflate(&z, Z_NO_FLUSH);
        produced = (room ? room : 1) - z.avail_out;
        if (room) {
            out->len += produced;
            out->data[out->len] = '\0';
        } else if (produced) {
            *over = true;
            break;
        }
        if (zr == Z_STREAM_END) {
            /* Another member may follow (gzip files can be concatenated). Only looked for
             * within the current 4 GiB slice of the input. */
            if (z.avail_in >= 2 && z.next_in[0] == 0x1F && z.next_in[1] == 0x8B &&
                inflateReset(&z) == Z_OK)
                continue;
            break;   /* done; trailing bytes that are not gzip are ignored, as gzip does */
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_MEM_ERROR) {
            rc = -ENOMEM;
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && pos < len)
            continue;
        *corrupt = true;   /* Z_DATA_ERROR, Z_NEED_DICT, or Z_BUF_ERROR: the input ended */
        break;
    }
    inflateEnd(&z);
    return rc;
}

int parse_sitemap(const char *body, size_t len, size_t max_bytes, parse_sitemap_fn *fn,
                  void *arg, bool *is_index)
{
    struct core_buf doc;
    struct sm_scan sc;
    bool over = false, corrupt = false;
    int rc;

    assert(fn);
    core_buf_init(&doc, max_bytes);
    memset(&sc, 0, sizeof(sc));
    sc.fn = fn;
    sc.arg = arg;
    sc.root = K_OTHER;
    sc.is_index = is_index;
    core_buf_init(&sc.loc, PARSE_SITEMAP_LOC_MAX);

    if (len >= 2 && (unsigned char)body[0] == 0x1F && (unsigned char)body[1] == 0x8B) {
        rc = inflate_all(body, len, &doc, &over, &corrupt);
        if (rc < 0)
            goto out;
        sc.s = doc.data ? doc.data : "";
        sc.n = doc.len;
    } else {
        sc.s = len ? body : "";
        sc.n = len;
        if (len > max_bytes) {
            sc.n = max_bytes;
            over = true;
        }
    }
    rc = scan(&sc);
    /* A wrong root is final; no root in a cut document is the cut's fault. */
    if (rc == CORE_EPARSE && !sc.wrong_root && over)
        rc = -EMSGSIZE;
    else if (rc == 0 && over)
        rc = -EMSGSIZE;
    else if (rc == 0 && corrupt)
        rc = CORE_EPARSE;
out:
    core_buf_free(&sc.loc);
    core_buf_free(&doc);
    return rc;
}
