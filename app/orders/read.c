/* app/orders/read.c: the reader, one coroutine on the loop thread: streams the input files in
 * chunks (read on the thread pool), splits lines (JSONL) or parses rows into orders (CSV), and
 * queues them in batches for the validators; after a stop, it notes where to resume and counts
 * what was never read. Batches are made, kept for reuse and freed here. */
#include "app/orders/orders_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/common/format.h"
#include "app/orders/input.h"
#include "app/orders/lines.h"
#include "app/orders/order_csv.h"
#include "core/err.h"
#include "core/queue.h"

/* --- batches ------------------------------------------------------------------------------- */

/* A batch to fill: a spare one when there is one (a new one costs a 75 KiB allocation and the
 * text buffer's growth by doubling), else a new one. */
static struct batch *batch_new(struct pipe *p, unsigned src, bool parsed)
{
    struct batch *b = p->spare;

    if (b) {
        p->spare = b->next;
        p->nspare--;
        core_buf_reset(&b->text);
    } else {
        b = core_malloc(sizeof(*b));
        if (!b)
            return NULL;
        core_buf_init(&b->text, (size_t)1 << 31);
    }
    b->next = NULL;
    b->ids = p->ids;
    b->items = p->items;
    b->cfg = p->cfg;
    b->seq = p->next_seq++;
    b->src = src;
    b->parsed = parsed;
    b->n = 0;
    return b;
}

/* Free what the entries still hold (orders and items not passed on). */
static void batch_clear(struct batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        order_free(b->e[i].order);
        orders__item_free(b->e[i].item);
        core_free(b->e[i].error);
    }
    b->n = 0;
}

void orders__batch_free(struct batch *b)
{
    if (!b)
        return;
    batch_clear(b);
    core_buf_free(&b->text);
    core_free(b);
}

/* Done with a batch: keep it for reuse, unless enough are kept or its text buffer grew large
 * (a batch of very long lines), which is then given back. */
void orders__batch_release(struct pipe *p, struct batch *b)
{
    if (p->nspare == SPARE_BATCHES || b->text.cap > 2 * BATCH_TEXT) {
        orders__batch_free(b);
        return;
    }
    batch_clear(b);
    b->next = p->spare;
    p->spare = b;
    p->nspare++;
}

/* --- reading ------------------------------------------------------------------------------- */

static bool is_csv(const struct orders_config *cfg, const char *path)
{
    if (cfg->format != ORDERS_INPUT_AUTO)
        return cfg->format == ORDERS_INPUT_CSV;
    return file_format_for_path(path) == FILE_FORMAT_CSV;
}

/* Hand a batch to the validators (waits while they are behind). */
static int ship(struct core_coro *co, struct pipe *p, struct batch **b)
{
    int rc = 0;

    if (*b && (*b)->n > 0) {
        rc = core_queue_put(co, p->raw, *b, -1);
        if (rc < 0)
            orders__batch_free(*b);
    } else {
        orders__batch_free(*b);
        if (*b)
            p->next_seq--; /* an empty batch never existed */
    }
    *b = NULL;
    return rc;
}

struct reader {
    struct pipe *p;
    unsigned src;
    const char *path;
    struct input *in;
    struct lines *lines;
    struct order_csv *csv;
    struct batch *b;
    uint64_t consumed;          /* last input line put into a batch */
    char *chunk;
};

static int add_line(struct core_coro *co, struct reader *r, const struct lines_line *l)
{
    struct entry *e;
    int rc;

    /* a line an earlier run committed (--resume) is not read again: its id is in the id set
     * already (progress.c), and the rest of it is done */
    if (r->p->progress &&
        orders__progress_committed(r->p->progress, ORDERS_POS(r->src, l->lineno))) {
        r->p->st.skipped++;
        r->consumed = l->lineno;
        return 0;
    }
    if (!r->b && !(r->b = batch_new(r->p, r->src, false)))
        return -ENOMEM;
    e = &r->b->e[r->b->n];
    memset(e, 0, sizeof(*e));
    e->first_line = e->last_line = l->lineno;
    e->too_long = l->too_long;
    e->off = r->b->text.len;
    e->len = l->len;
    rc = core_buf_append(&r->b->text, l->text, l->len);
    if (rc < 0)
        return rc;
    r->b->n++;
    r->consumed = l->lineno;
    if (r->b->n == r->p->batch_lines || r->b->text.len >= BATCH_TEXT)
        return ship(co, r->p, &r->b);
    return 0;
}


