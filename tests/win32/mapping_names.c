/*
 * mapping_names.c - named mappings: last error 0 on creation and
 * ERROR_ALREADY_EXISTS (183) with a valid handle to the same object (its
 * size and protection win), case-sensitive names, Local\, Global\ and
 * unprefixed names, a name held by another object type (6), OpenFileMapping
 * not found (2), NULL name (87), the name disappearing with the last handle
 * even while a view is mapped, and the FILE_MAP_* rights of opened handles
 * (5).  A and W forms.
 * Spec: win32-file-mapping.md 1, 3.1, 3.3, 6; wine-behaviours.md A.5, B.2 30-35, B.3.
 */
#include "w32test.h"

static HANDLE create(const char *what, const char *name, DWORD prot, DWORD size)
{
    HANDLE m;
    SetLastError(BADLE);
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, prot, 0, size, name);
    res_le(what, m != NULL);
    return m;
}

static HANDLE open_(const char *what, DWORD acc, const char *name)
{
    HANDLE m;
    SetLastError(BADLE);
    m = OpenFileMappingA(acc, FALSE, name);
    if (m)
        printf("%s: ok\n", what);
    else
        printf("%s: NULL err=%lu\n", what, ERR());
    return m;
}

static void try_map(const char *what, HANDLE m, DWORD acc)
{
    void *p;
    SetLastError(BADLE);
    p = MapViewOfFile(m, acc, 0, 0, 0);
    if (p) {
        printf("%s: view prot=0x%lx\n", what, UL(t_prot(p)));
        UnmapViewOfFile(p);
    } else {
        printf("%s: NULL err=%lu\n", what, ERR());
    }
}

