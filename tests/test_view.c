/*
 * test_view.c — views: access caps, offsets and sizes, granularity,
 * requested addresses, coherence, copy-on-write, unmap, flush, file names,
 * the view count and executable views.
 */
#include "helpers.h"

#include <sys/statfs.h>
#include <sys/statvfs.h>

TestSuite(view_access, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_layout, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_address, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_data, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_unmap, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_flush, .fini = tmp_cleanup, .timeout = 30);
TestSuite(view_filename, .fini = tmp_cleanup, .timeout = 30);

#define SENTINEL ((void *)(uintptr_t)0x5e5e5e50)

static int tmp_noexec(void)
{
    struct statvfs sv;
    cr_assert_eq(statvfs(tmp_dir(), &sv), 0);
    return (sv.f_flag & ST_NOEXEC) != 0;
}

/* A private anonymous page holding @text (a mapping that is no view). */
static char *anon_page(const char *text)
{
    char *p = mmap(NULL, (size_t)page_size(), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    strcpy(p, text);
    return p;
}

/* ================================================================== */
/* Access: section protection x view protection                        */
/* ================================================================== */

/* Maps every view protection of @s (section protection @sp), checking the
 * cap rule and what the kernel mapping looks like. */
static void check_matrix(mmf_section *s, unsigned sp, int file_backed)
{
    uint64_t pg = page_size();
    size_t views = mmf_view_count();
    for (int i = 0; i < 8; i++) {
        unsigned vp = all_prots[i];
        int want = (access_set(vp) & ~access_set(sp)) ? -EACCES : 0;
        void *v = SENTINEL;
        int rc = mmf_view_map(s, vp, 0, 0, NULL, &v);
        cr_assert_eq(rc, want, "section %#x, view %#x: got %d (%s), want %d",
                     sp, vp, rc, mmf_strerror(rc), want);
        if (rc != 0) {
            cr_assert_eq(v, SENTINEL, "output written on failure");
            cr_assert_eq(mmf_view_count(), views, "a failed map left a view");
            continue;
        }
        mmf_view_info vi = query(v);
        cr_assert_eq(vi.view_protection, vp);
        cr_assert_eq(vi.protection, vp);
        cr_assert_eq(vi.view_base, v);
        cr_assert_eq(vi.file_backed, file_backed);
        char perms[5];
        maps_perms(v, perms);
        if (vp != MMF_PAGE_EXECUTE)
            cr_assert_eq(perms[0] == 'r', (vp & MMF_PAGE_READ) != 0,
                         "section %#x view %#x: perms %s", sp, vp, perms);
        cr_assert_eq(perms[1] == 'w', (vp & (MMF_PAGE_WRITE | MMF_PAGE_COPY)) != 0,
                     "section %#x view %#x: perms %s", sp, vp, perms);
        cr_assert_eq(perms[2] == 'x', (vp & MMF_PAGE_EXEC) != 0,
                     "section %#x view %#x: perms %s", sp, vp, perms);
        if (vp & (MMF_PAGE_READ | MMF_PAGE_EXEC))
            cr_assert_eq(perms[3], (vp & MMF_PAGE_COPY) ? 'p' : 's',
                         "section %#x view %#x: perms %s", sp, vp, perms);
        if (vp & (MMF_PAGE_WRITE | MMF_PAGE_COPY)) {
            /* Writes reach the section exactly when the view is not a copy. */
            char *r = map_view(s, MMF_PAGE_READONLY, 0, 0);
            unsigned char old = (unsigned char)r[pg - 1];
            ((volatile char *)v)[pg - 1] = (char)(old ^ 0xff);
            cr_assert_eq((unsigned char)((char *)v)[pg - 1], old ^ 0xff);
            cr_assert_eq((unsigned char)r[pg - 1], (vp & MMF_PAGE_COPY) ? old : (old ^ 0xff),
                         "section %#x view %#x: copy semantics wrong", sp, vp);
            assert_rc(mmf_view_unmap(r), 0);
            if (!(vp & MMF_PAGE_COPY))
                ((volatile char *)v)[pg - 1] = (char)old;
        }
        assert_rc(mmf_view_unmap(v), 0);
    }
    cr_assert_eq(mmf_view_count(), views);
}

Test(view_access, matrix_memory_sections)
{
    for (int i = 0; i < 6; i++) {
        mmf_section *s = mem_section(page_size(), section_prots[i], 0);
        check_matrix(s, section_prots[i], 0);
        assert_rc(mmf_section_close(s), 0);
    }
}

Test(view_access, matrix_file_sections)
{
    int fd = tmp_file("f", page_size(), NULL);
    int noexec = tmp_noexec();
    for (int i = 0; i < 6; i++) {
        if (noexec && (section_prots[i] & MMF_PAGE_EXEC))
            continue;
        mmf_section *s = file_section(fd, 0, section_prots[i]);
        check_matrix(s, section_prots[i], 1);
        assert_rc(mmf_section_close(s), 0);
    }
    /* Nothing written through a view other than the restored byte. */
    char buf[4096];
    pread_all(fd, buf, sizeof buf < page_size() ? sizeof buf : page_size(), 0);
    cr_assert(check_pat(buf, 0, sizeof buf < page_size() ? sizeof buf : page_size()));
    close(fd);
}

Test(view_access, readonly_section_denies_write_views)
{
    char path[PATH_MAX];
    close(tmp_file("f", page_size(), path));
    int fd = reopen(path, O_RDONLY);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READONLY);
    void *v = SENTINEL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v), -EACCES);
    assert_rc(mmf_view_map(s, MMF_PAGE_EXECUTE_READ, 0, 0, NULL, &v), -EACCES);
    assert_rc(mmf_view_map(s, MMF_PAGE_EXECUTE_WRITECOPY, 0, 0, NULL, &v), -EACCES);
    cr_assert_eq(v, SENTINEL);
    /* A copy view is fine, and its writes stay private. */
    char *c = map_view(s, MMF_PAGE_WRITECOPY, 0, 0);
    c[0] = (char)(pat(0) ^ 0xff);
    cr_assert_eq(file_byte(fd, 0), pat(0));
    assert_rc(mmf_view_unmap(c), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(view_access, invalid_view_prots_and_args)
{
    mmf_section *s = mem_section(page_size(), MMF_PAGE_EXECUTE_READWRITE, 0);
    size_t views = mmf_view_count();
    void *v = SENTINEL;
    for (size_t i = 0; i < sizeof bad_prots / sizeof bad_prots[0]; i++)
        assert_rc(mmf_view_map(s, bad_prots[i], 0, 0, NULL, &v), -EINVAL);
    cr_assert_eq(v, SENTINEL);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, NULL), -EINVAL);
    cr_assert_eq(mmf_view_count(), views);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_access, each_map_is_a_distinct_view)
{
    mmf_section *s = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    size_t n0 = mmf_view_count();
    char *a = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_eq(mmf_view_count(), n0 + 1);
    char *b = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_eq(mmf_view_count(), n0 + 2);
    cr_assert_neq(a, b);
    a[5] = 'k';
    cr_assert_eq(b[5], 'k');
    assert_rc(mmf_view_unmap(a), 0);
    cr_assert_eq(mmf_view_count(), n0 + 1);
    cr_assert_eq(b[5], 'k');
    assert_rc(mmf_view_unmap(b), 0);
    cr_assert_eq(mmf_view_count(), n0);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Layout: offsets, sizes, granularity                                 */
/* ================================================================== */

Test(view_layout, misaligned_offset_is_ealign)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(8 * pg, MMF_PAGE_READWRITE, 0);
    size_t views = mmf_view_count();
    const uint64_t offs[] = { 1, pg - 1, pg + 1, pg / 2, 3 * pg + 100 };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        void *v = SENTINEL;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, offs[i], pg, NULL, &v), MMF_EALIGN);
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, offs[i], 0, NULL, &v), MMF_EALIGN);
        cr_assert_eq(v, SENTINEL);
    }
    cr_assert_eq(mmf_view_count(), views);
    char *v = map_view(s, MMF_PAGE_READWRITE, 3 * pg, 0);
    mmf_view_info vi = query(v);
    cr_assert_eq(vi.offset, 3 * pg);
    cr_assert_eq(vi.view_size, 5 * pg);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_layout, per_call_granularity_65536)
{
    uint64_t pg = page_size(), g = 65536;
    if (pg > g)
        cr_skip_test("page size above 64 KiB");
    mmf_section *s = mem_section(8 * g, MMF_PAGE_READWRITE, 0);
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    o.granularity = g;
    void *v = SENTINEL;
    if (pg < g)
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, 0, &o, &v), MMF_EALIGN);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, g / 2, pg, &o, &v), MMF_EALIGN);
    cr_assert_eq(v, SENTINEL);
    /* Several views, so an alignment by luck would show. */
    void *vs[8];
    for (int i = 0; i < 8; i++) {
        vs[i] = NULL;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, (uint64_t)(i % 4 + 1) * g, pg, &o, &vs[i]), 0);
        cr_assert_eq((uintptr_t)vs[i] % g, 0, "view base %p not 64 KiB aligned", vs[i]);
        cr_assert_eq(query(vs[i]).offset, (uint64_t)(i % 4 + 1) * g);
    }
    for (int i = 0; i < 8; i++)
        assert_rc(mmf_view_unmap(vs[i]), 0);
    /* The process default is untouched. */
    cr_assert_eq(mmf_granularity(), pg);
    char *p = map_view(s, MMF_PAGE_READWRITE, pg, pg);
    assert_rc(mmf_view_unmap(p), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_layout, invalid_option_granularity_is_einval)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    const uint64_t bad[] = { 3, pg / 2, pg + 1, 3 * pg, (uint64_t)1 << 31, (uint64_t)1 << 40,
                             UINT64_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_map_options o;
        memset(&o, 0, sizeof o);
        o.granularity = bad[i];
        void *v = SENTINEL;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, &o, &v), -EINVAL);
        cr_assert_eq(v, SENTINEL);
    }
    /* All-zero options mean the defaults. */
    mmf_map_options z;
    memset(&z, 0, sizeof z);
    void *v = NULL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, 0, &z, &v), 0);
    cr_assert_eq(query(v).view_size, 3 * pg);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_layout, set_granularity)
{
    uint64_t pg = page_size();
    cr_assert_eq(mmf_granularity(), pg, "the default is not the page size");
    const uint64_t bad[] = { 3, pg + 1, 8193, 2048, pg / 2, 3 * pg, (uint64_t)1 << 31,
                             ((uint64_t)1 << 30) + pg, UINT64_MAX, 1 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i] >= pg && (bad[i] & (bad[i] - 1)) == 0 && bad[i] <= ((uint64_t)1 << 30))
            continue; /* valid on this page size */
        assert_rc(mmf_set_granularity(bad[i]), -EINVAL);
        cr_assert_eq(mmf_granularity(), pg, "a failed set changed the granularity");
    }
    assert_rc(mmf_set_granularity(65536 >= pg ? 65536 : pg), 0);
    cr_assert_eq(mmf_granularity(), 65536 >= pg ? 65536 : pg);
    assert_rc(mmf_set_granularity((uint64_t)1 << 30), 0);
    cr_assert_eq(mmf_granularity(), (uint64_t)1 << 30);
    assert_rc(mmf_set_granularity(pg), 0);
    cr_assert_eq(mmf_granularity(), pg);
    assert_rc(mmf_set_granularity(1 << 20), 0);
    assert_rc(mmf_set_granularity(0), 0);
    cr_assert_eq(mmf_granularity(), pg, "0 must mean the page size");
}

