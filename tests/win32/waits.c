/*
 * waits.c - WaitForSingleObject timeouts (only result codes are printed;
 * elapsed times only as "at least"), WaitForMultipleObjects any (lowest
 * index wins) and all (all at once or nothing consumed), its parameter
 * errors, Sleep, and the clocks: GetTickCount / GetTickCount64 monotonic,
 * QueryPerformanceFrequency / Counter.
 * Spec: windows.h (Synchronization, Time).
 */
#include "w32test.h"

static void wm(const char *what, DWORD n, const HANDLE *h, BOOL all, DWORD ms)
{
    DWORD r;
    SetLastError(BADLE);
    r = WaitForMultipleObjects(n, h, all, ms);
    if (r == WAIT_FAILED)
        printf("%s: WAIT_FAILED err=%lu\n", what, ERR());
    else
        printf("%s: %lu\n", what, UL(r));
}

static void w(const char *what, HANDLE h, DWORD ms)
{
    DWORD r = WaitForSingleObject(h, ms);
    printf("%s: %lu\n", what, UL(r));
}

int main(void)
{
    HANDLE ev[4], h[70], sem, mx, dup[2];
    DWORD t0, t1, i;
    ULONGLONG u0, u1;
    LARGE_INTEGER f, c0, c1;

    t_init();
    for (i = 0; i < 3; i++)
        ev[i] = CreateEventA(NULL, FALSE, FALSE, NULL);   /* auto-reset */
    ev[3] = CreateEventA(NULL, TRUE, FALSE, NULL);        /* manual */

    /* 1. single-object timeouts */
    w("single_0", ev[0], 0);
    t0 = GetTickCount();
    w("single_100ms", ev[0], 100);
    t1 = GetTickCount();
    printf("single_100ms waited_at_least_80=%d\n", t1 - t0 >= 80);
    SetEvent(ev[0]);
    w("single_infinite_signaled", ev[0], INFINITE);

    w("single_own_process", GetCurrentProcess(), 0);
    w("single_own_thread", GetCurrentThread(), 0);

    /* 2. wait-any */
    wm("any_none_0", 3, ev, FALSE, 0);
    t0 = GetTickCount();
    wm("any_none_50", 3, ev, FALSE, 50);
    printf("any_none_50 waited_at_least_40=%d\n", GetTickCount() - t0 >= 40);
    SetEvent(ev[1]);
    wm("any_second", 3, ev, FALSE, 0);
    wm("any_second_consumed", 3, ev, FALSE, 0);
    SetEvent(ev[2]);
    SetEvent(ev[1]);
    wm("any_two_lowest", 3, ev, FALSE, 0);
    wm("any_two_then_other", 3, ev, FALSE, 0);
    wm("any_two_then_none", 3, ev, FALSE, 0);
    SetEvent(ev[3]);
    wm("any_manual", 4, ev, FALSE, 0);
    wm("any_manual_stays", 4, ev, FALSE, 0);
    ResetEvent(ev[3]);

    /* 3. wait-all */
    SetEvent(ev[0]);
    SetEvent(ev[2]);
    wm("all_partial", 3, ev, TRUE, 0);
    t0 = GetTickCount();
    wm("all_partial_50", 3, ev, TRUE, 50);
    printf("all_partial_50 waited_at_least_40=%d\n", GetTickCount() - t0 >= 40);
    w("all_partial_left_ev0_signaled", ev[0], 0);
    w("all_partial_left_ev2_signaled", ev[2], 0);
    SetEvent(ev[0]);
    SetEvent(ev[1]);
    SetEvent(ev[2]);
    wm("all_set", 3, ev, TRUE, 0);
    wm("all_consumed", 3, ev, FALSE, 0);
    /* a semaphore and a mutex in a wait-all */
    sem = CreateSemaphoreA(NULL, 1, 5, NULL);
    mx = CreateMutexA(NULL, FALSE, NULL);
    h[0] = sem;
    h[1] = mx;
    h[2] = ev[3];
    wm("all_sem_mutex_event_unset", 3, h, TRUE, 0);
    SetEvent(ev[3]);
    wm("all_sem_mutex_event_set", 3, h, TRUE, 0);
    w("all_took_sem", sem, 0);
    res("all_took_mutex", ReleaseMutex(mx));
    wm("any_sem_empty_mutex_free", 2, h, FALSE, 0);
    ReleaseMutex(mx);

    /* 4. parameter errors */
    wm("count_0", 0, ev, FALSE, 0);
    for (i = 0; i < 70; i++)
        h[i] = ev[3];
    wm("count_64_same_any", 64, h, FALSE, 0);
    wm("count_65", 65, h, FALSE, 0);
    dup[0] = ev[0];
    dup[1] = ev[0];
    wm("same_twice_all", 2, dup, TRUE, 0);
    SetEvent(ev[0]);
    wm("same_twice_any", 2, dup, FALSE, 0);
    {
        HANDLE bad[2];
        HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
        bad[0] = ev[1];
        bad[1] = NULL;
        wm("null_in_array", 2, bad, FALSE, 0);
        bad[1] = m;
        wm("mapping_in_array", 2, bad, FALSE, 0);
        CloseHandle(m);
    }

    /* 5. Sleep and the clocks */
    t0 = GetTickCount();
    u0 = GetTickCount64();
    Sleep(120);
    Sleep(0);
    t1 = GetTickCount();
    u1 = GetTickCount64();
    printf("sleep_120 at_least_60=%d tick64_monotonic=%d tick64_near_tick=%d\n", t1 - t0 >= 60, u1 >= u0 + 60,
           (DWORD)u1 - t1 < 1000 || t1 - (DWORD)u1 < 1000);
    res("qpf", QueryPerformanceFrequency(&f));
    printf("qpf value=%ld\n", (long)f.QuadPart);
    res("qpc", QueryPerformanceCounter(&c0));
    Sleep(10);
    QueryPerformanceCounter(&c1);
    printf("qpc monotonic=%d advanced_5ms=%d\n", c1.QuadPart > c0.QuadPart,
           (c1.QuadPart - c0.QuadPart) * 1000 / f.QuadPart >= 5);
    {
        DWORD prev = GetTickCount(), bad = 0;
        for (i = 0; i < 100000; i++) {
            DWORD now = GetTickCount();
            if (now - prev > 0x80000000u)
                bad++;
            prev = now;
        }
        printf("tick_never_backwards=%d\n", bad == 0);
    }
    for (i = 0; i < 4; i++)
        CloseHandle(ev[i]);
    CloseHandle(sem);
    CloseHandle(mx);
    return 0;
}