int main(void)
{
    char n1[200], n1up[200], nloc[200], nglob[200], nbare[200], nbareloc[200], nbareglob[200];
    char nev[200], nmx[200], tmp[200];
    WCHAR w1[200], wx[200];
    HANDLE a, b, c, e;
    unsigned char *p, *q;

    t_init();
    t_name(n1, sizeof n1, "Local\\", "map");
    t_name(n1up, sizeof n1up, "Local\\", "MAP");
    t_name(nglob, sizeof nglob, "Global\\", "gmap");
    t_name(nloc, sizeof nloc, "Local\\", "gmap");
    t_name(nbare, sizeof nbare, "", "bare");
    t_name(nbareloc, sizeof nbareloc, "Local\\", "bare");
    t_name(nbareglob, sizeof nbareglob, "Global\\", "bare");
    t_name(nev, sizeof nev, "Local\\", "ev");
    t_name(nmx, sizeof nmx, "Local\\", "mx");
    t_wname(w1, 200, "Local\\", "map");
    t_wname(wx, 200, "Local\\", "wonly");

    /* 1. create, create again, open */
    a = create("create_new", n1, PAGE_READWRITE, 8192);
    p = (unsigned char *)MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
    if (p)
        memcpy(p, "first", 6);
    b = create("create_existing", n1, PAGE_READWRITE, 65536 * 4);
    printf("create_existing distinct_handle=%d\n", b != a);
    q = (unsigned char *)MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0);
    if (q) {
        MEMORY_BASIC_INFORMATION mbi;
        VirtualQuery(q, &mbi, sizeof mbi);
        printf("create_existing same_data=%d size_of_first=%lu\n", strcmp((char *)q, "first") == 0,
               UL(mbi.RegionSize));
        UnmapViewOfFile(q);
    }
    try_map("create_existing map_beyond_first", b, FILE_MAP_READ);
    CloseHandle(b);
    /* the existing object with another protection: rights follow the new call */
    b = create("create_existing_readonly", n1, PAGE_READONLY, 8192);
    try_map("existing_readonly map_read", b, FILE_MAP_READ);
    try_map("existing_readonly map_write", b, FILE_MAP_WRITE);
    CloseHandle(b);
    /* opening with every right: the protection still caps the views */
    {
        char nro[200];
        HANDLE r1, r2;
        t_name(nro, sizeof nro, "Local\\", "ro");
        r1 = create("create_readonly_named", nro, PAGE_READONLY, 4096);
        r2 = open_("open_readonly_all_access", FILE_MAP_ALL_ACCESS, nro);
        try_map("readonly_all_access map_write", r2, FILE_MAP_WRITE);
        try_map("readonly_all_access map_read", r2, FILE_MAP_READ);
        CloseHandle(r2);
        CloseHandle(r1);
    }
    /* an inheritable handle to an existing object */
    {
        SECURITY_ATTRIBUTES sa;
        DWORD fl = 0;
        sa.nLength = sizeof sa;
        sa.lpSecurityDescriptor = NULL;
        sa.bInheritHandle = TRUE;
        SetLastError(BADLE);
        b = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 8192, n1);
        res_le("create_existing_inheritable", b != NULL);
        GetHandleInformation(b, &fl);
        printf("create_existing_inheritable flags=%lu\n", UL(fl));
        CloseHandle(b);
    }
    /* W forms on the same name */
    SetLastError(BADLE);
    b = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8192, w1);
    res_le("create_w_existing", b != NULL);
    CloseHandle(b);
    SetLastError(BADLE);
    b = OpenFileMappingW(FILE_MAP_READ, FALSE, w1);
    res("open_w", b != NULL);
    q = b ? (unsigned char *)MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0) : NULL;
    printf("open_w same_data=%d\n", q && strcmp((char *)q, "first") == 0);
    if (q)
        UnmapViewOfFile(q);
    CloseHandle(b);
    SetLastError(BADLE);
    b = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, wx);
    res_le("create_w_new", b != NULL);
    c = OpenFileMappingA(FILE_MAP_READ, FALSE, (t_name(tmp, sizeof tmp, "Local\\", "wonly"), tmp));
    res("open_a_of_w_name", c != NULL);
    CloseHandle(c);
    CloseHandle(b);

    /* a named file mapping: a second create with another file gets the first object */
    {
        char pa[MAX_PATH], pb[MAX_PATH], nf[200];
        HANDLE fa, fb, ma, mb;
        t_path(pa, sizeof pa, "names_a");
        t_path(pb, sizeof pb, "names_b");
        t_name(nf, sizeof nf, "Local\\", "filemap");
        t_make_file(pa, 8192);
        t_make_file(pb, 100);
        fa = t_open(pa, GENERIC_READ, OPEN_EXISTING);
        fb = t_open(pb, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
        SetLastError(BADLE);
        ma = CreateFileMappingA(fa, NULL, PAGE_READONLY, 0, 0, nf);
        res_le("file_named_create", ma != NULL);
        SetLastError(BADLE);
        mb = CreateFileMappingA(fb, NULL, PAGE_READONLY, 0, 0, nf);
        res_le("file_named_existing_other_file", mb != NULL);
        q = mb ? (unsigned char *)MapViewOfFile(mb, FILE_MAP_READ, 0, 0, 0) : NULL;
        printf("file_named_existing first_file_data=%d\n", q && t_check_pat(q, 0, 8192));
        if (q)
            UnmapViewOfFile(q);
        SetLastError(BADLE);
        c = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, nf);
        res_le("file_named_existing_as_memory", c != NULL);
        CloseHandle(c);
        CloseHandle(mb);
        CloseHandle(ma);
        CloseHandle(fa);
        CloseHandle(fb);
        printf("file_named_size_untouched=%lu\n", t_file_size(pb));
        DeleteFileA(pa);
        DeleteFileA(pb);
    }

    /* 2. case-sensitive names */
    b = open_("open_exact", FILE_MAP_ALL_ACCESS, n1);
    CloseHandle(b);
    open_("open_other_case", FILE_MAP_ALL_ACCESS, n1up);
    b = create("create_other_case", n1up, PAGE_READWRITE, 4096);
    q = (unsigned char *)MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0);
    printf("create_other_case new_object_zero=%d\n", q && q[0] == 0);
    if (q)
        UnmapViewOfFile(q);
    CloseHandle(b);

    /* 3. prefixes: bare names are Local\ names, Global\ is another namespace */
    b = create("create_bare", nbare, PAGE_READWRITE, 4096);
    c = open_("open_bare_as_local", FILE_MAP_READ, nbareloc);
    CloseHandle(c);
    c = open_("open_bare_as_global", FILE_MAP_READ, nbareglob);
    CloseHandle(b);
    b = create("create_global", nglob, PAGE_READWRITE, 4096);
    c = open_("open_global", FILE_MAP_READ, nglob);
    CloseHandle(c);
    c = open_("open_global_as_local", FILE_MAP_READ, nloc);
    c = create("create_local_same_suffix", nloc, PAGE_READWRITE, 4096);
    CloseHandle(c);
    CloseHandle(b);
    t_name(tmp, sizeof tmp, "Local\\", "dir\\sub");
    b = create("create_backslash_in_name", tmp, PAGE_READWRITE, 4096);
    if (b)
        CloseHandle(b);

    /* 4. names of another type */
    e = CreateEventA(NULL, TRUE, FALSE, nev);
    res("event_create", e != NULL);
    b = create("create_over_event", nev, PAGE_READWRITE, 4096);
    open_("open_event_name", FILE_MAP_READ, nev);
    CloseHandle(e);
    SetLastError(BADLE);
    e = CreateMutexA(NULL, FALSE, n1);
    printf("mutex_over_mapping: %s err=%lu\n", e ? "handle" : "NULL", ERR());
    if (e)
        CloseHandle(e);
    SetLastError(BADLE);
    e = OpenEventA(SYNCHRONIZE, FALSE, n1);
    printf("open_event_of_mapping: %s err=%lu\n", e ? "handle" : "NULL", ERR());
    e = CreateMutexA(NULL, FALSE, nmx);
    SetLastError(BADLE);
    b = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
                           (t_wname(wx, 200, "Local\\", "mx"), wx));
    printf("create_w_over_mutex: %s err=%lu\n", b ? "handle" : "NULL", ERR());
    CloseHandle(e);

    /* 5. not found, NULL name */
    t_name(tmp, sizeof tmp, "Local\\", "never");
    open_("open_never_created", FILE_MAP_READ, tmp);
    open_("open_null_name", FILE_MAP_READ, NULL);
    SetLastError(BADLE);
    b = OpenFileMappingW(FILE_MAP_READ, FALSE, NULL);
    printf("open_w_null_name: %s err=%lu\n", b ? "handle" : "NULL", ERR());

    /* 6. the FILE_MAP_* rights of opened handles */
    b = open_("open_read", FILE_MAP_READ, n1);
    try_map("h_read map_read", b, FILE_MAP_READ);
    try_map("h_read map_copy", b, FILE_MAP_COPY);
    try_map("h_read map_0", b, 0);
    try_map("h_read map_write", b, FILE_MAP_WRITE);
    try_map("h_read map_all", b, FILE_MAP_ALL_ACCESS);
    CloseHandle(b);
    b = open_("open_write", FILE_MAP_WRITE, n1);
    try_map("h_write map_write", b, FILE_MAP_WRITE);
    try_map("h_write map_read", b, FILE_MAP_READ);
    try_map("h_write map_copy", b, FILE_MAP_COPY);
    CloseHandle(b);
    b = open_("open_copy", FILE_MAP_COPY, n1);
    try_map("h_copy map_copy", b, FILE_MAP_COPY);
    try_map("h_copy map_read", b, FILE_MAP_READ);
    try_map("h_copy map_write", b, FILE_MAP_WRITE);
    CloseHandle(b);
    b = open_("open_rw", FILE_MAP_READ | FILE_MAP_WRITE, n1);
    try_map("h_rw map_write", b, FILE_MAP_WRITE);
    try_map("h_rw map_exec", b, FILE_MAP_EXECUTE | FILE_MAP_READ);
    CloseHandle(b);
    b = open_("open_all", FILE_MAP_ALL_ACCESS, n1);
    try_map("h_all map_write", b, FILE_MAP_WRITE);
    try_map("h_all map_exec", b, FILE_MAP_EXECUTE | FILE_MAP_READ);
    CloseHandle(b);
    /* PAGE_READWRITE (4) passed by mistake is FILE_MAP_READ */
    b = open_("open_page_readwrite_value", PAGE_READWRITE, n1);
    try_map("h_4 map_write", b, FILE_MAP_WRITE);
    CloseHandle(b);

    /* 7. the name goes with the last handle, views stay */
    b = open_("open_second", FILE_MAP_ALL_ACCESS, n1);
    res("close_first", CloseHandle(a));
    c = open_("open_after_first_closed", FILE_MAP_READ, n1);
    CloseHandle(c);
    res("close_last", CloseHandle(b));
    open_("open_after_last_closed", FILE_MAP_READ, n1);
    if (p) {
        printf("view_after_close data=%d\n", strcmp((char *)p, "first") == 0);
        p[100] = 1;
        printf("view_after_close writable=%d\n", p[100] == 1);
    }
    a = create("create_after_last_closed", n1, PAGE_READWRITE, 4096);
    q = (unsigned char *)MapViewOfFile(a, FILE_MAP_READ, 0, 0, 0);
    printf("create_after_last_closed new_zero=%d old_view_kept=%d\n", q && q[0] == 0,
           p && strcmp((char *)p, "first") == 0);
    if (q)
        UnmapViewOfFile(q);
    if (p)
        res("unmap_old_view", UnmapViewOfFile(p));
    CloseHandle(a);
    open_("open_after_recreated_closed", FILE_MAP_READ, n1);
    return 0;
}
