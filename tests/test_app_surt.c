/* tests/test_app_surt.c: SURT keys against the cases of Python surt's own tests (tests/
 * test_surt.py and its doctests, from WaybackURLKeyMakerTest, GoogleURLCanonicalizerTest and
 * IAURLCanonicalizerTest), each turned into the key surt(url) gives; every truncated prefix and
 * random bytes; allocation failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/export/surt.h"
#include "core/buf.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

#define ID32 "0123456789abcdefghijklemopqrstuv"

static const struct {
    const char *url, *key;
} CASES[] = {
    /* surt() */
    {"", "-"},
    {"filedesc:foo.arc.gz", "filedesc:foo.arc.gz"},
    {"filedesc://foo.arc.gz", "filedesc://foo.arc.gz"},
    {"warcinfo:foo.warc.gz", "warcinfo:foo.warc.gz"},
    {"dns:alexa.com", "com,alexa)"},
    {"whois://whois.isoc.org.il/shaveh.co.il", "whois://whois.isoc.org.il/shaveh.co.il"},
    {"mailto:foo@example.com", "mailto:foo@example.com"},
    {"http://www.archive.org/", "org,archive)/"},
    {"http://archive.org/", "org,archive)/"},
    {"http://archive.org/goo/", "org,archive)/goo"},
    {"http://archive.org/goo/?", "org,archive)/goo"},
    {"http://archive.org/goo/?b&a", "org,archive)/goo?a&b"},
    {"http://archive.org/goo/?a=2&b&a=1", "org,archive)/goo?a=1&a=2&b"},
    {"http://archive.org/index.php?PHPSESSID=" ID32 "&action=profile;u=4221",
     "org,archive)/index.php?action=profile;u=4221"},
    {"http://visit.webhosting.yahoo.com/visit.gif?&r=http%3A//web.archive.org/web/20090517140029/"
     "http%3A//anthonystewarthead.electric-chi.com/&b=Netscape%205.0%20%28Windows%3B%20en-US%29"
     "&s=1366x768&o=Win32&c=24&j=true&v=1.2",
     "com,yahoo,webhosting,visit)/visit.gif?&b=netscape%205.0%20(windows;%20en-us)&c=24&j=true"
     "&o=win32&r=http://web.archive.org/web/20090517140029/http://anthonystewarthead.electric-chi"
     ".com/&s=1366x768&v=1.2"},
    {"ftp://www.example.com/", "com,example)/"},
    /* DefaultIAURLCanonicalizer */
    {"http://www.alexa.com/", "com,alexa)/"},
    {"http://archive.org/index.html", "org,archive)/index.html"},
    {"http://archive.org/index.html?", "org,archive)/index.html"},
    {"http://archive.org/index.html?a=b", "org,archive)/index.html?a=b"},
    {"http://archive.org/index.html?b=b&a=b", "org,archive)/index.html?a=b&b=b"},
    {"http://archive.org/index.html?b=a&b=b&a=b", "org,archive)/index.html?a=b&b=a&b=b"},
    {"http://www34.archive.org/index.html?b=a&b=b&a=b", "org,archive)/index.html?a=b&b=a&b=b"},
    /* GoogleURLCanonicalizer */
    {"http://host/%25%32%35", "host)/%25"},
    {"http://host/%25%32%35%25%32%35", "host)/%25%25"},
    {"http://host/%2525252525252525", "host)/%25"},
    {"http://host/asdf%25%32%35asd", "host)/asdf%25asd"},
    {"http://host/%%%25%32%35asd%%", "host)/%25%25%25asd%25%25"},
    {"http://www.google.com/", "com,google)/"},
    {"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61"
     "%79%2E%63%6F%6D/",
     "26,99,188,168)/.secure/www.ebay.com"},
    {"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplm"
     "validateinfoswqpcmlx=hgplmcx/",
     "11,0,127,195)/uploads/%20%20%20%20/.verify/.ebaysecure=updateuserdataxplimnbqmn-xplmvalidat"
     "einfoswqpcmlx=hgplmcx"},
    {"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55"
     "%252B",
     "com,host%23)/~a!b@c%23d$e%25f^00&11*22(33)44_55+"},
    {"http://3279880203/blah", "11,0,127,195)/blah"},
    {"http://39024579298/", "226,210,11,22)/"},
    {"http://017.0.0.1/", "1,0,0,15)/"},
    {"http://10.0.258/", "2,1,0,10)/"},
    {"http://1.2.3.256/", "256,3,2,1)/"},
    {"http://www.google.com/blah/..", "com,google)/"},
    {"www.google.com/", "com,google)/"},
    {"www.google.com", "com,google)/"},
    {"http://www.evil.com/blah#frag", "com,evil)/blah"},
    {"http://www.GOOgle.com/", "com,google)/"},
    {"http://www.google.com.../", "com,google)/"},
    {"http://www.google.com/foo\tbar\rbaz\n2", "com,google)/foobarbaz2"},
    {"http://www.google.com/q?", "com,google)/q"},
    {"http://www.google.com/q?r?", "com,google)/q?r?"},
    {"http://www.google.com/q?r?s", "com,google)/q?r?s"},
    {"http://evil.com/foo#bar#baz", "com,evil)/foo"},
    {"http://evil.com/foo;", "com,evil)/foo;"},
    {"http://evil.com/foo?bar;", "com,evil)/foo?bar;"},
    {"http://notrailingslash.com", "com,notrailingslash)/"},
    {"http://www.gotaport.com:1234/", "com,gotaport:1234)/"},
    {"  http://www.google.com/  ", "com,google)/"},
    {"http:// leadingspace.com/", "com,%20leadingspace)/"},
    {"http://%20leadingspace.com/", "com,%20leadingspace)/"},
    {"%20leadingspace.com/", "com,%20leadingspace)/"},
    {"https://www.securesite.com/", "com,securesite)/"},
    {"http://host.com/ab%23cd", "com,host)/ab%23cd"},
    {"http://host.com//twoslashes?more//slashes", "com,host)/twoslashes?more//slashes"},
    /* handyurl.parse */
    {"http:////////////////www.vikings.com", "com,vikings)/"},
    {"http://https://order.1and1.com", "com,1and1,order)/"},
    {"http://mineral.galleries.com:/minerals/silicate/chabazit/chabazit.htm",
     "com,galleries,mineral)/minerals/silicate/chabazit/chabazit.htm"},
    /* IAURLCanonicalizer */
    {"http://ARCHIVE.ORG/", "org,archive)/"},
    {"http://www.archive.org:80/", "org,archive)/"},
    {"https://www.archive.org:80/", "org,archive:80)/"},
    {"http://www.archive.org:443/", "org,archive:443)/"},
    {"https://www.archive.org:443/", "org,archive)/"},
    {"http://www.archive.org/big/", "org,archive)/big"},
    {"http://example.com/foo?X=Y", "com,example)/foo?x=y"},
    {"http://foo.com/", "com,foo)/"},
    {"http://www12.foo.com/", "com,foo)/"},
    {"http://www2foo.com/", "com,www2foo)/"},
    {"http://www2.www2foo.com/", "com,www2foo)/"},
    {"http://x.com/?a=1&", "com,x)/?&a=1"},
    {"http://x.com/?b=b&a=b&b=a&a=a", "com,x)/?a=a&a=b&b=a&b=b"},
    /* stripPathSessionID */
    {"http://x.com/(S(4hqa0555fwsecu455xqckv45))/mileg.aspx", "com,x)/mileg.aspx"},
    {"http://x.com/(4hqa0555fwsecu455xqckv45)/mileg.aspx", "com,x)/mileg.aspx"},
    {"http://x.com/(a(4hqa0555fwsecu455xqckv45)S(4hqa0555fwsecu455xqckv45)f(4hqa0555fwsecu455xq"
     "ckv45))/mileg.aspx?page=sessionschedules",
     "com,x)/mileg.aspx?page=sessionschedules"},
    {"http://x.com/photos/36050182@N05/", "com,x)/photos/36050182@n05"},
    /* stripQuerySessionID */
    {"http://x.com/?jsessionid=" ID32, "com,x)/"},
    {"http://x.com/?jsessionid=" ID32 "0", "com,x)/?jsessionid=" ID32 "0"},
    {"http://x.com/?jsessionid=" ID32 "&x=y", "com,x)/?x=y"},
    {"http://x.com/?one=two&jsessionid=" ID32 "&x=y", "com,x)/?one=two&x=y"},
    {"http://x.com/?one=two&jsessionid=" ID32, "com,x)/?&one=two"},
    {"http://x.com/?aspsessionidABCDEFGH=ABCDEFGHIJKLMNOPQRSTUVWX&x=y", "com,x)/?x=y"},
    {"http://x.com/?phpsessid=" ID32 "&x=y", "com,x)/?x=y"},
    {"http://x.com/?sid=9682993c8daa2c5497996114facdc805&x=y", "com,x)/?x=y"},
    {"http://x.com/?sid=9682993c8daa2c5497996114facdc805&jsessionid=" ID32, "com,x)/"},
    {"http://x.com/?CFID=1169580&CFTOKEN=48630702&dtstamp=22%2F08%2F2006%7C06%3A58%3A11",
     "com,x)/?dtstamp=22/08/2006|06:58:11"},
    {"http://x.com/?CFID=14475712&CFTOKEN=2D89F5AF-3048-2957-DA4EE4B6B13661AB&r=468710288378"
     "&m=forgotten",
     "com,x)/?m=forgotten&r=468710288378"},
    {"http://x.com/?CFID=16603925&CFTOKEN=2AE13EEE-3048-85B0-56CEDAAB0ACA44B8", "com,x)/"},
    /* more: what a crawl meets */
    {"https://www.Example.com:443/A/b/?b=2&a=1#top", "com,example)/a/b?a=1&b=2"},
    {"http://example.com:8080/x", "com,example:8080)/x"},
    {"http://user:pw@example.com/", "com,example)/"},
    {"http://[::1]:8080/a", "::1:8080)/a"},
    {"http://example.com/A%C3%A9?Q=%C3%89", "com,example)/a%c3%a9?q=%c3%89"},
    {"http://example.com/a%2Fb", "com,example)/a/b"},
    {"http://example.com/./a/../b/./c", "com,example)/b/c"},
    {"http://example.com/../a", "com,example)/../a"},
    {"http://example.com/?a-b=1&a=2", "com,example)/?a=2&a-b=1"},   /* by name, not by string */
    {"http://example.com:abc/", "http://example.com:abc/"},          /* urlsplit raises */
    {"http://example.com:99999/", "http://example.com:99999/"},
    {"urn:x-trawl:1", "urn:x-trawl:1"},
};

