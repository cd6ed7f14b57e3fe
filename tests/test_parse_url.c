/* tests/test_parse_url.c: URL resolution, normalisation and splitting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "parse/url.h"
#include "tests/support/corotest.h"

#define OUT_MAX 8192

struct ucase {
    const char *base;   /* NULL: parse_url_normalize(ref) */
    const char *ref;
    size_t ref_len;
    int rc;
    const char *want;   /* when rc == 0 */
};

#define N(in, want) {NULL, in, sizeof(in) - 1, 0, want}
#define NE(in, rc) {NULL, in, sizeof(in) - 1, rc, NULL}
#define R(base, in, want) {base, in, sizeof(in) - 1, 0, want}
#define RE(base, in, rc) {base, in, sizeof(in) - 1, rc, NULL}

/* RFC 3986 section 5.4: every normal and abnormal example, with the fragment dropped, the
 * empty path written as "/", and "g:h" refused because only http(s) is allowed. */
#define RFC "http://a/b/c/d;p?q"
static const struct ucase rfc_cases[] = {
    RE(RFC, "g:h", CORE_ESCHEME),
    R(RFC, "g", "http://a/b/c/g"),
    R(RFC, "./g", "http://a/b/c/g"),
    R(RFC, "g/", "http://a/b/c/g/"),
    R(RFC, "/g", "http://a/g"),
    R(RFC, "//g", "http://g/"),
    R(RFC, "?y", "http://a/b/c/d;p?y"),
    R(RFC, "g?y", "http://a/b/c/g?y"),
    R(RFC, "#s", "http://a/b/c/d;p?q"),
    R(RFC, "g#s", "http://a/b/c/g"),
    R(RFC, "g?y#s", "http://a/b/c/g?y"),
    R(RFC, ";x", "http://a/b/c/;x"),
    R(RFC, "g;x", "http://a/b/c/g;x"),
    R(RFC, "g;x?y#s", "http://a/b/c/g;x?y"),
    R(RFC, "", "http://a/b/c/d;p?q"),
    R(RFC, ".", "http://a/b/c/"),
    R(RFC, "./", "http://a/b/c/"),
    R(RFC, "..", "http://a/b/"),
    R(RFC, "../", "http://a/b/"),
    R(RFC, "../g", "http://a/b/g"),
    R(RFC, "../..", "http://a/"),
    R(RFC, "../../", "http://a/"),
    R(RFC, "../../g", "http://a/g"),
    R(RFC, "../../../g", "http://a/g"),
    R(RFC, "../../../../g", "http://a/g"),
    R(RFC, "/./g", "http://a/g"),
    R(RFC, "/../g", "http://a/g"),
    R(RFC, "g.", "http://a/b/c/g."),
    R(RFC, ".g", "http://a/b/c/.g"),
    R(RFC, "g..", "http://a/b/c/g.."),
    R(RFC, "..g", "http://a/b/c/..g"),
    R(RFC, "./../g", "http://a/b/g"),
    R(RFC, "./g/.", "http://a/b/c/g/"),
    R(RFC, "g/./h", "http://a/b/c/g/h"),
    R(RFC, "g/../h", "http://a/b/c/h"),
    R(RFC, "g;x=1/./y", "http://a/b/c/g;x=1/y"),
    R(RFC, "g;x=1/../y", "http://a/b/c/y"),
    R(RFC, "g?y/./x", "http://a/b/c/g?y/./x"),
    R(RFC, "g?y/../x", "http://a/b/c/g?y/../x"),
    R(RFC, "g#s/./x", "http://a/b/c/g"),
    R(RFC, "g#s/../x", "http://a/b/c/g"),
    R(RFC, "http:g", "http://a/b/c/g"), /* the "backward compatible" reading, as WHATWG */
};

