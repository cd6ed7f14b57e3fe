/* redis/client.h: one Redis connection on the core loop, for coroutines (hiredis async).
 *
 * The client connects to redis://HOST:PORT/DB at create (SELECT DB after each connect) and
 * keeps reconnecting whenever the connection is lost, with exponential backoff
 * (backoff_min_ms doubling up to backoff_max_ms). A coroutine issues a command, or a pipeline
 * of several (written together, one round trip), and is suspended until every reply is in.
 *
 * Deadlines (hiredis 0.14 has none in its async API): every command waits at most
 * cmd_timeout_ms for its reply; past it the call returns -ETIMEDOUT and the connection is
 * dropped (a late reply could no longer be matched) and re-established. A connect or SELECT
 * that takes longer than connect_timeout_ms counts as a failed attempt. A call made while the
 * connection is down waits for it to come back, until the outage has lasted
 * outage_timeout_ms (counted from when the connection was lost, or from create), then returns
 * CORE_EOUTAGE; calls made after that fail at once until a connection succeeds again.
 * A command whose connection is lost before its reply returns -ECONNRESET: it may or may not
 * have run, so only the caller can tell whether to send it again. HOST is resolved at each
 * connect with hiredis's blocking getaddrinfo: give an address, or a name from /etc/hosts.
 *
 * Replies: a call returns 0 when every reply arrived, whatever they say; an error reply
 * ("-ERR ...") is a reply of type REDIS_T_ERROR.
 *
 * Ownership: the loop is borrowed and must outlive the client. The URL and options are
 * copied; command arguments are borrowed for the call only. Replies handed out are the
 * caller's, freed with redis_reply_free. redis_client_destroy ends waiting calls with
 * -ECANCELED and frees once its libuv handles have closed (on the loop's next turn or in
 * core_loop_destroy). Loop thread only. */
#ifndef REDIS_CLIENT_H
#define REDIS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct redis_client;

enum {
    REDIS_T_STRING = 1,
    REDIS_T_ARRAY = 2,
    REDIS_T_INTEGER = 3,
    REDIS_T_NIL = 4,
    REDIS_T_STATUS = 5,
    REDIS_T_ERROR = 6
};

/* A reply, the caller's once handed out. str is NUL-terminated (and may hold NULs: see len). */
struct redis_reply {
    int type;                      /* REDIS_T_* */
    long long integer;             /* REDIS_T_INTEGER */
    char *str;                     /* STRING, STATUS, ERROR; NULL otherwise */
    size_t len;                    /* bytes in str */
    struct redis_reply **element;  /* ARRAY */
    size_t elements;
};

/* Free r and everything in it. NULL is a no-op. */
void redis_reply_free(struct redis_reply *r);
/* Free each of replies[0..n) (NULLs allowed), not the array itself. */
void redis_replies_free(struct redis_reply **replies, size_t n);

struct redis_opts {
    int64_t cmd_timeout_ms;      /* per command (and per pipeline); < 0: none */
    int64_t connect_timeout_ms;  /* TCP connect plus SELECT; < 0: none */
    int64_t outage_timeout_ms;   /* --redis-timeout; < 0: wait for ever */
    int64_t backoff_min_ms;      /* first delay before a reconnect */
    int64_t backoff_max_ms;      /* cap of the doubling delay */
};

#define REDIS_DEFAULT_PORT 6379
#define REDIS_HOST_MAX 255

/* Defaults: commands 10 s, connect 5 s, outage 60 s, backoff 50 ms doubling up to 2 s. */
void redis_opts_init(struct redis_opts *o);

struct redis_url {
    char host[REDIS_HOST_MAX + 1];
    int port;                    /* REDIS_DEFAULT_PORT when the URL has none */
    int db;                      /* 0 when the URL has none */
};

/* Parse redis://HOST[:PORT][/DB] (HOST a name, an IPv4 address or [IPv6]). 0 and *out, or
 * CORE_EPARSE with *why (if not NULL) set to a static sentence naming the problem. */
int redis_url_parse(const char *url, struct redis_url *out, const char **why);

/* Create a client and start connecting. 0 and *out, CORE_EPARSE for a malformed URL (see
 * redis_url_parse), or -ENOMEM. A server that cannot be reached is not an error here. */
CORE_MUST_CHECK int redis_client_create(struct core_loop *loop, const char *url,
                                        const struct redis_opts *opts, struct redis_client **out);
/* End waiting calls with -ECANCELED, drop the connection, free. NULL is a no-op. */
void redis_client_destroy(struct redis_client *c);
/* Is the connection up (connected and DB selected)? */
bool redis_client_is_connected(const struct redis_client *c);
/* Connections made so far (1 after the first, 2 after one reconnect...). */
uint64_t redis_client_connects(const struct redis_client *c);
/* Why the last connection attempt failed or the last connection ended ("connect: Connection
 * refused", "no reply within 200 ms", ...), "" before any; for messages. Valid until the loop
 * runs again. */
const char *redis_client_last_error(const struct redis_client *c);

/* One command given as arguments. argv[i] has lens[i] bytes; lens NULL: NUL-terminated. */
struct redis_cmd {
    int argc;
    const char *const *argv;
    const size_t *lens;
};

/* Send one command and wait for its reply. 0 and *out (the caller's), -ETIMEDOUT (past
 * cmd_timeout_ms; the connection was dropped), -ECONNRESET (the connection was lost first),
 * CORE_EOUTAGE, -ECANCELED, -EINVAL (argc < 1) or -ENOMEM. */
int redis_client_cmd(struct core_coro *co, struct redis_client *c, const struct redis_cmd *cmd,
                     struct redis_reply **out);
/* The same with a hiredis format string ("SET %s %b", key, val, vallen). */
int redis_client_cmdf(struct core_coro *co, struct redis_client *c, struct redis_reply **out,
                      const char *fmt, ...);
/* Send n commands in one write and wait for all n replies (one deadline for the lot). On 0,
 * replies[i] is the reply to cmds[i], each the caller's; on an error none is handed out.
 * Errors as redis_client_cmd. */
int redis_client_pipeline(struct core_coro *co, struct redis_client *c,
                          const struct redis_cmd *cmds, size_t n, struct redis_reply **replies);

/* A Lua script, run with EVALSHA (its SHA-1 is computed here) and loaded with SCRIPT LOAD when
 * the server answers NOSCRIPT. src is borrowed and must outlive the struct. */
struct redis_script {
    const char *src;
    char sha[41];                /* hex SHA-1 of src */
};

/* Fill s for src. 0 or -ENOMEM. */
int redis_script_init(struct redis_script *s, const char *src);
/* EVALSHA s with nkeys keys then nargs arguments (NUL-terminated strings); on NOSCRIPT, SCRIPT
 * LOAD and EVALSHA again in one round trip. Returns and hands out as redis_client_cmd. */
int redis_client_eval(struct core_coro *co, struct redis_client *c, const struct redis_script *s,
                      int nkeys, const char *const *keys, int nargs, const char *const *args,
                      struct redis_reply **out);
/* The same with binary-safe arguments: argv holds the nkeys keys then the nargs arguments,
 * argv[i] of lens[i] bytes (lens NULL: NUL-terminated). */
int redis_client_evalv(struct core_coro *co, struct redis_client *c, const struct redis_script *s,
                       int nkeys, int nargs, const char *const *argv, const size_t *lens,
                       struct redis_reply **out);

#endif
