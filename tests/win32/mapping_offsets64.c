/*
 * mapping_offsets64.c - 64-bit sizes and offsets: a sparse file of
 * 4 GiB + 128 KiB mapped with size 0, views at offsets above 4 GiB
 * (dwFileOffsetHigh), data written through such a view read back with
 * ReadFile at the same 64-bit offset (SetFilePointerEx), mapping sizes
 * given with dwMaximumSizeHigh, and the alignment and end-of-object rules
 * above 4 GiB.
 * Spec: win32-file-mapping.md 3.1, 3.4, 5; DESIGN.md 2 (64-bit offsets).
 */
#include "w32test.h"

static void map_one(const char *what, HANDLE m, DWORD acc, DWORD hi, DWORD lo, SIZE_T n)
{
    void *p;
    SetLastError(BADLE);
    p = MapViewOfFile(m, acc, hi, lo, n);
    if (p) {
        printf("%s: ok\n", what);
        UnmapViewOfFile(p);
    } else {
        printf("%s: NULL err=%lu\n", what, ERR());
    }
}

int main(void)
{
    char path[MAX_PATH];
    HANDLE f, m;
    LARGE_INTEGER li, sz;
    unsigned char *p;
    DWORD got, hi;
    char buf[16];

    t_init();
    t_path(path, sizeof path, "big");
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    li.QuadPart = 0x100000000LL + 131072;
    res("grow_sparse", SetFilePointerEx(f, li, NULL, FILE_BEGIN) && SetEndOfFile(f));
    res("size_ex", GetFileSizeEx(f, &sz));
    printf("size_ex high=%ld low=%lu\n", (long)sz.HighPart, UL(sz.LowPart));
    hi = 0;
    printf("size low=%lu", UL(GetFileSize(f, &hi)));
    printf(" high=%lu\n", UL(hi));

    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    res("create_size0", m != NULL);
    map_one("view_hi1_off0", m, FILE_MAP_READ, 1, 0, 65536);
    map_one("view_hi1_off64k_to_end", m, FILE_MAP_READ, 1, 65536, 0);
    map_one("view_hi1_off4096", m, FILE_MAP_READ, 1, 4096, 4096);
    map_one("view_hi1_past_end", m, FILE_MAP_READ, 1, 65536, 65537);
    map_one("view_hi1_at_end", m, FILE_MAP_READ, 1, 131072, 0);
    map_one("view_hi2", m, FILE_MAP_READ, 2, 0, 0);
    map_one("view_low_spanning_4g", m, FILE_MAP_READ, 0, 0xFFFF0000u, 131072);

    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 1, 65536, 4096);
    res("view_write_hi", p != NULL);
    if (p) {
        printf("view_write_hi zero=%d\n", p[0] == 0 && p[4095] == 0);
        memcpy(p + 10, "above4G", 7);
        res("flush_hi", FlushViewOfFile(p, 0));
        UnmapViewOfFile(p);
    }
    li.QuadPart = 0x100000000LL + 65536 + 10;
    SetFilePointerEx(f, li, NULL, FILE_BEGIN);
    memset(buf, 0, sizeof buf);
    res("readfile_hi", ReadFile(f, buf, 7, &got, NULL) && got == 7);
    printf("readfile_hi data=%s\n", buf);
    /* and the other way round */
    li.QuadPart = 0x100000000LL + 100;
    SetFilePointerEx(f, li, NULL, FILE_BEGIN);
    WriteFile(f, "viaWriteFile", 12, &got, NULL);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 1, 0, 0);
    printf("view_sees_writefile=%d\n", p && memcmp(p + 100, "viaWriteFile", 12) == 0);
    if (p)
        UnmapViewOfFile(p);
    CloseHandle(m);

    /* a mapping size above 4 GiB given with dwMaximumSizeHigh (read-only, within the file) */
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 1, 65536, NULL);
    res("create_size_hi1", m != NULL);
    map_one("size_hi1 view_last_64k", m, FILE_MAP_READ, 1, 0, 65536);
    map_one("size_hi1 view_past", m, FILE_MAP_READ, 1, 0, 65537);
    map_one("size_hi1 off_at_size", m, FILE_MAP_READ, 1, 65536, 0);
    CloseHandle(m);
    SetLastError(BADLE);
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 1, 131073, NULL);
    printf("create_ro_bigger_hi: %s err=%lu\n", m ? "handle" : "NULL", ERR());
    if (m)
        CloseHandle(m);
    CloseHandle(f);
    res("delete", DeleteFileA(path));
    return 0;
}
