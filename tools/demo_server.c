/* tools/demo_server.c: serve a directory on 127.0.0.1 until stdin closes or a signal arrives.
 *
 * Usage: trawl-demo-server DIR [PORT]. Prints the base URL on stdout once listening (so a
 * script can read it) and serves DIR with tools/httpd.c. Used by scripts/run to crawl the
 * bundled demo site offline. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tools/httpd.h"

int main(int argc, char **argv)
{
    struct httpd *s;
    char url[128], c;
    sigset_t set;
    int sig;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [PORT]\n", argv[0]);
        return 2;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server thread inherits the mask */
    if (httpd_start((uint16_t)(argc > 2 ? atoi(argv[2]) : 0), httpd_serve_dir, argv[1], &s) != 0) {
        fprintf(stderr, "%s: cannot listen\n", argv[0]);
        return 1;
    }
    printf("%s\n", httpd_url(s, "/", url, sizeof(url)));
    fflush(stdout);
    if (isatty(STDIN_FILENO) || read(STDIN_FILENO, &c, 1) < 0)
        sigwait(&set, &sig);
    else
        while (read(STDIN_FILENO, &c, 1) > 0)
            ;
    httpd_stop(s);
    return 0;
}
