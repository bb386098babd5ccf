/*
 * fuzz_win32.c — libFuzzer harness for the Win32 layer.
 *
 * As fuzz_native.c: each input is a sequence of Win32 calls on a few
 * handle slots (mappings, files, mutexes, semaphores, events, threads'
 * absence included) and views, with boundary arguments, garbage handle
 * values (closed handles, INVALID_HANDLE_VALUE, pseudo handles, odd
 * numbers, descriptors mmf owns), bad flags and wild addresses.  A call
 * must return its documented failure value with a last error set, or
 * succeed; everything is closed at the end of each input.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NH 8
#define NV 6

struct input {
    const unsigned char *p;
    size_t n;
};

static uint64_t take(struct input *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v <<= 8;
        if (in->n) {
            v |= *in->p++;
            in->n--;
        }
    }
    return v;
}

static DWORD dword(struct input *in)
{
    static const DWORD edge[] = { 0, 1, 2, 4, 8, 0x20, 0x40, 0x80, 0xFF, 4095, 4096, 65535,
                                  65536, 65537, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu };
    uint8_t k = (uint8_t)take(in, 1);
    return k < 200 ? edge[k % (sizeof edge / sizeof *edge)] : (DWORD)take(in, 4);
}

static DWORD protect(struct input *in)
{
    static const DWORD p[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ,
                               PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, PAGE_NOACCESS,
                               PAGE_EXECUTE, 0, PAGE_READONLY | PAGE_READWRITE, PAGE_GUARD };
    static const DWORD sec[] = { 0, SEC_COMMIT, SEC_RESERVE, SEC_COMMIT | SEC_RESERVE, SEC_IMAGE,
                                 SEC_FILE, SEC_NOCACHE, SEC_COMMIT | SEC_NOCACHE, SEC_LARGE_PAGES,
                                 SEC_COMMIT | SEC_LARGE_PAGES };
    return p[take(in, 1) % (sizeof p / sizeof *p)] | sec[take(in, 1) % (sizeof sec / sizeof *sec)];
}

static DWORD map_access(struct input *in)
{
    static const DWORD a[] = { FILE_MAP_READ, FILE_MAP_WRITE, FILE_MAP_COPY, FILE_MAP_ALL_ACCESS,
                               FILE_MAP_EXECUTE | FILE_MAP_READ, FILE_MAP_EXECUTE | FILE_MAP_WRITE,
                               0, SECTION_MAP_EXECUTE, FILE_MAP_READ | FILE_MAP_COPY };
    return a[take(in, 1) % (sizeof a / sizeof *a)];
}

static const char *name(struct input *in)
{
    static const char *names[] = { "Local\\wz0", "wz0", "Global\\wz1", "Local\\wz2", "Local\\a\\b",
                                   "", NULL, "Foo\\bar", "Local\\..", "Global\\" };
    return names[take(in, 1) % (sizeof names / sizeof *names)];
}

struct state {
    HANDLE h[NH];
    char  *v[NV];
    char   path[128];
};

#define EXPECT(cond)                                                                  \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz_win32: %s:%d: expectation failed: %s\n", __FILE__, \
                    __LINE__, #cond);                                                 \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A handle argument: a slot's, or garbage. */
static HANDLE handle(struct state *s, struct input *in)
{
    uint8_t k = (uint8_t)take(in, 1);
    if (k < 192)
        return s->h[k % NH];
    /* Not the numbers of the fuzzer's own descriptors: a value that names
     * an open descriptor without FD_CLOEXEC is adopted as an inherited
     * handle, as a child of CreateProcess must. */
    static const uintptr_t junk[] = { 0, (uintptr_t)-1, (uintptr_t)-2, 4, 8, 12, 1, 3, 0x1000,
                                      0xdeadbeef, 0x40000, 0x100000, (uintptr_t)1 << 40 };
    return (HANDLE)junk[k % (sizeof junk / sizeof *junk)];
}

static void put(struct state *s, int i, HANDLE h)
{
    if (s->h[i])
        CloseHandle(s->h[i]);
    s->h[i] = h;
}

/* A failed call must have set a last error. */
static void failed_sets_error(BOOL ok)
{
    if (!ok)
        EXPECT(GetLastError() != 0xdeadbeef);
}

