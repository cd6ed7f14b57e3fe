/* parse/charset.c: WHATWG encoding sniffing and iconv conversion to UTF-8 (see charset.h). */
#include "parse/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

/* The encodings we decode: WHATWG name (lower case) and the glibc iconv name. */
struct encoding {
    const char *name;
    const char *iconv; /* NULL for utf-8, which needs no iconv */
};

enum {
    E_UTF8, E_IBM866, E_8859_2, E_8859_3, E_8859_4, E_8859_5, E_8859_6, E_8859_7, E_8859_8,
    E_8859_8I, E_8859_10, E_8859_13, E_8859_14, E_8859_15, E_8859_16, E_KOI8R, E_KOI8U,
    E_MAC, E_W874, E_W1250, E_W1251, E_W1252, E_W1253, E_W1254, E_W1255, E_W1256, E_W1257,
    E_W1258, E_MACCYR, E_GBK, E_GB18030, E_BIG5, E_EUCJP, E_ISO2022JP, E_SJIS, E_EUCKR,
    E_UTF16BE, E_UTF16LE
};

/* WHATWG decoders are supersets of the old standards: shift_jis is Microsoft's CP932 (whose
 * 0x5C is a backslash, not a yen sign), euc-kr is CP949, big5 is Big5-HKSCS and gbk is
 * decoded as gb18030. */
static const struct encoding encodings[] = {
    [E_UTF8] = {"utf-8", NULL},
    [E_IBM866] = {"ibm866", "IBM866"},
    [E_8859_2] = {"iso-8859-2", "ISO-8859-2"},
    [E_8859_3] = {"iso-8859-3", "ISO-8859-3"},
    [E_8859_4] = {"iso-8859-4", "ISO-8859-4"},
    [E_8859_5] = {"iso-8859-5", "ISO-8859-5"},
    [E_8859_6] = {"iso-8859-6", "ISO-8859-6"},
    [E_8859_7] = {"iso-8859-7", "ISO-8859-7"},
    [E_8859_8] = {"iso-8859-8", "ISO-8859-8"},
    [E_8859_8I] = {"iso-8859-8-i", "ISO-8859-8"},
    [E_8859_10] = {"iso-8859-10", "ISO-8859-10"},
    [E_8859_13] = {"iso-8859-13", "ISO-8859-13"},
    [E_8859_14] = {"iso-8859-14", "ISO-8859-14"},
    [E_8859_15] = {"iso-8859-15", "ISO-8859-15"},
    [E_8859_16] = {"iso-8859-16", "ISO-8859-16"},
    [E_KOI8R] = {"koi8-r", "KOI8-R"},
    [E_KOI8U] = {"koi8-u", "KOI8-U"},
    [E_MAC] = {"macintosh", "MACINTOSH"},
    [E_W874] = {"windows-874", "CP874"},
    [E_W1250] = {"windows-1250", "CP1250"},
    [E_W1251] = {"windows-1251", "CP1251"},
    [E_W1252] = {"windows-1252", "CP1252"},
    [E_W1253] = {"windows-1253", "CP1253"},
    [E_W1254] = {"windows-1254", "CP1254"},
    [E_W1255] = {"windows-1255", "CP1255"},
    [E_W1256] = {"windows-1256", "CP1256"},
    [E_W1257] = {"windows-1257", "CP1257"},
    [E_W1258] = {"windows-1258", "CP1258"},
    [E_MACCYR] = {"x-mac-cyrillic", "MAC-CYRILLIC"},
    [E_GBK] = {"gbk", "GB18030"},
    [E_GB18030] = {"gb18030", "GB18030"},
    [E_BIG5] = {"big5", "BIG5-HKSCS"},
    [E_EUCJP] = {"euc-jp", "EUC-JP"},
    [E_ISO2022JP] = {"iso-2022-jp", "ISO-2022-JP"},
    [E_SJIS] = {"shift_jis", "CP932"},
    [E_EUCKR] = {"euc-kr", "CP949"},
    [E_UTF16BE] = {"utf-16be", "UTF-16BE"},
    [E_UTF16LE] = {"utf-16le", "UTF-16LE"},
};

struct label {
    const char *label;
    unsigned char enc;
};

