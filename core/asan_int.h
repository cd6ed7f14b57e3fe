/* core/asan_int.h: AddressSanitizer hooks for stack switching.
 *
 * ASan must be told when execution moves to another stack, or it reports false errors (and
 * misses real ones) in code that runs on coroutine stacks. These macros expand to the
 * sanitizer's fiber API in ASan builds and to nothing otherwise. */
#ifndef CORE_ASAN_INT_H
#define CORE_ASAN_INT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define CORE__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORE__ASAN 1
#endif
#endif

#ifdef CORE__ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
                                     size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define CORE__ASAN_START_SWITCH(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define CORE__ASAN_FINISH_SWITCH(save, bottom_old, size_old) \
    __sanitizer_finish_switch_fiber(save, bottom_old, size_old)
#define CORE__ASAN_UNPOISON(addr, size) __asan_unpoison_memory_region(addr, size)
#else
#define CORE__ASAN_START_SWITCH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define CORE__ASAN_FINISH_SWITCH(save, bottom_old, size_old) \
    ((void)(save), (void)(bottom_old), (void)(size_old))
#define CORE__ASAN_UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

#endif