Test(view_layout, process_granularity_65536)
{
    uint64_t pg = page_size(), g = 65536;
    if (pg >= g)
        cr_skip_test("page size not below 64 KiB");
    mmf_section *s = mem_section(4 * g, MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_set_granularity(g), 0);
    void *v = SENTINEL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, 0, NULL, &v), MMF_EALIGN);
    cr_assert_eq(v, SENTINEL);
    void *vs[6];
    for (int i = 0; i < 6; i++) {
        vs[i] = map_view(s, MMF_PAGE_READWRITE, (uint64_t)(i % 3) * g, pg);
        cr_assert_eq((uintptr_t)vs[i] % g, 0, "view base %p not 64 KiB aligned", vs[i]);
    }
    /* A per-call granularity overrides the process default. */
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    o.granularity = pg;
    void *w = NULL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, pg, &o, &w), 0);
    cr_assert_eq(query(w).offset, pg);
    assert_rc(mmf_view_unmap(w), 0);
    for (int i = 0; i < 6; i++)
        assert_rc(mmf_view_unmap(vs[i]), 0);
    assert_rc(mmf_set_granularity(0), 0);
    cr_assert_eq(mmf_granularity(), pg);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_layout, offset_at_or_past_end_is_einval)
{
    uint64_t pg = page_size();
    mmf_section *m = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    void *v = SENTINEL;
    assert_rc(mmf_view_map(m, MMF_PAGE_READWRITE, 4 * pg, 0, NULL, &v), -EINVAL);
    assert_rc(mmf_view_map(m, MMF_PAGE_READWRITE, 4 * pg, pg, NULL, &v), -EINVAL);
    assert_rc(mmf_view_map(m, MMF_PAGE_READWRITE, 8 * pg, 0, NULL, &v), -EINVAL);
    assert_rc(mmf_view_map(m, MMF_PAGE_READWRITE, 1024 * pg, pg, NULL, &v), -EINVAL);
    cr_assert_eq(v, SENTINEL);
    assert_rc(mmf_section_close(m), 0);

    int fd = tmp_file("f", 2 * pg + 5, NULL);
    mmf_section *f = file_section(fd, 0, MMF_PAGE_READWRITE);
    assert_rc(mmf_view_map(f, MMF_PAGE_READWRITE, 3 * pg, 0, NULL, &v), -EINVAL);
    cr_assert_eq(v, SENTINEL);
    /* The last partial page is a valid offset. */
    char *w = map_view(f, MMF_PAGE_READWRITE, 2 * pg, 0);
    cr_assert(check_pat(w, 2 * pg, 5));
    cr_assert_eq(query(w).view_size, pg);
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_section_close(f), 0);
    close(fd);
}

