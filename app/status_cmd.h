/* app/status_cmd.h: the `trawl status` command: one look at a crawl shared through Redis
 * (app/crawl/redisfront.h), as text or one JSON object. Ownership: argv is borrowed. Main
 * thread only. */
#ifndef APP_STATUS_CMD_H
#define APP_STATUS_CMD_H

/* Run `trawl status` with argv[0] = "status". Returns the process exit code (app/cli.h). */
int status_cmd_main(int argc, char **argv);

#endif