#define B "http://example.com/dir/page.html?x=1"
#define BS "https://example.com/dir/"
static const struct ucase cases[] = {
    /* relative references */
    R(B, "other.html", "http://example.com/dir/other.html"),
    R(B, "sub/x", "http://example.com/dir/sub/x"),
    R(B, "../up", "http://example.com/up"),
    R(B, "../../../../up", "http://example.com/up"),
    R(B, "./", "http://example.com/dir/"),
    R(B, ".", "http://example.com/dir/"),
    R(B, "/abs", "http://example.com/abs"),
    R(B, "/", "http://example.com/"),
    R(B, "#frag", B),
    R(B, "#", B),
    R(B, "?y=2", "http://example.com/dir/page.html?y=2"),
    R(B, "?", "http://example.com/dir/page.html?"),
    R(B, "?#f", "http://example.com/dir/page.html?"),
    R(B, "", B),
    R(B, "   ", B),
    R(B, "a/./b/../../c", "http://example.com/dir/c"),
    R(B, "a//b//", "http://example.com/dir/a//b//"),
    R(B, "...", "http://example.com/dir/..."),
    R(B, "x/..", "http://example.com/dir/"),
    R(B, "x/../", "http://example.com/dir/"),
    R(B, "..?q", "http://example.com/?q"),
    R(B, "../..#f", "http://example.com/"),
    /* scheme-relative, backslashes */
    R(B, "//cdn.example.net/lib.js", "http://cdn.example.net/lib.js"),
    R(BS, "//cdn.example.net", "https://cdn.example.net/"),
    R(B, "///cdn.example.net/x", "http://cdn.example.net/x"),
    R(B, "\\\\evil.example\\x", "http://evil.example/x"),
    R(B, "/\\evil.example", "http://evil.example/"),
    R(B, "a\\b\\..\\c", "http://example.com/dir/a/c"),
    R(B, "\\abs", "http://example.com/abs"),
    /* whitespace and controls */
    R(B, " \t\n http://Other.ORG/ \n", "http://other.org/"),
    R(B, "pa\tge\n2.ht\rml", "http://example.com/dir/page2.html"),
    R(B, "\x01\x02 /x \x1f", "http://example.com/x"),
    R(B, "a b", "http://example.com/dir/a%20b"),
    R(B, "a\x7f" "b", "http://example.com/dir/a%7Fb"),
    R(B, "a\0b", "http://example.com/dir/a%00b"),
    R(B, "%2\n0", "http://example.com/dir/%20"),
    R(B, ".\n./x", "http://example.com/x"),
    /* percent-encoding */
    R(B, "a%2fb", "http://example.com/dir/a%2Fb"),
    R(B, "%7Euser/%41%42", "http://example.com/dir/~user/AB"),
    R(B, "%e2%82%ac", "http://example.com/dir/%E2%82%AC"),
    R(B, "100%", "http://example.com/dir/100%25"),
    R(B, "%zz%4", "http://example.com/dir/%25zz%254"),
    R(B, "%", "http://example.com/dir/%25"),
    R(B, "%%41", "http://example.com/dir/%25A"),
    R(B, "%25", "http://example.com/dir/%25"),
    R(B, "%2541", "http://example.com/dir/%2541"),
    R(B, "caf\xC3\xA9", "http://example.com/dir/caf%C3%A9"),
    R(B, "\xFF\xFE", "http://example.com/dir/%FF%FE"),
    R(B, "p{a}|^`\"<>[]", "http://example.com/dir/p%7Ba%7D%7C%5E%60%22%3C%3E%5B%5D"),
    R(B, "!$&'()*+,;=:@-._~", "http://example.com/dir/!$&'()*+,;=:@-._~"),
    /* dot segments spelled with %2e */
    R(B, "%2e%2E/x", "http://example.com/x"),
    R(B, ".%2e/x", "http://example.com/x"),
    R(B, "%2E./x", "http://example.com/x"),
    R(B, "%2e/x", "http://example.com/dir/x"),
    R(B, "x/%2e%2e", "http://example.com/dir/"),
    R(B, "%2e%2e%2e", "http://example.com/dir/..."),
    R(B, "%2e%2e%2f", "http://example.com/dir/..%2F"),
    R(B, "a%2eb", "http://example.com/dir/a.b"),
    /* queries: kept in order, only encoding normalised */
    R(B, "q?a=1&b=2;c=3+4", "http://example.com/dir/q?a=1&b=2;c=3+4"),
    R(B, "q?b=2&a=1&b=0", "http://example.com/dir/q?b=2&a=1&b=0"),
    R(B, "q?x=<s>\"'`", "http://example.com/dir/q?x=%3Cs%3E%22%27%60"),
    R(B, "it's?a='b'&c=%27", "http://example.com/dir/it's?a=%27b%27&c=%27"),
    R(B, "q?{a}|^[b]", "http://example.com/dir/q?%7Ba%7D%7C%5E%5Bb%5D"),
    R(B, "q?a=%7e%2F%41%2b", "http://example.com/dir/q?a=~%2FA%2B"),
    R(B, "q?a/b?c", "http://example.com/dir/q?a/b?c"),
    R(B, "q?a\\b", "http://example.com/dir/q?a%5Cb"),
    R(B, "q?a#b?c", "http://example.com/dir/q?a"),
    R(B, "q?a b&c=d e", "http://example.com/dir/q?a%20b&c=d%20e"),
    R(B, "q?../x", "http://example.com/dir/q?../x"),
    R(B, "q?\xC3\xA9", "http://example.com/dir/q?%C3%A9"),
    /* schemes */
    RE(B, "javascript:alert(1)", CORE_ESCHEME),
    RE(B, "JavaScript:void(0)", CORE_ESCHEME),
    RE(B, "java\nscript:alert(1)", CORE_ESCHEME),
    RE(B, " javascript:x", CORE_ESCHEME),
    RE(B, "mailto:x@y.example", CORE_ESCHEME),
    RE(B, "data:text/html,hi", CORE_ESCHEME),
    RE(B, "tel:+123", CORE_ESCHEME),
    RE(B, "ftp://f.example/", CORE_ESCHEME),
    RE(B, "file:///etc/passwd", CORE_ESCHEME),
    RE(B, "c:/windows", CORE_ESCHEME),
    RE(B, "httpx://h/", CORE_ESCHEME),
    R(B, "1http://x", "http://example.com/dir/1http://x"),
    R(B, "a b:c", "http://example.com/dir/a%20b:c"),
    R(B, "./mailto:x", "http://example.com/dir/mailto:x"),
    R(B, "http:other", "http://example.com/dir/other"),
    R(B, "http:/other", "http://example.com/other"),
    R(B, "http:", B),
    R(B, "http:?z", "http://example.com/dir/page.html?z"),
    R(B, "https:other", "https://other/"),
    R(B, "https:/other/x", "https://other/x"),
    R(B, "HTTPS://EXAMPLE.com", "https://example.com/"),
    R(BS, "http://example.com", "http://example.com/"),
    /* bases: any absolute http(s) URL, normalised on the way */
    R("http://example.com", "x", "http://example.com/x"),
    R("HTTP://EXAMPLE.COM:80/a/../b/c", "d", "http://example.com/b/d"),
    R("http://example.com/a?q#f", "", "http://example.com/a?q"),
    RE("mailto:x@y", "x", -EINVAL),
    RE("", "x", -EINVAL),
    RE("/relative", "//h/", -EINVAL),
    R("not a url", "http://h/", "http://h/"),
    /* authority */
    RE(B, "http://", CORE_EPARSE),
    RE(B, "http://:80/", CORE_EPARSE),
    RE(B, "http://user:pw@/", CORE_EPARSE),
    RE(B, "http://?x", CORE_EPARSE),
    R(B, "http://u:p@Host.com:8080/p", "http://host.com:8080/p"),
    R(B, "http://a@b@c/", "http://c/"),
    R(B, "http://@h/", "http://h/"),
    RE(B, "http://h:99999/", CORE_EPARSE),
    RE(B, "http://h:65536/", CORE_EPARSE),
    R(B, "http://h:65535/", "http://h:65535/"),
    RE(B, "http://h:8o/", CORE_EPARSE),
    RE(B, "http://h:-1/", CORE_EPARSE),
    RE(B, "http://h:80:80/", CORE_EPARSE),
    R(B, "http://h:/", "http://h/"),
    R(B, "http://h:", "http://h/"),
    R(B, "http://h:80/", "http://h/"),
    R(B, "http://h:443/", "http://h:443/"),
    R(B, "https://h:443/", "https://h/"),
    R(B, "https://h:80/", "https://h:80/"),
    R(B, "http://h:00080/", "http://h/"),
    R(B, "http://h:000000000000000008080/", "http://h:8080/"),
    R(B, "http://h:0/", "http://h:0/"),
    RE(B, "http://exa mple.com/", CORE_EPARSE),
    RE(B, "http://exa<mple.com/", CORE_EPARSE),
    R(B, "http://ex\xC3\xA9.com/", "http://xn--ex-cja.com/"),
    R(B, "http://ex%C3%A9.com/", "http://xn--ex-cja.com/"),
    RE(B, "http://ex%2Fample.com/", CORE_EPARSE),
    RE(B, "http://ex%4/", CORE_EPARSE),
    R(B, "http://%65xample.com/", "http://example.com/"),
    R(B, "http://xn--caf-dma.example/", "http://xn--caf-dma.example/"),
    R(B, "http://a.XN--pokxncvks/", "http://a.xn--pokxncvks/"), /* ASCII: not checked */
    R(B, "http://Host_Name.Example.COM./", "http://host_name.example.com./"),
    R(B, "http://h?x", "http://h/?x"),
    R(B, "http://h#f", "http://h/"),
    R(B, "http://h", "http://h/"),
    R(B, "http:\\\\h\\p", "http://h/p"),
    /* IPv4 and IPv6 */
    R(B, "http://192.168.0.1:8080/", "http://192.168.0.1:8080/"),
    R(B, "http://0x7F.0.0.1/", "http://127.0.0.1/"),
    R(B, "http://0177.0.0.1/", "http://127.0.0.1/"),
    R(B, "http://127.1/", "http://127.0.0.1/"),
    R(B, "http://3232235521/", "http://192.168.0.1/"),
    R(B, "http://1.2.3.4./", "http://1.2.3.4/"),
    RE(B, "http://1.2.3.4.5/", CORE_EPARSE),
    RE(B, "http://1.2.3.09/", CORE_EPARSE),
    RE(B, "http://256.0.0.1/", CORE_EPARSE),
    RE(B, "http://4294967296/", CORE_EPARSE),
    RE(B, "http://1..2/", CORE_EPARSE),
    RE(B, "http://example.123/", CORE_EPARSE),
    RE(B, "http://a.0x/", CORE_EPARSE),
    R(B, "http://123.example/", "http://123.example/"),
    R(B, "http://[::1]/", "http://[::1]/"),
    R(B, "http://[::1]:8080/x", "http://[::1]:8080/x"),
    R(B, "http://[::1]:80/x", "http://[::1]/x"),
    R(B, "http://[2001:DB8::A]/", "http://[2001:db8::a]/"),
    R(B, "http://[2001:db8:0:0:0:0:0:1]/", "http://[2001:db8::1]/"),
    R(B, "http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/"),
    R(B, "http://[0:0:0:0:0:0:0:0]/", "http://[::]/"),
    R(B, "http://[1:2:3:4:5:6:7::]/", "http://[1:2:3:4:5:6:7:0]/"),
    R(B, "http://[0001:002:03:4::]/", "http://[1:2:3:4::]/"),
    R(B, "http://[::ffff:192.168.0.1]/", "http://[::ffff:c0a8:1]/"),
    RE(B, "http://[::1/", CORE_EPARSE),
    RE(B, "http://[::1]x/", CORE_EPARSE),
    RE(B, "http://[::g]/", CORE_EPARSE),
    RE(B, "http://[]/", CORE_EPARSE),
    RE(B, "http://[:1]/", CORE_EPARSE),
    RE(B, "http://[1::2::3]/", CORE_EPARSE),
    RE(B, "http://[1:2:3:4:5:6:7:8:9]/", CORE_EPARSE),
    RE(B, "http://[1:2:3:4:5:6:7]/", CORE_EPARSE),
    RE(B, "http://[12345::]/", CORE_EPARSE),
    RE(B, "http://[fe80::1%25eth0]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3.04]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3.256]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3.4.5]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3.4x]/", CORE_EPARSE),
    RE(B, "http://[::1.2.3.]/", CORE_EPARSE),
    RE(B, "http://[1:2:3:4:5:6:7:1.2.3.4]/", CORE_EPARSE),
    RE(B, "http://[1:]/", CORE_EPARSE),
    /* normalising seeds */
    N("HTTP://Example.COM:80/a/./b/../c?x=%7e#frag", "http://example.com/a/c?x=~"),
    N("http://example.com/a/c?x=~", "http://example.com/a/c?x=~"),
    N("http:/h/p", "http://h/p"),
    N("http:h", "http://h/"),
    N("  HTTP://H/  ", "http://h/"),
    N("http://h/a/b/../../../..", "http://h/"),
    N("http://h/a/.%2E/b", "http://h/b"),
    N("http://h/p?q#f#g", "http://h/p?q"),
    N("http://h/ a", "http://h/%20a"),
    N("http://h/%3a%3A", "http://h/%3A%3A"),
    N("https://u@h.example:443", "https://h.example/"),
    NE("h/p", CORE_EPARSE),
    NE("//h/p", CORE_EPARSE),
    NE("", CORE_EPARSE),
    NE(" \t\n", CORE_EPARSE),
    NE("?", CORE_EPARSE),
    NE("http:", CORE_EPARSE),
    NE("https://", CORE_EPARSE),
    NE(":", CORE_EPARSE),
    NE("mailto:a@b", CORE_ESCHEME),
    NE("data:,x", CORE_ESCHEME),
};