static void test_surt_cases_from_python_surt(void **state)
{
    struct core_buf b;
    size_t i;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        core_buf_reset(&b);
        assert_int_equal(app_surt_key(CASES[i].url, strlen(CASES[i].url), &b), 0);
        if (strcmp(b.data, CASES[i].key) != 0)
            fail_msg("surt(%s) = %s, want %s", CASES[i].url, b.data, CASES[i].key);
    }
    core_buf_free(&b);
}

/* Every prefix of every case and random bytes: no crash, no read past the input (ASan), a key
 * that never holds the input's tab, CR or LF. */
static void test_surt_prefixes_and_hostile_bytes(void **state)
{
    static const char alphabet[] = "htp:/.w%2Fa?&=#;[]@0123456789ABCsid() \t";
    struct core_buf b;
    unsigned seed = 99;
    char url[200], *copy;
    size_t i, n, cut;
    int round;

    (void)state;
    core_buf_init(&b, 1 << 20);
    for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++)
        for (cut = 0; cut <= strlen(CASES[i].url); cut++) {
            copy = malloc(cut ? cut : 1);   /* exactly cut bytes: ASan sees any overread */
            assert_non_null(copy);
            memcpy(copy, CASES[i].url, cut);
            core_buf_reset(&b);
            assert_int_equal(app_surt_key(copy, cut, &b), 0);
            free(copy);
        }
    for (round = 0; round < 20000; round++) {
        n = (size_t)(rand_r(&seed) % sizeof(url));
        for (i = 0; i < n; i++)
            url[i] = rand_r(&seed) % 5 ? alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)]
                                       : (char)rand_r(&seed);
        if (n > 7 && rand_r(&seed) % 2)
            memcpy(url, "http://", 7);
        core_buf_reset(&b);
        assert_int_equal(app_surt_key(url, n, &b), 0);
    }
    core_buf_free(&b);
}

static void test_surt_allocation_failures_and_cap(void **state)
{
    static const char url[] = "http://www.Example.com/(S(4hqa0555fwsecu455xqckv45))/m.aspx?b=1&a=2";
    struct core_buf b, small;
    long n;
    int rc;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(core_buf_puts(&b, "x "), 0);
    for (n = 0;; n++) {
        core_mem_fail_after(n);
        rc = app_surt_key(url, strlen(url), &b);
        core_mem_fail_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, -ENOMEM);
        assert_string_equal(b.data, "x ");
    }
    assert_string_equal(b.data, "x com,example)/m.aspx?a=2&b=1");
    core_buf_init(&small, 8);
    assert_int_equal(app_surt_key(url, strlen(url), &small), -EMSGSIZE);
    assert_int_equal(small.len, 0);
    core_buf_free(&b);
    core_buf_free(&small);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_surt_cases_from_python_surt),
        cmocka_unit_test(test_surt_prefixes_and_hostile_bytes),
        cmocka_unit_test(test_surt_allocation_failures_and_cap),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
