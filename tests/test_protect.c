/*
 * test_protect.c — mmf_view_protect and mmf_view_query: region runs, the
 * cap by the view's original protection, copy-on-write pages, real faults.
 */
#include "helpers.h"

TestSuite(query, .fini = tmp_cleanup, .timeout = 30);
TestSuite(protect, .fini = tmp_cleanup, .timeout = 30);

#define OLD_SENTINEL 0xdeadbeefu

/*
 * Asserts what a query of @addr reports about its region, given the run of
 * same-protection pages [run, run + run_size) that holds it: as in Windows,
 * the region starts at @addr's page and ends with the run.
 */
static void assert_region(const void *addr, const void *run, uint64_t run_size, unsigned prot)
{
    uint64_t pg = page_size();
    uintptr_t page = (uintptr_t)addr & ~(uintptr_t)(pg - 1);
    void *base = (void *)page;
    uint64_t size = (uint64_t)((uintptr_t)run + run_size - page);
    mmf_view_info vi = query(addr);
    cr_assert_eq(vi.region_base, base, "region of %p: base %p, want %p", addr,
                 vi.region_base, base);
    cr_assert_eq(vi.region_size, size, "region of %p: size %llu, want %llu", addr,
                 (unsigned long long)vi.region_size, (unsigned long long)size);
    cr_assert_eq(vi.protection, prot, "region of %p: protection %#x, want %#x", addr,
                 vi.protection, prot);
}

/* ================================================================== */
/* Query                                                               */
/* ================================================================== */

