/* tests/support/proc.c: see proc.h. */
#include "tests/support/proc.h"

#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TRAWL_BINARY_DIR
#error "TRAWL_BINARY_DIR must be defined by the build"
#endif

const char *proc_path(const struct proc *p, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", p->dir, name);
    return buf;
}

void proc_init(struct proc *p)
{
    if (p->dir[0])
        return;
    snprintf(p->dir, sizeof(p->dir), "/tmp/trawl-test-XXXXXX");
    if (!mkdtemp(p->dir))
        abort();
}

void proc_start(struct proc *p, const char *const *argv, const char *stdin_path)
{
    const char *args[64];
    size_t n = 0;

    proc_init(p);
    proc_path(p, "stdout", p->out, sizeof(p->out));
    proc_path(p, "stderr", p->err, sizeof(p->err));
    args[n++] = TRAWL_BINARY_DIR "/app/trawl";
    while (*argv && n < 63)
        args[n++] = *argv++;
    args[n] = NULL;
    p->pid = fork();
    if (p->pid < 0)
        abort();
    if (p->pid == 0) {
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int out = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(args[0], (char *const *)(uintptr_t)args);
        _exit(127);
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000 * 1000};

    nanosleep(&ts, NULL);
}

int proc_wait(struct proc *p, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    int st;

    for (;;) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);

        if (r == p->pid)
            break;
        if (now_ms() >= deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            fprintf(stderr, "proc: trawl did not end within %d ms; killed\n", timeout_ms);
            abort();
        }
        pause_ms(5);
    }
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return p->status;
}

int proc_run(struct proc *p, const char *const *argv, int timeout_ms)
{
    proc_start(p, argv, NULL);
    return proc_wait(p, timeout_ms);
}

/* Is sig pending for pid? kill() leaves it in the process's set (ShdPnd in /proc/PID/status)
 * until one of its threads takes it; SigPnd is the main thread's own. */
static bool pending(pid_t pid, int sig)
{
    unsigned long long bit = 1ull << (sig - 1);
    char path[64], line[256];
    bool yes = false;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return false; /* gone: nothing is pending any more */
    while (fgets(line, sizeof(line), f)) {
        unsigned long long mask;

        if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
            (mask & bit))
            yes = true;
    }
    fclose(f);
    return yes;
}

void proc_signal(struct proc *p, int sig)
{
    int64_t deadline = now_ms() + PROC_WATCHDOG_MS;

    kill(p->pid, sig);
    while (pending(p->pid, sig)) {
        if (now_ms() >= deadline) {
            fprintf(stderr, "proc: trawl did not take signal %d\n", sig);
            abort();
        }
        pause_ms(1);
    }
}

void proc_wait_until(bool (*cond)(void *arg), void *arg)
{
    int64_t deadline = now_ms() + PROC_WATCHDOG_MS;

    while (!cond(arg)) {
        if (now_ms() >= deadline) {
            fprintf(stderr, "proc: the condition did not come about\n");
            abort();
        }
        pause_ms(5);
    }
}

char *proc_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    buf[n] = '\0';
    fclose(f);
    return buf;
}

void proc_cleanup(struct proc *p)
{
    char cmd[128];

    if (p->dir[0] && strncmp(p->dir, "/tmp/trawl-test-", 16) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "proc: could not remove %s\n", p->dir);
    }
    p->dir[0] = '\0';
}