/* International host names: UTS #46 to punycode, as browsers do (host.c). */
static const struct ucase idna_cases[] = {
    R(B, "http://b\xC3\xBC" "cher.example/", "http://xn--bcher-kva.example/"),
    R(B, "//b\xC3\xBC" "cher.example/p?q", "http://xn--bcher-kva.example/p?q"),
    N("https://b\xC3\xBC" "cher.example", "https://xn--bcher-kva.example/"),
    /* percent-encoded UTF-8, in either case, and mixed with raw bytes */
    R(B, "http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/"),
    R(B, "http://b%c3%bccher.example/", "http://xn--bcher-kva.example/"),
    R(B, "http://b%C3\xBC" "cher.example/", "http://xn--bcher-kva.example/"),
    /* uppercase non-ASCII is mapped to lowercase; ASCII labels are lowercased */
    R(B, "http://B\xC3\x9C" "CHER.EXAMPLE/", "http://xn--bcher-kva.example/"),
    R(B, "http://\xC3\x84\xC3\x96\xC3\x9C.DE/", "http://xn--4ca0bs.de/"),
    /* non-transitional: sharp s stays itself, not "ss" */
    R(B, "http://fa\xC3\x9F.example/", "http://xn--fa-hia.example/"),
    /* port, trailing dot, userinfo and path around an IDN */
    R(B, "http://u:p@b\xC3\xBC" "cher.example.:8080/a/../b",
      "http://xn--bcher-kva.example.:8080/b"),
    /* the mapping may give plain ASCII: fullwidth letters, ideographic full stop, ignored
     * code points (zero width space, soft hyphen); fullwidth digits make an IPv4 address */
    R(B, "http://\xEF\xBC\xA7\xEF\xBD\x8F.com/", "http://go.com/"),
    R(B, "http://www.foo\xE3\x80\x82" "bar.com/", "http://www.foo.bar.com/"),
    R(B, "http://goo\xE2\x80\x8Bgoo.com/", "http://googoo.com/"),
    R(B, "http://a%C2%ADb/", "http://ab/"),
    R(B, "http://\xEF\xBC\x90\xEF\xBC\xB8\xEF\xBD\x83\xEF\xBC\x90\xEF\xBC\x8E\xEF\xBC\x90"
         "\xEF\xBC\x92\xEF\xBC\x95\xEF\xBC\x90\xEF\xBC\x8E\xEF\xBC\x90\xEF\xBC\x91/",
      "http://192.168.0.1/"),
    /* an IDN base */
    R("http://b\xC3\xBC" "cher.example/a/b", "../c", "http://xn--bcher-kva.example/c"),
    /* invalid: not UTF-8 (Latin-1 u-umlaut), a noncharacter (U+FDD0), a mapping to a byte
     * no host may hold (fullwidth '%'), nothing left after mapping (a lone soft hyphen), a
     * joiner out of context (U+200D), a label mixing left-to-right and right-to-left, an
     * IPv4-looking name that is not one, a forbidden byte next to non-ASCII */
    RE(B, "http://b%FCcher.example/", CORE_EPARSE),
    RE(B, "http://b\xFC" "cher.example/", CORE_EPARSE),
    RE(B, "http://%EF%B7%90zyx.com/", CORE_EPARSE),
    RE(B, "http://\xEF\xBC\x85\xEF\xBC\x94\xEF\xBC\x91.com/", CORE_EPARSE),
    RE(B, "http://%C2%AD/", CORE_EPARSE),
    RE(B, "http://a\xE2\x80\x8D" "b/", CORE_EPARSE),
    RE(B, "http://a\xD7\x90/", CORE_EPARSE),
    RE(B, "http://\xC3\xBC.123/", CORE_EPARSE),
    RE(B, "http://\xC3\xBC<.com/", CORE_EPARSE),
    RE(B, "http://\xC3\xBC%00.com/", CORE_EPARSE),
    RE(B, "http://\xC3\xBC%/", CORE_EPARSE),
    RE(B, "http://\xC3/", CORE_EPARSE),
};