Test(query, fields_of_a_file_view)
{
    uint64_t pg = page_size(), fsz = 3 * pg + 100;
    int fd = tmp_file("f", fsz, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    mmf_section_info si = sinfo(s);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    const uint64_t at[] = { 0, 1, pg + 5, 3 * pg + 99, 4 * pg - 1 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        mmf_view_info vi = query(v + at[i]);
        uint64_t page = at[i] / pg * pg;
        cr_assert_eq(vi.region_base, (void *)(v + page), "query of +%llu",
                     (unsigned long long)at[i]);
        cr_assert_eq(vi.region_size, 4 * pg - page, "query of +%llu",
                     (unsigned long long)at[i]);
        cr_assert_eq(vi.protection, MMF_PAGE_READWRITE);
        cr_assert_eq(vi.view_base, (void *)v);
        cr_assert_eq(vi.view_size, 4 * pg);
        cr_assert_eq(vi.view_protection, MMF_PAGE_READWRITE);
        cr_assert_eq(vi.offset, 0);
        cr_assert_eq(vi.section_id, si.id);
        cr_assert_eq(vi.section_size, fsz);
        cr_assert_eq(vi.file_backed, 1);
    }
    assert_rc(mmf_view_query(v, NULL), -EINVAL);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(query, fields_of_a_memory_view)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(8 * pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_EXECUTE_READ, 2 * pg, 3 * pg + 1);
    mmf_view_info vi = query(v + 3 * pg + 17);
    cr_assert_eq(vi.region_base, (void *)(v + 3 * pg));
    cr_assert_eq(vi.region_size, pg);
    cr_assert_eq(query(v + pg - 1).region_base, (void *)v);
    cr_assert_eq(query(v + pg - 1).region_size, 4 * pg);
    cr_assert_eq(vi.protection, MMF_PAGE_EXECUTE_READ);
    cr_assert_eq(vi.view_base, (void *)v);
    cr_assert_eq(vi.view_size, 4 * pg);
    cr_assert_eq(vi.view_protection, MMF_PAGE_EXECUTE_READ);
    cr_assert_eq(vi.offset, 2 * pg);
    cr_assert_eq(vi.section_id, sinfo(s).id);
    cr_assert_eq(vi.section_size, 8 * pg);
    cr_assert_eq(vi.file_backed, 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(query, not_a_view_is_enotview)
{
    mmf_view_info vi, ref;
    memset(&vi, 0xa5, sizeof vi);
    memcpy(&ref, &vi, sizeof vi);
    assert_rc(mmf_view_query(NULL, &vi), MMF_ENOTVIEW);
    assert_rc(mmf_view_query(&vi, &vi), MMF_ENOTVIEW);
    char *heap = malloc(16);
    cr_assert_not_null(heap);
    assert_rc(mmf_view_query(heap, &vi), MMF_ENOTVIEW);
    free(heap);
    cr_assert(memcmp(&vi, &ref, sizeof vi) == 0, "info written on failure");
}

/* ================================================================== */
/* Protect: regions                                                    */
/* ================================================================== */

Test(protect, middle_page_splits_into_three_regions)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 4 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    unsigned old = OLD_SENTINEL;
    /* An unaligned one-byte range covers exactly its page. */
    assert_rc(mmf_view_protect(v + pg + 10, 1, MMF_PAGE_READONLY, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READWRITE);
    assert_region(v, v, pg, MMF_PAGE_READWRITE);
    assert_region(v + pg - 1, v, pg, MMF_PAGE_READWRITE);
    assert_region(v + pg, v + pg, pg, MMF_PAGE_READONLY);
    assert_region(v + 2 * pg - 1, v + pg, pg, MMF_PAGE_READONLY);
    assert_region(v + 2 * pg, v + 2 * pg, 2 * pg, MMF_PAGE_READWRITE);
    assert_region(v + 4 * pg - 1, v + 2 * pg, 2 * pg, MMF_PAGE_READWRITE);
    for (int i = 0; i < 4; i++) {
        mmf_view_info vi = query(v + (uint64_t)i * pg);
        cr_assert_eq(vi.view_base, (void *)v);
        cr_assert_eq(vi.view_size, 4 * pg);
        cr_assert_eq(vi.view_protection, MMF_PAGE_READWRITE);
    }
    char perms[5];
    maps_perms(v + pg, perms);
    cr_assert_str_eq(perms, "r--s", "the kernel mapping was not made read-only");
    maps_perms(v, perms);
    cr_assert_str_eq(perms, "rw-s");
    maps_perms(v + 3 * pg, perms);
    cr_assert_str_eq(perms, "rw-s");
    /* The other pages still write through to the file. */
    v[0] = 'a';
    v[2 * pg] = 'c';
    cr_assert_eq(file_byte(fd, 0), 'a');
    cr_assert_eq(file_byte(fd, 2 * pg), 'c');
    cr_assert(check_pat(v + pg, pg, pg));

    /* Back to read-write: one run again. */
    old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v + pg, pg, MMF_PAGE_READWRITE, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READONLY);
    assert_region(v + 3 * pg, v, 4 * pg, MMF_PAGE_READWRITE);
    v[pg] = 'b';
    cr_assert_eq(file_byte(fd, pg), 'b');
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(protect, old_prot_is_first_page_and_regions_stay_in_view)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(8 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READWRITE, 2 * pg, 3 * pg);
    assert_rc(mmf_view_protect(v + 2 * pg, pg, MMF_PAGE_READONLY, NULL), 0);
    assert_region(v + 2 * pg, v + 2 * pg, pg, MMF_PAGE_READONLY);
    assert_region(v, v, 2 * pg, MMF_PAGE_READWRITE);
    unsigned old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v + pg, 2 * pg, MMF_PAGE_NOACCESS, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READWRITE, "old protection must be the first page's");
    assert_region(v, v, pg, MMF_PAGE_READWRITE);
    assert_region(v + pg, v + pg, 2 * pg, MMF_PAGE_NOACCESS);
    old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v + 2 * pg, 1, MMF_PAGE_WRITECOPY, &old), 0);
    cr_assert_eq(old, MMF_PAGE_NOACCESS);
    assert_region(v + 2 * pg, v + 2 * pg, pg, MMF_PAGE_WRITECOPY);
    old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v, 3 * pg, MMF_PAGE_READONLY, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READWRITE);
    assert_region(v + pg, v, 3 * pg, MMF_PAGE_READONLY);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Protect: the cap rule                                               */
/* ================================================================== */

Test(protect, cap_matrix)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(2 * pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    for (int i = 0; i < 8; i++) {
        unsigned vp = all_prots[i];
        char *v = map_view(s, vp, 0, 0);
        for (int j = 0; j < 8; j++) {
            unsigned np = all_prots[j];
            int want = (access_set(np) & ~access_set(vp)) ? MMF_EPROTECT : 0;
            unsigned old = OLD_SENTINEL;
            int rc = mmf_view_protect(v + pg, pg, np, &old);
            cr_assert_eq(rc, want, "view %#x -> %#x: got %d (%s), want %d", vp, np, rc,
                         mmf_strerror(rc), want);
            if (rc == 0) {
                cr_assert_eq(old, vp);
                assert_region(v + pg, v + pg, pg, np);
                assert_rc(mmf_view_protect(v + pg, pg, vp, &old), 0);
                cr_assert_eq(old, np);
            } else {
                cr_assert_eq(old, OLD_SENTINEL, "old_prot written on failure");
            }
            assert_region(v, v, 2 * pg, vp);
            cr_assert_eq(query(v).view_protection, vp);
        }
        assert_rc(mmf_view_unmap(v), 0);
    }
    assert_rc(mmf_section_close(s), 0);
}

