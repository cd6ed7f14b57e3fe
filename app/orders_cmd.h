/* app/orders_cmd.h: the `trawl orders` command: options, inputs, result and reject files,
 * summary, exit codes. Ownership: argv is borrowed. Main thread only. */
#ifndef APP_ORDERS_CMD_H
#define APP_ORDERS_CMD_H

/* Run `trawl orders` with argv[0] = "orders". Returns the process exit code (app/cli.h). */
int orders_cmd_main(int argc, char **argv);

#endif
