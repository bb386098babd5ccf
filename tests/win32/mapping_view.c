/*
 * mapping_view.c - MapViewOfFile / MapViewOfFileEx / UnmapViewOfFile /
 * FlushViewOfFile: the view access x mapping protection matrix and the
 * protection each view gets, offsets (alignment 1132, past the end 87),
 * sizes (view past the end 5, exact byte limit of file mappings, page
 * rounding of memory mappings), fixed base addresses (busy 487, unaligned
 * 1132), unmapping by any inner address, flushing, coherence with
 * ReadFile/WriteFile, copy-on-write views and views outliving handles.
 * Spec: win32-file-mapping.md 3.4, 3.6, 3.7, 5, 7; wine-behaviours.md B.4-B.6.
 */
#include "w32test.h"

static const struct { const char *n; DWORD v; } mprots[] = {
    { "READONLY", PAGE_READONLY },
    { "WRITECOPY", PAGE_WRITECOPY },
    { "READWRITE", PAGE_READWRITE },
    { "EXECUTE_READ", PAGE_EXECUTE_READ },
    { "EXECUTE_WRITECOPY", PAGE_EXECUTE_WRITECOPY },
    { "EXECUTE_READWRITE", PAGE_EXECUTE_READWRITE },
};

static const struct { const char *n; DWORD v; } accs[] = {
    { "0", 0 },
    { "READ", FILE_MAP_READ },
    { "COPY", FILE_MAP_COPY },
    { "WRITE", FILE_MAP_WRITE },
    { "READ|WRITE", FILE_MAP_READ | FILE_MAP_WRITE },
    { "READ|COPY", FILE_MAP_READ | FILE_MAP_COPY },
    { "WRITE|COPY", FILE_MAP_WRITE | FILE_MAP_COPY },
    { "ALL_ACCESS", FILE_MAP_ALL_ACCESS },
    { "EXEC|READ", FILE_MAP_EXECUTE | FILE_MAP_READ },
    { "EXEC|COPY", FILE_MAP_EXECUTE | FILE_MAP_COPY },
    { "EXEC|WRITE", FILE_MAP_EXECUTE | FILE_MAP_WRITE },
    { "SECTION_MAP_EXECUTE|READ", SECTION_MAP_EXECUTE | FILE_MAP_READ },
};

static void map_one(const char *what, HANDLE m, DWORD acc, DWORD hi, DWORD lo, SIZE_T n)
{
    void *p;
    unsigned long e;
    SetLastError(BADLE);
    p = MapViewOfFile(m, acc, hi, lo, n);
    e = ERR();
    if (p) {
        MEMORY_BASIC_INFORMATION mbi;
        VirtualQuery(p, &mbi, sizeof mbi);
        printf("%s: view prot=0x%lx alloc=0x%lx\n", what, UL(mbi.Protect), UL(mbi.AllocationProtect));
        UnmapViewOfFile(p);
    } else {
        printf("%s: NULL err=%lu\n", what, e);
    }
}