Test(protect, readonly_view_cannot_become_writable)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    const unsigned denied[] = { MMF_PAGE_READWRITE, MMF_PAGE_EXECUTE, MMF_PAGE_EXECUTE_READ,
                                MMF_PAGE_EXECUTE_READWRITE, MMF_PAGE_EXECUTE_WRITECOPY };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        unsigned old = OLD_SENTINEL;
        assert_rc(mmf_view_protect(v, pg, denied[i], &old), MMF_EPROTECT);
        cr_assert_eq(old, OLD_SENTINEL);
        assert_region(v + pg, v, 2 * pg, MMF_PAGE_READONLY);
        char perms[5];
        maps_perms(v, perms);
        cr_assert_str_eq(perms, "r--s", "a refused protect changed the mapping");
    }
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

/* ================================================================== */
/* Protect: copy-on-write pages                                        */
/* ================================================================== */

Test(protect, readonly_view_to_writecopy_writes_privately)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *ro = map_view(s, MMF_PAGE_READONLY, 0, 0);
    char *rw = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    unsigned old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(ro, 1, MMF_PAGE_WRITECOPY, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READONLY);
    assert_region(ro, ro, pg, MMF_PAGE_WRITECOPY);
    assert_region(ro + pg, ro + pg, pg, MMF_PAGE_READONLY);
    cr_assert_eq(query(ro).view_protection, MMF_PAGE_READONLY);
    cr_assert(check_pat(ro, 0, pg), "a copy page must show the section until written");
    memcpy(ro + 8, "private", 7);
    cr_assert_arr_eq(ro + 8, "private", 7);
    cr_assert(check_pat(rw + 8, 8, 7), "a copy page's write reached another view");
    char buf[7];
    pread_all(fd, buf, 7, 8);
    cr_assert(check_pat(buf, 8, 7), "a copy page's write reached the file");
    assert_rc(mmf_view_flush(ro, 0), 0);
    pread_all(fd, buf, 7, 8);
    cr_assert(check_pat(buf, 8, 7), "flushing a copy page wrote the file");
    char *fresh = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert(check_pat(fresh + 8, 8, 7));
    assert_rc(mmf_view_unmap(fresh), 0);
    /* Shared writes to the second page still show in the read-only part. */
    rw[pg + 3] = 'w';
    cr_assert_eq(ro[pg + 3], 'w');
    assert_rc(mmf_view_unmap(ro), 0);
    assert_rc(mmf_view_unmap(rw), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(protect, writecopy_on_readonly_file)
{
    /* A read-only descriptor and section: copy pages still work. */
    uint64_t pg = page_size();
    char path[PATH_MAX];
    close(tmp_file("f", pg, path));
    int fd = reopen(path, O_RDONLY);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READONLY);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_WRITECOPY, NULL), 0);
    memset(v, 'Z', 32);
    cr_assert(all_bytes(v, 'Z', 32));
    char buf[32];
    pread_all(fd, buf, 32, 0);
    cr_assert(check_pat(buf, 0, 32), "the read-only file was modified");
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_READWRITE, NULL), MMF_EPROTECT);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(protect, leaving_writecopy_drops_private_changes)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_WRITECOPY, NULL), 0);
    v[0] = 'P';
    v[pg] = 'S'; /* second page is still shared */
    cr_assert_eq(file_byte(fd, 0), pat(0));
    cr_assert_eq(file_byte(fd, pg), 'S');
    unsigned old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_READWRITE, &old), 0);
    cr_assert_eq(old, MMF_PAGE_WRITECOPY);
    cr_assert_eq(v[0], (char)pat(0), "the private change survived going back to shared");
    assert_region(v, v, 2 * pg, MMF_PAGE_READWRITE);
    v[0] = 'T';
    cr_assert_eq(file_byte(fd, 0), 'T', "the page is not shared again");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

/* ================================================================== */
/* Protect: real faults                                                */
/* ================================================================== */

static void write_byte(void *p)
{
    *(volatile char *)p = 'W';
}

