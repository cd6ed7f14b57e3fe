/* tests/test_parse_html_tok.c: the linear HTML tokenizer and character reference decoder
 * (module-internal, parse/html_int.h), checked against gumbo where they must agree. */
#include <gumbo.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "parse/html_int.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"

/* Switch t to raw text after start tag tag the way the scanner does it for script, style,
 * title, textarea and plaintext. */
static void raw_after(struct parse__html_tok *t, const struct parse__html_tag *tag)
{
    char name[16];

    parse__html_lower(tag->name, tag->name_len, name, sizeof(name));
    if (!strcmp(name, "script"))
        parse__html_tok_raw(t, PARSE__RAW_SCRIPT, tag);
    else if (!strcmp(name, "style"))
        parse__html_tok_raw(t, PARSE__RAW_RAWTEXT, tag);
    else if (!strcmp(name, "title") || !strcmp(name, "textarea"))
        parse__html_tok_raw(t, PARSE__RAW_RCDATA, tag);
    else if (!strcmp(name, "plaintext"))
        parse__html_tok_raw(t, PARSE__RAW_PLAINTEXT, tag);
}

/* A readable trace of the tokens of s: "S:name(a=v,...)" for start tags ("/" when
 * self-closing), "E:name", "R:text" for raw text, "C" for a CDATA bogus comment. Raw text
 * is requested the way the scanner does it for script, style, title, textarea, plaintext. */
static void trace(const char *s, size_t len, bool cdata, char *out, size_t cap)
{
    struct parse__html_tok t;
    struct parse__html_tag tag;
    struct parse__html_attr a;
    size_t n = 0;
    unsigned type;

    out[0] = '\0';
    parse__html_tok_init(&t, s, len);
    t.cdata = cdata;
    while ((type = parse__html_tok_next(&t, &tag)) != PARSE__TOK_EOF) {
        const char *p;
        bool first = true;

        if (n > 0)
            n += (size_t)snprintf(out + n, cap - n, " ");
        switch (type) {
        case PARSE__TOK_START:
        case PARSE__TOK_END:
            n += (size_t)snprintf(out + n, cap - n, "%s:%.*s", type == PARSE__TOK_START ? "S" : "E",
                                  (int)tag.name_len, tag.name);
            for (p = tag.attrs; parse__html_attr_next(&p, tag.attrs + tag.attrs_len, &a);) {
                n += (size_t)snprintf(out + n, cap - n, "%s%.*s=%.*s", first ? "(" : ",",
                                      (int)a.name_len, a.name, (int)a.value_len, a.value);
                first = false;
            }
            if (!first)
                n += (size_t)snprintf(out + n, cap - n, ")");
            if (tag.self_closing)
                n += (size_t)snprintf(out + n, cap - n, "/");
            if (type == PARSE__TOK_START)
                raw_after(&t, &tag);
            break;
        case PARSE__TOK_RAW:
            n += (size_t)snprintf(out + n, cap - n, "R:%.*s", (int)tag.text_len, tag.text);
            break;
        case PARSE__TOK_CDATA:
            n += (size_t)snprintf(out + n, cap - n, "D:%.*s", (int)tag.text_len, tag.text);
            break;
        case PARSE__TOK_CDATA_BOGUS:
            n += (size_t)snprintf(out + n, cap - n, "C");
            break;
        }
        assert_true(n < cap);
    }
}

struct tok_case {
    const char *in;
    bool cdata;
    const char *want;
};

