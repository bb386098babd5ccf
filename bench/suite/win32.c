/*
 * win32.c — the suite's operations through the Win32 API: one source,
 * built twice:
 *
 *   natively against mmf's Win32 layer   -> implementation "mmf-win32"
 *     cc -Iinclude/win32 -Iinclude -fshort-wchar ... build/libmmf.a -lpthread
 *   with mingw-w64, run under Wine       -> implementation "wine"
 *     x86_64-w64-mingw32-gcc -DSUITE_IMPL='"wine"' ... -lpsapi
 *
 * The operations are those of native.c (docs/benchmarks.md) written as a
 * Windows program would: CreateFileMapping / MapViewOfFile /
 * UnmapViewOfFile / OpenFileMapping / FlushViewOfFile, CreateMutex,
 * CreateSemaphore, CreateEvent + WaitForSingleObject, and for the round
 * trip a child started with CreateProcess that inherits two auto-reset
 * events.  Timing is QueryPerformanceCounter (suite.h), which both builds
 * have.  "child A B FLAG" on the command line makes the program that child.
 *
 * Built for Linux, each figure is paired with the plain Linux calls of
 * linux_ops.h in interleaved rounds ("op,linux@mmf-win32,ns" lines).
 *
 * SUITE_SKIP in the environment lists operations not to run (for Wine:
 * map_unmap_live, see run.sh), each printed as "-".
 */
#define SUITE_USE_QPC
#include <windows.h>
#include <stdint.h>

#include "suite.h"

#ifndef SUITE_IMPL
#define SUITE_IMPL "mmf-win32"
#endif

/* On Linux (the layer's build) every figure is paired with the plain Linux
 * calls in interleaved rounds (linux_ops.h); under Wine there is no Linux
 * side and the table's ratio uses native.c's linux column. */
#ifdef _WIN32
#define LINUX(stmt) ((void)0)
#define LX(fn) NULL
#else
#include "linux_ops.h"
#define LINUX(stmt) stmt
#define LX(fn) fn
#endif

#define GRAN 65536ULL   /* Windows' allocation granularity */

static void fail_w32(const char *call)
{
    fprintf(stderr, "win32 (%s): %s failed: error %lu\n", SUITE_IMPL, call,
            (unsigned long)GetLastError());
    fflush(stdout);
    exit(1);
}

static HANDLE mapping(HANDLE file, DWORD prot, unsigned long long size, const char *name)
{
    HANDLE h = CreateFileMappingA(file, NULL, prot, (DWORD)(size >> 32), (DWORD)size, name);
    if (!h)
        fail_w32("CreateFileMapping");
    return h;
}

static int skipped(const char *op)
{
    const char *s = getenv("SUITE_SKIP");
    size_t len = strlen(op);
    while (s && *s) {
        if (strncmp(s, op, len) == 0 && (s[len] == '\0' || s[len] == ','))
            return 1;
        s = strchr(s, ',');
        if (s)
            s++;
    }
    return 0;
}

/* Measures one operation, with its linux side `lfn` when there is one. */
static void one(const char *op, suite_op fn, void *arg, suite_op lfn)
{
    if (skipped(op))
        suite_missing(op, SUITE_IMPL);
    else if (lfn)
        LINUX(lx_pair(op, SUITE_IMPL, fn, arg, lfn));
    else
        suite_emit(op, SUITE_IMPL, suite_one(fn, arg));
}

/* ------------------------------------------------------------------ */
/* Mappings and views                                                  */
/* ------------------------------------------------------------------ */

static void op_map_unmap(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        void *p = MapViewOfFile(arg, FILE_MAP_WRITE, 0, 0, SUITE_VIEW_SIZE);
        if (!p)
            fail_w32("MapViewOfFile");
        if (!UnmapViewOfFile(p))
            fail_w32("UnmapViewOfFile");
    }
}

static void op_create_close(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        if (!CloseHandle(mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE, SUITE_SECTION_SIZE, NULL)))
            fail_w32("CloseHandle");
}

static void op_named_create_open(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        HANDLE made = mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE, SUITE_NAMED_SIZE, arg);
        if (GetLastError() == ERROR_ALREADY_EXISTS)
            fail_w32("CreateFileMapping (the name outlived its last handle)");
        HANDLE opened = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, arg);
        if (!opened)
            fail_w32("OpenFileMapping");
        if (!CloseHandle(made) || !CloseHandle(opened))
            fail_w32("CloseHandle");
    }
}

