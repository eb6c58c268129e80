/*
 * config.h for building a binding without ./configure: pip (setup.py) and
 * luarocks (bindings/lua/rock.mk) compile the library's sources with
 * -I bindings/standalone.  It defines what configure.ac would for the
 * library (lib/), found with __has_include where the compiler has it (GCC
 * 5 and Clang do); without it, lib/platform.c's portable fallbacks are
 * used (waits poll with nanosleep; get and release take the general path).
 * Keep in step with the checks of configure.ac that lib/ uses.
 */
#ifndef BUFPOOL_STANDALONE_CONFIG_H
#define BUFPOOL_STANDALONE_CONFIG_H

#if defined(__has_include)
#if __has_include(<linux/futex.h>)
#define HAVE_LINUX_FUTEX_H 1
#endif
#if __has_include(<linux/membarrier.h>)
#define HAVE_LINUX_MEMBARRIER_H 1
#endif
#if __has_include(<sys/syscall.h>)
#define HAVE_SYS_SYSCALL_H 1
#endif
#if __has_include(<sanitizer/asan_interface.h>)
#define HAVE_SANITIZER_ASAN_INTERFACE_H 1
#endif
#if __has_include(<valgrind/valgrind.h>) && \
    __has_include(<valgrind/memcheck.h>) && \
    __has_include(<valgrind/helgrind.h>) && __has_include(<valgrind/drd.h>)
#define HAVE_VALGRIND_VALGRIND_H 1
#define HAVE_VALGRIND_MEMCHECK_H 1
#define HAVE_VALGRIND_HELGRIND_H 1
#define HAVE_VALGRIND_DRD_H 1
#endif
#endif

#if defined(__GNUC__)
#define HAVE_FUNC_ATTRIBUTE_WEAK 1
#endif

#define HAVE_POSIX_MEMALIGN 1
#define HAVE_STDATOMIC_H 1

#endif