static const struct tok_case tok_cases[] = {
    {"<a href=x>t</a>", false, "S:a(href=x) E:a"},
    {"<A HREF='x y' b c=\"d>\">", false, "S:A(HREF=x y,b=,c=d>)"},
    {"<a/href=x/>", false, "S:a(href=x/)"},
    {"<br/><br />", false, "S:br/ S:br/"},
    {"<a b='1'c=2 d = 3>", false, "S:a(b=1,c=2,d=3)"},
    {"<a =x>", false, "S:a(=x=)"},
    {"<a b=>", false, "S:a(b=)"},
    {"<a\tb\nc\fd\re>", false, "S:a(b=,c=,d=,e=)"},
    {"<a/ /b/>", false, "S:a(b=)/"},
    {"<a href=\"x", false, ""},
    {"<a href=x", false, ""},
    {"<a", false, ""},
    {"<!-->a<!--->b<!-- --!>c<!-- -- >d-->e<x>", false, "S:x"},
    {"<!---->a<!-- a-b --><y>", false, "S:y"},
    {"<!-- <a>", false, ""},
    {"</>a</ x>b<?p <q>c<!x>d<!DOCTYPE html><y>", false, "S:y"},
    {"</a b=c>", false, "E:a(b=c)"},
    {"<", false, ""},
    {"</", false, ""},
    {"<3 a< <>", false, ""},
    {"<script>a<b</script >b", false, "S:script R:a<b E:script"},
    {"<script><!--<script></script>x</script>y-->z</script><i>", false,
     "S:script R:<!--<script></script>x E:script E:script S:i"},
    {"<script><!--<script>--></script><i>", false, "S:script R:<!--<script>--> E:script S:i"},
    {"<script><!--></script>", false, "S:script R:<!--> E:script"},
    {"<script>a</scriptx></script>", false, "S:script R:a</scriptx> E:script"},
    {"<script>a</script", false, "S:script R:a</script"},
    {"<style>a</STYLE>", false, "S:style R:a E:STYLE"},
    {"<title>a<b></TITLE b>", false, "S:title R:a<b> E:TITLE(b=)"},
    {"<title>a</titlex></title>", false, "S:title R:a</titlex> E:title"},
    {"<title>a</title", false, "S:title R:a</title"},
    {"<title></title>", false, "S:title R: E:title"},
    {"<plaintext>a</plaintext><b>", false, "S:plaintext R:a</plaintext><b>"},
    {"<![CDATA[x]]><a>", false, "C S:a"},
    {"<![CDATA[<b>]]><a>", false, "C S:a"},
    {"<![CDATA[<b>]]><a>", true, "D:<b> S:a"},
    {"<![CDATA[<b>", true, "D:<b>"},
    {"<![CDATA[]]]]>", true, "D:]]"},
};