Test(view_layout, exact_byte_size_limit)
{
    /* The Windows example: a 65 573-byte object, views at 65 536. */
    uint64_t pg = page_size();
    const uint64_t fsz = 65573, off = 65536;
    if (off % pg)
        cr_skip_test("page size does not divide 64 KiB");
    int fd = tmp_file("f", fsz, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    size_t views = mmf_view_count();
    void *v = SENTINEL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, off, 38, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 0, fsz + 1, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, pg, fsz - pg + 1, NULL, &v), MMF_EVIEWSIZE);
    cr_assert_eq(v, SENTINEL);
    cr_assert_eq(mmf_view_count(), views, "a failed map left a view");
    char *a = map_view(s, MMF_PAGE_READONLY, off, 37);
    cr_assert(check_pat(a, off, 37));
    cr_assert_eq(query(a).view_size, pg);
    char *b = map_view(s, MMF_PAGE_READONLY, off, 0);
    cr_assert_eq(query(b).view_size, pg);
    char *c = map_view(s, MMF_PAGE_READONLY, 0, fsz);
    cr_assert(check_pat(c, 0, fsz));
    cr_assert_eq(query(c).view_size, (fsz + pg - 1) / pg * pg);
    char *d = map_view(s, MMF_PAGE_READONLY, pg, fsz - pg);
    cr_assert(check_pat(d, pg, fsz - pg));
    assert_rc(mmf_view_unmap(a), 0);
    assert_rc(mmf_view_unmap(b), 0);
    assert_rc(mmf_view_unmap(c), 0);
    assert_rc(mmf_view_unmap(d), 0);
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(fd_size(fd), fsz);
    close(fd);
}

Test(view_layout, memory_section_size_limit)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(3 * pg, MMF_PAGE_READWRITE, 0);
    void *v = SENTINEL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, 2 * pg + 1, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 3 * pg + 1, NULL, &v), MMF_EVIEWSIZE);
    cr_assert_eq(v, SENTINEL);
    char *a = map_view(s, MMF_PAGE_READWRITE, pg, 2 * pg);
    char *b = map_view(s, MMF_PAGE_READWRITE, pg, 0);
    char *c = map_view(s, MMF_PAGE_READWRITE, 2 * pg, 1);
    cr_assert_eq(query(a).view_size, 2 * pg);
    cr_assert_eq(query(b).view_size, 2 * pg);
    cr_assert_eq(query(c).view_size, pg);
    a[pg] = 'm';
    cr_assert_eq(c[0], 'm');
    assert_rc(mmf_view_unmap(a), 0);
    assert_rc(mmf_view_unmap(b), 0);
    assert_rc(mmf_view_unmap(c), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_layout, overflow_near_2_64)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    size_t views = mmf_view_count();
    void *v = SENTINEL;
    /* Valid offsets, sizes that wrap. */
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, UINT64_MAX, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, UINT64_MAX - pg + 2, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, (uint64_t)0 - pg, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, (uint64_t)0 - pg + 100, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 2 * pg, UINT64_MAX - pg, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 3 * pg, (uint64_t)1 << 63, NULL, &v), MMF_EVIEWSIZE);
    /* Offsets near 2^64: past the end, so either error, never success. */
    const uint64_t offs[] = { (uint64_t)0 - pg, (uint64_t)0 - 2 * pg, (uint64_t)1 << 63,
                              ((uint64_t)0 - pg) & ~(uint64_t)0xffff };
    const uint64_t sizes[] = { 0, pg, 2 * pg, UINT64_MAX, (uint64_t)1 << 63 };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            int rc = mmf_view_map(s, MMF_PAGE_READWRITE, offs[i], sizes[j], NULL, &v);
            cr_assert(rc == MMF_EVIEWSIZE || rc == -EINVAL,
                      "offset %#llx size %#llx: got %d (%s)", (unsigned long long)offs[i],
                      (unsigned long long)sizes[j], rc, mmf_strerror(rc));
        }
    cr_assert_eq(v, SENTINEL);
    cr_assert_eq(mmf_view_count(), views);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Requested addresses                                                 */
