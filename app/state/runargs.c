/* app/state/runargs.c: a run's command line as JSON, and back (runargs.h). */
#include "app/state/runargs.h"

#include <errno.h>
#include <string.h>

#include "app/export/jsonw.h"
#include "core/mem.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

int runargs_encode(const char *cwd, int argc, char *const *argv, struct core_buf *out)
{
    struct jsonw w;
    int i;

    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "cwd");
    jsonw_string(&w, cwd, strlen(cwd));
    jsonw_key(&w, "argv");
    jsonw_begin_array(&w);
    for (i = 0; i < argc; i++)
        jsonw_string(&w, argv[i], strlen(argv[i]));
    jsonw_end_array(&w);
    jsonw_end_object(&w);
    return jsonw_finish(&w);
}

static int hex4(const char *s, unsigned *v)
{
    int i;

    *v = 0;
    for (i = 0; i < 4; i++) {
        char c = s[i];

        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (unsigned)(c - 'A' + 10);
        else
            return -EINVAL;
    }
    return 0;
}

static size_t put_utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Unescape the JSON string s[0..len) into o (never longer than s) and NUL-terminate it. */
static int unescape(const char *s, size_t len, char *o)
{
    size_t i = 0;
    unsigned cp, lo;

    while (i < len) {
        if (s[i] != '\\') {
            *o++ = s[i++];
            continue;
        }
        if (++i >= len)
            return -EINVAL;
        switch (s[i++]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (i + 4 > len || hex4(s + i, &cp) < 0)
                return -EINVAL;
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= len && s[i] == '\\' &&
                s[i + 1] == 'u' && hex4(s + i + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            if (cp == 0)
                return -EINVAL; /* an argument cannot hold a NUL */
            o += put_utf8(cp, o);
            break;
        default:
            return -EINVAL;
        }
    }
    *o = '\0';
    return 0;
}

static bool key_is(const char *json, const jsmntok_t *t, const char *key)
{
    size_t n = strlen(key);

    return t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
           memcmp(json + t->start, key, n) == 0;
}

int runargs_decode(const char *json, struct runargs **out)
{
    size_t len = strlen(json), ntok = len / 2 + 4, size, i;
    jsmntok_t *tok = core_malloc(ntok * sizeof(*tok));
    jsmn_parser p;
    struct runargs *r = NULL;
    const jsmntok_t *cwd = NULL, *argv = NULL;
    char *text;
    int n, rc = -EINVAL, k;

    if (!tok)
        return -ENOMEM;
    jsmn_init(&p);
    n = jsmn_parse(&p, json, len, tok, (unsigned)ntok);
    if (n < 1 || tok[0].type != JSMN_OBJECT)
        goto out;
    /* the object's members: "cwd": string, "argv": [strings] (only strings inside) */
    for (k = 1; k + 1 < n; k++) {
        if (tok[k].parent != 0)
            continue;
        if (key_is(json, &tok[k], "cwd") && tok[k + 1].type == JSMN_STRING)
            cwd = &tok[k + 1];
        else if (key_is(json, &tok[k], "argv") && tok[k + 1].type == JSMN_ARRAY)
            argv = &tok[k + 1];
    }
    if (!cwd || !argv)
        goto out;
    size = sizeof(*r) + (size_t)(argv->size + 1) * sizeof(char *) + len + 2;
    r = core_malloc(size);
    rc = -ENOMEM;
    if (!r)
        goto out;
    rc = -EINVAL;
    r->argv = (char **)(r + 1);
    text = (char *)(r->argv + argv->size + 1);
    r->cwd = text;
    if (unescape(json + cwd->start, (size_t)(cwd->end - cwd->start), text) < 0)
        goto out;
    text += strlen(text) + 1;
    r->argc = 0;
    for (i = (size_t)(argv - tok) + 1; i < (size_t)n && tok[i].parent == argv - tok; i++) {
        if (tok[i].type != JSMN_STRING ||
            unescape(json + tok[i].start, (size_t)(tok[i].end - tok[i].start), text) < 0)
            goto out;
        r->argv[r->argc++] = text;
        text += strlen(text) + 1;
    }
    if (r->argc != argv->size)
        goto out;
    r->argv[r->argc] = NULL;
    *out = r;
    r = NULL;
    rc = 0;
out:
    core_free(r);
    core_free(tok);
    return rc;
}