/* The WHATWG Encoding Standard's label table for the encodings above. */
static const struct label labels[] = {
    {"unicode-1-1-utf-8", E_UTF8}, {"unicode11utf8", E_UTF8}, {"unicode20utf8", E_UTF8},
    {"utf-8", E_UTF8}, {"utf8", E_UTF8}, {"x-unicode20utf8", E_UTF8},
    {"866", E_IBM866}, {"cp866", E_IBM866}, {"csibm866", E_IBM866}, {"ibm866", E_IBM866},
    {"csisolatin2", E_8859_2}, {"iso-8859-2", E_8859_2}, {"iso-ir-101", E_8859_2},
    {"iso8859-2", E_8859_2}, {"iso88592", E_8859_2}, {"iso_8859-2", E_8859_2},
    {"iso_8859-2:1987", E_8859_2}, {"l2", E_8859_2}, {"latin2", E_8859_2},
    {"csisolatin3", E_8859_3}, {"iso-8859-3", E_8859_3}, {"iso-ir-109", E_8859_3},
    {"iso8859-3", E_8859_3}, {"iso88593", E_8859_3}, {"iso_8859-3", E_8859_3},
    {"iso_8859-3:1988", E_8859_3}, {"l3", E_8859_3}, {"latin3", E_8859_3},
    {"csisolatin4", E_8859_4}, {"iso-8859-4", E_8859_4}, {"iso-ir-110", E_8859_4},
    {"iso8859-4", E_8859_4}, {"iso88594", E_8859_4}, {"iso_8859-4", E_8859_4},
    {"iso_8859-4:1988", E_8859_4}, {"l4", E_8859_4}, {"latin4", E_8859_4},
    {"csisolatincyrillic", E_8859_5}, {"cyrillic", E_8859_5}, {"iso-8859-5", E_8859_5},
    {"iso-ir-144", E_8859_5}, {"iso8859-5", E_8859_5}, {"iso88595", E_8859_5},
    {"iso_8859-5", E_8859_5}, {"iso_8859-5:1988", E_8859_5},
    {"arabic", E_8859_6}, {"asmo-708", E_8859_6}, {"csiso88596e", E_8859_6},
    {"csiso88596i", E_8859_6}, {"csisolatinarabic", E_8859_6}, {"ecma-114", E_8859_6},
    {"iso-8859-6", E_8859_6}, {"iso-8859-6-e", E_8859_6}, {"iso-8859-6-i", E_8859_6},
    {"iso-ir-127", E_8859_6}, {"iso8859-6", E_8859_6}, {"iso88596", E_8859_6},
    {"iso_8859-6", E_8859_6}, {"iso_8859-6:1987", E_8859_6},
    {"csisolatingreek", E_8859_7}, {"ecma-118", E_8859_7}, {"elot_928", E_8859_7},
    {"greek", E_8859_7}, {"greek8", E_8859_7}, {"iso-8859-7", E_8859_7},
    {"iso-ir-126", E_8859_7}, {"iso8859-7", E_8859_7}, {"iso88597", E_8859_7},
    {"iso_8859-7", E_8859_7}, {"iso_8859-7:1987", E_8859_7}, {"sun_eu_greek", E_8859_7},
    {"csiso88598e", E_8859_8}, {"csisolatinhebrew", E_8859_8}, {"hebrew", E_8859_8},
    {"iso-8859-8", E_8859_8}, {"iso-8859-8-e", E_8859_8}, {"iso-ir-138", E_8859_8},
    {"iso8859-8", E_8859_8}, {"iso88598", E_8859_8}, {"iso_8859-8", E_8859_8},
    {"iso_8859-8:1988", E_8859_8}, {"visual", E_8859_8},
    {"csiso88598i", E_8859_8I}, {"iso-8859-8-i", E_8859_8I}, {"logical", E_8859_8I},
    {"csisolatin6", E_8859_10}, {"iso-8859-10", E_8859_10}, {"iso-ir-157", E_8859_10},
    {"iso8859-10", E_8859_10}, {"iso885910", E_8859_10}, {"l6", E_8859_10},
    {"latin6", E_8859_10},
    {"iso-8859-13", E_8859_13}, {"iso8859-13", E_8859_13}, {"iso885913", E_8859_13},
    {"iso-8859-14", E_8859_14}, {"iso8859-14", E_8859_14}, {"iso885914", E_8859_14},
    {"csisolatin9", E_8859_15}, {"iso-8859-15", E_8859_15}, {"iso8859-15", E_8859_15},
    {"iso885915", E_8859_15}, {"iso_8859-15", E_8859_15}, {"l9", E_8859_15},
    {"iso-8859-16", E_8859_16},
    {"cskoi8r", E_KOI8R}, {"koi", E_KOI8R}, {"koi8", E_KOI8R}, {"koi8-r", E_KOI8R},
    {"koi8_r", E_KOI8R},
    {"koi8-ru", E_KOI8U}, {"koi8-u", E_KOI8U},
    {"csmacintosh", E_MAC}, {"mac", E_MAC}, {"macintosh", E_MAC}, {"x-mac-roman", E_MAC},
    {"dos-874", E_W874}, {"iso-8859-11", E_W874}, {"iso8859-11", E_W874},
    {"iso885911", E_W874}, {"tis-620", E_W874}, {"windows-874", E_W874},
    {"cp1250", E_W1250}, {"windows-1250", E_W1250}, {"x-cp1250", E_W1250},
    {"cp1251", E_W1251}, {"windows-1251", E_W1251}, {"x-cp1251", E_W1251},
    {"ansi_x3.4-1968", E_W1252}, {"ascii", E_W1252}, {"cp1252", E_W1252},
    {"cp819", E_W1252}, {"csisolatin1", E_W1252}, {"ibm819", E_W1252},
    {"iso-8859-1", E_W1252}, {"iso-ir-100", E_W1252}, {"iso8859-1", E_W1252},
    {"iso88591", E_W1252}, {"iso_8859-1", E_W1252}, {"iso_8859-1:1987", E_W1252},
    {"l1", E_W1252}, {"latin1", E_W1252}, {"us-ascii", E_W1252},
    {"windows-1252", E_W1252}, {"x-cp1252", E_W1252}, {"x-user-defined", E_W1252},
    {"cp1253", E_W1253}, {"windows-1253", E_W1253}, {"x-cp1253", E_W1253},
    {"cp1254", E_W1254}, {"csisolatin5", E_W1254}, {"iso-8859-9", E_W1254},
    {"iso-ir-148", E_W1254}, {"iso8859-9", E_W1254}, {"iso88599", E_W1254},
    {"iso_8859-9", E_W1254}, {"iso_8859-9:1989", E_W1254}, {"l5", E_W1254},
    {"latin5", E_W1254}, {"windows-1254", E_W1254}, {"x-cp1254", E_W1254},
    {"cp1255", E_W1255}, {"windows-1255", E_W1255}, {"x-cp1255", E_W1255},
    {"cp1256", E_W1256}, {"windows-1256", E_W1256}, {"x-cp1256", E_W1256},
    {"cp1257", E_W1257}, {"windows-1257", E_W1257}, {"x-cp1257", E_W1257},
    {"cp1258", E_W1258}, {"windows-1258", E_W1258}, {"x-cp1258", E_W1258},
    {"x-mac-cyrillic", E_MACCYR}, {"x-mac-ukrainian", E_MACCYR},
    {"chinese", E_GBK}, {"csgb2312", E_GBK}, {"csiso58gb231280", E_GBK}, {"gb2312", E_GBK},
    {"gb_2312", E_GBK}, {"gb_2312-80", E_GBK}, {"gbk", E_GBK}, {"iso-ir-58", E_GBK},
    {"x-gbk", E_GBK},
    {"gb18030", E_GB18030},
    {"big5", E_BIG5}, {"big5-hkscs", E_BIG5}, {"cn-big5", E_BIG5}, {"csbig5", E_BIG5},
    {"x-x-big5", E_BIG5},
    {"cseucpkdfmtjapanese", E_EUCJP}, {"euc-jp", E_EUCJP}, {"x-euc-jp", E_EUCJP},
    {"csiso2022jp", E_ISO2022JP}, {"iso-2022-jp", E_ISO2022JP},
    {"csshiftjis", E_SJIS}, {"ms932", E_SJIS}, {"ms_kanji", E_SJIS}, {"shift-jis", E_SJIS},
    {"shift_jis", E_SJIS}, {"sjis", E_SJIS}, {"windows-31j", E_SJIS}, {"x-sjis", E_SJIS},
    {"cseuckr", E_EUCKR}, {"csksc56011987", E_EUCKR}, {"euc-kr", E_EUCKR},
    {"iso-ir-149", E_EUCKR}, {"korean", E_EUCKR}, {"ks_c_5601-1987", E_EUCKR},
    {"ks_c_5601-1989", E_EUCKR}, {"ksc5601", E_EUCKR}, {"ksc_5601", E_EUCKR},
    {"windows-949", E_EUCKR},
    {"unicodefffe", E_UTF16BE}, {"utf-16be", E_UTF16BE},
    {"csunicode", E_UTF16LE}, {"iso-10646-ucs-2", E_UTF16LE}, {"ucs-2", E_UTF16LE},
    {"unicode", E_UTF16LE}, {"unicodefeff", E_UTF16LE}, {"utf-16", E_UTF16LE},
    {"utf-16le", E_UTF16LE},
};

