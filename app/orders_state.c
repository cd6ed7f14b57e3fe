/* app/orders_state.c: the command line of `trawl orders --state` as JSON, and back (see
 * orders_state.h). jsonw writes it; jsmn reads it, with the few string escapes jsonw emits
 * (and any other valid one) decoded here. */
#include "app/orders_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "app/export/jsonw.h"
#include "core/mem.h"
#include "core/utf8.h"

#define SAVED_VERSION 1

static void say(char *msg, size_t msgsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t msgsz, const char *fmt, ...)
{
    va_list ap;

    if (msgsz == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(msg, msgsz, fmt, ap);
    va_end(ap);
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int orders_saved_encode(char *const *args, size_t nargs, const char *const *inputs,
                        size_t ninputs, struct core_buf *out, char *msg, size_t msgsz)
{
    char cwd[4096];
    struct jsonw w;
    struct stat st;
    size_t i;

    if (!getcwd(cwd, sizeof(cwd))) {
        say(msg, msgsz, "cannot tell the current directory: %s", strerror(errno));
        return -errno;
    }
    if (!core_utf8_is_valid(cwd, strlen(cwd))) {
        say(msg, msgsz, "--state needs a current directory whose name is UTF-8");
        return -EINVAL;
    }
    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "version");
    jsonw_int(&w, SAVED_VERSION);
    jsonw_key(&w, "cwd");
    jsonw_string(&w, cwd, strlen(cwd));
    jsonw_key(&w, "argv");
    jsonw_begin_array(&w);
    for (i = 0; i < nargs; i++) {
        /* jsonw would repair invalid UTF-8, and the resume would then use another name */
        if (!core_utf8_is_valid(args[i], strlen(args[i]))) {
            say(msg, msgsz, "--state keeps the command line as JSON, and '%s' is not UTF-8",
                args[i]);
            return -EINVAL;
        }
        jsonw_string(&w, args[i], strlen(args[i]));
    }
    jsonw_end_array(&w);
    jsonw_key(&w, "inputs");
    jsonw_begin_array(&w);
    for (i = 0; i < ninputs; i++) {
        if (stat(inputs[i], &st) < 0) {
            say(msg, msgsz, "cannot read '%s': %s", inputs[i], strerror(errno));
            return -errno;
        }
        jsonw_begin_object(&w);
        jsonw_key(&w, "path");
        jsonw_string(&w, inputs[i], strlen(inputs[i]));
        jsonw_key(&w, "size");
        jsonw_int(&w, (int64_t)st.st_size);
        jsonw_key(&w, "mtime_ns");
        jsonw_int(&w, mtime_ns(&st));
        jsonw_end_object(&w);
    }
    jsonw_end_array(&w);
    jsonw_end_object(&w);
    return jsonw_finish(&w);
}

/* --- reading -------------------------------------------------------------------------------- */

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = s[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *p, unsigned cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xC0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xE0 | cp >> 12);
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | cp >> 18);
    p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string token's value, unescaped, allocated (NULL: not a string, bad escape, NUL, or
 * out of memory). */