static void op_named_open(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        HANDLE h = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, arg);
        if (!h || !CloseHandle(h))
            fail_w32("OpenFileMapping+CloseHandle (held)");
    }
}

/* ------------------------------------------------------------------ */
/* Records, scan, flush                                                */
/* ------------------------------------------------------------------ */

struct records {
    char               path[MAX_PATH + 64];
    HANDLE             file, map;
    unsigned char     *view;
    unsigned long long rng, chunk;
};

static void op_record_read(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        memcpy(rec, r->view + k * SUITE_RECORD_SIZE, sizeof rec);
        suite_sink += rec[i % SUITE_RECORD_SIZE];
    }
}

static void op_record_update(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    memset(rec, 0x42, sizeof rec);
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        rec[0] = (unsigned char)i;
        memcpy(r->view + k * SUITE_RECORD_SIZE, rec, sizeof rec);
    }
}

static void op_scan_mib(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        unsigned long long off = r->chunk * SUITE_MIB;
        void *p = MapViewOfFile(r->map, FILE_MAP_READ, (DWORD)(off >> 32), (DWORD)off, SUITE_MIB);
        if (!p)
            fail_w32("MapViewOfFile (scan)");
        suite_sink += suite_sum(p, SUITE_MIB);
        if (!UnmapViewOfFile(p))
            fail_w32("UnmapViewOfFile (scan)");
        r->chunk = (r->chunk + 1) % SUITE_SCAN_CHUNKS;
    }
}

static void op_flush_page(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        r->view[0]++;
        if (!FlushViewOfFile(r->view, 4096))
            fail_w32("FlushViewOfFile");
    }
}

/* The file of records, written and flushed, mapped whole, every page
 * touched for writing (the steady state of a warm database). */
static void records_open(struct records *r)
{
    char dir[MAX_PATH];
    static unsigned char block[SUITE_MIB];
    memset(r, 0, sizeof *r);
    if (!GetTempPathA(sizeof dir, dir))
        fail_w32("GetTempPath");
    snprintf(r->path, sizeof r->path, "%smmf-suite-%lu.bin", dir,
             (unsigned long)GetCurrentProcessId());
    r->file = CreateFileA(r->path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                          FILE_ATTRIBUTE_NORMAL, NULL);
    if (r->file == INVALID_HANDLE_VALUE)
        fail_w32("CreateFile (records)");
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += SUITE_MIB) {
        DWORD len = (DWORD)(SUITE_FILE_SIZE - off < SUITE_MIB ? SUITE_FILE_SIZE - off : SUITE_MIB);
        DWORD put = 0;
        memset(block, (int)(off >> 20), len);
        if (!WriteFile(r->file, block, len, &put, NULL) || put != len)
            fail_w32("WriteFile (records)");
    }
    if (!FlushFileBuffers(r->file))
        fail_w32("FlushFileBuffers");
    r->map = mapping(r->file, PAGE_READWRITE, 0, NULL);
    r->view = MapViewOfFile(r->map, FILE_MAP_WRITE, 0, 0, 0);
    if (!r->view)
        fail_w32("MapViewOfFile (records)");
    volatile unsigned char *v = r->view;
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += 4096)
        v[off] = v[off];
    r->rng = SUITE_SEED;
}

static void records_close(struct records *r)
{
    UnmapViewOfFile(r->view);
    CloseHandle(r->map);
    CloseHandle(r->file);
    DeleteFileA(r->path);
}

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

static void waited(HANDLE h, const char *what)
{
    if (WaitForSingleObject(h, INFINITE) != WAIT_OBJECT_0)
        fail_w32(what);
}

static void op_mutex(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        waited(arg, "WaitForSingleObject (mutex)");
        if (!ReleaseMutex(arg))
            fail_w32("ReleaseMutex");
    }
}

static void op_semaphore(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        if (!ReleaseSemaphore(arg, 1, NULL))
            fail_w32("ReleaseSemaphore");
        waited(arg, "WaitForSingleObject (semaphore)");
    }
}

struct trip {
    HANDLE a, b, flag_map;  /* inheritable: A parent->child, B back */
    volatile LONG *stop;
    PROCESS_INFORMATION pi;
};