#define NO_ENCODING (-1)

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the lower-case literal lit. */
static bool eq_ci(const char *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    return lit[n] == '\0';
}

/* The encoding a label names, or NO_ENCODING. */
static int lookup(const char *s, size_t n)
{
    size_t i;

    while (n > 0 && is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 20)
        return NO_ENCODING;
    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (eq_ci(s, n, labels[i].label))
            return labels[i].enc;
    return NO_ENCODING;
}

const char *parse_charset_canonical(const char *label, size_t len)
{
    int e = lookup(label, len);

    return e == NO_ENCODING ? NULL : encodings[e].name;
}

/* The encoding a byte order mark announces, or NO_ENCODING. */
static int sniff_bom(const unsigned char *p, size_t len)
{
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return E_UTF8;
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return E_UTF16BE;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return E_UTF16LE;
    return NO_ENCODING;
}

/* The charset parameter of a Content-Type value: parameters follow the first ';', names are
 * case-insensitive, values are tokens or quoted strings with backslash escapes (decoded into
 * a small buffer: no label is long). The first charset parameter counts. */
static int header_charset(const char *s, size_t n)
{
    char buf[32];
    size_t i = 0, name, name_end, v, vlen;
    bool quoted;

    while (i < n && s[i] != ';')
        i++;
    while (i < n) {
        i++; /* the ';' */
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        name = i;
        while (i < n && s[i] != '=' && s[i] != ';')
            i++;
        name_end = i;
        while (name_end > name && is_space((unsigned char)s[name_end - 1]))
            name_end--;
        if (i >= n || s[i] == ';')
            continue;
        i++; /* the '=' */
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        v = i;
        vlen = 0;
        quoted = i < n && s[i] == '"';
        if (quoted) {
            for (i++; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n)
                    i++;
                if (vlen < sizeof(buf))
                    buf[vlen] = s[i];
                vlen++;
            }
        }
        while (i < n && s[i] != ';')
            i++;
        if (!eq_ci(s + name, name_end - name, "charset"))
            continue;
        if (!quoted)
            return lookup(s + v, i - v);
        return vlen <= sizeof(buf) ? lookup(buf, vlen) : NO_ENCODING;
    }
    return NO_ENCODING;
}

