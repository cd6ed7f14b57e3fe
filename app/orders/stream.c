/* app/orders/stream.c: order batches appended to a Redis stream (see stream.h). */
#include "app/orders/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/orders/lines.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/sigwatch.h"
#include "redis/client.h"

#define CHUNK (64u * 1024u)
#define ARENA_FLUSH (1u << 20)   /* bytes of line data that send a batch early */
#define MAX_ARGS 11              /* XADD key * source S line N data D too_long 1 */

struct item {
    const char *source;
    size_t off, len;             /* the line's bytes in the arena */
    uint64_t lineno;
    bool too_long;
};

/* One batch of entries and the commands made from it (on the heap: about 200 KiB). */
struct batch {
    struct core_buf arena;
    struct item items[ORDERS_STREAM_BATCH];
    size_t n;
    const char *argv[ORDERS_STREAM_BATCH][MAX_ARGS];
    size_t lens[ORDERS_STREAM_BATCH][MAX_ARGS];
    char lineno[ORDERS_STREAM_BATCH][24];
    struct redis_cmd cmds[ORDERS_STREAM_BATCH];
    struct redis_reply *replies[ORDERS_STREAM_BATCH];
    char chunk[CHUNK];
};

static int flush(struct core_coro *co, struct redis_client *c, struct orders_stream_enqueue *e,
                 struct batch *b)
{
    int rc;

    if (b->n == 0)
        return 0;
    if (e->stop && core_sigwatch_level(e->stop) >= CORE_STOP_GRACEFUL) {
        snprintf(e->error, sizeof(e->error), "interrupted");
        return -ECANCELED;
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct item *it = &b->items[i];
        const char **a = b->argv[i];
        size_t *l = b->lens[i];
        int n = 0;

        snprintf(b->lineno[i], sizeof(b->lineno[i]), "%" PRIu64, it->lineno);
#define ARG(s, len) (a[n] = (s), l[n] = (len), n++)
        ARG("XADD", 4);
        ARG(e->stream, strlen(e->stream));
        ARG("*", 1);
        ARG("source", 6);
        ARG(it->source, strlen(it->source));
        ARG("line", 4);
        ARG(b->lineno[i], strlen(b->lineno[i]));
        ARG("data", 4);
        ARG(b->arena.data ? b->arena.data + it->off : "", it->len);
        if (it->too_long) {
            ARG("too_long", 8);
            ARG("1", 1);
        }
#undef ARG
        b->cmds[i] = (struct redis_cmd){n, a, l};
    }
    rc = redis_client_pipeline(co, c, b->cmds, b->n, b->replies);
    if (rc < 0) {
        const char *why = redis_client_last_error(c);

        snprintf(e->error, sizeof(e->error), "Redis: %s%s%s (at %s line %" PRIu64 ")",
                 core_strerror(rc), *why ? "; last: " : "", why, b->items[0].source,
                 b->items[0].lineno);
        return rc;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->replies[i]->type == REDIS_T_ERROR) {
            if (rc == 0)
                snprintf(e->error, sizeof(e->error), "Redis refused %s line %" PRIu64 ": %s",
                         b->items[i].source, b->items[i].lineno, b->replies[i]->str);
            rc = CORE_EREPLY;
        } else {
            e->added++;
        }
    }
    redis_replies_free(b->replies, b->n);
    core_buf_reset(&b->arena);
    b->n = 0;
    return rc;
}

/* Keep a copy of line for the batch; send the batch when it is full. */
static int add(struct core_coro *co, struct redis_client *c, struct orders_stream_enqueue *e,
               struct batch *b, const char *source, const struct lines_line *line)
{
    struct item *it = &b->items[b->n];
    int rc;

    it->source = source;
    it->off = b->arena.len;
    it->len = line->len;
    it->lineno = line->lineno;
    it->too_long = line->too_long;
    rc = core_buf_append(&b->arena, line->text, line->len);
    if (rc < 0) {
        snprintf(e->error, sizeof(e->error), "%s line %" PRIu64 ": %s", source, line->lineno,
                 core_strerror(rc));
        return rc;
    }
    b->n++;
    if (b->n == ORDERS_STREAM_BATCH || b->arena.len >= ARENA_FLUSH)
        return flush(co, c, e, b);
    return 0;
}

static int enqueue_file(struct core_coro *co, struct redis_client *c,
                        struct orders_stream_enqueue *e, struct batch *b, const char *path)
{
    const bool std = strcmp(path, "-") == 0;
    int fd = std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    struct lines *l;
    struct lines_line line;
    bool eof = false;
    int rc;

    if (fd < 0) {
        rc = -errno;
        snprintf(e->error, sizeof(e->error), "cannot read '%s': %s", path, core_strerror(rc));
        return rc;
    }
    rc = lines_create(e->max_line, &l);
    if (rc < 0) {
        snprintf(e->error, sizeof(e->error), "%s", core_strerror(rc));
        goto out_close;
    }
    while (!eof && rc == 0) {
        ssize_t n = read(fd, b->chunk, sizeof(b->chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            snprintf(e->error, sizeof(e->error), "cannot read '%s': %s", path, core_strerror(rc));
            break;
        }
        eof = n == 0;
        rc = lines_feed(l, b->chunk, (size_t)n, eof);
        while (rc == 0) {
            int got = lines_next(l, &line);

            if (got < 0)
                rc = got;
            if (got <= 0)
                break;
            rc = add(co, c, e, b, path, &line);
        }
        if (rc < 0 && !e->error[0])
            snprintf(e->error, sizeof(e->error), "'%s': %s", path, core_strerror(rc));
    }
    lines_destroy(l);
out_close:
    if (!std)
        close(fd);
    return rc;
}

int orders_stream_enqueue(struct core_coro *co, struct redis_client *c,
                          struct orders_stream_enqueue *e)
{
    const size_t max_line = e->max_line ? e->max_line : LINES_DEFAULT_MAX;
    struct batch *b = core_calloc(1, sizeof(*b));
    int rc = 0;

    e->added = 0;
    e->error[0] = '\0';
    if (!b) {
        snprintf(e->error, sizeof(e->error), "%s", core_strerror(-ENOMEM));
        return -ENOMEM;
    }
    core_buf_init(&b->arena, ARENA_FLUSH + max_line + 16);
    for (size_t i = 0; i < e->ninputs && rc == 0; i++)
        rc = enqueue_file(co, c, e, b, e->inputs[i]);
    if (rc == 0)
        rc = flush(co, c, e, b);
    core_buf_free(&b->arena);
    core_free(b);
    return rc;
}