static void op_round_trip(void *arg, long n)
{
    struct trip *t = arg;
    for (long i = 0; i < n; i++) {
        if (!SetEvent(t->a))
            fail_w32("SetEvent");
        waited(t->b, "WaitForSingleObject (event)");
    }
}

static HANDLE handle_arg(const char *s)
{
    return (HANDLE)(uintptr_t)strtoull(s, NULL, 10);
}

/* The child: answer each A with B until the flag is set. */
static int child(char **argv)
{
    HANDLE a = handle_arg(argv[2]), b = handle_arg(argv[3]);
    volatile LONG *stop = MapViewOfFile(handle_arg(argv[4]), FILE_MAP_READ, 0, 0, 0);
    if (!stop)
        fail_w32("MapViewOfFile (child flag)");
    for (;;) {
        waited(a, "WaitForSingleObject (child)");
        if (*stop)
            return 0;
        if (!SetEvent(b))
            fail_w32("SetEvent (child)");
    }
}

static void trip_start(struct trip *t)
{
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    char self[MAX_PATH], cmd[MAX_PATH + 128];
    STARTUPINFOA si;
    t->a = CreateEventA(&sa, FALSE, FALSE, NULL);
    t->b = CreateEventA(&sa, FALSE, FALSE, NULL);
    t->flag_map = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, NULL);
    if (!t->a || !t->b || !t->flag_map)
        fail_w32("CreateEvent/CreateFileMapping (inheritable)");
    t->stop = MapViewOfFile(t->flag_map, FILE_MAP_WRITE, 0, 0, 0);
    if (!t->stop)
        fail_w32("MapViewOfFile (flag)");
    if (!GetModuleFileNameA(NULL, self, sizeof self))
        fail_w32("GetModuleFileName");
    snprintf(cmd, sizeof cmd, "\"%s\" child %llu %llu %llu", self,
             (unsigned long long)(uintptr_t)t->a, (unsigned long long)(uintptr_t)t->b,
             (unsigned long long)(uintptr_t)t->flag_map);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &t->pi))
        fail_w32("CreateProcess");
}

static void trip_stop(struct trip *t)
{
    *t->stop = 1;
    SetEvent(t->a);
    if (WaitForSingleObject(t->pi.hProcess, 30000) != WAIT_OBJECT_0)
        fail_w32("WaitForSingleObject (child exit)");
    CloseHandle(t->pi.hProcess);
    CloseHandle(t->pi.hThread);
    UnmapViewOfFile((void *)t->stop);
    CloseHandle(t->a);
    CloseHandle(t->b);
    CloseHandle(t->flag_map);
}

/* ------------------------------------------------------------------ */
/* The runs                                                            */
/* ------------------------------------------------------------------ */

static void run_sections(HANDLE sec)
{
    one("map_unmap", op_map_unmap, sec, LX(lx_map_unmap));
    one("create_close", op_create_close, NULL, LX(lx_create_close));
}

/* Holds up to `wanted` named 4 KiB reserved mappings; returns how many
 * it keeps.  When the descriptor limit stops it earlier, the last
 * CROWD_SPARE are closed again so that the measured opens have room. */
#define CROWD_SPARE 32
static long name_crowd(HANDLE *h, long wanted, const char *prefix)
{
    for (long i = 0; i < wanted; i++) {
        char name[128];
        snprintf(name, sizeof name, "%slive-%05ld", prefix, i);
        h[i] = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0,
                                  4096, name);
        if (!h[i]) {
            DWORD e = GetLastError();
            long keep = i > CROWD_SPARE ? i - CROWD_SPARE : 0;
            while (i > keep)
                CloseHandle(h[--i]);
            SetLastError(e);
            return keep;
        }
    }
    return wanted;
}