/* ================================================================== */

Test(view_address, exact_address)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    v[0] = 'A';
    assert_rc(mmf_view_unmap(v), 0);
    cr_assert(range_unmapped(v, 4 * pg));
    char *w = map_view_at(s, MMF_PAGE_READWRITE, pg, 2 * pg, v);
    cr_assert_eq(query(w).view_base, (void *)v);
    cr_assert_eq(query(w).offset, pg);
    assert_rc(mmf_view_unmap(w), 0);

    /* Somewhere else the system would not pick by itself. */
    char *r = free_range(16 * pg, 65536);
    char *x = map_view_at(s, MMF_PAGE_READONLY, 0, 0, r + 8 * pg);
    char *y = map_view_at(s, MMF_PAGE_READWRITE, 0, 0, r + 2 * pg);
    y[1] = 'Y';
    cr_assert_eq(x[1], 'Y');
    cr_assert_eq(y[0], 'A', "a new view does not show the section");
    assert_rc(mmf_view_unmap(x), 0);
    assert_rc(mmf_view_unmap(y), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_address, occupied_by_a_view_is_eaddrinuse)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    char *r = free_range(6 * pg, pg);
    char *e = map_view_at(s, MMF_PAGE_READWRITE, 0, pg, r + 2 * pg);
    memcpy(e, "existing", 8);
    size_t views = mmf_view_count();
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    void *v = SENTINEL;

    o.address = r; /* [r, r+3pg) overlaps the view's only page */
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 3 * pg, &o, &v), MMF_EADDRINUSE);
    o.address = r + 2 * pg; /* exactly the view */
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, pg, pg, &o, &v), MMF_EADDRINUSE);
    o.address = r + pg; /* ends inside it */
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 2 * pg, &o, &v), MMF_EADDRINUSE);
    cr_assert_eq(v, SENTINEL);
    cr_assert_eq(mmf_view_count(), views);
    cr_assert(range_unmapped(r, 2 * pg), "a failed map left a mapping behind");
    cr_assert(range_unmapped(r + 3 * pg, 3 * pg), "a failed map left a mapping behind");
    cr_assert_arr_eq(e, "existing", 8, "the existing view was replaced");
    mmf_view_info vi = query(e);
    cr_assert_eq(vi.view_base, (void *)e);
    cr_assert_eq(vi.offset, 0);
    e[8] = '!';
    /* The free neighbour is still usable. */
    char *n = map_view_at(s, MMF_PAGE_READWRITE, 0, pg, r + 3 * pg);
    cr_assert_eq(n[8], '!');
    assert_rc(mmf_view_unmap(n), 0);
    assert_rc(mmf_view_unmap(e), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_address, occupied_by_plain_mmap_is_eaddrinuse)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    char *r = free_range(4 * pg, pg);
    char *p = mmap(r + pg, (size_t)pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    cr_assert_eq(p, r + pg, "mmap: %s", strerror(errno));
    strcpy(p, "plain mmap");
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    void *v = SENTINEL;
    o.address = p;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, pg, &o, &v), MMF_EADDRINUSE);
    o.address = r;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 4 * pg, &o, &v), MMF_EADDRINUSE);
    cr_assert_eq(v, SENTINEL);
    cr_assert_str_eq(p, "plain mmap", "the mapping was replaced");
    char perms[5];
    maps_perms(p, perms);
    cr_assert_eq(perms[3], 'p', "the anonymous mapping was replaced (%s)", perms);
    cr_assert(range_unmapped(r, pg), "a failed map left a mapping behind");
    cr_assert(range_unmapped(r + 2 * pg, 2 * pg), "a failed map left a mapping behind");
    assert_rc(mmf_view_query(p, &(mmf_view_info){0}), MMF_ENOTVIEW);
    munmap(p, (size_t)pg);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_address, misaligned_address_is_ealign)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    char *r = free_range(4 * 65536, 65536);
    size_t views = mmf_view_count();
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    void *v = SENTINEL;
    o.address = r + 1;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, &o, &v), MMF_EALIGN);
    o.address = r + pg / 2;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, pg, &o, &v), MMF_EALIGN);
    o.address = r + pg - 1;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, pg, &o, &v), MMF_EALIGN);
    if (pg < 65536) {
        o.granularity = 65536;
        o.address = r + pg;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, pg, &o, &v), MMF_EALIGN);
        cr_assert_eq(v, SENTINEL);
        o.address = r + 65536;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, pg, &o, &v), 0);
        cr_assert_eq(v, r + 65536);
        assert_rc(mmf_view_unmap(v), 0);
        v = SENTINEL;
    }
    cr_assert_eq(v, SENTINEL);
    cr_assert_eq(mmf_view_count(), views);
    cr_assert(range_unmapped(r, 4 * 65536));
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Data: coherence and copy-on-write                                   */
/* ================================================================== */