static void check_printable(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            fail_msg("byte 0x%02x at %zu in '%s'", (unsigned char)s[i], i, s);
}

/* normalise(s) == s, and the result also splits. */
static void check_normal_form(const char *s, size_t n)
{
    struct core_buf b;
    struct parse_url_view v;

    core_buf_init(&b, OUT_MAX);
    check_printable(s, n);
    assert_true(n >= 8);
    assert_true(memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0);
    if (parse_url_normalize(s, n, &b) != 0 || b.len != n || memcmp(b.data, s, n) != 0)
        fail_msg("not idempotent: '%.*s' -> '%s'", (int)n, s, b.data ? b.data : "");
    assert_int_equal(parse_url_split(s, n, &v), 0);
    core_buf_free(&b);
}

static int run(const struct ucase *c, struct core_buf *b)
{
    if (c->base)
        return parse_url_resolve(c->base, strlen(c->base), c->ref, c->ref_len, b);
    return parse_url_normalize(c->ref, c->ref_len, b);
}

static void run_table(const struct ucase *t, size_t n)
{
    struct core_buf b;
    size_t i;
    int rc;

    core_buf_init(&b, OUT_MAX);
    for (i = 0; i < n; i++) {
        rc = run(&t[i], &b);
        if (rc != t[i].rc)
            fail_msg("case %zu ('%s' + '%s'): rc %d, want %d ('%s')", i,
                     t[i].base ? t[i].base : "-", t[i].ref, rc, t[i].rc, b.data ? b.data : "");
        if (rc == 0) {
            if (strcmp(b.data, t[i].want) != 0 || strlen(b.data) != b.len)
                fail_msg("case %zu ('%s' + '%s'): got '%s', want '%s'", i,
                         t[i].base ? t[i].base : "-", t[i].ref, b.data, t[i].want);
            check_normal_form(b.data, b.len);
        } else {
            assert_int_equal(b.len, 0);
        }
    }
    core_buf_free(&b);
}

