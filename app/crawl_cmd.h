/* app/crawl_cmd.h: the `trawl crawl` command: options, seeds, output, signals, summary.
 * Ownership: argv is borrowed. Main thread only. */
#ifndef APP_CRAWL_CMD_H
#define APP_CRAWL_CMD_H

/* Run `trawl crawl` with argv[0] = "crawl". Returns the process exit code (see app/cli.h). */
int crawl_cmd_main(int argc, char **argv);

#endif
