/* core/tsan_int.h: ThreadSanitizer hooks for stack switching.
 *
 * TSan keeps a shadow call stack and synchronisation state per thread; coroutines switching
 * stacks on one thread must be told to it as fibers, or it reports false races and corrupts its
 * stacks. These macros expand to the fiber API in TSan builds (cmake -DTRAWL_TSAN=ON) and to
 * nothing otherwise. */
#ifndef CORE_TSAN_INT_H
#define CORE_TSAN_INT_H

#if defined(__SANITIZE_THREAD__)
#define CORE__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORE__TSAN 1
#endif
#endif

#ifdef CORE__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#define CORE__TSAN_CURRENT() __tsan_get_current_fiber()
#define CORE__TSAN_CREATE() __tsan_create_fiber(0)
#define CORE__TSAN_DESTROY(f) __tsan_destroy_fiber(f)
#define CORE__TSAN_SWITCH(f) __tsan_switch_to_fiber(f, 0)
#else
#define CORE__TSAN_CURRENT() ((void *)0)
#define CORE__TSAN_CREATE() ((void *)0)
#define CORE__TSAN_DESTROY(f) ((void)(f))
#define CORE__TSAN_SWITCH(f) ((void)(f))
#endif

#endif
