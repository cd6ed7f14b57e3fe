/* app/cli_state.c: --state and --resume for every command (cli_state.h). */
#include "app/cli_state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/state/runargs.h"
#include "app/state/statedb.h"
#include "core/buf.h"
#include "core/mem.h"

/* The name of option code opt, for messages. */
static const char *name_of(int opt, const struct option *longopts, char *buf, size_t cap)
{
    for (; longopts->name; longopts++)
        if (longopts->val == opt) {
            snprintf(buf, cap, "--%s", longopts->name);
            return buf;
        }
    snprintf(buf, cap, "-%c", opt);
    return buf;
}

int cli_state_check_resume(const char *cmd, int argc, char **argv, const char *shortopts,
                           const struct option *longopts, const int *allowed)
{
    char name[64];
    const int *a;
    int opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        for (a = allowed; *a && *a != opt; a++)
            ;
        if (!*a && opt != '?' && opt != ':')
            return cli_usage_error(cmd, "%s cannot be given with --resume: the run goes on with "
                                   "the options it was started with",
                                   name_of(opt, longopts, name, sizeof(name)));
    }
    if (optind < argc)
        return cli_usage_error(cmd, "'%s' cannot be given with --resume: the run goes on with "
                               "what it was started with", argv[optind]);
    return 0;
}

static int create(const char *cmd, const char *dir, int argc, char **argv, struct statedb **db)
{
    char cwd[PATH_MAX], msg[512];
    struct core_buf json;
    int rc;

    if (!getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "trawl %s: cannot tell the working directory: %s\n", cmd,
                core_strerror(-errno));
        return CLI_EXIT_FATAL;
    }
    core_buf_init(&json, 16u << 20);
    rc = runargs_encode(cwd, argc, argv, &json);
    if (rc == 0)
        rc = core_buf_putc(&json, '\0');
    msg[0] = '\0';
    if (rc == 0)
        rc = statedb_open(dir, cmd, json.data, STATEDB_CREATE, msg, sizeof(msg), db);
    core_buf_free(&json);
    if (rc < 0) {
        fprintf(stderr, "trawl %s: cannot keep the state in '%s': %s\n", cmd, dir,
                msg[0] ? msg : core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    return 0;
}

static int resume(const char *cmd, const char *dir, struct statedb **db, struct runargs **args,
                  bool *finished)
{
    char msg[512];
    struct runargs *r;
    int rc;

    msg[0] = '\0';
    rc = statedb_open(dir, cmd, NULL, STATEDB_RESUME, msg, sizeof(msg), db);
    if (rc < 0) {
        fprintf(stderr, "trawl %s: cannot resume from '%s': %s\n", cmd, dir,
                msg[0] ? msg : core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    rc = runargs_decode(statedb_options(*db), &r);
    if (rc < 0) {
        fprintf(stderr, "trawl %s: cannot resume from '%s': its stored options are damaged\n",
                cmd, dir);
        goto fail;
    }
    if (chdir(r->cwd) < 0) {
        rc = -errno;
        fprintf(stderr, "trawl %s: cannot resume from '%s': its working directory '%s': %s\n",
                cmd, dir, r->cwd, core_strerror(rc));
        core_free(r);
        goto fail;
    }
    *args = r;
    *finished = statedb_finished(*db);
    return 0;
fail:
    statedb_close(*db);
    *db = NULL;
    return CLI_EXIT_FATAL;
}

int cli_state_open(const char *cmd, const char *dir, bool resume_it, int argc, char **argv,
                   struct statedb **db, struct runargs **args, bool *finished)
{
    *db = NULL;
    *args = NULL;
    *finished = false;
    return resume_it ? resume(cmd, dir, db, args, finished) : create(cmd, dir, argc, argv, db);
}
