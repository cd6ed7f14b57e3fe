/* app/cli_state.h: --state DIR and --resume DIR for every command: the state directory opened
 * or created, the command line stored in it and given back on resume, and the check that a
 * resume changes nothing that matters.
 *
 * A new run (--state) stores its arguments and working directory (app/state/runargs.h). A
 * resumed run (--resume) gets them back, with the process moved to that working directory so
 * relative paths mean what they meant; options given next to --resume may only be the harmless
 * ones the command lists (verbosity, grace, workers), and no positional arguments.
 *
 * Messages go to stderr as "trawl CMD: ...". Ownership: the caller closes *db (statedb_close)
 * and frees *args (core_free). Main thread only. */
#ifndef APP_CLI_STATE_H
#define APP_CLI_STATE_H

#include <getopt.h>
#include <stdbool.h>

#include "core/err.h"

struct runargs;
struct statedb;

/* Check the arguments given with --resume: every option must be in allowed (getopt codes, 0
 * ended), and no positional argument. 0, or CLI_EXIT_USAGE after saying why. */
int cli_state_check_resume(const char *cmd, int argc, char **argv, const char *shortopts,
                           const struct option *longopts, const int *allowed);

/* Open dir's state for cmd. A new run (resume false) stores argv[0..argc) (the command's
 * arguments, argv[0] its name) and the working directory; resume gives them back in *args and
 * changes to that directory.
 * *finished says whether the run was done already (resume only). 0, or CLI_EXIT_FATAL after
 * saying why. */
int cli_state_open(const char *cmd, const char *dir, bool resume, int argc, char **argv,
                   struct statedb **db, struct runargs **args, bool *finished);

#endif
