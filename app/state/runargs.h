/* app/state/runargs.h: a run's command line, kept in its state so that --resume runs it again:
 * {"cwd": "...", "argv": ["--depth", "3", ...]} (the arguments after the command's name).
 *
 * The working directory is kept because relative paths in the arguments (outputs, inputs) mean
 * what they meant where the run began; a resumed run works from there again. Arguments are
 * stored as JSON strings (valid UTF-8; bytes that are not are stored as U+FFFD).
 *
 * Ownership: runargs_decode allocates one block holding the array and the strings; free it
 * with core_free. */
#ifndef APP_STATE_RUNARGS_H
#define APP_STATE_RUNARGS_H

#include "core/buf.h"
#include "core/err.h"

struct runargs {
    char *cwd;
    int argc;
    char **argv;                /* argv[argc] is NULL */
};

/* Append the JSON of cwd and argv[0..argc) to out. 0 or a negated errno. */
CORE_MUST_CHECK int runargs_encode(const char *cwd, int argc, char *const *argv,
                                   struct core_buf *out);
/* Parse what runargs_encode wrote: 0 and *out (one core_malloc'ed block at *out), -EINVAL for
 * anything else, -ENOMEM. */
CORE_MUST_CHECK int runargs_decode(const char *json, struct runargs **out);

#endif