static int add_csv(struct core_coro *co, struct reader *r, struct order_csv_result *res)
{
    struct entry *e;

    if (r->p->progress &&
        orders__progress_committed(r->p->progress, ORDERS_POS(r->src, res->first_line))) {
        order_free(res->order);
        r->p->st.skipped++;
        r->consumed = res->last_line;
        return 0;
    }
    if (!r->b && !(r->b = batch_new(r->p, r->src, true))) {
        order_free(res->order);
        return -ENOMEM;
    }
    e = &r->b->e[r->b->n++];
    memset(e, 0, sizeof(*e));
    e->first_line = res->first_line;
    e->last_line = res->last_line;
    e->order = res->order;
    e->rc = res->order ? 0 : (res->err.cls == ORDER_E_PARSE ? CORE_EPARSE : -EINVAL);
    if (!res->order)
        e->error = orders__error_text(&res->err);
    r->consumed = res->last_line;
    if (r->b->n == r->p->batch_lines)
        return ship(co, r->p, &r->b);
    return 0;
}

/* Feed one chunk (eof: the last) and batch what it completes. */
static int digest(struct core_coro *co, struct reader *r, size_t n, bool eof)
{
    int rc;

    if (r->csv) {
        struct order_csv_result res;

        rc = order_csv_feed(r->csv, r->chunk, n, eof);
        while (rc >= 0 && !r->p->stopping && (rc = order_csv_next(r->csv, &res)) == 1)
            rc = add_csv(co, r, &res);
    } else {
        struct lines_line l;

        rc = lines_feed(r->lines, r->chunk, n, eof);
        /* after a stop, what is left of the chunk stays unread (it is "not reached") */
        while (rc >= 0 && !r->p->stopping && (rc = lines_next(r->lines, &l)) == 1)
            rc = add_line(co, r, &l);
    }
    return rc < 0 ? rc : 0;
}

static void note_resume(struct pipe *p, const char *path, uint64_t line)
{
    if (p->st.resume_source[0])
        return;
    snprintf(p->st.resume_source, sizeof(p->st.resume_source), "%s", path);
    p->st.resume_line = line;
}

/* After a stop: how many lines of in (from line `after` on) were never read. */
static void count_not_reached(struct core_coro *co, struct pipe *p, struct input *in, bool csv,
                              uint64_t after)
{
    unsigned long long total = 0;

    if (p->st.lines_not_reached == UINT64_MAX)
        return;
    if (!input_is_file(in) || input_count_lines(co, in, &total) < 0) {
        p->st.lines_not_reached = UINT64_MAX;
        return;
    }
    if (csv && after == 0 && total > 0)
        total--; /* the header row is not an order line */
    p->st.lines_not_reached += total > after ? total - after : 0;
}

static int read_file(struct core_coro *co, struct pipe *p, unsigned src, const char *path)
{
    struct reader r;
    size_t n = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    r.p = p;
    r.src = src;
    r.path = path;
    r.chunk = core_malloc(READ_CHUNK);
    rc = r.chunk ? input_open(p->loop, path, &r.in) : -ENOMEM;
    if (rc == 0)
        rc = is_csv(p->cfg, path) ? order_csv_create(p->cfg->max_line * 8, &r.csv)
                                  : lines_create(p->cfg->max_line, &r.lines);
    /* Everything but the read itself is shielded: a stop request cancels this coroutine only
     * to end a read that waits on stdin; batches already read must still go on. */
    core_coro_shield(co, true);
    while (rc == 0 && !p->stopping) {
        core_coro_shield(co, false);
        rc = input_read(co, r.in, r.chunk, READ_CHUNK, &n);
        core_coro_shield(co, true);
        if (rc == 0)
            rc = digest(co, &r, n, n == 0);
        if (n == 0)
            break;
    }
    if (rc == 0 || rc == -ECANCELED) {
        int r2 = ship(co, p, &r.b);

        rc = rc == 0 ? r2 : rc;
    } else {
        orders__batch_free(r.b);
    }
    if (p->stopping || rc < 0) {
        /* lines read but not yet batched are not reached either */
        note_resume(p, path, r.consumed + 1 + (r.csv && r.consumed == 0));
        if (r.in)
            count_not_reached(co, p, r.in, r.csv != NULL, r.consumed);
    }
    core_coro_shield(co, false);
    if (rc < 0 && rc != -ECANCELED && !p->st.input_error) {
        p->st.input_error = true;
        snprintf(p->st.input_error_text, sizeof(p->st.input_error_text), "%s: %s", path,
                 core_strerror(rc));
    }
    lines_destroy(r.lines);
    order_csv_destroy(r.csv);
    input_close(r.in);
    core_free(r.chunk);
    return rc;
}