Test(view_data, views_of_one_section_are_coherent)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 4 * pg, NULL);
    mmf_section *f = file_section(fd, 0, MMF_PAGE_READWRITE);
    mmf_section *m = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    mmf_section *ss[2] = { f, m };
    for (int i = 0; i < 2; i++) {
        char *a = map_view(ss[i], MMF_PAGE_READWRITE, 0, 0);
        char *b = map_view(ss[i], MMF_PAGE_READWRITE, pg, 2 * pg);
        char *c = map_view(ss[i], MMF_PAGE_READONLY, 2 * pg, 0);
        a[2 * pg + 7] = 'a';
        cr_assert_eq(b[pg + 7], 'a');
        cr_assert_eq(c[7], 'a');
        b[pg + 8] = 'b';
        cr_assert_eq(a[2 * pg + 8], 'b');
        cr_assert_eq(c[8], 'b');
        assert_rc(mmf_view_unmap(a), 0);
        assert_rc(mmf_view_unmap(b), 0);
        assert_rc(mmf_view_unmap(c), 0);
    }
    cr_assert_eq(file_byte(fd, 2 * pg + 7), 'a');
    cr_assert_eq(file_byte(fd, 2 * pg + 8), 'b');
    assert_rc(mmf_section_close(f), 0);
    assert_rc(mmf_section_close(m), 0);
    close(fd);
}

Test(view_data, sections_on_one_file_and_file_io_are_coherent)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd1 = tmp_file("f", 3 * pg, path);
    int fd2 = reopen(path, O_RDWR);
    int fd3 = reopen(path, O_RDONLY);
    mmf_section *s1 = file_section(fd1, 0, MMF_PAGE_READWRITE);
    mmf_section *s2 = file_section(fd2, 0, MMF_PAGE_READWRITE);
    mmf_section *s3 = file_section(fd3, 0, MMF_PAGE_READONLY);
    cr_assert_neq(sinfo(s1).id, sinfo(s2).id);
    char *a = map_view(s1, MMF_PAGE_READWRITE, 0, 0);
    char *b = map_view(s2, MMF_PAGE_READWRITE, pg, 0);
    char *c = map_view(s3, MMF_PAGE_READONLY, 0, 0);

    memcpy(a + pg + 10, "through a", 9);
    cr_assert_arr_eq(b + 10, "through a", 9);
    cr_assert_arr_eq(c + pg + 10, "through a", 9);
    char buf[16];
    pread_all(fd3, buf, 9, pg + 10);
    cr_assert_arr_eq(buf, "through a", 9, "pread does not see a view's write");

    memcpy(b + pg, "through b", 9);
    cr_assert_arr_eq(a + 2 * pg, "through b", 9);
    pread_all(fd1, buf, 9, 2 * pg);
    cr_assert_arr_eq(buf, "through b", 9);

    pwrite_all(fd2, "by pwrite", 9, 100);
    cr_assert_arr_eq(a + 100, "by pwrite", 9, "a view does not see pwrite");
    cr_assert_arr_eq(c + 100, "by pwrite", 9);
    pwrite_all(fd1, "again", 5, 2 * pg + 50);
    cr_assert_arr_eq(b + pg + 50, "again", 5);

    assert_rc(mmf_view_unmap(a), 0);
    assert_rc(mmf_view_unmap(b), 0);
    assert_rc(mmf_view_unmap(c), 0);
    assert_rc(mmf_section_close(s1), 0);
    assert_rc(mmf_section_close(s2), 0);
    assert_rc(mmf_section_close(s3), 0);
    close(fd1);
    close(fd2);
    close(fd3);
}

Test(view_data, copy_view_writes_are_private)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *rw = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    char *cw = map_view(s, MMF_PAGE_WRITECOPY, 0, 0);
    char *cw2 = map_view(s, MMF_PAGE_WRITECOPY, 0, 0);
    cr_assert(check_pat(cw, 0, 2 * pg));
    memset(cw, 'C', 64);
    cr_assert(all_bytes(cw, 'C', 64));
    cr_assert(check_pat(rw, 0, 64), "a copy view's write reached another view");
    cr_assert(check_pat(cw2, 0, 64), "a copy view's write reached another copy view");
    char buf[64];
    pread_all(fd, buf, 64, 0);
    cr_assert(check_pat(buf, 0, 64), "a copy view's write reached the file");
    assert_rc(mmf_view_flush(cw, 0), 0);
    pread_all(fd, buf, 64, 0);
    cr_assert(check_pat(buf, 0, 64), "flushing a copy view wrote the file");
    /* The private page keeps its content against later shared writes. */
    rw[1] = 'R';
    cr_assert_eq(cw[1], 'C');
    assert_rc(mmf_view_unmap(cw), 0);
    assert_rc(mmf_view_unmap(cw2), 0);
    /* A new view sees the section, not the copy. */
    char *again = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert_eq(again[0], (char)pat(0));
    cr_assert_eq(again[1], 'R');
    assert_rc(mmf_view_unmap(again), 0);
    assert_rc(mmf_view_unmap(rw), 0);
    assert_rc(mmf_section_close(s), 0);

    /* Memory sections too. */
    mmf_section *m = mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *mr = map_view(m, MMF_PAGE_READWRITE, 0, 0);
    char *mc = map_view(m, MMF_PAGE_WRITECOPY, 0, 0);
    mr[0] = 'S';
    mc[1] = 'P';
    cr_assert_eq(mr[1], 0, "a copy view's write reached the memory section");
    assert_rc(mmf_view_unmap(mc), 0);
    assert_rc(mmf_view_unmap(mr), 0);
    assert_rc(mmf_section_close(m), 0);
    close(fd);
}

#if defined(__x86_64__)
/* mov eax, 42 ; ret */
static const unsigned char code42[] = { 0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3 };

static int call_code(void *p)
{
    int (*fn)(void);
    __builtin___clear_cache((char *)p, (char *)p + sizeof code42);
    memcpy(&fn, &p, sizeof fn);
    return fn();
}
#endif

