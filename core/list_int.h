/* core/list_int.h: intrusive circular doubly-linked list (the shape of libuv's queue.h).
 *
 * A list head is a struct core__link whose next/prev point at itself when empty. Nodes are
 * embedded in their owners; core__container turns a node back into its owner. Removing a node
 * leaves it pointing at itself, so a second removal is harmless. Not thread-safe. */
#ifndef CORE_LIST_INT_H
#define CORE_LIST_INT_H

#include <stdbool.h>
#include <stddef.h>

struct core__link {
    struct core__link *next;
    struct core__link *prev;
};

#define core__container(ptr, type, field) ((type *)(void *)((char *)(ptr) - offsetof(type, field)))

static inline void core__list_init(struct core__link *h)
{
    h->next = h;
    h->prev = h;
}

static inline bool core__list_empty(const struct core__link *h)
{
    return h->next == h;
}

static inline void core__list_push_back(struct core__link *h, struct core__link *n)
{
    n->prev = h->prev;
    n->next = h;
    h->prev->next = n;
    h->prev = n;
}

static inline void core__list_remove(struct core__link *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n;
    n->prev = n;
}

/* Detach and return the first node, or NULL when empty. */
static inline struct core__link *core__list_pop_front(struct core__link *h)
{
    struct core__link *n = h->next;

    if (n == h)
        return NULL;
    core__list_remove(n);
    return n;
}

#endif