/* WHATWG "algorithm for extracting a character encoding from a meta element". */
static int content_charset(const char *s, size_t n)
{
    size_t i = 0, v;
    char q;

    for (;;) {
        while (i + 7 <= n && !eq_ci(s + i, 7, "charset"))
            i++;
        if (i + 7 > n)
            return NO_ENCODING;
        i += 7;
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '=')
            break;
    }
    i++;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (i >= n)
        return NO_ENCODING;
    if (s[i] == '"' || s[i] == '\'') {
        q = s[i];
        v = ++i;
        while (i < n && s[i] != q)
            i++;
        return i < n ? lookup(s + v, i - v) : NO_ENCODING;
    }
    v = i;
    while (i < n && !is_space((unsigned char)s[i]) && s[i] != ';')
        i++;
    return lookup(s + v, i - v);
}

/* A (name, value) pair found by the prescan; both point into the input. */
struct pattr {
    const char *name, *value;
    size_t name_len, value_len;
};

/* WHATWG "get an attribute" over s[*pos..n). False when there is none (a '>' or the end). */
static bool get_attr(const char *s, size_t n, size_t *pos, struct pattr *a)
{
    size_t i = *pos;
    char q;

    while (i < n && (is_space((unsigned char)s[i]) || s[i] == '/'))
        i++;
    if (i >= n || s[i] == '>') {
        *pos = i;
        return false;
    }
    a->name = s + i;
    a->value = s + i;
    a->value_len = 0;
    /* the name: a leading '=' is part of it */
    for (;;) {
        if (i >= n)
            goto end;
        if (s[i] == '=' && s + i > a->name)
            goto value;
        if (is_space((unsigned char)s[i]))
            break;
        if (s[i] == '/' || s[i] == '>') {
            a->name_len = (size_t)(s + i - a->name);
            *pos = i;
            return true;
        }
        i++;
    }
    a->name_len = (size_t)(s + i - a->name);
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (i >= n || s[i] != '=') {
        *pos = i;
        return true;
    }
    goto value_start;
value:
    a->name_len = (size_t)(s + i - a->name);
value_start:
    i++; /* the '=' */
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (i >= n)
        goto end;
    if (s[i] == '"' || s[i] == '\'') {
        q = s[i++];
        a->value = s + i;
        while (i < n && s[i] != q)
            i++;
        if (i >= n)
            goto end;
        a->value_len = (size_t)(s + i - a->value);
        *pos = i + 1;
        return true;
    }
    if (s[i] == '>') {
        *pos = i;
        return true;
    }
    a->value = s + i;
    while (i < n && !is_space((unsigned char)s[i]) && s[i] != '>')
        i++;
    if (i >= n)
        goto end;
    a->value_len = (size_t)(s + i - a->value);
    *pos = i;
    return true;
end:
    /* the spec aborts the prescan at the end of the bytes */
    *pos = n;
    return false;
}