static void test_url_rfc3986_examples(void **state)
{
    (void)state;
    run_table(rfc_cases, sizeof(rfc_cases) / sizeof(rfc_cases[0]));
}

static void test_url_resolve_table(void **state)
{
    (void)state;
    run_table(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_url_idna(void **state)
{
    (void)state;
    run_table(idna_cases, sizeof(idna_cases) / sizeof(idna_cases[0]));
}

/* Past 253 bytes only what IDNA maps away may bring a name back under the limit. */
static void test_url_idna_length_limit(void **state)
{
    char url[1200], label[64];
    struct core_buf b;
    size_t n;

    (void)state;
    memset(label, 'a', 63);
    label[63] = '\0';
    /* 3 labels of 63 and one of 61: 253 bytes */
    n = (size_t)snprintf(url, sizeof(url), "http://%s.%s.%s.%.61s%%C2%%AD/", label, label, label,
                         label);
    core_buf_init(&b, OUT_MAX);
    assert_int_equal(parse_url_normalize(url, n, &b), 0);
    assert_int_equal(b.len, 7 + 253 + 1);
    /* 253 bytes and one more that punycode turns into more still */
    n = (size_t)snprintf(url, sizeof(url), "http://%s.%s.%s.%.60s\xC3\xBC/", label, label,
                         label, label);
    assert_int_equal(parse_url_normalize(url, n, &b), CORE_EPARSE);
    /* 254 ASCII bytes before the first non-ASCII one; then more than the 1 KiB decoding
     * buffer of an IDN */
    memcpy(url, "http://", 7);
    memset(url + 7, 'a', 254);
    memcpy(url + 261, "\xC3\xBC/", 3);
    assert_int_equal(parse_url_normalize(url, 264, &b), CORE_EPARSE);
    for (n = 7; n < sizeof(url) - 1; n += 2)
        memcpy(url + n, "\xC3\xBC", 2);
    url[n] = '/';
    assert_int_equal(parse_url_normalize(url, n + 1, &b), CORE_EPARSE);
    core_buf_free(&b);
}

/* Spellings of one page all give the same bytes. */
static void test_url_same_page_same_bytes(void **state)
{
    static const char *const spellings[] = {
        "http://example.com/a/c?x=~",
        "HTTP://Example.COM:80/a/./b/../c?x=%7e#frag",
        "http://EXAMPLE.com:/a/%2e/c?x=%7E",
        "  http://user:secret@example.com/a/b/%2E%2e/c?x=~\n",
        "http:\\\\example.com\\a\\c?x=%7e",
        "http://example.com:0080/a/c/../c?%78=~",
    };
    struct core_buf b;
    size_t i;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
        assert_int_equal(parse_url_normalize(spellings[i], strlen(spellings[i]), &b), 0);
        if (strcmp(b.data, spellings[0]) != 0)
            fail_msg("spelling %zu: '%s'", i, b.data);
    }
    core_buf_free(&b);
}

/* resolve(x, "") == x and normalise(x) == x for every successful output, and an output
 * resolves every other reference the same way as the base it came from. */
static void test_url_idempotent(void **state)
{
    struct core_buf b, c;
    size_t i;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    core_buf_init(&c, OUT_MAX);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (run(&cases[i], &b) != 0)
            continue;
        assert_int_equal(parse_url_resolve(b.data, b.len, "", 0, &c), 0);
        assert_string_equal(c.data, b.data);
        assert_int_equal(parse_url_resolve(b.data, b.len, "#x", 2, &c), 0);
        assert_string_equal(c.data, b.data);
        check_normal_form(b.data, b.len);
    }
    core_buf_free(&b);
    core_buf_free(&c);
}

