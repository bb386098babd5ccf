/*
 * mapping_create.c - CreateFileMapping: the protection matrix (memory- and
 * file-backed), the SEC_* matrix, file access vs protection, sizes (empty
 * file, read-only larger than the file, writable growing the file, size 0
 * for memory), bad file handles and the last error on success.
 * Spec: win32-file-mapping.md 2.1, 2.2, 3.1, 5; wine-behaviours.md B.1, B.2.
 */
#include "w32test.h"

static const struct { const char *n; DWORD v; } prots[] = {
    { "0", 0 },
    { "NOACCESS", PAGE_NOACCESS },
    { "READONLY", PAGE_READONLY },
    { "READWRITE", PAGE_READWRITE },
    { "WRITECOPY", PAGE_WRITECOPY },
    { "EXECUTE", PAGE_EXECUTE },
    { "EXECUTE_READ", PAGE_EXECUTE_READ },
    { "EXECUTE_READWRITE", PAGE_EXECUTE_READWRITE },
    { "EXECUTE_WRITECOPY", PAGE_EXECUTE_WRITECOPY },
    { "READONLY|READWRITE", PAGE_READONLY | PAGE_READWRITE },
    { "READWRITE|EXECUTE_READ", PAGE_READWRITE | PAGE_EXECUTE_READ },
    { "READWRITE|GUARD", PAGE_READWRITE | PAGE_GUARD },
    { "READWRITE|NOCACHE", PAGE_READWRITE | PAGE_NOCACHE },
};

static const struct { const char *n; DWORD v; } secs[] = {
    { "none", 0 },
    { "COMMIT", SEC_COMMIT },
    { "RESERVE", SEC_RESERVE },
    { "COMMIT|NOCACHE", SEC_COMMIT | SEC_NOCACHE },
    { "RESERVE|NOCACHE", SEC_RESERVE | SEC_NOCACHE },
    { "COMMIT|WRITECOMBINE", SEC_COMMIT | SEC_WRITECOMBINE },
    { "RESERVE|WRITECOMBINE", SEC_RESERVE | SEC_WRITECOMBINE },
    { "RESERVE|COMMIT", SEC_RESERVE | SEC_COMMIT },
    { "NOCACHE", SEC_NOCACHE },
    { "WRITECOMBINE", SEC_WRITECOMBINE },
    { "LARGE_PAGES", SEC_LARGE_PAGES },
    { "RESERVE|LARGE_PAGES", SEC_RESERVE | SEC_LARGE_PAGES },
    { "IMAGE", SEC_IMAGE },
    { "IMAGE|RESERVE", SEC_IMAGE | SEC_RESERVE },
    { "IMAGE|COMMIT", SEC_IMAGE | SEC_COMMIT },
    { "FILE", SEC_FILE },
    { "FILE|COMMIT", SEC_FILE | SEC_COMMIT },
};

static void one(const char *what, HANDLE file, DWORD prot, DWORD hi, DWORD lo)
{
    HANDLE m;
    unsigned long e;
    SetLastError(BADLE);
    m = CreateFileMappingA(file, NULL, prot, hi, lo, NULL);
    e = ERR();
    if (m)
        printf("%s: handle err=%lu\n", what, e);
    else
        printf("%s: NULL err=%lu\n", what, e);
    if (m)
        CloseHandle(m);
}

