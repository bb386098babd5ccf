/*
 * views_protect_query.c - VirtualProtect on views (capped by the view's
 * initial protection: 87; NULL old-protect 998; not in a view 487; the old
 * value; region splits), VirtualQuery fields of views (inner addresses,
 * after unmapping, SEC_RESERVE views, copy-on-write pages after a write,
 * bad lengths and addresses) and GetSystemInfo / GetNativeSystemInfo /
 * GetLargePageMinimum.
 * Spec: win32-file-mapping.md 3.10, 3.11; wine-behaviours.md A.11, B.7 97-103.
 */
#include "w32test.h"

static const struct { const char *n; DWORD v; } nprots[] = {
    { "NOACCESS", PAGE_NOACCESS },
    { "READONLY", PAGE_READONLY },
    { "WRITECOPY", PAGE_WRITECOPY },
    { "READWRITE", PAGE_READWRITE },
    { "EXECUTE", PAGE_EXECUTE },
    { "EXECUTE_READ", PAGE_EXECUTE_READ },
    { "EXECUTE_WRITECOPY", PAGE_EXECUTE_WRITECOPY },
    { "EXECUTE_READWRITE", PAGE_EXECUTE_READWRITE },
    { "READONLY|READWRITE", PAGE_READONLY | PAGE_READWRITE },
    { "0", 0 },
};

static void query(const char *what, const void *addr, const void *base)
{
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T n;
    memset(&mbi, 0x55, sizeof mbi);
    SetLastError(BADLE);
    n = VirtualQuery(addr, &mbi, sizeof mbi);
    if (n != sizeof mbi) {
        printf("%s: ret=%lu err=%lu\n", what, UL(n), ERR());
        return;
    }
    printf("%s: base_ok=%d allocbase_ok=%d allocprot=0x%lx region=%lu state=0x%lx prot=0x%lx type=0x%lx\n",
           what, mbi.BaseAddress == (PVOID)((ULONG_PTR)addr & ~(ULONG_PTR)4095),
           mbi.AllocationBase == base, UL(mbi.AllocationProtect), UL(mbi.RegionSize),
           UL(mbi.State), UL(mbi.Protect), UL(mbi.Type));
}

/* Try every protection on a fresh view of m with access acc. */
static void protect_matrix(const char *tag, HANDLE m, DWORD acc)
{
    size_t i;
    char line[200];
    for (i = 0; i < sizeof nprots / sizeof nprots[0]; i++) {
        void *p = MapViewOfFile(m, acc, 0, 0, 0);
        DWORD old = 0xdead;
        BOOL ok;
        if (!p) {
            printf("protect %s: map failed err=%lu\n", tag, ERR());
            return;
        }
        snprintf(line, sizeof line, "protect %s -> %s", tag, nprots[i].n);
        SetLastError(BADLE);
        ok = VirtualProtect(p, 4096, nprots[i].v, &old);
        if (ok)
            printf("%s: ok old=0x%lx now=0x%lx\n", line, UL(old), UL(t_prot(p)));
        else
            printf("%s: FAIL err=%lu now=0x%lx\n", line, ERR(), UL(t_prot(p)));
        UnmapViewOfFile(p);
    }
}