/* A reference resolved against an unnormalised base and against its normal form agree. */
static void test_url_base_is_normalised_first(void **state)
{
    static const char *const refs[] = {"", "x", "../y", "/z", "?q", "#f", "//h/", "http:w"};
    static const char loose[] = "HTTP://EXAMPLE.COM:80/a/./b/%7Ec?x#f";
    struct core_buf b, nb, c;
    size_t i;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    core_buf_init(&nb, OUT_MAX);
    core_buf_init(&c, OUT_MAX);
    assert_int_equal(parse_url_normalize(loose, sizeof(loose) - 1, &nb), 0);
    assert_string_equal(nb.data, "http://example.com/a/b/~c?x");
    for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        assert_int_equal(
            parse_url_resolve(loose, sizeof(loose) - 1, refs[i], strlen(refs[i]), &b), 0);
        assert_int_equal(parse_url_resolve(nb.data, nb.len, refs[i], strlen(refs[i]), &c), 0);
        assert_string_equal(b.data, c.data);
    }
    core_buf_free(&b);
    core_buf_free(&nb);
    core_buf_free(&c);
}

static bool documented(int rc)
{
    return rc == 0 || rc == CORE_EPARSE || rc == CORE_ESCHEME;
}

static void check_any(const char *base, const char *in, size_t n)
{
    struct core_buf b;
    int rc;

    core_buf_init(&b, OUT_MAX);
    rc = base ? parse_url_resolve(base, strlen(base), in, n, &b) : parse_url_normalize(in, n, &b);
    if (!documented(rc))
        fail_msg("rc %d for '%.*s'", rc, (int)n, in);
    if (rc == 0)
        check_normal_form(b.data, b.len);
    else
        assert_int_equal(b.len, 0);
    core_buf_free(&b);
}

static const char *const samples[] = {
    "http://user:pw@Example.COM:8080/a/./b/../%7Ec%zz?q=1&r=%2f#frag",
    "https://[2001:db8::1]:443/p?x",
    "http://0x7f.1/..\\x/%2e%2E/y",
    "HTTP:\\\\h\\a b\\c?d e#f",
    "../a/b?c=d#e",
    "//cdn.example.net:81/x.js",
    "javascript:void(0)",
    "http://[::ffff:1.2.3.4]/",
};

static void test_url_every_prefix(void **state)
{
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (n = 0; n <= strlen(samples[i]); n++) {
            check_any(NULL, samples[i], n);
            check_any(B, samples[i], n);
            check_any("https://[::1]/a/b", samples[i], n);
        }
    }
}

/* Every byte value inserted at every position: never a crash, an undocumented error, or an
 * output with a raw byte outside printable ASCII. */
static void test_url_hostile_bytes(void **state)
{
    static const char *const hostile[] = {
        "http://h.example:81/p/q?x=1#f",
        "http://[::1]/a",
        "../a/%41?b",
    };
    char buf[64];
    size_t i, pos, n;
    unsigned c;

    (void)state;
    for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        n = strlen(hostile[i]);
        for (pos = 0; pos <= n; pos++) {
            for (c = 0; c < 256; c++) {
                memcpy(buf, hostile[i], pos);
                buf[pos] = (char)c;
                memcpy(buf + pos + 1, hostile[i] + pos, n - pos);
                check_any(NULL, buf, n + 1);
                check_any(B, buf, n + 1);
                /* and replacing the byte there */
                if (pos < n) {
                    memcpy(buf, hostile[i], n);
                    buf[pos] = (char)c;
                    check_any(B, buf, n);
                }
            }
        }
    }
}

/* The reference alone normalises to the same URL without removing dot segments, so it is
 * written straight out: out->max is then the limit on the result itself. */
static bool is_straight(const struct ucase *c, const char *want)
{
    struct core_buf b;
    bool same;
    size_t i;

    for (i = 0; i + 1 < c->ref_len; i++)
        if (c->ref[i] == '.' || (c->ref[i] == '%' && c->ref[i + 1] == '2'))
            return false;
    core_buf_init(&b, OUT_MAX);
    same = parse_url_normalize(c->ref, c->ref_len, &b) == 0 && strcmp(b.data, want) == 0;
    core_buf_free(&b);
    return same;
}