Test(view_data, executable_views)
{
#if defined(__x86_64__)
    uint64_t pg = page_size();
    mmf_section *s = mem_section(pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    unsigned char *x = map_view(s, MMF_PAGE_EXECUTE_READWRITE, 0, 0);
    x[0] = 0xC3; /* ret */
    (void)call_code(x);
    memcpy(x, code42, sizeof code42);
    cr_assert_eq(call_code(x), 42);
    /* A second, execute-read view of the same code. */
    unsigned char *y = map_view(s, MMF_PAGE_EXECUTE_READ, 0, 0);
    cr_assert_eq(call_code(y), 42);
    assert_rc(mmf_view_unmap(y), 0);
    assert_rc(mmf_view_unmap(x), 0);
    assert_rc(mmf_section_close(s), 0);

    /* Code in a file, run from an execute-read section of a read-only fd. */
    if (!tmp_noexec()) {
        char path[PATH_MAX];
        int w = tmp_file("code", 0, path);
        pwrite_all(w, code42, sizeof code42, 0);
        close(w);
        int fd = reopen(path, O_RDONLY);
        mmf_section *f = file_section(fd, 0, MMF_PAGE_EXECUTE_READ);
        close(fd);
        void *c = map_view(f, MMF_PAGE_EXECUTE_READ, 0, 0);
        cr_assert_eq(call_code(c), 42);
        assert_rc(mmf_view_unmap(c), 0);
        assert_rc(mmf_section_close(f), 0);
    }
#else
    cr_skip_test("x86_64 only");
#endif
}

/* ================================================================== */
/* Unmap                                                               */
/* ================================================================== */

Test(view_unmap, by_any_inner_address)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(3 * pg, MMF_PAGE_READWRITE, 0);
    const uint64_t inner[] = { 0, 100, pg, 3 * pg - 1 };
    for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
        size_t n0 = mmf_view_count();
        char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
        cr_assert_eq(mmf_view_count(), n0 + 1);
        v[0] = 1;
        assert_rc(mmf_view_unmap(v + inner[i]), 0);
        cr_assert_eq(mmf_view_count(), n0);
        mmf_view_info vi;
        assert_rc(mmf_view_query(v, &vi), MMF_ENOTVIEW);
        assert_rc(mmf_view_query(v + 3 * pg - 1, &vi), MMF_ENOTVIEW);
        cr_assert(range_unmapped(v, 3 * pg), "the whole view must go (inner +%llu)",
                  (unsigned long long)inner[i]);
        assert_rc(mmf_view_unmap(v), MMF_ENOTVIEW);
        assert_rc(mmf_view_unmap(v + inner[i]), MMF_ENOTVIEW);
    }
    assert_rc(mmf_section_close(s), 0);
}

Test(view_unmap, not_a_view_is_enotview)
{
    uint64_t pg = page_size();
    size_t n0 = mmf_view_count();
    assert_rc(mmf_view_unmap(NULL), MMF_ENOTVIEW);
    char *heap = malloc(64);
    cr_assert_not_null(heap);
    assert_rc(mmf_view_unmap(heap), MMF_ENOTVIEW);
    heap[0] = 'h'; /* still ours */
    free(heap);
    int local = 5;
    assert_rc(mmf_view_unmap(&local), MMF_ENOTVIEW);
    char *a = anon_page("anon");
    assert_rc(mmf_view_unmap(a), MMF_ENOTVIEW);
    assert_rc(mmf_view_unmap(a + 10), MMF_ENOTVIEW);
    cr_assert(addr_mapped(a), "unmap of a non-view removed the mapping");
    cr_assert_str_eq(a, "anon");
    munmap(a, (size_t)pg);
    assert_rc(mmf_view_unmap((void *)(uintptr_t)UINTPTR_MAX), MMF_ENOTVIEW);
    cr_assert_eq(mmf_view_count(), n0);
    (void)local;
}

Test(view_unmap, neighbours_untouched)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *r = free_range(3 * pg, pg);
    char *a = map_view_at(s, MMF_PAGE_READWRITE, 0, 0, r);
    char *b = map_view_at(s, MMF_PAGE_READONLY, 0, 0, r + pg);
    char *c = map_view_at(s, MMF_PAGE_READONLY, 0, 0, r + 2 * pg);
    a[0] = 'n';
    assert_rc(mmf_view_unmap(b + pg - 1), 0);
    cr_assert(!addr_mapped(b));
    cr_assert_eq(a[0], 'n');
    cr_assert_eq(c[0], 'n');
    cr_assert_eq(query(a).view_base, (void *)a);
    cr_assert_eq(query(c).view_base, (void *)c);
    assert_rc(mmf_view_query(b, &(mmf_view_info){0}), MMF_ENOTVIEW);
    assert_rc(mmf_view_unmap(a), 0);
    assert_rc(mmf_view_unmap(c), 0);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* Flush                                                               */
/* ================================================================== */

Test(view_flush, writes_reach_the_file)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 4 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, pg, 2 * pg);
    memcpy(v + 5, "flushed", 7);
    memcpy(v + pg + 5, "second", 6);
    assert_rc(mmf_view_flush(v, 0), 0);
    char buf[8];
    pread_all(fd, buf, 7, pg + 5);
    cr_assert_arr_eq(buf, "flushed", 7);
    pread_all(fd, buf, 6, 2 * pg + 5);
    cr_assert_arr_eq(buf, "second", 6);
    memcpy(v + 100, "part", 4);
    assert_rc(mmf_view_flush(v + 100, 10), 0);
    assert_rc(mmf_view_flush(v + pg + 1, 1), 0);
    assert_rc(mmf_view_flush(v + 2 * pg - 1, 1), 0);
    assert_rc(mmf_view_flush(v + pg, pg), 0);
    pread_all(fd, buf, 4, pg + 100);
    cr_assert_arr_eq(buf, "part", 4);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

