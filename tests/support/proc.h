/* tests/support/proc.h: run the trawl binary as a child process in tests.
 *
 * proc_start forks and execs build/app/trawl with the given arguments, stdin from /dev/null
 * (or a file), stdout and stderr into files under a fresh temporary directory; proc_wait waits
 * with a timeout (the child is killed if it runs past it, and the test fails). Helpers read the
 * files back. PROC_WATCHDOG_MS is the timeout for runs that must end: a watchdog only, so
 * generous (a loaded machine is slow, not hung), and below ctest's 180 s per case.
 *
 * Ownership: struct proc is the caller's; proc_cleanup removes the files. Test thread only. */
#ifndef TRAWL_TESTS_PROC_H
#define TRAWL_TESTS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct proc {
    pid_t pid;
    char dir[64];        /* temporary directory for this run */
    char out[128];       /* its stdout */
    char err[128];       /* its stderr */
    int status;          /* exit code, or 128 + signal */
};

#define PROC_WATCHDOG_MS 120000

/* Create p's temporary directory (proc_start does it too when needed). */
void proc_init(struct proc *p);
/* A path inside p->dir into buf. */
const char *proc_path(const struct proc *p, const char *name, char *buf, size_t cap);
/* Start trawl with argv (NULL-terminated, without the program name). stdin_path may be NULL. */
void proc_start(struct proc *p, const char *const *argv, const char *stdin_path);
/* Wait up to timeout_ms; returns the exit code (128 + signal when killed by one). */
int proc_wait(struct proc *p, int timeout_ms);
/* Start and wait. */
int proc_run(struct proc *p, const char *const *argv, int timeout_ms);
/* Send sig and return once the child has taken it (it is no longer pending), so that a second
 * signal is a second delivery and not merged into the first, however slow the machine. */
void proc_signal(struct proc *p, int sig);
/* Wait until cond(arg) holds, checking every few ms; fails the test if PROC_WATCHDOG_MS
 * passes first. */
void proc_wait_until(bool (*cond)(void *arg), void *arg);
/* Contents of a file (malloc'ed, NUL-terminated; "" when missing). */
char *proc_slurp(const char *path);
void proc_cleanup(struct proc *p);

#endif
