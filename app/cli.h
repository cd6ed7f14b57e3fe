/* app/cli.h: what every trawl command shares: exit codes, usage errors, number parsing,
 * reading a list file, and running the command's body on a loop.
 *
 * Exit codes: 0 done (failed pages or rejected orders are data, not failures), 1 fatal error
 * (said before any work starts when it can be), 2 usage error (one line and a pointer to
 * --help), 130 interrupted by SIGINT/SIGTERM.
 *
 * Ownership: helpers without state; messages go to stderr. Main thread only. */
#ifndef APP_CLI_H
#define APP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/coro.h"
#include "core/sigwatch.h"

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FATAL = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INTERRUPTED = 130
};

/* Print "trawl CMD: <message>" and "Try 'trawl CMD --help'." to stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Parse a whole decimal integer in [min, max]. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parse seconds (decimal, e.g. "2.5") into milliseconds, in [0, max_ms]. */
bool cli_parse_seconds(const char *s, int64_t max_ms, int64_t *out_ms);

/* Read a list file ("-" = stdin): one entry per line, blank lines and lines starting with '#'
 * skipped, surrounding whitespace trimmed. Calls fn for each entry with its line number.
 * Returns 0 or a negated errno (the file could not be read). */
int cli_read_list(const char *path, void (*fn)(const char *entry, size_t lineno, void *arg),
                  void *arg);

/* Run body(co, arg) as a coroutine on a new loop until the loop is empty, with SIGINT/SIGTERM
 * watched: *stop is the watcher while the body runs (so the body and callbacks can read it
 * through arg) and NULL again on return. First sets UV_THREADPOOL_SIZE to the number of CPUs
 * (at least 2) unless the user has set it: the commands' CPU work runs on libuv's pool, which
 * reads it once. Returns 0 or a negated errno from the loop itself; the body's own result is
 * the caller's to keep (through arg). */
int cli_run(core_coro_fn *body, void *arg, struct core_sigwatch **stop);
/* Before cli_run: a pool of the number of CPUs plus extra threads (unless the user has set
 * UV_THREADPOOL_SIZE), for a command that has the pool wait on the disk now and then (the
 * fdatasync of a --state commit) and must not lose a CPU's worth of workers meanwhile. */
void cli_pool_size_extra(unsigned extra);

#endif
