/* app/frontier.c: crawl frontier over a core queue, with bfs level barriers (see frontier.h). */
#include "app/frontier.h"

#include <errno.h>
#include <string.h>

#include "core/coro.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/queue.h"

#define FRONTIER_DEPTHS 256

struct frontier {
    struct core_queue *q;
    enum frontier_order order;
    struct core_event *level_done;      /* set (and cleared) when a level's last job finishes */
    size_t taken[FRONTIER_DEPTHS];      /* jobs taken and not yet done, per depth */
    size_t in_progress;
};

static void drop_job(void *item, void *arg)
{
    struct frontier_job *job = item;

    (void)arg;
    frontier_parent_release(job->parent);
    core_free(job);
}

int frontier_create(struct core_loop *loop, enum frontier_order order, struct frontier **out)
{
    struct frontier *f = core_calloc(1, sizeof(*f));
    struct core_queue_opts o;
    int rc;

    if (!f)
        return -ENOMEM;
    f->order = order;
    core_queue_opts_init(&o, order == FRONTIER_DFS ? CORE_QUEUE_LIFO : CORE_QUEUE_PRIO, 0);
    o.drop = drop_job;
    rc = core_queue_create(loop, &o, &f->q);
    if (rc < 0)
        goto out_free;
    rc = core_event_create(&f->level_done);
    if (rc < 0)
        goto out_queue;
    *out = f;
    return 0;

out_queue:
    core_queue_destroy(f->q);
out_free:
    core_free(f);
    return rc;
}

void frontier_destroy(struct frontier *f)
{
    if (!f)
        return;
    core_queue_destroy(f->q);
    core_event_destroy(f->level_done);
    core_free(f);
}

struct frontier_parent *frontier_parent_new(const char *url)
{
    size_t n = strlen(url) + 1;
    struct frontier_parent *p = core_malloc(sizeof(*p) + n);

    if (!p)
        return NULL;
    p->refs = 1;
    memcpy(p->url, url, n);
    return p;
}

void frontier_parent_release(struct frontier_parent *p)
{
    if (p && --p->refs == 0)
        core_free(p);
}

/* Length of the path of an absolute URL (for best-first): up to '?' or the end. */
static size_t path_len(const char *url, size_t len)
{
    const char *p = memchr(url, '/', len), *end = url + len, *q;

    /* skip "scheme://host" */
    if (p && p + 1 < end && p[1] == '/')
        p = memchr(p + 2, '/', (size_t)(end - p - 2));
    if (!p)
        return 0;
    q = memchr(p, '?', (size_t)(end - p));
    return (size_t)((q ? q : end) - p);
}

int frontier_add(struct frontier *f, const char *url, size_t len, uint64_t fp, uint32_t depth,
                 struct frontier_parent *parent)
{
    struct frontier_job *job = core_malloc(sizeof(*job) + len + 1);
    int64_t prio = (int64_t)depth;
    int rc;

    if (!job)
        return -ENOMEM;
    job->parent = parent;
    job->fp = fp;
    job->depth = depth;
    job->taken_depth = 0;
    memcpy(job->url, url, len);
    job->url[len] = '\0';
    if (f->order == FRONTIER_BEST)
        prio = (int64_t)depth << 32 | (int64_t)path_len(url, len);
    rc = core_queue_put_prio_nowait(f->q, job, prio);
    if (rc < 0) {
        core_free(job);
        return rc;
    }
    if (parent)
        parent->refs++;
    return 0;
}

/* Jobs of a depth below d still being processed. */
static bool shallower_in_progress(const struct frontier *f, uint32_t d)
{
    uint32_t i;

    for (i = 0; i < d && i < FRONTIER_DEPTHS; i++)
        if (f->taken[i] > 0)
            return true;
    return false;
}

int frontier_take(struct core_coro *co, struct frontier *f, struct frontier_job **out)
{
    struct frontier_job *job;
    uint32_t d;
    int rc = core_queue_get(co, f->q, (void **)&job, -1);

    if (rc < 0)
        return rc;
    d = job->depth < FRONTIER_DEPTHS ? job->depth : FRONTIER_DEPTHS - 1;
    job->taken_depth = d;
    f->taken[d]++;
    f->in_progress++;
    /* bfs: the queue hands out the shallowest job first, so a job of depth d arrives only
     * when no shallower job is queued; wait for the shallower ones still in progress, whose
     * pages may yet find links at depth d. */
    while (f->order == FRONTIER_BFS && shallower_in_progress(f, d)) {
        rc = core_event_wait(co, f->level_done, -1);
        if (rc < 0)
            break;
    }
    *out = job;
    return 0;
}

void frontier_done(struct frontier *f, struct frontier_job *job)
{
    uint32_t d = job->taken_depth;

    if (--f->taken[d] == 0) {
        core_event_set(f->level_done);
        core_event_clear(f->level_done);
    }
    f->in_progress--;
    drop_job(job, NULL);
    core_queue_task_done(f->q);
}

int frontier_join(struct core_coro *co, struct frontier *f)
{
    return core_queue_join(co, f->q, -1);
}

void frontier_close(struct frontier *f, bool immediate)
{
    core_queue_shutdown(f->q, immediate);
}

size_t frontier_queued(const struct frontier *f)
{
    return core_queue_size(f->q);
}

size_t frontier_in_progress(const struct frontier *f)
{
    return f->in_progress;
}

size_t frontier_peak(const struct frontier *f)
{
    struct core_queue_stats st;

    core_queue_stats(f->q, &st);
    return st.high_water;
}