static void read_byte(void *p)
{
    volatile char c = *(volatile char *)p;
    (void)c;
}

Test(protect, writing_a_readonly_page_faults)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 3 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    assert_rc(mmf_view_protect(v + pg, pg, MMF_PAGE_READONLY, NULL), 0);
    int st = run_child(write_byte, v + pg + 5);
    cr_assert(killed_by(st, SIGSEGV), "writing a read-only page: status %#x", st);
    cr_assert_eq(v[pg + 5], (char)pat(pg + 5));
    /* The read-write neighbour takes the write (shared with the child). */
    st = run_child(write_byte, v + 2 * pg);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert_eq(v[2 * pg], 'W');
    cr_assert_eq(file_byte(fd, 2 * pg), 'W');
    st = run_child(read_byte, v + pg + 5);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reading a read-only page: %#x", st);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(protect, noaccess_and_back)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "kept", 4);
    unsigned old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v, 2 * pg, MMF_PAGE_NOACCESS, &old), 0);
    cr_assert_eq(old, MMF_PAGE_READWRITE);
    assert_region(v, v, 2 * pg, MMF_PAGE_NOACCESS);
    char perms[5];
    maps_perms(v, perms);
    cr_assert_eq(strncmp(perms, "---", 3), 0, "perms %s", perms);
    int st = run_child(read_byte, v);
    cr_assert(killed_by(st, SIGSEGV), "reading a no-access page: status %#x", st);
    st = run_child(write_byte, v + pg);
    cr_assert(killed_by(st, SIGSEGV), "writing a no-access page: status %#x", st);
    old = OLD_SENTINEL;
    assert_rc(mmf_view_protect(v, 2 * pg, MMF_PAGE_READWRITE, &old), 0);
    cr_assert_eq(old, MMF_PAGE_NOACCESS);
    cr_assert_arr_eq(v, "kept", 4);
    memcpy(v + pg, "back", 4);
    char buf[4];
    pread_all(fd, buf, 4, pg);
    cr_assert_arr_eq(buf, "back", 4);
    assert_region(v, v, 2 * pg, MMF_PAGE_READWRITE);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(protect, readonly_view_write_faults)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    int st = run_child(write_byte, v);
    cr_assert(killed_by(st, SIGSEGV), "status %#x", st);
    cr_assert_eq(v[0], 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Protect: errors change nothing                                      */
/* ================================================================== */

Test(protect, invalid_arguments)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(8 * pg, MMF_PAGE_READWRITE, 0);
    char *r = free_range(8 * pg, pg);
    char *v = map_view_at(s, MMF_PAGE_READWRITE, 0, 4 * pg, r);
    char *w = map_view_at(s, MMF_PAGE_READWRITE, 0, 2 * pg, r + 4 * pg);
    unsigned old = OLD_SENTINEL;

    assert_rc(mmf_view_protect(v, 0, MMF_PAGE_READONLY, &old), -EINVAL);
    for (size_t i = 0; i < sizeof bad_prots / sizeof bad_prots[0]; i++)
        assert_rc(mmf_view_protect(v, pg, bad_prots[i], &old), -EINVAL);
    /* Running past the view's end (into free space or into the next view). */
    assert_rc(mmf_view_protect(w + pg, pg + 1, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(w, 3 * pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(v + 3 * pg, 2 * pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(v, 4 * pg + 1, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(v + pg, SIZE_MAX, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(v + pg, SIZE_MAX - pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    /* In no view at all. */
    assert_rc(mmf_view_protect(r + 6 * pg, pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_view_protect(NULL, pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    int local = 0;
    assert_rc(mmf_view_protect(&local, 1, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    cr_assert_eq(old, OLD_SENTINEL, "old_prot written on failure");

    /* Nothing changed anywhere. */
    assert_region(v + pg, v, 4 * pg, MMF_PAGE_READWRITE);
    assert_region(w + pg, w, 2 * pg, MMF_PAGE_READWRITE);
    char perms[5];
    for (uint64_t o = 0; o < 6 * pg; o += pg) {
        maps_perms(r + o, perms);
        cr_assert_str_eq(perms, "rw-s", "page %llu changed on a failed call",
                         (unsigned long long)(o / pg));
    }
    cr_assert(range_unmapped(r + 6 * pg, 2 * pg));
    v[4 * pg - 1] = 1;
    w[0] = 2;
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
    assert_rc(mmf_section_close(s), 0);
    (void)local;
}