static void run_names(const char *prefix)
{
    char cycle[96], held[96];
    snprintf(cycle, sizeof cycle, "%scycle", prefix);
    snprintf(held, sizeof held, "%sheld", prefix);
    one("named_create_open", op_named_create_open, cycle, LX(lx_named_create_open));
    HANDLE holder = mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE, SUITE_NAMED_SIZE, held);
    LINUX(lx_held_open());
    one("named_open", op_named_open, held, LX(lx_named_open));

    if (skipped("open_live")) {
        suite_missing("open_live", SUITE_IMPL);
    } else {
        HANDLE *crowd = calloc(SUITE_LIVE_NAMES, sizeof *crowd);
        if (!crowd)
            fail_w32("calloc");
        long n = name_crowd(crowd, SUITE_LIVE_NAMES, prefix);
        if (n < SUITE_LIVE_NAMES)
            suite_note("open_live (%s): %ld live names, not %ld: CreateFileMapping failed "
                       "with error %lu (4: too many open files)", SUITE_IMPL, n,
                       SUITE_LIVE_NAMES, (unsigned long)GetLastError());
        LINUX(lx_name_crowd_open(SUITE_LIVE_NAMES));
        one("open_live", op_named_open, held, LX(lx_named_open));
        LINUX(lx_name_crowd_close());
        for (long i = 0; i < n; i++)
            CloseHandle(crowd[i]);
        free(crowd);
    }
    LINUX(lx_held_close());
    CloseHandle(holder);
}

static void run_records(void)
{
    struct records r;
    records_open(&r);
    LINUX(lx_records_open());
    one("record_read", op_record_read, &r, LX(lx_record_read));
    one("record_update", op_record_update, &r, LX(lx_record_update));
    one("scan_mib", op_scan_mib, &r, LX(lx_scan_mib));
    one("flush_page", op_flush_page, &r, LX(lx_flush_page));
    LINUX(lx_records_close());
    records_close(&r);
}

static void run_sync(void)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE s = CreateSemaphoreA(NULL, 0, 0x7FFFFFFF, NULL);
    if (!m || !s)
        fail_w32("CreateMutex/CreateSemaphore");
    LINUX(lx_sync_open());
    one("mutex", op_mutex, m, LX(lx_mutex));
    one("semaphore", op_semaphore, s, LX(lx_semaphore));
    CloseHandle(m);
    CloseHandle(s);

    struct trip t;
    trip_start(&t);
    one("round_trip", op_round_trip, &t, LX(lx_round_trip));
    trip_stop(&t);
    LINUX(lx_sync_close());
}

/* 100,000 live views of 64 KiB (the granularity: smaller views would
 * leave holes, and the kernel could not merge them under
 * vm.max_map_count), at descending offsets of one reserved mapping. */
static void run_live_views(HANDLE sec)
{
    if (skipped("map_unmap_live")) {
        suite_missing("map_unmap_live", SUITE_IMPL);
        return;
    }
    const long n = SUITE_LIVE_VIEWS;
    HANDLE big = mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE | SEC_RESERVE,
                         (unsigned long long)n * GRAN, NULL);
    void **v = calloc((size_t)n, sizeof *v);
    if (!v)
        fail_w32("calloc");
    double t0 = suite_now_ns();
    for (long i = 0; i < n; i++) {
        unsigned long long off = (unsigned long long)(n - 1 - i) * GRAN;
        v[i] = MapViewOfFile(big, FILE_MAP_WRITE, (DWORD)(off >> 32), (DWORD)off, GRAN);
        if (!v[i]) {
            suite_note("map_unmap_live (%s): view %ld of %ld failed (error %lu)", SUITE_IMPL,
                       i + 1, n, (unsigned long)GetLastError());
            suite_missing("map_unmap_live", SUITE_IMPL);
            for (long j = 0; j < i; j++)
                UnmapViewOfFile(v[j]);
            free(v);
            CloseHandle(big);
            return;
        }
    }
    suite_note("map_unmap_live (%s): %ld views of 64 KiB made in %.2f s", SUITE_IMPL, n,
               (suite_now_ns() - t0) / 1e9);
    LINUX(lx_view_crowd_open(n));
    one("map_unmap_live", op_map_unmap, sec, LX(lx_map_unmap));
    LINUX(lx_view_crowd_close());
    for (long i = n - 1; i >= 0; i--)
        UnmapViewOfFile(v[i]);
    free(v);
    CloseHandle(big);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "child") == 0)
        return child(argv);
    suite_init();
    char prefix[64];
    snprintf(prefix, sizeof prefix, "Local\\mmfsuite-w32-%lu-", (unsigned long)GetCurrentProcessId());

    LINUX(lx_open());
    HANDLE sec = mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE, SUITE_SECTION_SIZE, NULL);
    run_sections(sec);
    run_names(prefix);
    run_records();
    run_sync();
    run_live_views(sec);
    CloseHandle(sec);
    LINUX(lx_close());
    return 0;
}