/* Process the attributes of a <meta> at s[*pos]; the encoding it declares or NO_ENCODING. */
static int meta_charset(const char *s, size_t n, size_t *pos)
{
    enum { SEEN_HTTP_EQUIV = 1, SEEN_CONTENT = 2, SEEN_CHARSET = 4 };
    struct pattr a;
    unsigned seen = 0;
    bool got_pragma = false;
    int need_pragma = -1; /* -1 null, 0 false, 1 true */
    int charset = NO_ENCODING;

    while (get_attr(s, n, pos, &a)) {
        /* only the first attribute of each name counts */
        if (eq_ci(a.name, a.name_len, "http-equiv")) {
            if (seen & SEEN_HTTP_EQUIV)
                continue;
            seen |= SEEN_HTTP_EQUIV;
            if (eq_ci(a.value, a.value_len, "content-type"))
                got_pragma = true;
        } else if (eq_ci(a.name, a.name_len, "content")) {
            int e;

            if (seen & SEEN_CONTENT)
                continue;
            seen |= SEEN_CONTENT;
            e = content_charset(a.value, a.value_len);
            if (e != NO_ENCODING && need_pragma == -1) {
                charset = e;
                need_pragma = 1;
            }
        } else if (eq_ci(a.name, a.name_len, "charset")) {
            if (seen & SEEN_CHARSET)
                continue;
            seen |= SEEN_CHARSET;
            charset = lookup(a.value, a.value_len);
            need_pragma = 0;
        }
    }
    if (need_pragma == -1 || (need_pragma == 1 && !got_pragma) || charset == NO_ENCODING)
        return NO_ENCODING;
    /* a document that can be read this far as ASCII is not UTF-16 */
    if (charset == E_UTF16BE || charset == E_UTF16LE)
        return E_UTF8;
    return charset;
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* WHATWG "prescan a byte stream to determine its encoding" over the first 1024 bytes. */
static int prescan(const char *s, size_t n)
{
    size_t i = 0;
    const char *p;
    struct pattr a;
    int e;

    if (n > 1024)
        n = 1024;
    while (i < n) {
        if (s[i] != '<') {
            p = memchr(s + i, '<', n - i);
            if (!p)
                break;
            i = (size_t)(p - s);
        }
        if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            /* the "-->" may share its dashes with the "<!--" */
            p = memmem(s + i + 2, n - i - 2, "-->", 3);
            if (!p)
                break;
            i = (size_t)(p - s) + 3;
            continue;
        }
        if (n - i >= 6 && eq_ci(s + i, 5, "<meta") &&
            (is_space((unsigned char)s[i + 5]) || s[i + 5] == '/')) {
            i += 5;
            e = meta_charset(s, n, &i);
            if (e != NO_ENCODING)
                return e;
            i++;
            continue;
        }
        if (n - i >= 2 && (is_alpha((unsigned char)s[i + 1]) ||
                           (n - i >= 3 && s[i + 1] == '/' && is_alpha((unsigned char)s[i + 2])))) {
            while (i < n && !is_space((unsigned char)s[i]) && s[i] != '>')
                i++;
            while (get_attr(s, n, &i, &a))
                ;
            i++;
            continue;
        }
        if (n - i >= 2 && (s[i + 1] == '!' || s[i + 1] == '/' || s[i + 1] == '?')) {
            p = memchr(s + i + 2, '>', n - i - 2);
            if (!p)
                break;
            i = (size_t)(p - s) + 1;
            continue;
        }
        i++;
    }
    return NO_ENCODING;
}

