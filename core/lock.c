/* core/lock.c: an owned binary semaphore (see lock.h). */
#include "core/lock.h"

#include <assert.h>
#include <errno.h>

#include "core/mem.h"
#include "core/sem.h"

struct core_lock {
    struct core_sem *sem;
    struct core_coro *owner;
};

int core_lock_create(struct core_lock **out)
{
    struct core_lock *l = core_calloc(1, sizeof(*l));
    int rc;

    if (!l)
        return -ENOMEM;
    rc = core_sem_create(1, 1, &l->sem);
    if (rc < 0) {
        core_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void core_lock_destroy(struct core_lock *l)
{
    if (!l)
        return;
    assert(l->owner == NULL);
    core_sem_destroy(l->sem);
    core_free(l);
}

int core_lock_acquire(struct core_coro *co, struct core_lock *l, int64_t deadline)
{
    int rc;

    if (l->owner == co)
        return -EDEADLK;
    rc = core_sem_acquire(co, l->sem, deadline);
    if (rc == 0)
        l->owner = co;
    return rc;
}

int core_lock_release(struct core_coro *co, struct core_lock *l)
{
    if (l->owner != co)
        return -EPERM;
    l->owner = NULL;
    return core_sem_release(l->sem);
}

bool core_lock_is_locked(const struct core_lock *l)
{
    /* Between a release and the next owner running, the permit is already handed over. */
    return core_sem_value(l->sem) == 0;
}