static void test_url_msgsize_at_exact_limit(void **state)
{
    struct core_buf b, small;
    size_t i;
    int rc;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (run(&cases[i], &b) != 0)
            continue;
        /* Exactly enough room for the result. Resolving may need more on the way (the
         * base's path before ".." pops it, a segment that a later ".." removes); a URL
         * written straight out always fits. */
        core_buf_init(&small, b.len);
        rc = run(&cases[i], &small);
        if (rc == 0)
            assert_string_equal(small.data, b.data);
        else if (rc != -EMSGSIZE || is_straight(&cases[i], b.data))
            fail_msg("case %zu: rc %d with max %zu", i, rc, b.len);
        core_buf_free(&small);
        core_buf_init(&small, b.len - 1);
        rc = run(&cases[i], &small);
        if (rc != -EMSGSIZE)
            fail_msg("case %zu: rc %d with max %zu", i, rc, b.len - 1);
        assert_int_equal(small.len, 0);
        core_buf_free(&small);
    }
    core_buf_free(&b);

    core_buf_init(&small, 20);
    assert_int_equal(parse_url_normalize("http://example.com/abcdef", 25, &small), -EMSGSIZE);
    assert_int_equal(small.len, 0);
    assert_string_equal(small.data, "");
    assert_int_equal(parse_url_normalize("http://example.com/a", 20, &small), 0);
    assert_string_equal(small.data, "http://example.com/a");
    core_buf_free(&small);
}

static void test_url_enomem_then_success(void **state)
{
    /* The second reference is long and has newlines, so it needs a heap scratch copy. */
    char longref[3000];
    const char *refs[] = {"../x?y", longref};
    size_t k;
    long n;
    int rc;

    (void)state;
    memset(longref, 'a', sizeof(longref));
    longref[100] = '\n';
    longref[2000] = '\t';
    for (k = 0; k < 2; k++) {
        size_t len = k ? sizeof(longref) : strlen(refs[k]);

        for (n = 0;; n++) {
            struct core_buf b;

            core_buf_init(&b, OUT_MAX);
            core_mem_fail_after(n);
            rc = parse_url_resolve(B, strlen(B), refs[k], len, &b);
            core_mem_fail_after(-1);
            if (rc == 0) {
                assert_true(n > 0);
                assert_true(b.len > 0);
                core_buf_free(&b);
                break;
            }
            assert_int_equal(rc, -ENOMEM);
            assert_int_equal(b.len, 0);
            core_buf_free(&b);
            assert_true(n < 64);
        }
    }
}

/* A reference longer than the stack scratch, with tabs and newlines in it. */
static void test_url_long_ref_with_newlines(void **state)
{
    char ref[5000], want[5100];
    struct core_buf b;
    size_t i, k = 0;

    (void)state;
    for (i = 0; i < sizeof(ref); i++)
        ref[i] = i % 50 == 0 ? '\n' : i % 7 == 0 ? '\t' : (char)('a' + i % 26);
    memcpy(want, "http://example.com/dir/", 23);
    k = 23;
    for (i = 0; i < sizeof(ref); i++)
        if (ref[i] != '\n' && ref[i] != '\t')
            want[k++] = ref[i];
    want[k] = '\0';
    core_buf_init(&b, OUT_MAX);
    assert_int_equal(parse_url_resolve(B, strlen(B), ref, sizeof(ref), &b), 0);
    assert_string_equal(b.data, want);
    core_buf_free(&b);
}

/* With the output buffer grown once, resolving allocates nothing. */
static void test_url_resolve_reuses_buffer(void **state)
{
    static const char *const refs[] = {"a.html", "../b/c?d=e", "//h.example/x", "#f",
                                       "http://other.example/p", "q\tr"};
    struct core_buf b;
    unsigned long before;
    size_t i;
    int rep;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    assert_int_equal(core_buf_reserve(&b, 256), 0);
    before = core_mem_allocs();
    for (rep = 0; rep < 100; rep++)
        for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
            assert_int_equal(parse_url_resolve(B, strlen(B), refs[i], strlen(refs[i]), &b), 0);
    assert_int_equal(core_mem_allocs(), before);
    core_buf_free(&b);
}

static void test_url_host_length_limit(void **state)
{
    char url[400];
    struct core_buf b;
    size_t n;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    memcpy(url, "http://", 7);
    memset(url + 7, 'a', 253);
    url[260] = '/';
    assert_int_equal(parse_url_normalize(url, 261, &b), 0);
    assert_int_equal(b.len, 261);
    url[260] = '.';   /* 253 bytes plus a trailing dot */
    assert_int_equal(parse_url_normalize(url, 261, &b), 0);
    assert_int_equal(b.len, 262);
    url[260] = 'a';   /* 254 bytes */
    assert_int_equal(parse_url_normalize(url, 261, &b), CORE_EPARSE);
    for (n = 261; n < 300; n++)
        url[n] = 'a';
    assert_int_equal(parse_url_normalize(url, 300, &b), CORE_EPARSE);
    core_buf_free(&b);
}