int main(void)
{
    char path[MAX_PATH], line[200];
    HANDLE f, m, m2;
    size_t i, j;
    unsigned char *p, *q;
    DWORD got;

    t_init();
    t_path(path, sizeof path, "view");

    /* 1. access x protection, on a 2-page file opened read+write+execute */
    t_make_file(path, 8192);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE, OPEN_EXISTING);
    for (i = 0; i < sizeof mprots / sizeof mprots[0]; i++) {
        m = CreateFileMappingA(f, NULL, mprots[i].v, 0, 0, NULL);
        if (!m) {
            printf("matrix %s: create failed err=%lu\n", mprots[i].n, ERR());
            continue;
        }
        for (j = 0; j < sizeof accs / sizeof accs[0]; j++) {
            snprintf(line, sizeof line, "matrix %s %s", mprots[i].n, accs[j].n);
            map_one(line, m, accs[j].v, 0, 0, 0);
        }
        CloseHandle(m);
    }
    CloseHandle(f);

    /* 2. offsets and sizes on a file of 3 * 65536 + 100 bytes */
    t_make_file(path, 3 * 65536 + 100);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    res("off_create", m != NULL);
    map_one("off_1", m, FILE_MAP_READ, 0, 1, 0);
    map_one("off_4096", m, FILE_MAP_READ, 0, 4096, 0);
    map_one("off_32768", m, FILE_MAP_READ, 0, 32768, 100);
    map_one("off_65536_all", m, FILE_MAP_READ, 0, 65536, 0);
    map_one("off_65536_exact", m, FILE_MAP_READ, 0, 65536, 2 * 65536 + 100);
    map_one("off_65536_plus1", m, FILE_MAP_READ, 0, 65536, 2 * 65536 + 101);
    map_one("off_196608_100", m, FILE_MAP_READ, 0, 196608, 100);
    map_one("off_196608_101", m, FILE_MAP_READ, 0, 196608, 101);
    map_one("off_196608_4096", m, FILE_MAP_READ, 0, 196608, 4096);
    map_one("off_262144", m, FILE_MAP_READ, 0, 262144, 0);
    map_one("off_high_1", m, FILE_MAP_READ, 1, 0, 0);
    map_one("size_0_whole", m, FILE_MAP_READ, 0, 0, 0);
    map_one("size_whole_plus1", m, FILE_MAP_READ, 0, 0, 3 * 65536 + 101);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 131072, 1000);
    res("off_131072_data_view", p != NULL);
    if (p) {
        printf("off_131072_data: %d\n", t_check_pat(p, 131072, 1000));
        UnmapViewOfFile(p);
    }
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 196608, 0);
    if (p) {
        printf("tail_data: pattern=%d past_eof_zero=%d\n", t_check_pat(p, 196608, 100),
               p[100] == 0 && p[4095] == 0);
        UnmapViewOfFile(p);
    }

    /* 3. two views of the same object: distinct addresses, same memory */
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    q = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 4096);
    res("two_views", p && q);
    if (p && q) {
        printf("two_views distinct=%d aligned=%d\n", p != q,
               ((ULONG_PTR)p % 65536) == 0 && ((ULONG_PTR)q % 65536) == 0);
        p[10] = 0xAB;
        printf("two_views alias=%d\n", q[10] == 0xAB);
    }
    /* 4. coherence with ReadFile / WriteFile */
    if (p) {
        unsigned char b[4] = { 0 };
        memcpy(p + 200, "VIEW", 4);
        SetFilePointer(f, 200, NULL, FILE_BEGIN);
        res("coh_readfile", ReadFile(f, b, 4, &got, NULL) && got == 4);
        printf("coh_readfile data=%d\n", memcmp(b, "VIEW", 4) == 0);
        SetFilePointer(f, 300, NULL, FILE_BEGIN);
        res("coh_writefile", WriteFile(f, "FILE", 4, &got, NULL) && got == 4);
        printf("coh_writefile seen=%d\n", memcmp(p + 300, "FILE", 4) == 0);
    }
    /* 5. copy-on-write view: private to the view, never in the file */
    {
        unsigned char *c = (unsigned char *)MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
        res("cow_view", c != NULL);
        if (c && p) {
            unsigned char b[4] = { 0 };
            printf("cow sees_shared=%d\n", memcmp(c + 200, "VIEW", 4) == 0);
            memcpy(c + 400, "COPY", 4);
            printf("cow private=%d other_view_unchanged=%d\n", memcmp(c + 400, "COPY", 4) == 0,
                   memcmp(p + 400, "COPY", 4) != 0);
            SetFilePointer(f, 400, NULL, FILE_BEGIN);
            ReadFile(f, b, 4, &got, NULL);
            printf("cow file_unchanged=%d\n", memcmp(b, "COPY", 4) != 0);
            res("cow_unmap", UnmapViewOfFile(c));
        }
    }
    /* 6. FlushViewOfFile */
    if (p) {
        res("flush_whole", FlushViewOfFile(p, 0));
        res("flush_part", FlushViewOfFile(p + 100, 10));
        res("flush_exact_end", FlushViewOfFile(p, 3 * 65536 + 100));
        SetLastError(BADLE);
        res_err("flush_null", FlushViewOfFile(NULL, 0));
        SetLastError(BADLE);
        res_err("flush_past_end", FlushViewOfFile(q, 65536 * 2));
    }
    /* 7. UnmapViewOfFile: inner addresses, twice, non-views */
    if (q) {
        res("unmap_inner_100", UnmapViewOfFile(q + 100));
        SetLastError(BADLE);
        res_err("unmap_again", UnmapViewOfFile(q));
        SetLastError(BADLE);
        res_err("flush_unmapped", FlushViewOfFile(q, 0));
    }
    if (p) {
        res("unmap_inner_4096", UnmapViewOfFile(p + 4096));
        SetLastError(BADLE);
        res_err("unmap_inner_again", UnmapViewOfFile(p + 4096));
    }
    {
        int local = 0;
        char *heap = (char *)malloc(100);
        SetLastError(BADLE);
        res_err("unmap_null", UnmapViewOfFile(NULL));
        SetLastError(BADLE);
        res_err("unmap_stack", UnmapViewOfFile(&local));
        SetLastError(BADLE);
        res_err("unmap_heap", UnmapViewOfFile(heap));
        free(heap);
    }
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 12288);
    res("unmap_inner_4196", p && UnmapViewOfFile(p + 4196));

    /* 8. MapViewOfFileEx */
    p = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, NULL);
    res("ex_null_base", p != NULL);
    if (p) {
        SetLastError(BADLE);
        q = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 65536, p);
        res_err("ex_busy", q != NULL);
        SetLastError(BADLE);
        q = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 4096, p + 65536);
        res_err("ex_busy_inner", q != NULL);
        SetLastError(BADLE);
        q = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 4096, p + 4096);
        res_err("ex_unaligned_4096", q != NULL);
        SetLastError(BADLE);
        q = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 4096, p + 42);
        res_err("ex_unaligned_42", q != NULL);
        UnmapViewOfFile(p);
        q = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 65536, 0, p);
        res("ex_free_base", q != NULL);
        printf("ex_free_base at_requested=%d data=%d\n", q == p, q ? t_check_pat(q, 65536, 1000) : 0);
        if (q)
            UnmapViewOfFile(q);
    }
    CloseHandle(m);

    /* 9. views outlive the mapping and file handles */
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    res("outlive_close_mapping", CloseHandle(m));
    res("outlive_close_file", CloseHandle(f));
    if (p) {
        p[1000] = 0x5A;
        printf("outlive data=%d write=%d\n", t_check_pat(p + 500, 500, 100), p[1000] == 0x5A);
        res("outlive_flush", FlushViewOfFile(p, 0));
        res("outlive_unmap", UnmapViewOfFile(p));
    }
    f = t_open(path, GENERIC_READ, OPEN_EXISTING);
    {
        unsigned char b = 0;
        SetFilePointer(f, 1000, NULL, FILE_BEGIN);
        ReadFile(f, &b, 1, &got, NULL);
        printf("outlive in_file=%d\n", b == 0x5A);
    }
    CloseHandle(f);

    /* 10. a read-only file: PAGE_WRITECOPY mapping, private writes */
    f = t_open(path, GENERIC_READ, OPEN_EXISTING);
    m = CreateFileMappingA(f, NULL, PAGE_WRITECOPY, 0, 0, NULL);
    res("ro_file writecopy_mapping", m != NULL);
    map_one("ro_file map_write", m, FILE_MAP_WRITE, 0, 0, 0);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
    res("ro_file map_copy", p != NULL);
    if (p) {
        unsigned char b = 0;
        p[2000] = (unsigned char)(t_pat(2000) + 1);
        q = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
        printf("ro_file copy_written=%d read_view_unchanged=%d\n", p[2000] == (unsigned char)(t_pat(2000) + 1),
               q && q[2000] == t_pat(2000));
        SetFilePointer(f, 2000, NULL, FILE_BEGIN);
        ReadFile(f, &b, 1, &got, NULL);
        printf("ro_file file_unchanged=%d\n", b == t_pat(2000));
        if (q)
            UnmapViewOfFile(q);
        UnmapViewOfFile(p);
    }
    CloseHandle(m);

    /* 11. adjacent views: each is its own allocation */
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (p) {
        MEMORY_BASIC_INFORMATION mbi;
        UnmapViewOfFile(p);
        p = (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 65536, p);
        q = p ? (unsigned char *)MapViewOfFileEx(m, FILE_MAP_READ, 0, 65536, 65536, p + 65536) : NULL;
        res("adjacent_views", p && q);
        if (p && q) {
            VirtualQuery(p + 4096, &mbi, sizeof mbi);
            printf("adjacent first region=%lu allocbase_ok=%d\n", UL(mbi.RegionSize), mbi.AllocationBase == p);
            VirtualQuery(p + 65536, &mbi, sizeof mbi);
            printf("adjacent second allocbase_ok=%d data=%d\n", mbi.AllocationBase == q, t_check_pat(q, 65536, 100));
            res("adjacent unmap_first", UnmapViewOfFile(p + 65535));
            printf("adjacent second_kept=%d\n", t_check_pat(q, 65536, 65536));
            UnmapViewOfFile(q);
        }
    }
    CloseHandle(m);
    CloseHandle(f);

    /* 12. memory-backed: size rounded up to pages, zero-filled */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3452, NULL);
    map_one("anon_0x3452_all", m, FILE_MAP_READ, 0, 0, 0);
    map_one("anon_0x3452_0x4000", m, FILE_MAP_READ, 0, 0, 0x4000);
    map_one("anon_0x3452_0x4001", m, FILE_MAP_READ, 0, 0, 0x4001);
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (p) {
        MEMORY_BASIC_INFORMATION mbi;
        VirtualQuery(p, &mbi, sizeof mbi);
        printf("anon region=%lu zero=%d\n", UL(mbi.RegionSize), p[0] == 0 && p[0x3fff] == 0);
        p[0x3fff] = 1;
        res("anon_flush", FlushViewOfFile(p, 0));
        UnmapViewOfFile(p);
    }
    /* a second handle sees the same memory */
    m2 = NULL;
    res("anon_dup", DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &m2, 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
    p = (unsigned char *)MapViewOfFile(m2, FILE_MAP_READ, 0, 0, 0);
    printf("anon persisted=%d\n", p && p[0x3fff] == 1);
    if (p)
        UnmapViewOfFile(p);
    CloseHandle(m2);
    CloseHandle(m);
    SetLastError(BADLE);
    res_err("map_closed_handle", MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) != NULL);
    SetLastError(BADLE);
    res_err("map_null_handle", MapViewOfFile(NULL, FILE_MAP_READ, 0, 0, 0) != NULL);

    DeleteFileA(path);
    return 0;
}