static void op(struct state *s, struct input *in)
{
    int i = (int)(take(in, 1) % NH), v = (int)(take(in, 1) % NV);
    HANDLE h;
    SetLastError(0xdeadbeef);
    switch (take(in, 1) % 26) {
    case 0:
        h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect(in), take(in, 1) & 1,
                               dword(in) & 0xFFFFFF, name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 1:
        h = CreateFileMappingA(handle(s, in), NULL, protect(in), 0, dword(in) & 0x3FFFFFFF,
                               name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 2:
        h = OpenFileMappingA(map_access(in), (BOOL)(take(in, 1) & 1), name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 3:
        if (!s->v[v]) {
            SIZE_T n = dword(in);
            if (n > (64u << 20))
                n = 64u << 20;
            s->v[v] = MapViewOfFileEx(handle(s, in), map_access(in), take(in, 1) & 1 ? dword(in) : 0,
                                      dword(in), n,
                                      take(in, 1) & 1 ? (void *)(uintptr_t)take(in, 6) : NULL);
            failed_sets_error(s->v[v] != NULL);
        }
        break;
    case 4:
        if (s->v[v]) {
            EXPECT(UnmapViewOfFile(s->v[v] + take(in, 2)) || GetLastError() == ERROR_INVALID_ADDRESS);
            if (!UnmapViewOfFile(s->v[v]))
                EXPECT(GetLastError() == ERROR_INVALID_ADDRESS);
            s->v[v] = NULL;
        }
        break;
    case 5:
        failed_sets_error(UnmapViewOfFile((void *)(uintptr_t)take(in, 8)));
        break;
    case 6:
        if (s->v[v])
            failed_sets_error(FlushViewOfFile(s->v[v] + take(in, 2), dword(in)));
        break;
    case 7:
        if (s->v[v]) {
            DWORD old;
            failed_sets_error(VirtualProtect(s->v[v] + take(in, 2), dword(in) & 0xFFFFF, protect(in) & 0xFFF,
                                             take(in, 1) & 1 ? &old : NULL));
        }
        break;
    case 8: {
        MEMORY_BASIC_INFORMATION m;
        void *a = s->v[v] ? s->v[v] + take(in, 3) : (void *)(uintptr_t)take(in, 8);
        SIZE_T r = VirtualQuery(a, &m, take(in, 1) & 1 ? sizeof m : dword(in) & 0xFF);
        EXPECT(r == 0 || r == sizeof m);
        break;
    }
    case 9: {
        char buf[300];
        DWORD r = GetMappedFileNameA(take(in, 1) & 1 ? GetCurrentProcess() : handle(s, in),
                                     s->v[v] ? s->v[v] : (void *)(uintptr_t)take(in, 8), buf,
                                     dword(in) % sizeof buf);
        EXPECT(r < sizeof buf);
        break;
    }
    case 10:
        h = CreateFileA(take(in, 1) & 1 ? s->path : name(in), dword(in) & 0xF0000000u, dword(in) & 7,
                        NULL, dword(in) % 7, dword(in), NULL);
        failed_sets_error(h != INVALID_HANDLE_VALUE);
        if (h != INVALID_HANDLE_VALUE)
            put(s, i, h);
        break;
    case 11: {
        char buf[256];
        DWORD got;
        failed_sets_error(ReadFile(handle(s, in), buf, dword(in) % sizeof buf, &got, NULL));
        failed_sets_error(WriteFile(handle(s, in), buf, dword(in) % sizeof buf, &got, NULL));
        break;
    }
    case 12: {
        LONG hi = (LONG)dword(in);
        SetFilePointer(handle(s, in), (LONG)dword(in), take(in, 1) & 1 ? &hi : NULL, dword(in) % 4);
        failed_sets_error(SetEndOfFile(handle(s, in)));
        DWORD high;
        GetFileSize(handle(s, in), &high);
        break;
    }
    case 13:
        h = take(in, 1) & 1 ? CreateMutexA(NULL, (BOOL)(take(in, 1) & 1), name(in))
                            : CreateEventA(NULL, (BOOL)(take(in, 1) & 1), (BOOL)(take(in, 1) & 1),
                                           name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 14:
        h = CreateSemaphoreA(NULL, (LONG)dword(in), (LONG)dword(in), name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 15: {
        DWORD r = WaitForSingleObject(handle(s, in), 0);
        EXPECT(r == WAIT_OBJECT_0 || r == WAIT_ABANDONED || r == WAIT_TIMEOUT ||
               (r == WAIT_FAILED && GetLastError() != 0xdeadbeef));
        break;
    }
    case 16: {
        HANDLE set[NH];
        DWORD n = (DWORD)(take(in, 1) % (NH + 1));
        for (DWORD k = 0; k < n; k++)
            set[k] = handle(s, in);
        DWORD r = WaitForMultipleObjects(n, set, (BOOL)(take(in, 1) & 1), 0);
        EXPECT(r < n || (r >= WAIT_ABANDONED && r < WAIT_ABANDONED + n) || r == WAIT_TIMEOUT ||
               (r == WAIT_FAILED && GetLastError() != 0xdeadbeef));
        break;
    }
    case 17: {
        LONG prev;
        failed_sets_error(ReleaseMutex(handle(s, in)));
        failed_sets_error(ReleaseSemaphore(handle(s, in), (LONG)dword(in), &prev));
        failed_sets_error(take(in, 1) & 1 ? SetEvent(handle(s, in)) : ResetEvent(handle(s, in)));
        break;
    }
    case 18:
        h = take(in, 1) % 3 == 0   ? OpenMutexA(dword(in), FALSE, name(in))
            : take(in, 1) % 2 == 0 ? OpenSemaphoreA(dword(in), FALSE, name(in))
                                   : OpenEventA(dword(in), FALSE, name(in));
        failed_sets_error(h != NULL);
        if (h)
            put(s, i, h);
        break;
    case 19: {
        HANDLE out = NULL;
        BOOL ok = DuplicateHandle(take(in, 1) & 1 ? GetCurrentProcess() : handle(s, in),
                                  handle(s, in), GetCurrentProcess(), &out, dword(in),
                                  (BOOL)(take(in, 1) & 1), dword(in) & DUPLICATE_SAME_ACCESS);
        failed_sets_error(ok);
        if (ok)
            put(s, (i + 1) % NH, out);
        break;
    }
    case 20: {
        DWORD f;
        failed_sets_error(GetHandleInformation(handle(s, in), &f));
        /* never leave a protected handle: it could not be closed at the end */
        failed_sets_error(SetHandleInformation(handle(s, in), dword(in), dword(in) & ~2u));
        break;
    }
    case 21:
        if (s->h[i]) {
            EXPECT(CloseHandle(s->h[i]));
            s->h[i] = NULL;
        }
        break;
    case 22:
        /* a garbage value, or one of ours closed behind its slot's back
         * (the slot then goes stale, as a program's would) */
        CloseHandle(handle(s, in));
        break;
    case 23: {
        STARTUPINFOA si = { .cb = sizeof si };
        PROCESS_INFORMATION pi;
        char cmd[] = "/nonexistent/program arg";
        EXPECT(!CreateProcessA(NULL, cmd, NULL, NULL, (BOOL)(take(in, 1) & 1), dword(in) & 0x10,
                               NULL, NULL, &si, &pi));
        break;
    }
    case 24: {
        DWORD code;
        failed_sets_error(GetExitCodeProcess(handle(s, in), &code));
        failed_sets_error(GetExitCodeThread(handle(s, in), &code));
        break;
    }
    case 25: {
        WCHAR w[32];
        char a[32];
        int n = MultiByteToWideChar(CP_UTF8, 0, (const char *)in->p, (int)(in->n < 31 ? in->n : 31),
                                    w, 32);
        EXPECT(n >= 0 && n <= 32);
        if (n > 0)
            EXPECT(WideCharToMultiByte(CP_UTF8, 0, w, n, a, 32, NULL, NULL) >= 0);
        break;
    }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char dir[] = "/tmp/mmf-fuzz32-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!mkdtemp(dir) || chdir(dir) < 0) /* relative names land there */
        abort();
    setenv("MMF_REGISTRY_DIR", dir, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct state s;
    memset(&s, 0, sizeof s);
    snprintf(s.path, sizeof s.path, "%s/file", dir);
    struct input in = { data, size };
    for (int k = 0; k < 48 && in.n; k++)
        op(&s, &in);
    for (int k = 0; k < NV; k++)
        if (s.v[k])
            EXPECT(UnmapViewOfFile(s.v[k]));
    for (int k = 0; k < NH; k++)
        if (s.h[k]) {
            SetHandleInformation(s.h[k], HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
            CloseHandle(s.h[k]);
        }
    unlink(s.path);
    return 0;
}