/* Page-cache pages of tmpfs are never "written", so they stay dirty. */
static int tmp_has_writeback(void)
{
    struct statfs sf;
    cr_assert_eq(statfs(tmp_dir(), &sf), 0);
    return sf.f_type != 0x01021994 /* TMPFS_MAGIC */ && sf.f_type != 0x858458f6 /* RAMFS */;
}

Test(view_flush, cleans_the_dirty_pages)
{
    /* Two views 64 MiB apart in the file, so no page-cache folio spans
       both; smaps shows how many of a view's pages are dirty. */
    uint64_t pg = page_size(), far = 64 * 1024 * 1024;
    int fd = tmp_file("f", 0, NULL);
    if (!tmp_has_writeback())
        skip_test("the temp directory is on tmpfs: no writeback to observe");
    cr_assert_eq(ftruncate(fd, (off_t)(far + 2 * pg)), 0);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *x = map_view(s, MMF_PAGE_READWRITE, 0, 2 * pg);
    char *y = map_view(s, MMF_PAGE_READWRITE, far, 0);
    memset(x, 'x', 2 * pg);
    memset(y, 'y', 2 * pg);
    if (smaps_dirty(x) != (long long)(2 * pg) || smaps_dirty(y) != (long long)(2 * pg))
        skip_test("dirty pages are not visible in smaps here (x %lld, y %lld)",
                  smaps_dirty(x), smaps_dirty(y));
    /* One byte of the second page: at least that page is written. */
    assert_rc(mmf_view_flush(x + pg + 10, 1), 0);
    cr_assert_leq(smaps_dirty(x), (long long)pg, "flush left its page dirty");
    /* The rest, by length 0 from the base and from an inner address. */
    assert_rc(mmf_view_flush(x, 0), 0);
    cr_assert_eq(smaps_dirty(x), 0, "flush left dirty pages");
    assert_rc(mmf_view_flush(y + 5, 0), 0);
    cr_assert_eq(smaps_dirty(y), 0, "flush left dirty pages");
    char buf[2];
    pread_all(fd, buf, 1, pg);
    pread_all(fd, buf + 1, 1, far + pg);
    cr_assert_arr_eq(buf, "xy", 2);
    assert_rc(mmf_view_unmap(x), 0);
    assert_rc(mmf_view_unmap(y), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(view_flush, outside_a_view_is_enotview)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *r = free_range(3 * pg, pg);
    char *v = map_view_at(s, MMF_PAGE_READWRITE, 0, 0, r);
    assert_rc(mmf_view_flush(v, 2 * pg + 1), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v + pg, pg + 1), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v + 2 * pg - 1, 2), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v, SIZE_MAX), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v + 2 * pg, 0), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v + 2 * pg, 1), MMF_ENOTVIEW);
    assert_rc(mmf_view_flush(v, 2 * pg), 0);
    assert_rc(mmf_view_flush(NULL, 0), MMF_ENOTVIEW);
    char *a = anon_page("x");
    assert_rc(mmf_view_flush(a, 1), MMF_ENOTVIEW);
    munmap(a, (size_t)pg);
    int local = 0;
    assert_rc(mmf_view_flush(&local, sizeof local), MMF_ENOTVIEW);
    /* A range running into an adjacent view is not inside one view. */
    char *w = map_view_at(s, MMF_PAGE_READWRITE, 0, pg, r + 2 * pg);
    assert_rc(mmf_view_flush(v + pg, 2 * pg), MMF_ENOTVIEW);
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_flush(v, 0), MMF_ENOTVIEW);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(view_flush, memory_readonly_and_copy_views)
{
    uint64_t pg = page_size();
    mmf_section *m = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(m, MMF_PAGE_READWRITE, 0, 0);
    v[3] = 3;
    assert_rc(mmf_view_flush(v, 0), 0);
    assert_rc(mmf_view_flush(v + pg, 5), 0);
    cr_assert_eq(v[3], 3);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(m), 0);

    int fd = tmp_file("f", pg, NULL);
    mmf_section *f = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *ro = map_view(f, MMF_PAGE_READONLY, 0, 0);
    char *cw = map_view(f, MMF_PAGE_WRITECOPY, 0, 0);
    char *na = map_view(f, MMF_PAGE_NOACCESS, 0, 0);
    cw[0] = (char)(pat(0) ^ 1);
    assert_rc(mmf_view_flush(ro, 0), 0);
    assert_rc(mmf_view_flush(cw, 0), 0);
    assert_rc(mmf_view_flush(na, 0), 0);
    cr_assert_eq(file_byte(fd, 0), pat(0), "flushing a copy view wrote the file");
    assert_rc(mmf_view_unmap(ro), 0);
    assert_rc(mmf_view_unmap(cw), 0);
    assert_rc(mmf_view_unmap(na), 0);
    assert_rc(mmf_section_close(f), 0);
    close(fd);
}

struct kill_arg {
    const char *path;
    uint64_t    off;
};

static void write_flush_and_die(void *p)
{
    struct kill_arg *ka = p;
    int fd = open(ka->path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        _exit(10);
    mmf_section *s = NULL;
    if (mmf_section_from_fd(fd, 0, MMF_PAGE_READWRITE, 0, &s))
        _exit(11);
    close(fd);
    char *v = NULL;
    if (mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&v))
        _exit(12);
    memcpy(v + ka->off, "survives kill -9", 16);
    if (mmf_view_flush(v + ka->off, 16))
        _exit(13);
    raise(SIGKILL);
    _exit(14);
}

Test(view_flush, data_survives_sigkill)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", 4 * pg, path);
    struct kill_arg ka = { path, 2 * pg + 17 };
    int st = run_child(write_flush_and_die, &ka);
    cr_assert(killed_by(st, SIGKILL), "child status %#x (exit %d)", st,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    char buf[16];
    pread_all(fd, buf, 16, ka.off);
    cr_assert_arr_eq(buf, "survives kill -9", 16);
    unsigned char around[2];
    pread_all(fd, around, 1, ka.off - 1);
    pread_all(fd, around + 1, 1, ka.off + 16);
    cr_assert_eq(around[0], pat(ka.off - 1));
    cr_assert_eq(around[1], pat(ka.off + 16));
    close(fd);
}

