/* tests/support/redisd.c: see redisd.h. */
#include "tests/support/redisd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/proc.h"

#define POLL_MS 10
#define START_ATTEMPTS 20     /* ports tried when another process takes the one picked */

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

bool redisd_available(void)
{
    const char *path = getenv("PATH");
    char buf[4096];

    if (!path)
        return false;
    while (*path) {
        size_t n = strcspn(path, ":");

        if (n > 0 && snprintf(buf, sizeof(buf), "%.*s/redis-server", (int)n, path) < (int)sizeof(buf) &&
            access(buf, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

/* A port nobody listens on right now (the kernel's pick for port 0). */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    if (fd < 0)
        abort();
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void spawn(struct redisd *d)
{
    char port[16], log[128];
    pid_t parent = getpid();

    snprintf(port, sizeof(port), "%d", d->port);
    snprintf(log, sizeof(log), "%s/redis.log", d->dir);
    d->pid = fork();
    if (d->pid < 0)
        abort();
    if (d->pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        /* die with the test, even when it aborts */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
               "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", d->dir, "--daemonize", "no",
               (char *)NULL);
        _exit(127);
    }
}

/* One PING on a fresh connection: true on +PONG (not while loading, which answers -LOADING). */
static bool ping(int port)
{
    struct sockaddr_in a;
    struct timeval tv = {5, 0};
    char buf[64];
    size_t got = 0;
    bool ok = false;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return false;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "PING\r\n", 6) == 6) {
        while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
            ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

            if (n <= 0)
                break;
            got += (size_t)n;
        }
        ok = got >= 7 && memcmp(buf, "+PONG\r\n", 7) == 0;
    }
    close(fd);
    return ok;
}

/* Wait for PONG: true, or false when the server exited (its port was taken). */
static bool wait_ready(struct redisd *d)
{
    int64_t deadline = now_ms() + PROC_WATCHDOG_MS;
    int st;

    for (;;) {
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->pid = 0;
            return false;
        }
        if (ping(d->port))
            return true;
        if (now_ms() >= deadline) {
            fprintf(stderr, "redisd: redis-server did not answer PING (see %s/redis.log)\n", d->dir);
            abort();
        }
        pause_ms(POLL_MS);
    }
}

void redisd_start(struct redisd *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->dir, sizeof(d->dir), "/tmp/trawl-redis-XXXXXX");
    if (!mkdtemp(d->dir))
        abort();
    for (int i = 0; i < START_ATTEMPTS; i++) {
        d->port = free_port();
        spawn(d);
        if (wait_ready(d)) {
            snprintf(d->url, sizeof(d->url), "redis://127.0.0.1:%d/0", d->port);
            return;
        }
    }
    fprintf(stderr, "redisd: redis-server would not start (see %s/redis.log)\n", d->dir);
    abort();
}

static void reap(struct redisd *d, int sig)
{
    int64_t deadline = now_ms() + PROC_WATCHDOG_MS;
    int st;

    if (!d->pid)
        return;
    kill(d->pid, sig);
    while (waitpid(d->pid, &st, WNOHANG) != d->pid) {
        if (now_ms() >= deadline) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &st, 0);
            fprintf(stderr, "redisd: redis-server did not exit on signal %d; killed\n", sig);
            abort();
        }
        pause_ms(POLL_MS);
    }
    d->pid = 0;
}

void redisd_stop(struct redisd *d)
{
    reap(d, SIGTERM);
}

void redisd_kill(struct redisd *d)
{
    reap(d, SIGKILL);
}

void redisd_restart(struct redisd *d)
{
    /* The port was ours a moment ago; another process taking it in between is a failure. */
    for (int i = 0; i < START_ATTEMPTS; i++) {
        spawn(d);
        if (wait_ready(d))
            return;
        pause_ms(100);
    }
    fprintf(stderr, "redisd: redis-server would not start again on port %d (see %s/redis.log)\n",
            d->port, d->dir);
    abort();
}

/* The state letter of pid in /proc/PID/stat ('T' when stopped), or 0. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    const char *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the name in ( ) may hold spaces */
    return p && p[1] == ' ' ? p[2] : 0;
}

void redisd_pause(struct redisd *d)
{
    int64_t deadline = now_ms() + PROC_WATCHDOG_MS;

    /* kill() returns before the process has stopped: wait until it has, so that nothing sent
     * afterwards is answered */
    kill(d->pid, SIGSTOP);
    while (proc_state(d->pid) != 'T') {
        if (now_ms() >= deadline) {
            fprintf(stderr, "redisd: redis-server did not stop\n");
            abort();
        }
        pause_ms(1);
    }
}

void redisd_resume(struct redisd *d)
{
    kill(d->pid, SIGCONT);
}

void redisd_cleanup(struct redisd *d)
{
    char cmd[128];

    if (d->pid) {
        kill(d->pid, SIGCONT);
        redisd_kill(d);
    }
    if (d->dir[0] && strncmp(d->dir, "/tmp/trawl-redis-", 17) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "redisd: could not remove %s\n", d->dir);
    }
    d->dir[0] = '\0';
}