static void test_url_split_views(void **state)
{
    static const char u1[] = "https://[::1]:8443/a/b?x=1&y";
    static const char u2[] = "http://example.com/";
    static const char u3[] = "http://h/p?";
    struct parse_url_view v;

    (void)state;
    assert_int_equal(parse_url_split(u1, sizeof(u1) - 1, &v), 0);
    assert_int_equal(v.scheme_len, 5);
    assert_memory_equal(v.scheme, "https", 5);
    assert_int_equal(v.host_len, 5);
    assert_memory_equal(v.host, "[::1]", 5);
    assert_int_equal(v.port, 8443);
    assert_true(v.port_explicit);
    assert_int_equal(v.path_len, 4);
    assert_memory_equal(v.path, "/a/b", 4);
    assert_true(v.has_query);
    assert_int_equal(v.query_len, 5);
    assert_memory_equal(v.query, "x=1&y", 5);
    assert_int_equal(v.target_len, 10);
    assert_memory_equal(v.target, "/a/b?x=1&y", 10);
    assert_int_equal(v.origin_len, 18);
    assert_memory_equal(v.origin, "https://[::1]:8443", 18);

    assert_int_equal(parse_url_split(u2, sizeof(u2) - 1, &v), 0);
    assert_memory_equal(v.scheme, "http", v.scheme_len);
    assert_memory_equal(v.host, "example.com", v.host_len);
    assert_int_equal(v.host_len, 11);
    assert_int_equal(v.port, 80);
    assert_false(v.port_explicit);
    assert_int_equal(v.path_len, 1);
    assert_false(v.has_query);
    assert_int_equal(v.query_len, 0);
    assert_int_equal(v.origin_len, 18);
    assert_int_equal(v.target_len, 1);

    assert_int_equal(parse_url_split(u3, sizeof(u3) - 1, &v), 0);
    assert_int_equal(v.port, 80);
    assert_true(v.has_query);
    assert_int_equal(v.query_len, 0);
    assert_int_equal(v.path_len, 2);
    assert_int_equal(v.target_len, 3);
}

static void test_url_split_rejects_other_forms(void **state)
{
    static const char *const bad[] = {
        "", "http:", "http://", "http:///", "http://h", "http://h:/", "http://h:123456/",
        "http://h:65536/", "http://h/#f", "http://h/p?q#f", "ftp://h/", "HTTP://h/", "http://h?q",
        "http://[::1/", "http://[::1]x/", "http://u@h/", "http://h h/", "https//h/",
    };
    struct parse_url_view v;
    size_t i;

    (void)state;
    memset(&v, 0xAB, sizeof(v));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse_url_split(bad[i], strlen(bad[i]), &v) != CORE_EPARSE)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(v.port, 0xABAB); /* never written on failure */
}

/* parse_url_split on every output of the table agrees with a re-assembly of its views. */
static void test_url_split_round_trip(void **state)
{
    struct core_buf b, r;
    struct parse_url_view v;
    size_t i;

    (void)state;
    core_buf_init(&b, OUT_MAX);
    core_buf_init(&r, OUT_MAX);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (run(&cases[i], &b) != 0)
            continue;
        assert_int_equal(parse_url_split(b.data, b.len, &v), 0);
        core_buf_reset(&r);
        assert_int_equal(core_buf_append(&r, v.scheme, v.scheme_len), 0);
        assert_int_equal(core_buf_puts(&r, "://"), 0);
        assert_int_equal(core_buf_append(&r, v.host, v.host_len), 0);
        if (v.port_explicit)
            assert_int_equal(core_buf_printf(&r, ":%u", (unsigned)v.port), 0);
        assert_int_equal(r.len, v.origin_len);
        assert_memory_equal(r.data, v.origin, r.len);
        assert_int_equal(core_buf_append(&r, v.path, v.path_len), 0);
        if (v.has_query) {
            assert_int_equal(core_buf_putc(&r, '?'), 0);
            assert_int_equal(core_buf_append(&r, v.query, v.query_len), 0);
        }
        assert_string_equal(r.data, b.data);
        assert_int_equal(v.target_len, b.len - v.origin_len);
        assert_false(v.port_explicit && v.port == (v.scheme_len == 4 ? 80 : 443));
    }
    core_buf_free(&b);
    core_buf_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rfc3986_examples),
        cmocka_unit_test(test_url_resolve_table),
        cmocka_unit_test(test_url_idna),
        cmocka_unit_test(test_url_idna_length_limit),
        cmocka_unit_test(test_url_same_page_same_bytes),
        cmocka_unit_test(test_url_idempotent),
        cmocka_unit_test(test_url_base_is_normalised_first),
        cmocka_unit_test(test_url_every_prefix),
        cmocka_unit_test(test_url_hostile_bytes),
        cmocka_unit_test(test_url_msgsize_at_exact_limit),
        cmocka_unit_test(test_url_enomem_then_success),
        cmocka_unit_test(test_url_long_ref_with_newlines),
        cmocka_unit_test(test_url_resolve_reuses_buffer),
        cmocka_unit_test(test_url_host_length_limit),
        cmocka_unit_test(test_url_split_views),
        cmocka_unit_test(test_url_split_rejects_other_forms),
        cmocka_unit_test(test_url_split_round_trip),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
