/*
 * bench_win32.c — what the Win32 layer costs over the native calls it
 * translates, measured in the same run ("mmf" column: the Win32 call;
 * "bare" column: the native call it makes):
 *
 *   1. MapViewOfFile + UnmapViewOfFile of a 64 KiB view of a 1 MiB
 *      pagefile mapping vs mmf_view_map (granularity 65536, what the
 *      layer asks for) + mmf_view_unmap                   (target <= 1.10)
 *   2. the same Win32 pair vs mmf_view_map at the native default
 *      granularity (the page): the price of Windows' 64 KiB alignment,
 *      which the layer always pays                        (informational)
 *   3. CreateFileMapping + CloseHandle (1 MiB, unnamed) vs
 *      mmf_section_create_memory + mmf_section_close      (informational)
 *   4. WaitForSingleObject + ReleaseMutex vs mmf_wait + mmf_mutex_release
 *      on an uncontended unnamed mutex                    (informational)
 *
 * Built with the layer's flags (-Iinclude/win32 -fshort-wchar).  Results
 * to stdout and build/bench/bench_win32.csv (or argv[1]).
 */
#include <windows.h>

#include "mmf.h"

#define BENCH_NAME      "bench_win32"
#define BENCH_ITERS_MAX 2000000L
#include "bench.h"

#define SECTION_SIZE ((uint64_t)1 << 20)
#define VIEW_SIZE    65536u
#define CSV_DEFAULT  "build/bench/bench_win32.csv"

static const char *const cpu_keys[] = { "model name", "Model", "Hardware", "cpu model", "cpu" };

static _Noreturn void fail_w32(const char *call)
{
    fprintf(stderr, BENCH_NAME ": %s failed: Win32 error %lu\n", call,
            (unsigned long)GetLastError());
    bench_exit_failed();
}

struct ctx {
    HANDLE       map;   /* the Win32 mapping */
    mmf_section *sec;   /* a native section of the same size */
    uint64_t     gran;  /* native granularity (0: default) */
    HANDLE       mutex;
    mmf_sync    *nmutex;
};

static void op_w32_map(void *arg, long n)
{
    struct ctx *c = arg;
    for (long i = 0; i < n; i++) {
        void *p = MapViewOfFile(c->map, FILE_MAP_WRITE, 0, 0, VIEW_SIZE);
        if (!p)
            fail_w32("MapViewOfFile");
        if (!UnmapViewOfFile(p))
            fail_w32("UnmapViewOfFile");
    }
}

static void op_native_map(void *arg, long n)
{
    struct ctx *c = arg;
    mmf_map_options o = { .granularity = c->gran };
    for (long i = 0; i < n; i++) {
        void *p;
        int rc = mmf_view_map(c->sec, MMF_PAGE_READWRITE, 0, VIEW_SIZE, &o, &p);
        if (rc < 0)
            fail_mmf("mmf_view_map", rc);
        if ((rc = mmf_view_unmap(p)) < 0)
            fail_mmf("mmf_view_unmap", rc);
    }
}

static void op_w32_create(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                      (DWORD)SECTION_SIZE, NULL);
        if (!h)
            fail_w32("CreateFileMapping");
        if (!CloseHandle(h))
            fail_w32("CloseHandle");
    }
}

static void op_native_create(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        mmf_section *s;
        int rc = mmf_section_create_memory(SECTION_SIZE, MMF_PAGE_READWRITE, 0, &s);
        if (rc < 0)
            fail_mmf("mmf_section_create_memory", rc);
        mmf_section_close(s);
    }
}

static void op_w32_mutex(void *arg, long n)
{
    struct ctx *c = arg;
    for (long i = 0; i < n; i++) {
        if (WaitForSingleObject(c->mutex, INFINITE) != WAIT_OBJECT_0)
            fail_w32("WaitForSingleObject");
        if (!ReleaseMutex(c->mutex))
            fail_w32("ReleaseMutex");
    }
}

static void op_native_mutex(void *arg, long n)
{
    struct ctx *c = arg;
    for (long i = 0; i < n; i++) {
        int rc = mmf_wait(c->nmutex, MMF_INFINITE);
        if (rc != MMF_WAIT_OBJECT_0)
            fail_mmf("mmf_wait", rc);
        if ((rc = mmf_mutex_release(c->nmutex)) < 0)
            fail_mmf("mmf_mutex_release", rc);
    }
}

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : CSV_DEFAULT;
    double t0 = clock_ns();
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_machine(cpu_keys, sizeof cpu_keys / sizeof *cpu_keys);
    printf("config: %d rounds per figure (median), ~%.0f ms per round\n", BENCH_ROUNDS,
           BENCH_ROUND_NS / 1e6);

    struct ctx c = { 0 };
    c.map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)SECTION_SIZE,
                               NULL);
    if (!c.map)
        fail_w32("CreateFileMapping");
    int rc = mmf_section_create_memory(SECTION_SIZE, MMF_PAGE_READWRITE, 0, &c.sec);
    if (rc < 0)
        fail_mmf("mmf_section_create_memory", rc);
    double w, nat;

    c.gran = 65536;
    run_pair(op_w32_map, &c, op_native_map, &c, &w, &nat);
    add_row("MapViewOfFile+Unmap vs native (64K granularity)", w, nat, 1.10);
    c.gran = 0;
    run_pair(op_w32_map, &c, op_native_map, &c, &w, &nat);
    add_row("MapViewOfFile+Unmap vs native (page granularity)", w, nat, 0);
    run_pair(op_w32_create, NULL, op_native_create, NULL, &w, &nat);
    add_row("CreateFileMapping+CloseHandle 1MiB vs native", w, nat, 0);

    c.mutex = CreateMutexA(NULL, FALSE, NULL);
    if (!c.mutex)
        fail_w32("CreateMutex");
    if ((rc = mmf_mutex_create(0, NULL, &c.nmutex)) < 0)
        fail_mmf("mmf_mutex_create", rc);
    run_pair(op_w32_mutex, &c, op_native_mutex, &c, &w, &nat);
    add_row("WaitForSingleObject+ReleaseMutex vs native", w, nat, 0);

    print_rows(50, 96);
    finish_run(csv, t0);
    CloseHandle(c.map);
    CloseHandle(c.mutex);
    mmf_section_close(c.sec);
    mmf_sync_close(c.nmutex);
    return 0;
}
