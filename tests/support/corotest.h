/* tests/support/corotest.h: run a test body as a coroutine on a fresh loop.
 *
 * corotest_run creates a loop and a group, runs fn(co, arg) in it until the loop has nothing
 * left to do, then destroys everything and checks that the loop closed cleanly. A watchdog
 * aborts the test program when it runs longer than watchdog_ms, so a hang becomes a failure.
 * COROTEST_WATCHDOG_MS is generous on purpose: a loaded machine is slow, not hung, and a
 * watchdog only has to end a hang (below ctest's 180 s per case).
 * Returns fn's result; a deadlock (coroutines left waiting) fails the test.
 *
 * Ownership: everything is created and destroyed inside the call. Test thread only. */
#ifndef TRAWL_TESTS_COROTEST_H
#define TRAWL_TESTS_COROTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/coro.h"

#define COROTEST_WATCHDOG_MS 120000

int corotest_run(core_coro_fn *fn, void *arg, int64_t watchdog_ms);

#endif
