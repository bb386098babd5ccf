/*
 * mapped_filename.c - GetMappedFileNameA / W and K32GetMappedFileNameA / W:
 * the basename of the file behind a view (any inner address), the returned
 * length, a memory-backed view (1006), an address in no view (59), a NULL
 * buffer (87) or nSize 0 (87 or 122), a short buffer (truncated, no failure), a bad
 * process handle (6).  Only basenames are compared: Windows returns an NT
 * device path, mmf the Linux path.
 * Spec: win32-file-mapping.md 3.9; psapi.h.
 */
#include "w32test.h"

static void name_a(const char *what, HANDLE proc, void *addr, const char *want, DWORD size)
{
    char buf[1024];
    DWORD n;
    memset(buf, 'x', sizeof buf);
    SetLastError(BADLE);
    n = GetMappedFileNameA(proc, addr, buf, size);
    if (n == 0) {
        printf("%s: 0 err=%lu\n", what, ERR());
        return;
    }
    printf("%s: len_ok=%d basename_ok=%d\n", what, n == (DWORD)strlen(buf),
           strcmp(t_basename(buf), want) == 0);
}

int main(void)
{
    char path[MAX_PATH], base[200], buf[1024];
    WCHAR wbuf[1024];
    HANDLE f, m, ma, self;
    unsigned char *p, *pa;
    DWORD n;

    t_init();
    t_path(path, sizeof path, "mfn");
    t_base(base, sizeof base, "mfn");
    t_make_file(path, 3 * 4096);
    f = t_open(path, GENERIC_READ, OPEN_EXISTING);
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    res("map_file", p != NULL);

    name_a("a_base", GetCurrentProcess(), p, base, sizeof buf);
    name_a("a_inner_0x2000", GetCurrentProcess(), p + 0x2000, base, sizeof buf);
    name_a("a_inner_odd", GetCurrentProcess(), p + 123, base, sizeof buf);
    self = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, GetCurrentProcessId());
    res("open_self", self != NULL);
    name_a("a_open_process_handle", self, p, base, sizeof buf);
    CloseHandle(self);

    SetLastError(BADLE);
    n = K32GetMappedFileNameA(GetCurrentProcess(), p, buf, sizeof buf);
    printf("k32_a: len_ok=%d basename_ok=%d\n", n != 0 && n == (DWORD)strlen(buf),
           n != 0 && strcmp(t_basename(buf), base) == 0);

    SetLastError(BADLE);
    n = GetMappedFileNameW(GetCurrentProcess(), p, wbuf, 1024);
    if (n) {
        char u[2048];
        WideCharToMultiByte(CP_UTF8, 0, wbuf, -1, u, sizeof u, NULL, NULL);
        printf("w: len_ok=%d basename_ok=%d\n", n == (DWORD)lstrlenW(wbuf), strcmp(t_basename(u), base) == 0);
    } else {
        printf("w: 0 err=%lu\n", ERR());
    }
    SetLastError(BADLE);
    n = K32GetMappedFileNameW(GetCurrentProcess(), p + 4096, wbuf, 1024);
    printf("k32_w: ok=%d\n", n != 0 && n == (DWORD)lstrlenW(wbuf));

    /* a short buffer: truncated, not a failure */
    memset(buf, 'x', sizeof buf);
    SetLastError(BADLE);
    n = GetMappedFileNameA(GetCurrentProcess(), p, buf, 1);
    printf("a_size_1: ret=%lu empty=%d\n", UL(n), buf[0] == 0);

    /* errors */
    SetLastError(BADLE);
    n = GetMappedFileNameA(GetCurrentProcess(), p, NULL, 100);
    printf("a_null_buffer: ret=%lu err=%lu\n", UL(n), ERR());
    SetLastError(BADLE);
    n = GetMappedFileNameA(GetCurrentProcess(), p, buf, 0);
    {
        /* Windows versions differ (Wine's psapi tests accept both) */
        DWORD e = GetLastError();
        printf("a_size_0: ret=%lu err_87_or_122=%d\n", UL(n), e == ERROR_INVALID_PARAMETER || e == ERROR_INSUFFICIENT_BUFFER);
    }
    name_a("a_null_process", NULL, p, base, sizeof buf);
    name_a("a_null_address", GetCurrentProcess(), NULL, base, sizeof buf);

    ma = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    pa = (unsigned char *)MapViewOfFile(ma, FILE_MAP_WRITE, 0, 0, 0);
    name_a("a_memory_view", GetCurrentProcess(), pa, base, sizeof buf);
    name_a("a_memory_view_inner", GetCurrentProcess(), pa + 5000, base, sizeof buf);
    SetLastError(BADLE);
    n = GetMappedFileNameW(GetCurrentProcess(), pa, wbuf, 1024);
    printf("w_memory_view: ret=%lu err=%lu\n", UL(n), ERR());
    UnmapViewOfFile(pa);
    CloseHandle(ma);

    /* an address in the program image names the program */
    {
        static const char marker[] = "image data";
        char self[MAX_PATH];
        GetModuleFileNameA(NULL, self, MAX_PATH);
        SetLastError(BADLE);
        n = GetMappedFileNameA(GetCurrentProcess(), (LPVOID)marker, buf, sizeof buf);
        if (n)
            printf("a_image_address: basename_is_program=%d\n", _stricmp(t_basename(buf), t_basename(self)) == 0);
        else
            printf("a_image_address: 0 err=%lu\n", ERR());
    }

    /* after unmapping and closing the handles */
    CloseHandle(m);
    CloseHandle(f);
    name_a("a_after_handles_closed", GetCurrentProcess(), p, base, sizeof buf);
    UnmapViewOfFile(p);
    name_a("a_unmapped", GetCurrentProcess(), p, base, sizeof buf);
    SetLastError(BADLE);
    n = GetMappedFileNameW(GetCurrentProcess(), p, wbuf, 1024);
    printf("w_unmapped: ret=%lu err=%lu\n", UL(n), ERR());

    DeleteFileA(path);
    return 0;
}
