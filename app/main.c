/* app/main.c: the trawl command line: dispatches to a command. See README.md. */
#include <stdio.h>
#include <string.h>

#include "app/cli.h"
#include "app/crawl_cmd.h"
#include "app/orders_cmd.h"

static const char usage_text[] =
    "Usage: trawl COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  crawl    crawl from seed URLs and write one record per URL (trawl crawl --help)\n"
    "  orders   process order batches through a staged pipeline (trawl orders --help)\n"
    "\n"
    "  --help       this text\n"
    "  --version    print the version\n";

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(NULL, "a command is needed: crawl or orders");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("trawl %s\n", TRAWL_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "crawl") == 0)
        return crawl_cmd_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "orders") == 0)
        return orders_cmd_main(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
