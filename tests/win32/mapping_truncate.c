/*
 * mapping_truncate.c - changing a mapped file: SetEndOfFile shrinking below
 * a mapping fails with ERROR_USER_MAPPED_FILE (1224) while a mapping handle
 * or a view exists, growing is allowed, CREATE_ALWAYS / TRUNCATE_EXISTING
 * on a mapped file fail with 1224, and everything is allowed again once
 * the last handle and view are gone.
 * Spec: win32-file-mapping.md 8; wine-behaviours.md A.10, B.10 118, 121-123.
 */
#include "w32test.h"

static void seteof(const char *what, HANDLE f, LONG at)
{
    SetFilePointer(f, at, NULL, FILE_BEGIN);
    SetLastError(BADLE);
    if (SetEndOfFile(f))
        printf("%s: ok size=%lu\n", what, UL(GetFileSize(f, NULL)));
    else
        printf("%s: FAIL err=%lu size=%lu\n", what, ERR(), UL(GetFileSize(f, NULL)));
}

static void reopen(const char *what, const char *path, DWORD disp)
{
    HANDLE h;
    SetLastError(BADLE);
    h = t_open(path, GENERIC_READ | GENERIC_WRITE, disp);
    if (h != INVALID_HANDLE_VALUE) {
        printf("%s: ok size=%lu\n", what, UL(GetFileSize(h, NULL)));
        CloseHandle(h);
    } else {
        printf("%s: FAIL err=%lu\n", what, ERR());
    }
}

int main(void)
{
    char path[MAX_PATH];
    HANDLE f, m;
    unsigned char *p;

    t_init();
    t_path(path, sizeof path, "trunc");
    t_make_file(path, 65536);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);

    /* 1. a mapping handle, no view */
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 32768, NULL);
    res("create_32k", m != NULL);
    seteof("handle_only shrink_below", f, 100);
    seteof("handle_only grow", f, 100000);
    reopen("handle_only create_always", path, CREATE_ALWAYS);
    reopen("handle_only truncate_existing", path, TRUNCATE_EXISTING);
    reopen("handle_only open_existing", path, OPEN_EXISTING);

    /* 2. a view as well */
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    res("view", p != NULL);
    seteof("view shrink", f, 0);
    seteof("view grow", f, 200000);
    printf("view data_ok=%d\n", p && t_check_pat(p, 0, 32768));

    /* 3. only the view (handles closed): still mapped */
    CloseHandle(m);
    seteof("view_only shrink", f, 10);
    reopen("view_only create_always", path, CREATE_ALWAYS);
    seteof("view_only grow", f, 300000);
    if (p)
        p[5] = 0x77;

    /* 4. nothing left: truncation allowed */
    UnmapViewOfFile(p);
    seteof("unmapped shrink", f, 10);
    {
        unsigned char b = 0;
        DWORD got;
        SetFilePointer(f, 5, NULL, FILE_BEGIN);
        ReadFile(f, &b, 1, &got, NULL);
        printf("unmapped view_write_kept=%d\n", b == 0x77);
    }
    reopen("unmapped truncate_existing", path, TRUNCATE_EXISTING);

    /* 5. a read-only mapping blocks truncation too */
    t_make_file(path, 8192);
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    res("create_readonly", m != NULL);
    seteof("readonly_mapping shrink", f, 4096);
    seteof("readonly_mapping grow", f, 10000);
    CloseHandle(m);
    seteof("readonly_closed shrink", f, 4096);

    /* 6. a memory-backed mapping does not involve the file */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    seteof("anon_mapping shrink_file", f, 0);
    CloseHandle(m);

    CloseHandle(f);
    res("delete", DeleteFileA(path));
    return 0;
}