/* --- a feed ------------------------------------------------------------------------------- */

#define FEED_LINES 256              /* lines asked of the feed at once */

/* Lines from cfg->feed instead of files: each read's lines are batched (a new batch whenever
 * the source changes: a batch has one) and shipped at once, since the next read may wait. */
static int read_feed(struct core_coro *co, struct pipe *p)
{
    const struct orders_feed *f = p->cfg->feed;
    struct orders_feed_line *lines = core_malloc(FEED_LINES * sizeof(*lines));
    struct batch *b = NULL;
    int rc = lines ? 0 : -ENOMEM;

    core_coro_shield(co, true);
    while (rc == 0 && !p->stopping) {
        int n;

        /* only the feed's wait may be cancelled (a stop request): what it gave goes on */
        core_coro_shield(co, false);
        n = f->read(co, f->arg, lines, FEED_LINES);
        core_coro_shield(co, true);
        if (n <= 0) {
            rc = n;
            break;
        }
        for (int i = 0; rc == 0 && i < n; i++) {
            const struct orders_feed_line *l = &lines[i];
            struct entry *e;

            if (b && b->src != l->src)
                rc = ship(co, p, &b);
            if (rc == 0 && !b && !(b = batch_new(p, l->src, false)))
                rc = -ENOMEM;
            if (rc < 0)
                break;
            e = &b->e[b->n];
            memset(e, 0, sizeof(*e));
            e->first_line = e->last_line = l->lineno;
            e->too_long = l->too_long;
            e->tag = l->tag;
            e->dead = l->dead;
            e->off = b->text.len;
            e->len = l->len;
            rc = core_buf_append(&b->text, l->text, l->len);
            if (rc < 0)
                break;
            b->n++;
            if (b->n == p->batch_lines || b->text.len >= BATCH_TEXT)
                rc = ship(co, p, &b);
        }
        if (rc == 0)
            rc = ship(co, p, &b);
    }
    if (rc == 0 || rc == -ECANCELED) {
        int r2 = ship(co, p, &b);

        rc = rc == 0 ? r2 : rc;
    } else {
        orders__batch_free(b);
    }
    core_coro_shield(co, false);
    if (rc < 0 && rc != -ECANCELED && !p->st.input_error) {
        p->st.input_error = true;
        snprintf(p->st.input_error_text, sizeof(p->st.input_error_text), "the feed: %s",
                 core_strerror(rc));
    }
    core_free(lines);
    return rc;
}

int orders__reader(struct core_coro *co, void *arg)
{
    struct pipe *p = arg;
    size_t i;
    int rc = 0;

    if (p->cfg->feed) {
        (void)read_feed(co, p);
        core_queue_close_sender(p->raw);
        return 0;
    }
    for (i = 0; i < p->cfg->ninputs; i++) {
        const char *path = p->cfg->inputs[i];
        struct input *in;

        if (!p->stopping && rc >= 0) {
            rc = read_file(co, p, (unsigned)i, path);
            continue;
        }
        /* never started: every line of it is not reached */
        note_resume(p, path, is_csv(p->cfg, path) ? 2 : 1);
        core_coro_shield(co, true);
        if (input_open(p->loop, path, &in) == 0) {
            count_not_reached(co, p, in, is_csv(p->cfg, path), 0);
            input_close(in);
        }
        core_coro_shield(co, false);
    }
    core_queue_close_sender(p->raw);
    return 0;
}
