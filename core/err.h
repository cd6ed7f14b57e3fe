/* core/err.h: the one error convention of trawl.
 *
 * Every action returns an int: 0 on success, a negated errno on failure (so libuv's results,
 * which follow the same rule, pass straight through), or one of our own codes below, which
 * start at -10000 so they can never collide with an errno. core_strerror() names any of them.
 *
 * Ownership: core_strerror() returns a pointer to static, read-only text; it never returns NULL.
 * Thread-safe. */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#if defined(__GNUC__) || defined(__clang__)
#define CORE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define CORE_MUST_CHECK
#endif

enum {
    CORE_EBASE = -10000,
    CORE_EFULL = -10001,      /* put_nowait on a full queue (asyncio QueueFull) */
    CORE_EEMPTY = -10002,     /* get_nowait on an empty queue (asyncio QueueEmpty) */
    CORE_ETASKDONE = -10003,  /* task_done() called more times than items were put */
    CORE_EDEADLK = -10004,    /* the loop ran out of work while coroutines were still waiting */
    CORE_EHTTP = -10005,      /* an HTTP protocol error (malformed response, bad framing) */
    CORE_ECURL = -10006,      /* a libcurl failure with no better class */
    CORE_EDNS = -10007,       /* host name could not be resolved */
    CORE_ECONNECT = -10008,   /* TCP connect failed or was refused */
    CORE_ETLS = -10009,       /* TLS handshake or certificate failure */
    CORE_ETOOLARGE = -10010,  /* a body or line went past its configured cap */
    CORE_EPARSE = -10011,     /* malformed input (JSON, CSV, URL, ...) */
    CORE_ESCHEME = -10012,    /* a URL scheme that is not allowed */
    CORE_EOUTAGE = -10013,    /* a server stayed unreachable past its outage timeout */
    CORE_EREPLY = -10014,     /* a server answered a command with an error */
    CORE_ELAST = -10015
};

/* Name of err (0, a negated errno, or a CORE_E* code). Never NULL. */
const char *core_strerror(int err);

#endif