int parse_charset_detect(const char *body, size_t len, const char *content_type, size_t ct_len,
                         char *name, size_t cap)
{
    int e;
    size_t n;

    if (cap < PARSE_CHARSET_NAME_MAX)
        return -EMSGSIZE;
    e = sniff_bom((const unsigned char *)body, len);
    if (e == NO_ENCODING && content_type && ct_len > 0)
        e = header_charset(content_type, ct_len);
    if (e == NO_ENCODING)
        e = prescan(body, len);
    if (e == NO_ENCODING)
        e = E_W1252;
    n = strlen(encodings[e].name);
    memcpy(name, encodings[e].name, n + 1);
    return 0;
}

/* Bytes of the byte order mark of encoding e at the start of p, or 0. */
static size_t bom_len(int e, const unsigned char *p, size_t len)
{
    int b = sniff_bom(p, len);

    if (b != e)
        return 0;
    return b == E_UTF8 ? 3 : 2;
}

static int put_fffd(struct core_buf *out)
{
    return core_buf_append(out, "\xEF\xBF\xBD", 3);
}

/* Convert with a fresh iconv descriptor. Each invalid unit becomes one U+FFFD and is skipped
 * (one byte, or two for UTF-16 so that the rest stays aligned), so every pass over the
 * input makes progress and the loop ends. */
static int convert(const char *body, size_t len, int e, struct core_buf *out)
{
    const size_t unit = e == E_UTF16BE || e == E_UTF16LE ? 2 : 1;
    char *in = (char *)(uintptr_t)body; /* iconv's prototype is not const-correct */
    size_t inleft = len, want = len + 16, room, outleft, r;
    bool flushing = false, at_max;
    char *op;
    iconv_t cd;
    int rc, err;

    cd = iconv_open("UTF-8", encodings[e].iconv);
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? -ENOMEM : -ENOTSUP;
    for (;;) {
        room = out->max - out->len;
        rc = core_buf_reserve(out, want < room ? want : room);
        if (rc < 0)
            break;
        op = out->data + out->len;
        /* room up to the allocation, but never past the maximum */
        outleft = out->cap - 1 - out->len;
        at_max = outleft >= room;
        if (at_max)
            outleft = room;
        if (flushing)
            r = iconv(cd, NULL, NULL, &op, &outleft);
        else
            r = iconv(cd, &in, &inleft, &op, &outleft);
        err = errno;
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        if (r != (size_t)-1) {
            if (flushing)
                break;
            flushing = true; /* inleft is 0: emit any pending shift sequence */
            continue;
        }
        if (err == E2BIG) {
            if (at_max) {
                rc = -EMSGSIZE;
                break;
            }
            want = 2 * (out->cap - 1 - out->len) + inleft + 64;
            continue;
        }
        if (err != EILSEQ && err != EINVAL) {
            rc = err == ENOMEM ? -ENOMEM : -EIO;
            break;
        }
        rc = put_fffd(out);
        if (rc < 0)
            break;
        if (err == EINVAL || inleft <= unit) {
            /* an incomplete sequence at the end */
            in += inleft;
            inleft = 0;
        } else {
            in += unit;
            inleft -= unit;
        }
        want = inleft + 16;
    }
    iconv_close(cd);
    return rc;
}

int parse_charset_to_utf8(const char *body, size_t len, const char *charset, struct core_buf *out)
{
    const size_t old = out->len;
    int e = charset ? lookup(charset, strlen(charset)) : NO_ENCODING;
    size_t skip;
    int rc;

    if (e == NO_ENCODING)
        return -EINVAL;
    skip = bom_len(e, (const unsigned char *)body, len);
    body += skip;
    len -= skip;
    if (e == E_UTF8)
        rc = core_utf8_sanitize(body, len, 0, out);
    else
        rc = convert(body, len, e, out);
    /* sanitize output is valid UTF-8; iconv output is checked */
    if (rc == 0 && e != E_UTF8 && !core_utf8_is_valid(out->data + old, out->len - old)) {
        /* iconv promises UTF-8, but the promise is cheap to check and to keep */
        struct core_buf fixed;

        core_buf_init(&fixed, out->max - old);
        rc = core_utf8_sanitize(out->data + old, out->len - old, 0, &fixed);
        if (rc == 0) {
            out->len = old;
            rc = core_buf_append(out, fixed.data, fixed.len);
        }
        core_buf_free(&fixed);
    }
    if (rc < 0) {
        out->len = old;
        if (out->data)
            out->data[old] = '\0';
    }
    return rc;
}