/* ================================================================== */
/* File names                                                          */
/* ================================================================== */

Test(view_filename, path_of_a_file_view)
{
    uint64_t pg = page_size();
    char path[PATH_MAX], real[PATH_MAX], buf[PATH_MAX + 32];
    int fd = tmp_file("named file", 3 * pg, path);
    cr_assert_not_null(realpath(path, real));
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READONLY, pg, 0);
    size_t len = 0;
    assert_rc(mmf_view_filename(v, buf, sizeof buf, &len), 0);
    cr_assert_str_eq(buf, real);
    cr_assert_eq(len, strlen(real));
    memset(buf, 0, sizeof buf);
    assert_rc(mmf_view_filename(v + pg + 123, buf, sizeof buf, NULL), 0);
    cr_assert_str_eq(buf, real);
    assert_rc(mmf_view_filename(v + 2 * pg - 1, buf, sizeof buf, &len), 0);
    cr_assert_str_eq(buf, real);

    /* Exactly enough room, then one byte too few. */
    char exact[PATH_MAX];
    len = 0;
    assert_rc(mmf_view_filename(v, exact, strlen(real) + 1, &len), 0);
    cr_assert_str_eq(exact, real);
    memset(buf, 'X', sizeof buf);
    len = 0;
    assert_rc(mmf_view_filename(v, buf, strlen(real), &len), -ERANGE);
    cr_assert_eq(len, strlen(real), "*len must give the needed length");
    cr_assert(all_bytes(buf, 'X', sizeof buf), "the buffer was changed on -ERANGE");
    len = 0;
    assert_rc(mmf_view_filename(v, buf, 1, &len), -ERANGE);
    cr_assert_eq(len, strlen(real));
    cr_assert(all_bytes(buf, 'X', sizeof buf));
    len = 0;
    assert_rc(mmf_view_filename(v, NULL, 0, &len), -ERANGE);
    cr_assert_eq(len, strlen(real));
    assert_rc(mmf_view_filename(v, NULL, 10, &len), -EINVAL);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(view_filename, renamed_and_deleted_files)
{
    uint64_t pg = page_size();
    char path[PATH_MAX], moved[PATH_MAX], real[PATH_MAX], buf[PATH_MAX + 32];
    int fd = tmp_file("before", pg, path);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READONLY);
    close(fd);
    void *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    tmp_path("after", moved);
    cr_assert_eq(rename(path, moved), 0);
    cr_assert_not_null(realpath(moved, real));
    assert_rc(mmf_view_filename(v, buf, sizeof buf, NULL), 0);
    cr_assert_str_eq(buf, real, "a renamed file must show its new path");
    cr_assert_eq(unlink(moved), 0);
    size_t len = 0;
    assert_rc(mmf_view_filename(v, buf, sizeof buf, &len), 0);
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s (deleted)", real);
    cr_assert_str_eq(buf, want);
    cr_assert_eq(len, strlen(want));
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(view_filename, memory_view_and_no_view)
{
    char buf[PATH_MAX];
    mmf_section *m = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    void *v = map_view(m, MMF_PAGE_READWRITE, 0, 0);
    size_t len = 12345;
    memset(buf, 'X', sizeof buf);
    assert_rc(mmf_view_filename(v, buf, sizeof buf, &len), MMF_ENOTFILE);
    assert_rc(mmf_view_filename((char *)v + 1, buf, sizeof buf, NULL), MMF_ENOTFILE);
    cr_assert(all_bytes(buf, 'X', sizeof buf));
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_filename(v, buf, sizeof buf, &len), MMF_ENOTVIEW);
    assert_rc(mmf_view_filename(NULL, buf, sizeof buf, &len), MMF_ENOTVIEW);
    char *a = anon_page("anon");
    assert_rc(mmf_view_filename(a, buf, sizeof buf, &len), MMF_ENOTVIEW);
    munmap(a, (size_t)page_size());
    assert_rc(mmf_view_filename(buf, buf, sizeof buf, &len), MMF_ENOTVIEW);
    cr_assert_eq(len, 12345, "*len written on failure");
    assert_rc(mmf_section_close(m), 0);
}

/* A view placed above page granularity is first tried where the last one
 * was: whatever occupies that spot now (someone else's mapping) is never
 * replaced, and the new view is still aligned. */
Test(view_address, granular_placement_never_replaces_a_mapping)
{
    uint64_t g = 65536, pg = page_size();
    mmf_section *s;
    assert_rc(mmf_section_create_memory(4 * g, MMF_PAGE_READWRITE, 0, &s), 0);
    mmf_map_options o = { .granularity = g };
    void *a;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, g, &o, &a), 0);
    assert_rc(mmf_view_unmap(a), 0);
    /* Someone else takes the spot, and the one just below it. */
    char *mine = mmap(a, g, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                      -1, 0);
    cr_assert_eq(mine, a, "the spot could not be taken for the test");
    char *below = mmap((char *)a - g, g, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    memset(mine, 0x5a, g);
    if (below != MAP_FAILED)
        memset(below, 0xa5, g);
    for (int i = 0; i < 8; i++) {
        void *v;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, g, &o, &v), 0);
        cr_assert_eq((uintptr_t)v % g, 0, "view %p not aligned to 64 KiB", v);
        cr_assert(v != (void *)mine && v != (void *)below, "a view replaced a foreign mapping");
        memset(v, 0x11, pg);
        assert_rc(mmf_view_unmap(v), 0);
    }
    cr_assert(all_bytes(mine, 0x5a, g), "the foreign mapping's contents changed");
    if (below != MAP_FAILED) {
        cr_assert(all_bytes(below, 0xa5, g));
        munmap(below, g);
    }
    munmap(mine, g);
    mmf_section_close(s);
}
