/* app/main.c: the trawl command line: dispatches to a command. See README.md. */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "app/cli.h"
#include "app/crawl_cmd.h"
#include "app/orders_cmd.h"
#include "app/status_cmd.h"
#include "fetch/version.h"

static const char usage_text[] =
    "Usage: trawl COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  crawl    crawl from seed URLs and write one record per URL (trawl crawl --help)\n"
    "  orders   process order batches through a staged pipeline (trawl orders --help)\n"
    "  status   show a crawl shared through Redis (trawl status --help)\n"
    "\n"
    "  --help       this text\n"
    "  --version    print the version, and those of the libraries it runs with\n";

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(NULL, "a command is needed: crawl, orders or status");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        /* libcurl and libuv as loaded now (a library upgrade shows here); gumbo has no
         * run-time version call, so the one built against */
        printf("trawl %s\nrunning with libcurl %s, libuv %s\nbuilt with gumbo %s\n",
               TRAWL_VERSION, fetch_version_libcurl(), uv_version_string(), TRAWL_GUMBO_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "crawl") == 0)
        return crawl_cmd_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "orders") == 0)
        return orders_cmd_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return status_cmd_main(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
