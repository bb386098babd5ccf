/*
 * time.c — the tick counts and the performance counter, from
 * CLOCK_MONOTONIC (which, like Windows' counters, never jumps).
 */
#include <time.h>
#include <unistd.h>

#include "w32.h"

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

DWORD WINAPI GetTickCount(void) { return (DWORD)(mono_ns() / 1000000u); }
ULONGLONG WINAPI GetTickCount64(void) { return mono_ns() / 1000000u; }

/* 10 MHz, the frequency current Windows reports: 100 ns ticks. */
BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *c)
{
    if (!c) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    c->QuadPart = (LONGLONG)(mono_ns() / 100u);
    return TRUE;
}

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *f)
{
    if (!f) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    f->QuadPart = 10000000;
    return TRUE;
}

void WINAPI Sleep(DWORD ms)
{
    if (ms == INFINITE)
        for (;;)
            pause();
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}
