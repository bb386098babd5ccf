/*
 * w32test.h - helpers shared by the Win32 conformance programs.
 *
 * Everything here uses only functions declared in include/win32/windows.h
 * and psapi.h, so each program builds both with mingw (run under Wine to
 * record the expectation) and natively against libmmf.a.  The helpers print
 * nothing that differs between runs: no handle values, addresses, pids or
 * paths.  Temporary files and object names carry the process id so that
 * runs do not collide, and are never printed.
 */
#ifndef MMF_W32TEST_H
#define MMF_W32TEST_H

#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last error as printed: decimal, through unsigned long. */
#define ERR() ((unsigned long)GetLastError())
#define UL(x) ((unsigned long)(x))
#define BADLE 0xdeadbeefu

/* Called first by every main(): unbuffered output keeps a parent's and a
 * child's lines in the order they were produced. */
static inline void t_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
}

/* "name: ok" or "name: FAIL err=N" (the error is read before printing). */
static inline void res(const char *name, int ok)
{
    unsigned long e = ERR();
    if (ok)
        printf("%s: ok\n", name);
    else
        printf("%s: FAIL err=%lu\n", name, e);
}

/* Result and last error both, for calls whose success sets the last
 * error (CreateFileMapping 0/183, CreateFile 183, ...). */
static inline void res_le(const char *name, int ok)
{
    unsigned long e = ERR();
    printf("%s: %s err=%lu\n", name, ok ? "ok" : "FAIL", e);
}

/* A failure expected: "name: ok=0 err=N" whatever happens. */
static inline void res_err(const char *name, int ok)
{
    unsigned long e = ERR();
    printf("%s: ok=%d err=%lu\n", name, ok ? 1 : 0, e);
}

/* "<prefix>mmft_<pid>_<tag>" - a name for a named object. */
static inline void t_name(char *out, size_t n, const char *prefix, const char *tag)
{
    snprintf(out, n, "%smmft_%lu_%s", prefix, UL(GetCurrentProcessId()), tag);
}

/* The same as UTF-16. */
static inline void t_wname(WCHAR *out, int n, const char *prefix, const char *tag)
{
    char a[200];
    t_name(a, sizeof a, prefix, tag);
    MultiByteToWideChar(CP_UTF8, 0, a, -1, out, n);
}

/* "<temp dir>mmft_<pid>_<tag>.dat" - a temporary file path. */
static inline void t_path(char *out, size_t n, const char *tag)
{
    char dir[MAX_PATH];
    DWORD len = GetTempPathA(MAX_PATH, dir);
    if (len == 0 || len >= MAX_PATH) {
        dir[0] = '.';
        dir[1] = '/';
        dir[2] = 0;
    }
    snprintf(out, n, "%smmft_%lu_%s.dat", dir, UL(GetCurrentProcessId()), tag);
}

/* The basename t_path gives for tag (for comparisons, never printed). */
static inline void t_base(char *out, size_t n, const char *tag)
{
    snprintf(out, n, "mmft_%lu_%s.dat", UL(GetCurrentProcessId()), tag);
}

/* The part of a path after the last '\\' or '/'. */
static inline const char *t_basename(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return b;
}

#define T_SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* Open a file with every share flag (a program may open it more than once). */
static inline HANDLE t_open(const char *path, DWORD access, DWORD disposition)
{
    return CreateFileA(path, access, T_SHARE_ALL, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* Create (or overwrite) a file of size bytes: byte i is (i * 7 + 3) & 0xff. */
static inline int t_make_file(const char *path, DWORD size)
{
    HANDLE h = t_open(path, GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    unsigned char buf[4096];
    DWORD done = 0, w;
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    while (done < size) {
        DWORD n = size - done < sizeof buf ? size - done : (DWORD)sizeof buf;
        DWORD i;
        for (i = 0; i < n; i++)
            buf[i] = (unsigned char)(((done + i) * 7 + 3) & 0xff);
        if (!WriteFile(h, buf, n, &w, NULL) || w != n) {
            CloseHandle(h);
            return 0;
        }
        done += n;
    }
    CloseHandle(h);
    return 1;
}

static inline unsigned char t_pat(DWORD off)
{
    return (unsigned char)((off * 7 + 3) & 0xff);
}

/* Does the memory at p hold the pattern of file offset off, for n bytes? */
static inline int t_check_pat(const void *p, DWORD off, DWORD n)
{
    const unsigned char *c = (const unsigned char *)p;
    DWORD i;
    for (i = 0; i < n; i++)
        if (c[i] != t_pat(off + i))
            return 0;
    return 1;
}

static inline unsigned long t_file_size(const char *path)
{
    HANDLE h = t_open(path, GENERIC_READ, OPEN_EXISTING);
    DWORD hi = 0, lo;
    if (h == INVALID_HANDLE_VALUE)
        return 0xffffffffUL;
    lo = GetFileSize(h, &hi);
    CloseHandle(h);
    return UL(lo);
}

/* Handle values travel to children as hex text (never printed). */
static inline void t_hex(char *out, size_t n, HANDLE h)
{
    static const char dig[] = "0123456789abcdef";
    char tmp[32];
    ULONG_PTR v = (ULONG_PTR)h;
    int i = 0, j = 0;
    do {
        tmp[i++] = dig[v & 15];
        v >>= 4;
    } while (v && i < 30);
    if ((size_t)i + 1 > n)
        i = (int)n - 1;
    while (i > 0)
        out[j++] = tmp[--i];
    out[j] = 0;
}

static inline HANDLE t_unhex(const char *s)
{
    return (HANDLE)(ULONG_PTR)_strtoui64(s, NULL, 16);
}

/* Start this program again as "<self> <args>"; stdout is flushed first. */
static inline int t_spawn(const char *args, BOOL inherit, PROCESS_INFORMATION *pi)
{
    char self[MAX_PATH];
    char cmd[2048];
    STARTUPINFOA si;
    DWORD n = GetModuleFileNameA(NULL, self, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        return 0;
    snprintf(cmd, sizeof cmd, "\"%s\" %s", self, args);
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    ZeroMemory(pi, sizeof *pi);
    fflush(stdout);
    return CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL, &si, pi) ? 1 : 0;
}

/* Wait for a child (up to 20 s) and return its exit code (0xFFFF on timeout). */
static inline DWORD t_join(PROCESS_INFORMATION *pi)
{
    DWORD code = 0xFFFF;
    if (WaitForSingleObject(pi->hProcess, 20000) != WAIT_OBJECT_0) {
        TerminateProcess(pi->hProcess, 0xFFFF);
        WaitForSingleObject(pi->hProcess, 5000);
    }
    GetExitCodeProcess(pi->hProcess, &code);
    CloseHandle(pi->hProcess);
    CloseHandle(pi->hThread);
    return code;
}

/* A mapping's view protection as VirtualQuery reports it (0 on failure). */
static inline DWORD t_prot(const void *p)
{
    MEMORY_BASIC_INFORMATION mbi;
    if (VirtualQuery(p, &mbi, sizeof mbi) != sizeof mbi)
        return 0;
    return mbi.Protect;
}

#endif /* MMF_W32TEST_H */