int main(void)
{
    char path[MAX_PATH], line[200];
    HANDLE f, m;
    size_t i;

    t_init();
    t_path(path, sizeof path, "create");

    /* 1. protections, memory-backed */
    for (i = 0; i < sizeof prots / sizeof prots[0]; i++) {
        snprintf(line, sizeof line, "prot_anon %s", prots[i].n);
        one(line, INVALID_HANDLE_VALUE, prots[i].v, 0, 65536);
    }

    /* 2. protections, a file opened read+write+execute */
    t_make_file(path, 8192);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE, OPEN_EXISTING);
    res("open_rwx", f != INVALID_HANDLE_VALUE);
    for (i = 0; i < sizeof prots / sizeof prots[0]; i++) {
        snprintf(line, sizeof line, "prot_file_rwx %s", prots[i].n);
        one(line, f, prots[i].v, 0, 0);
    }

    /* 3. SEC_* flags with PAGE_READWRITE, memory and file */
    for (i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        snprintf(line, sizeof line, "sec_anon %s", secs[i].n);
        one(line, INVALID_HANDLE_VALUE, PAGE_READWRITE | secs[i].v, 0, 65536);
    }
    for (i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        snprintf(line, sizeof line, "sec_file %s", secs[i].n);
        one(line, f, PAGE_READWRITE | secs[i].v, 0, 0);
    }
    one("sec_file COMMIT|LARGE_PAGES", f, PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, 0, 0);
    CloseHandle(f);

    /* 4. file access vs protection */
    f = t_open(path, GENERIC_READ, OPEN_EXISTING);
    for (i = 2; i < sizeof prots / sizeof prots[0] && i < 9; i++) {
        snprintf(line, sizeof line, "access_r %s", prots[i].n);
        one(line, f, prots[i].v, 0, 0);
    }
    CloseHandle(f);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    for (i = 2; i < sizeof prots / sizeof prots[0] && i < 9; i++) {
        snprintf(line, sizeof line, "access_rw %s", prots[i].n);
        one(line, f, prots[i].v, 0, 0);
    }
    CloseHandle(f);
    f = t_open(path, GENERIC_READ | GENERIC_EXECUTE, OPEN_EXISTING);
    for (i = 2; i < sizeof prots / sizeof prots[0] && i < 9; i++) {
        snprintf(line, sizeof line, "access_rx %s", prots[i].n);
        one(line, f, prots[i].v, 0, 0);
    }
    CloseHandle(f);
    f = t_open(path, 0, OPEN_EXISTING);
    res("open_access0", f != INVALID_HANDLE_VALUE);
    one("access_0 READONLY", f, PAGE_READONLY, 0, 0);
    one("access_0 READWRITE", f, PAGE_READWRITE, 0, 0);
    one("access_0 WRITECOPY", f, PAGE_WRITECOPY, 0, 0);
    CloseHandle(f);

    /* 5. sizes */
    one("size_anon_0", INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0);
    one("size_anon_1", INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 1);
    one("size_anon_readonly", INVALID_HANDLE_VALUE, PAGE_READONLY, 0, 4096);
    t_make_file(path, 0);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    one("size_empty_file_0", f, PAGE_READWRITE, 0, 0);
    one("size_empty_file_0_ro", f, PAGE_READONLY, 0, 0);
    one("size_empty_file_ro_4096", f, PAGE_READONLY, 0, 4096);
    printf("size_empty_file after_ro: %lu\n", t_file_size(path));
    one("size_empty_file_rw_4096", f, PAGE_READWRITE, 0, 4096);
    printf("size_empty_file after_rw: %lu\n", t_file_size(path));
    one("size_empty_file_0_again", f, PAGE_READWRITE, 0, 0);
    CloseHandle(f);

    t_make_file(path, 100);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    one("size_ro_bigger", f, PAGE_READONLY, 0, 200);
    one("size_wc_bigger", f, PAGE_WRITECOPY, 0, 200);
    printf("size_after_ro_bigger: %lu\n", t_file_size(path));
    one("size_ro_smaller", f, PAGE_READONLY, 0, 50);
    one("size_ro_equal", f, PAGE_READONLY, 0, 100);
    one("size_rw_bigger", f, PAGE_READWRITE, 0, 200);
    printf("size_after_rw_bigger: %lu\n", t_file_size(path));
    one("size_rw_65537", f, PAGE_READWRITE, 0, 65537);
    printf("size_after_rw_65537: %lu\n", t_file_size(path));
    /* the grown part reads back as zero through a view */
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    if (m) {
        unsigned char *p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
        res("size_grown_view", p != NULL);
        if (p) {
            printf("size_grown_data: head=%d tail_zero=%d\n", t_check_pat(p, 0, 100),
                   p[100] == 0 && p[65536] == 0);
            UnmapViewOfFile(p);
        }
        CloseHandle(m);
    }
    CloseHandle(f);

    /* 6. bad file handles */
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    CloseHandle(f);
    one("hfile_closed", f, PAGE_READWRITE, 0, 4096);

    /* 7. the last error on success is cleared; the W form */
    SetLastError(BADLE);
    m = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    res_le("create_w_unnamed", m != NULL);
    CloseHandle(m);
    SetLastError(BADLE);
    m = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL);
    res_err("create_w_size0", m != NULL);

    /* 8. SECURITY_ATTRIBUTES: NULL descriptor, inheritable */
    {
        SECURITY_ATTRIBUTES sa;
        DWORD fl = 99;
        sa.nLength = sizeof sa;
        sa.lpSecurityDescriptor = NULL;
        sa.bInheritHandle = TRUE;
        SetLastError(BADLE);
        m = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, NULL);
        res_le("create_sa_inherit", m != NULL);
        res("sa_inherit_info", GetHandleInformation(m, &fl));
        printf("sa_inherit_flags: %lu\n", UL(fl & HANDLE_FLAG_INHERIT));
        CloseHandle(m);
    }

    DeleteFileA(path);
    return 0;
}
