/*
 * w32_helpers.h — small helpers for the Criterion tests of the Win32 layer
 * (test_win32_*.c).  Include after helpers.h.
 */
#ifndef MMF_TEST_W32_HELPERS_H
#define MMF_TEST_W32_HELPERS_H

#include "win32/windows.h"

/* The descriptor a handle value stands for ((fd + 1) * 4, see w32.h). */
static inline int fd_of_handle(HANDLE h)
{
    return (int)((uintptr_t)h / 4 - 1);
}

#endif
