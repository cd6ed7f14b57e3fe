/* tests/support/redisd.h: a real redis-server for tests, on 127.0.0.1 and a free port.
 *
 * redisd_start picks a free port (binds port 0, reads it back, closes it; if another process
 * takes it first the server fails to bind and exits, and a new port is tried), runs
 * `redis-server --port P --bind 127.0.0.1 --appendonly yes --appendfsync always --save ""
 * --dir D --daemonize no` with D a fresh temporary directory (every write acknowledged is in the
 * append-only file, so it survives a kill -9) (the server's log is D/redis.log), and returns once it
 * answers PING with PONG. Waits are polls bounded by PROC_WATCHDOG_MS, a watchdog only: a slow
 * machine passes, a hang fails. The server dies with the test process (PR_SET_PDEATHSIG), so
 * a failed test leaves none behind.
 *
 * Ownership: struct redisd is the caller's; redisd_cleanup stops the server and removes D.
 * Test thread only; the calls block. */
#ifndef TRAWL_TESTS_REDISD_H
#define TRAWL_TESTS_REDISD_H

#include <stdbool.h>
#include <sys/types.h>

struct redisd {
    pid_t pid;           /* 0 while not running */
    int port;
    char dir[64];        /* the server's directory (append-only file, log) */
    char url[64];        /* redis://127.0.0.1:PORT/0 */
};

/* Is redis-server on PATH? */
bool redisd_available(void);
/* Skip the calling cmocka test, with a message, when redis-server is not on PATH. */
#define REDISD_SKIP_UNLESS_AVAILABLE()                                                          \
    do {                                                                                       \
        if (!redisd_available()) {                                                             \
            print_message("redis-server is not on PATH (scripts/install-deps installs it): "  \
                          "skipped\n");                                                        \
            skip();                                                                            \
        }                                                                                      \
    } while (0)

/* Start a server as above; aborts the test when it cannot. */
void redisd_start(struct redisd *d);
/* SIGTERM, then wait for it to exit. */
void redisd_stop(struct redisd *d);
/* SIGKILL, then wait for it to die. */
void redisd_kill(struct redisd *d);
/* Start it again on the same port and directory (after stop or kill) and wait for PONG. */
void redisd_restart(struct redisd *d);
/* SIGSTOP / SIGCONT: the server keeps its connections but answers nothing while paused. */
void redisd_pause(struct redisd *d);
void redisd_resume(struct redisd *d);
/* Kill the server if it runs, and remove its directory. */
void redisd_cleanup(struct redisd *d);

#endif