static void test_tok_table(void **state)
{
    char out[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
        const struct tok_case *c = &tok_cases[i];

        trace(c->in, strlen(c->in), c->cdata, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("case %zu '%s':\n got  '%s'\n want '%s'", i, c->in, out, c->want);
    }
}

static void test_tok_counts_attributes_and_offsets(void **state)
{
    static const char s[] = "ab<x a a b=\"c\" d>cd</x e>";
    struct parse__html_tok t;
    struct parse__html_tag tag;
    struct parse__html_attr a;

    (void)state;
    parse__html_tok_init(&t, s, sizeof(s) - 1);
    assert_int_equal(parse__html_tok_next(&t, &tag), PARSE__TOK_START);
    assert_int_equal(tag.nattrs, 4);
    assert_int_equal(tag.offset, 2);
    assert_true(parse__html_attr_get(&tag, "b", &a));
    assert_int_equal(a.value_len, 1);
    assert_false(parse__html_attr_get(&tag, "e", &a));
    assert_int_equal(parse__html_tok_next(&t, &tag), PARSE__TOK_END);
    assert_int_equal(tag.offset, 19);
    assert_int_equal(tag.nattrs, 1);
    assert_int_equal(parse__html_tok_next(&t, &tag), PARSE__TOK_EOF);
    assert_int_equal(parse__html_tok_next(&t, &tag), PARSE__TOK_EOF);
}

static void test_tok_names(void **state)
{
    char buf[16];

    (void)state;
    assert_true(parse__html_eq("HeAd", 4, "head"));
    assert_false(parse__html_eq("hea", 3, "head"));
    assert_false(parse__html_eq("heads", 5, "head"));
    parse__html_lower("SVG", 3, buf, sizeof(buf));
    assert_string_equal(buf, "svg");
    parse__html_lower("xmp\0", 4, buf, sizeof(buf)); /* not xmp */
    assert_string_equal(buf, "");
    parse__html_lower("annotation-xml", 14, buf, sizeof(buf));
    assert_string_equal(buf, "annotation-xml");
    parse__html_lower("averyveryverylongname", 21, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

static bool inside(const char *s, size_t len, const char *v, size_t n)
{
    return v == NULL ? n == 0 : v >= s && n <= len && (size_t)(v - s) <= len - n;
}

/* With all, the tokenizer returns the same tags, raw text and CDATA as without, and its
 * other tokens (text, comments, doctypes) come between them in input order, inside the
 * input: what the link scanner sees does not depend on the mode. */
static void check_all_mode(const char *s, size_t len, bool cdata)
{
    struct parse__html_tok t, a;
    struct parse__html_tag tag, at;
    unsigned type, atype;
    size_t last = 0;

    parse__html_tok_init(&t, s, len);
    parse__html_tok_init(&a, s, len);
    t.cdata = a.cdata = cdata;
    a.all = true;
    for (;;) {
        atype = parse__html_tok_next(&a, &at);
        assert_true(a.pos <= len);
        if (atype == PARSE__TOK_EOF) {
            assert_int_equal(parse__html_tok_next(&t, &tag), PARSE__TOK_EOF);
            break;
        }
        assert_true(at.offset >= last);
        last = at.offset;
        assert_true(inside(s, len, at.text, at.text_len));
        if (atype == PARSE__TOK_TEXT || atype == PARSE__TOK_COMMENT) {
            assert_true(at.text_len > 0 || atype == PARSE__TOK_COMMENT);
            continue;
        }
        if (atype == PARSE__TOK_DOCTYPE) {
            assert_true(inside(s, len, at.name, at.name_len));
            assert_true(inside(s, len, at.public_id, at.public_id_len));
            assert_true(inside(s, len, at.system_id, at.system_id_len));
            continue;
        }
        type = parse__html_tok_next(&t, &tag);
        assert_int_equal(atype, type);
        assert_int_equal(at.offset, tag.offset);
        assert_int_equal(at.name_len, tag.name_len);
        assert_int_equal(at.attrs_len, tag.attrs_len);
        assert_int_equal(at.text_len, tag.text_len);
        if (type == PARSE__TOK_START) {
            raw_after(&t, &tag);
            raw_after(&a, &at);
        }
    }
}

/* Every prefix and every byte value: the tokenizer ends and stays inside the input, and
 * its all mode agrees with the scanner's. */
static void test_tok_hostile_input(void **state)
{
    static const char s[] = "<a b='c\"d' e=f>g<!--h--!><script><!--<script>i</script>-->"
                            "</script><![CDATA[j]]></k l><title>m</title><!DOCTYPE x PUBLIC "
                            "'p' \"q\" r></><? s><!t></ u>v<w";
    char all[512], out[4096];
    size_t i;

    (void)state;
    for (i = 0; i <= sizeof(s) - 1; i++) {
        trace(s, i, false, out, sizeof(out));
        trace(s, i, true, out, sizeof(out));
        check_all_mode(s, i, false);
        check_all_mode(s, i, true);
        check_all_mode(s + i, sizeof(s) - 1 - i, false);
    }
    for (i = 0; i < sizeof(all); i++)
        all[i] = (char)(i % 2 ? '<' : i / 2);
    trace(all, sizeof(all), false, out, sizeof(out));
    check_all_mode(all, sizeof(all), false);
    for (i = 0; i < sizeof(all); i++)
        all[i] = "<!/-?>a\"' "[i % 10];
    check_all_mode(all, sizeof(all), false);
}

struct ref_case {
    const char *in;
    size_t len;
    bool in_attr;
    const char *want;
};

#define R(in, attr, want) {in, sizeof(in) - 1, attr, want}

static const struct ref_case ref_cases[] = {
    R("&amp;", true, "&"),
    R("&amp", true, "&"),
    R("&ampx", true, "&ampx"),
    R("&ampx", false, "&x"),
    R("&amp=", true, "&amp="),
    R("&amp=", false, "&="),
    R("&amp;x", true, "&x"),
    R("&notit;", false, "\xC2\xACit;"),
    R("&notit;", true, "&notit;"),
    R("&notin;", true, "\xE2\x88\x89"),
    R("&lt", false, "<"),
    R("&LT;&GT;&QUOT;", false, "<>\""),
    R("&Aacute&aacute;", false, "\xC3\x81\xC3\xA1"),
    R("&CounterClockwiseContourIntegral;", true, "\xE2\x88\xB3"),
    R("&nGt;", true, "\xE2\x89\xAB\xE2\x83\x92"),
    R("&unknown;&;&&", true, "&unknown;&;&&"),
    R("&#65;&#x41;&#X41", true, "AAA"),
    R("&#;&#x;&#xZ&#a", true, "&#;&#x;&#xZ&#a"),
    R("&#0;&#xD800;&#x110000;&#99999999999999999999;", true, FFFD FFFD FFFD FFFD),
    R("&#x80;&#x9F;&#x81;&#150", true, "\xE2\x82\xAC\xC5\xB8\xC2\x81\xE2\x80\x93"),
    R("&#x1F600;", true, "\xF0\x9F\x98\x80"),
    R("a\0b", true, "a" FFFD "b"),
    R("a\r\nb\rc\n", true, "a\nb\nc\n"),
    R("plain", true, "plain"),
    R("", true, ""),
};

static void test_tok_charrefs(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ref_cases) / sizeof(ref_cases[0]); i++) {
        const struct ref_case *c = &ref_cases[i];
        struct core_buf b;

        core_buf_init(&b, 1024);
        assert_int_equal(parse__html_decode(c->in, c->len, c->in_attr, &b), 0);
        if (strcmp(b.data ? b.data : "", c->want) != 0)
            fail_msg("case %zu '%s': got '%s'", i, c->in, b.data);
        core_buf_free(&b);
    }
}

/* What each state rewrites: CR LF, and then references and NUL or not. */
static void test_tok_text_kinds(void **state)
{
#define W(s) {s, sizeof(s) - 1}
    static const char in[] = "a&amp;\0b\r\nc\rd&#0;";
    static const struct {
        const char *s;
        size_t n;
    } want[] = {
        [PARSE__TEXT_DATA] = W("a&\0b\nc\nd" FFFD),
        [PARSE__TEXT_RCDATA] = W("a&" FFFD "b\nc\nd" FFFD),
        [PARSE__TEXT_ATTR] = W("a&" FFFD "b\nc\nd" FFFD),
        [PARSE__TEXT_RAW] = W("a&amp;" FFFD "b\nc\nd&#0;"),
        [PARSE__TEXT_CDATA] = W("a&amp;\0b\nc\nd&#0;"),
    };
#undef W
    struct core_buf b;
    unsigned k;

    (void)state;
    core_buf_init(&b, 1024);
    for (k = PARSE__TEXT_DATA; k <= PARSE__TEXT_CDATA; k++) {
        core_buf_reset(&b);
        assert_int_equal(parse__html_text(in, sizeof(in) - 1, k, &b), 0);
        if (b.len != want[k].n || memcmp(b.data, want[k].s, b.len) != 0)
            fail_msg("kind %u: got %zu bytes '%s'", k, b.len, b.data);
    }
    core_buf_free(&b);
}

static void test_tok_entity_table_sorted(void **state)
{
    size_t i;

    (void)state;
    assert_int_equal(parse__html_nentities, 2231);
    for (i = 1; i < parse__html_nentities; i++)
        assert_true(strcmp(parse__html_entities[i - 1].name, parse__html_entities[i].name) < 0);
}

/* Attribute values and title text decode exactly as in gumbo. */
static void test_tok_decoding_agrees_with_gumbo(void **state)
{
    static const char *const values[] = {
        "&amp;&lt;&gt;&quot;&apos;&nbsp;", "/q?a=1&copy=2&amp;b&ampc&reg", "&eacute&eacute;&Eacute",
        "&#34;&#x22;&#X22&#34x", "&#0;&#128;&#x9d;&#65533;&#xFFFE;", "&notin;&notit;&not",
        "a\rb\r\nc", "&frac12;&frac12x&frac12=", "&;&#;&#x;&", "&thetasym;&Theta;&theta",
        "&#x10FFFF;&#x110000;&#xD83D;&#xDE00;", "&lang;&rang;&LeftAngleBracket;",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char page[256];
        struct core_buf b;
        GumboOutput *g;
        const GumboNode *body, *a, *head, *title;
        const GumboAttribute *attr;
        int n;

        /* as an attribute value */
        n = snprintf(page, sizeof(page), "<a href=\"%s\">", values[i]);
        g = gumbo_parse_with_options(&kGumboDefaultOptions, page, (size_t)n);
        body = g->root->v.element.children.data[1];
        a = body->v.element.children.data[0];
        attr = gumbo_get_attribute(&a->v.element.attributes, "href");
        core_buf_init(&b, 1024);
        assert_int_equal(parse__html_decode(values[i], strlen(values[i]), true, &b), 0);
        if (strcmp(attr->value, b.data) != 0)
            fail_msg("attr '%s': gumbo '%s', ours '%s'", values[i], attr->value, b.data);
        gumbo_destroy_output(&kGumboDefaultOptions, g);
        /* as title text */
        n = snprintf(page, sizeof(page), "<title>%s</title>", values[i]);
        g = gumbo_parse_with_options(&kGumboDefaultOptions, page, (size_t)n);
        head = g->root->v.element.children.data[0];
        title = head->v.element.children.data[0];
        core_buf_reset(&b);
        assert_int_equal(parse__html_decode(values[i], strlen(values[i]), false, &b), 0);
        if (strcmp(((const GumboNode *)title->v.element.children.data[0])->v.text.text, b.data))
            fail_msg("text '%s': gumbo '%s', ours '%s'", values[i],
                     ((const GumboNode *)title->v.element.children.data[0])->v.text.text, b.data);
        gumbo_destroy_output(&kGumboDefaultOptions, g);
        core_buf_free(&b);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tok_table),
        cmocka_unit_test(test_tok_counts_attributes_and_offsets),
        cmocka_unit_test(test_tok_names),
        cmocka_unit_test(test_tok_hostile_input),
        cmocka_unit_test(test_tok_charrefs),
        cmocka_unit_test(test_tok_text_kinds),
        cmocka_unit_test(test_tok_entity_table_sorted),
        cmocka_unit_test(test_tok_decoding_agrees_with_gumbo),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