int main(void)
{
    char path[MAX_PATH];
    HANDLE f, m, ma;
    unsigned char *p;
    DWORD old;
    SYSTEM_INFO si, nsi;

    t_init();
    t_path(path, sizeof path, "vpq");

    /* 1. GetSystemInfo */
    memset(&si, 0, sizeof si);
    GetSystemInfo(&si);
    printf("sysinfo page=%lu granularity=%lu arch=%u cpus_ok=%d range_ok=%d\n", UL(si.dwPageSize),
           UL(si.dwAllocationGranularity), (unsigned)si.wProcessorArchitecture,
           si.dwNumberOfProcessors > 0,
           (ULONG_PTR)si.lpMinimumApplicationAddress < (ULONG_PTR)si.lpMaximumApplicationAddress);
    memset(&nsi, 0, sizeof nsi);
    GetNativeSystemInfo(&nsi);
    printf("native_sysinfo page=%lu granularity=%lu same_cpus=%d\n", UL(nsi.dwPageSize),
           UL(nsi.dwAllocationGranularity), nsi.dwNumberOfProcessors == si.dwNumberOfProcessors);
    {
        SIZE_T lp = GetLargePageMinimum();
        printf("large_page_minimum zero_or_pow2=%d\n", lp == 0 || (lp & (lp - 1)) == 0);
    }

    /* 2. VirtualProtect caps, per view protection (file: 3 pages, RWX) */
    t_make_file(path, 3 * 4096);
    f = t_open(path, GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE, OPEN_EXISTING);
    m = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READWRITE, 0, 0, NULL);
    res("create_exec_rw", m != NULL);
    protect_matrix("READ", m, FILE_MAP_READ);
    protect_matrix("COPY", m, FILE_MAP_COPY);
    protect_matrix("WRITE", m, FILE_MAP_WRITE);
    protect_matrix("EXEC|READ", m, FILE_MAP_EXECUTE | FILE_MAP_READ);
    protect_matrix("EXEC|WRITE", m, FILE_MAP_EXECUTE | FILE_MAP_WRITE);

    /* 3. region splits and the old value */
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    query("q_view", p, p);
    query("q_inner_5000", p + 5000, p);
    res("vp_first_page_ro", VirtualProtect(p, 4096, PAGE_READONLY, &old));
    printf("vp_first_page_ro old=0x%lx\n", UL(old));
    query("q_after_vp page0", p, p);
    query("q_after_vp page1", p + 4096, p);
    res("vp_inner_range", VirtualProtect(p + 4100, 10, PAGE_NOACCESS, &old));
    printf("vp_inner_range old=0x%lx\n", UL(old));
    query("q_after_vp2 page1", p + 4096, p);
    query("q_after_vp2 page2", p + 8192, p);
    res("vp_two_pages", VirtualProtect(p, 8192, PAGE_READWRITE, &old));
    printf("vp_two_pages old_is_first_page=0x%lx\n", UL(old));
    query("q_after_vp3", p, p);
    SetLastError(BADLE);
    res_err("vp_null_old", VirtualProtect(p, 4096, PAGE_READONLY, NULL));
    /* 4. after unmapping */
    UnmapViewOfFile(p);
    {
        MEMORY_BASIC_INFORMATION mbi;
        SIZE_T n = VirtualQuery(p, &mbi, sizeof mbi);
        printf("q_unmapped: ret_ok=%d base_ok=%d allocbase_null=%d allocprot=0x%lx state=0x%lx prot=0x%lx type=0x%lx\n",
               n == sizeof mbi, mbi.BaseAddress == (PVOID)p, mbi.AllocationBase == NULL,
               UL(mbi.AllocationProtect), UL(mbi.State), UL(mbi.Protect), UL(mbi.Type));
    }
    SetLastError(BADLE);
    res_err("vp_unmapped", VirtualProtect(p, 4096, PAGE_READONLY, &old));

    /* 5. copy-on-write: a written page becomes PAGE_READWRITE */
    p = (unsigned char *)MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
    query("q_cow", p, p);
    if (p) {
        p[10] = 1;
        query("q_cow_written page0", p, p);
        query("q_cow_written page1", p + 4096, p);
        UnmapViewOfFile(p);
    }
    CloseHandle(m);

    /* 6. memory-backed views: SEC_COMMIT, SEC_RESERVE, a 4090-byte object */
    ma = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1 << 20, NULL);
    p = (unsigned char *)MapViewOfFile(ma, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    query("q_anon_commit", p, p);
    protect_matrix("anon WRITE", ma, FILE_MAP_WRITE);
    if (p)
        UnmapViewOfFile(p);
    CloseHandle(ma);
    ma = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 1 << 20, NULL);
    p = (unsigned char *)MapViewOfFile(ma, FILE_MAP_WRITE, 0, 0, 0);
    query("q_anon_reserve", p, p);
    if (p) {
        SetLastError(BADLE);
        res_err("vp_reserve_uncommitted", VirtualProtect(p, 4096, PAGE_READONLY, &old));
        UnmapViewOfFile(p);
    }
    CloseHandle(ma);
    ma = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4090, NULL);
    p = (unsigned char *)MapViewOfFile(ma, FILE_MAP_READ, 0, 0, 0);
    query("q_anon_4090", p, p);
    if (p)
        UnmapViewOfFile(p);
    CloseHandle(ma);

    /* SEC_NOCACHE shows in the protection */
    ma = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, 0, 65536, NULL);
    p = (unsigned char *)MapViewOfFile(ma, FILE_MAP_WRITE, 0, 0, 0);
    query("q_anon_nocache", p, p);
    if (p)
        UnmapViewOfFile(p);
    CloseHandle(ma);

    /* other memory: the program image, the heap, the stack */
    {
        static const char marker[] = "image data";
        MEMORY_BASIC_INFORMATION mbi;
        char *heap = (char *)malloc(100000);
        int local = 0;
        VirtualQuery(marker, &mbi, sizeof mbi);
        printf("q_image: state=0x%lx type=0x%lx\n", UL(mbi.State), UL(mbi.Type));
        VirtualQuery(heap, &mbi, sizeof mbi);
        printf("q_heap: state=0x%lx type=0x%lx\n", UL(mbi.State), UL(mbi.Type));
        VirtualQuery(&local, &mbi, sizeof mbi);
        printf("q_stack_type: state=0x%lx type=0x%lx\n", UL(mbi.State), UL(mbi.Type));
        free(heap);
    }

    /* 7. VirtualQuery argument errors */
    {
        MEMORY_BASIC_INFORMATION mbi;
        SIZE_T n;
        int local = 0;
        SetLastError(BADLE);
        n = VirtualQuery(&local, &mbi, 1);
        printf("q_short_buffer: ret=%lu err=%lu\n", UL(n), ERR());
        SetLastError(BADLE);
        n = VirtualQuery((void *)(ULONG_PTR)0xffff800000000000ull, &mbi, sizeof mbi);
        printf("q_kernel_address: ret=%lu err=%lu\n", UL(n), ERR());
        n = VirtualQuery(&local, &mbi, sizeof mbi);
        printf("q_stack: ret_ok=%d state=0x%lx not_mapped=%d\n", n == sizeof mbi, UL(mbi.State),
               mbi.Type != MEM_MAPPED);
    }

    CloseHandle(f);
    DeleteFileA(path);
    return 0;
}
