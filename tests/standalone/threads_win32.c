/*
 * threads_win32.c — the Win32 layer's handle table and waits from many
 * threads, as a plain program for ThreadSanitizer (and for the plain and
 * ASan builds, where it runs too).  Every call's result is checked; the
 * last line counts scenarios: "N passed, N failed".
 */
#include <windows.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 8
#define ROUNDS   400

static atomic_int errors;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            atomic_fetch_add(&errors, 1);                                                 \
            fprintf(stderr, "%s:%d: check failed: %s (last error %lu)\n", __FILE__, __LINE__, \
                    #cond, (unsigned long)GetLastError());                                \
        }                                                                                 \
    } while (0)

static HANDLE mapping, mutex, sem;
static long counter;

/* Handles made, duplicated, flagged and closed by every thread at once:
 * the table's slots come and go under each other. */
static DWORD WINAPI churn(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL;
        CHECK(e != NULL);
        CHECK(DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
        CHECK(SetHandleInformation(d, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
        DWORD f = 0;
        CHECK(GetHandleInformation(d, &f) && f == HANDLE_FLAG_INHERIT);
        CHECK(SetEvent(e));
        CHECK(WaitForSingleObject(d, 0) == WAIT_OBJECT_0);
        char *v = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 4096);
        CHECK(v != NULL);
        if (v) {
            v[i % 4096] = 1;
            CHECK(UnmapViewOfFile(v + 10));
        }
        CHECK(CloseHandle(e));
        CHECK(CloseHandle(d));
        /* (Closing d again cannot be checked: another thread may already
         * have a new handle with that value, as on Windows.) */
    }
    return 0;
}

/* A counter under a Win32 mutex, and a semaphore passed around. */
static DWORD WINAPI locking(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        CHECK(WaitForSingleObject(mutex, INFINITE) == WAIT_OBJECT_0);
        counter++;
        CHECK(ReleaseMutex(mutex));
        CHECK(WaitForSingleObject(sem, INFINITE) == WAIT_OBJECT_0);
        LONG prev;
        CHECK(ReleaseSemaphore(sem, 1, &prev));
    }
    return 0;
}

/* Waits on handles another thread is closing: each wait succeeds, fails
 * with ERROR_INVALID_HANDLE, or (a recycled number) waits on whatever the
 * value names now; never a crash. */
static HANDLE volatile target;

static DWORD WINAPI closer(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);
        CHECK(e != NULL);
        __atomic_store_n(&target, e, __ATOMIC_RELEASE);
        CHECK(CloseHandle(e));
    }
    return 0;
}

static DWORD WINAPI waiter(LPVOID arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS * 4; i++) {
        HANDLE h = __atomic_load_n(&target, __ATOMIC_ACQUIRE);
        if (!h)
            continue;
        DWORD r = WaitForSingleObject(h, 0);
        CHECK(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT ||
              (r == WAIT_FAILED && (GetLastError() == ERROR_INVALID_HANDLE ||
                                    GetLastError() == ERROR_ACCESS_DENIED)));
    }
    return 0;
}

static int run(const char *name, LPTHREAD_START_ROUTINE a, LPTHREAD_START_ROUTINE b)
{
    int before = atomic_load(&errors);
    HANDLE t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        t[i] = CreateThread(NULL, 0, (i % 2 && b) ? b : a, NULL, 0, NULL);
        CHECK(t[i] != NULL);
    }
    CHECK(WaitForMultipleObjects(NTHREADS, t, TRUE, 120000) == WAIT_OBJECT_0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(CloseHandle(t[i]));
    int ok = atomic_load(&errors) == before;
    printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
    return ok;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    mutex = CreateMutexA(NULL, FALSE, NULL);
    sem = CreateSemaphoreA(NULL, 2, 2, NULL);
    if (!mapping || !mutex || !sem) {
        printf("setup failed: %lu\n0 passed, 1 failed\n", (unsigned long)GetLastError());
        return 1;
    }
    int pass = 0, fail = 0;
    run("win32: handles made, duplicated, flagged, closed from 8 threads", churn, NULL) ? pass++
                                                                                       : fail++;
    int ok = run("win32: a mutex-guarded counter and a semaphore from 8 threads", locking, NULL);
    if (counter != (long)NTHREADS * ROUNDS) {
        printf("counter %ld, expected %ld\n", counter, (long)NTHREADS * ROUNDS);
        ok = 0;
    }
    ok ? pass++ : fail++;
    run("win32: waits on handles being closed", closer, waiter) ? pass++ : fail++;
    CloseHandle(mapping);
    CloseHandle(mutex);
    CloseHandle(sem);
    printf("%d passed, %d failed\n", pass, fail);
    return fail != 0;
}
