/* app/cli.c: shared command-line helpers (see cli.h). */
#include "app/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/group.h"
#include "core/loop.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "trawl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'trawl%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return CLI_EXIT_USAGE;
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    unsigned long long v;
    char *end;

    if (!s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_parse_seconds(const char *s, int64_t max_ms, int64_t *out_ms)
{
    double v;
    int64_t ms;
    char *end;

    if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
        return false;
    errno = 0;
    v = strtod(s, &end);
    /* (double)max_ms may round up (INT64_MAX becomes 2^63, which no int64_t holds): refuse
     * what cannot be converted, then compare again exactly */
    if (errno || *end || v < 0 || v * 1000.0 > (double)max_ms || v * 1000.0 + 0.5 >= 0x1p63)
        return false;
    ms = (int64_t)(v * 1000.0 + 0.5);
    if (ms > max_ms)
        return false;
    *out_ms = ms;
    return true;
}

int cli_read_list(const char *path, void (*fn)(const char *entry, size_t lineno, void *arg),
                  void *arg)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL, *s, *e;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = 0;

    if (!f)
        return -errno;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        s = line;
        e = line + n;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        *e = '\0';
        if (*s && *s != '#')
            fn(s, lineno, arg);
    }
    if (ferror(f))
        rc = -EIO;
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static void set_pool_size(unsigned extra)
{
    char n[24];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (getenv("UV_THREADPOOL_SIZE"))
        return;
    snprintf(n, sizeof(n), "%ld", (cpus > 1 ? cpus : 2) + (long)extra);
    setenv("UV_THREADPOOL_SIZE", n, 0);
}

void cli_pool_size_extra(unsigned extra)
{
    set_pool_size(extra);
}

int cli_run(core_coro_fn *body, void *arg, struct core_sigwatch **stop)
{
    struct core_loop *loop = NULL;
    struct core_group *g = NULL;
    int rc;

    set_pool_size(0);
    *stop = NULL;
    rc = core_loop_create(&loop);
    if (rc == 0)
        rc = core_sigwatch_create(loop, NULL, NULL, stop);
    if (rc == 0)
        rc = core_group_create(loop, 0, &g);
    if (rc == 0)
        rc = core_group_spawn(g, body, arg, NULL);
    if (rc == 0)
        rc = core_loop_run(loop);
    core_group_destroy(g);
    core_sigwatch_destroy(*stop);
    *stop = NULL;
    core_loop_destroy(loop);
    return rc;
}