static char *string_at(const char *js, const jsmntok_t *t)
{
    const char *s = js + t->start, *end = js + t->end;
    char *out, *p;

    if (t->type != JSMN_STRING)
        return NULL;
    out = core_malloc((size_t)(t->end - t->start) + 1);   /* never longer than escaped */
    if (!out)
        return NULL;
    for (p = out; s < end; s++) {
        unsigned cp, lo;

        if (*s != '\\') {
            *p++ = *s;
            continue;
        }
        if (++s == end)
            goto bad;
        switch (*s) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '/': *p++ = '/'; break;
        case 'b': *p++ = '\b'; break;
        case 'f': *p++ = '\f'; break;
        case 'n': *p++ = '\n'; break;
        case 'r': *p++ = '\r'; break;
        case 't': *p++ = '\t'; break;
        case 'u':
            if (end - s < 5 || hex4(s + 1, &cp) < 0)
                goto bad;
            s += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {   /* a surrogate pair */
                if (end - s < 7 || s[1] != '\\' || s[2] != 'u' || hex4(s + 3, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                goto bad;
            }
            if (cp == 0)
                goto bad;       /* a C string cannot hold it */
            p += put_utf8(p, cp);
            break;
        default:
            goto bad;
        }
    }
    *p = '\0';
    return out;
bad:
    core_free(out);
    return NULL;
}

static bool key_is(const char *js, const jsmntok_t *t, const char *key)
{
    return t->type == JSMN_STRING && (size_t)(t->end - t->start) == strlen(key) &&
           memcmp(js + t->start, key, strlen(key)) == 0;
}

static bool int_at(const char *js, const jsmntok_t *t, int64_t *out)
{
    char num[32], *end;
    size_t n = (size_t)(t->end - t->start);

    if (t->type != JSMN_PRIMITIVE || n == 0 || n >= sizeof(num))
        return false;
    memcpy(num, js + t->start, n);
    num[n] = '\0';
    errno = 0;
    *out = strtoll(num, &end, 10);
    return errno == 0 && *end == '\0';
}

/* The index of the token after t's value (t included). */
static int skip(const jsmntok_t *t, int n, int i)
{
    int todo = 1;

    while (todo > 0 && i < n) {
        todo += t[i].type == JSMN_OBJECT ? 2 * t[i].size : t[i].type == JSMN_ARRAY ? t[i].size : 0;
        todo--;
        i++;
    }
    return i;
}

static int decode_inputs(const char *js, const jsmntok_t *t, int n, int i, struct orders_saved *s)
{
    size_t k, count = (size_t)t[i].size;

    if (t[i].type != JSMN_ARRAY)
        return -EINVAL;
    s->inputs = core_calloc(count ? count : 1, sizeof(*s->inputs));
    if (!s->inputs)
        return -ENOMEM;
    i++;
    for (k = 0; k < count; k++) {
        int fields, f;

        if (i >= n || t[i].type != JSMN_OBJECT)
            return -EINVAL;
        fields = t[i].size;
        i++;
        for (f = 0; f < fields && i + 1 < n; f++, i = skip(t, n, i + 1)) {
            if (key_is(js, &t[i], "path")) {
                core_free(s->inputs[k].path);
                s->inputs[k].path = string_at(js, &t[i + 1]);
                if (!s->inputs[k].path)
                    return -EINVAL;
            } else if (key_is(js, &t[i], "size")) {
                if (!int_at(js, &t[i + 1], &s->inputs[k].size))
                    return -EINVAL;
            } else if (key_is(js, &t[i], "mtime_ns")) {
                if (!int_at(js, &t[i + 1], &s->inputs[k].mtime_ns))
                    return -EINVAL;
            }
        }
        if (!s->inputs[k].path)
            return -EINVAL;
        s->ninputs++;
    }
    return 0;
}

static int decode_argv(const char *js, const jsmntok_t *t, int i, struct orders_saved *s)
{
    size_t k, count = (size_t)t[i].size;

    if (t[i].type != JSMN_ARRAY)
        return -EINVAL;
    s->argv = core_calloc(count + 1, sizeof(*s->argv));
    if (!s->argv)
        return -ENOMEM;
    for (k = 0; k < count; k++) {
        s->argv[k] = string_at(js, &t[i + 1 + (int)k]);
        if (!s->argv[k])
            return -EINVAL;
        s->argc++;
    }
    return 0;
}

int orders_saved_decode(const char *json, struct orders_saved *out)
{
    struct orders_saved s;
    jsmn_parser parser;
    jsmntok_t *t;
    int n, i, rc = 0;
    int64_t version = 0;

    memset(&s, 0, sizeof(s));
    jsmn_init(&parser);
    n = jsmn_parse(&parser, json, strlen(json), NULL, 0);
    if (n < 1)
        return -EINVAL;
    t = core_calloc((size_t)n, sizeof(*t));
    if (!t)
        return -ENOMEM;
    jsmn_init(&parser);
    if (jsmn_parse(&parser, json, strlen(json), t, (unsigned)n) != n || t[0].type != JSMN_OBJECT) {
        rc = -EINVAL;
        goto out;
    }
    for (i = 1; rc == 0 && i + 1 < n; i = skip(t, n, i + 1)) {
        if (key_is(json, &t[i], "version")) {
            if (!int_at(json, &t[i + 1], &version))
                rc = -EINVAL;
        } else if (key_is(json, &t[i], "cwd")) {
            core_free(s.cwd);
            s.cwd = string_at(json, &t[i + 1]);
            if (!s.cwd)
                rc = -EINVAL;
        } else if (key_is(json, &t[i], "argv") && !s.argv) {
            rc = decode_argv(json, t, i + 1, &s);
        } else if (key_is(json, &t[i], "inputs") && !s.inputs) {
            rc = decode_inputs(json, t, n, i + 1, &s);
        }
    }
    if (rc == 0 && (version != SAVED_VERSION || !s.cwd || !s.argv || !s.inputs))
        rc = -EINVAL;
out:
    core_free(t);
    if (rc < 0) {
        orders_saved_free(&s);
        return rc;
    }
    *out = s;
    return 0;
}

void orders_saved_free(struct orders_saved *s)
{
    size_t i;

    for (i = 0; s->argv && s->argv[i]; i++)
        core_free(s->argv[i]);
    core_free(s->argv);
    for (i = 0; i < s->ninputs; i++)
        core_free(s->inputs[i].path);
    core_free(s->inputs);
    core_free(s->cwd);
    memset(s, 0, sizeof(*s));
}

char *orders_saved_abs(const struct orders_saved *s, const char *path)
{
    size_t a, b;
    char *out;

    if (path[0] == '/' || strcmp(path, "-") == 0)
        return core_strdup(path);
    a = strlen(s->cwd);
    b = strlen(path);
    out = core_malloc(a + b + 2);
    if (!out)
        return NULL;
    memcpy(out, s->cwd, a);
    out[a] = '/';
    memcpy(out + a + 1, path, b + 1);
    return out;
}

int orders_saved_check_inputs(const struct orders_saved *s, const char *const *inputs, size_t n,
                              char *msg, size_t msgsz)
{
    struct stat st;
    size_t i;

    if (n != s->ninputs) {
        say(msg, msgsz, "the state lists %zu batches, the stored command line %zu", s->ninputs, n);
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (stat(inputs[i], &st) < 0) {
            say(msg, msgsz, "cannot read '%s': %s", inputs[i], strerror(errno));
            return -errno;
        }
        if ((int64_t)st.st_size != s->inputs[i].size || mtime_ns(&st) != s->inputs[i].mtime_ns) {
            say(msg, msgsz, "'%s' changed since the run started (%lld bytes then, %lld now, or "
                "a new modification time): its committed lines may no longer be the same lines, "
                "so the run cannot resume", inputs[i], (long long)s->inputs[i].size,
                (long long)st.st_size);
            return -EINVAL;
        }
    }
    return 0;
}
