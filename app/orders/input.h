/* app/orders/input.h: reading an input file from a coroutine without blocking the loop.
 *
 * A regular file is read with read(2) on the thread pool (core_offload). A pipe or terminal
 * (typically stdin) is read through a libuv stream, so a read that waits for data can be
 * cancelled like any other wait: a stop request never hangs on an idle stdin.
 *
 * Ownership: input_open opens (or, for "-", borrows stdin); input_close releases it (stdin is
 * not closed). Loop thread only; one reader at a time. */
#ifndef APP_INPUT_H
#define APP_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct core_loop;
struct core_coro;
struct input;

/* Open path ("-" = stdin). 0, or a negated errno (-ENOENT, -EACCES, -EISDIR, ...). */
CORE_MUST_CHECK int input_open(struct core_loop *loop, const char *path, struct input **out);
/* Read up to cap bytes. 0 and *n (0 at end of input), or a negated errno / -ECANCELED. */
int input_read(struct core_coro *co, struct input *in, char *buf, size_t cap, size_t *n);
/* True for a regular file (whose remaining lines can be counted). */
bool input_is_file(const struct input *in);
/* Count the lines of a whole regular file (newlines, plus a final unterminated line),
 * reading it on the pool without moving the read position. 0 and *lines, or an error. */
int input_count_lines(struct core_coro *co, struct input *in, unsigned long long *lines);
void input_close(struct input *in);

#endif
