/*
 * test_scale.c — 64-bit sizes and offsets (sparse 1 TiB files, views above
 * 4 GiB) and 100,000 live views.
 */
#include "helpers.h"

TestSuite(scale, .fini = tmp_cleanup, .timeout = 60);

#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)
#define TiB ((uint64_t)1 << 40)

/* Resident set size in bytes. */
static uint64_t rss(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    cr_assert_not_null(f);
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            kb = strtoull(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb * 1024;
}

/* A sparse file of @size bytes (skips the test if the FS cannot hold it). */
static int sparse_file(const char *name, uint64_t size)
{
    int fd = tmp_file(name, 0, NULL);
    if (ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        close(fd);
        skip_test("cannot make a sparse file of %llu bytes here: %s",
                     (unsigned long long)size, strerror(e));
    }
    return fd;
}

static uint64_t allocated(int fd)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    return (uint64_t)st.st_blocks * 512;
}

Test(scale, sparse_1tib_file_whole_view)
{
    int fd = sparse_file("big", TiB);
    uint64_t r0 = rss();
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    cr_assert_eq(sinfo(s).size, TiB);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    mmf_view_info vi = query(v + TiB - 1);
    cr_assert_eq(vi.view_base, (void *)v);
    cr_assert_eq(vi.view_size, TiB);
    cr_assert_eq(vi.region_base, (void *)(v + TiB - page_size()));
    cr_assert_eq(vi.region_size, page_size());
    cr_assert_eq(query(v).region_size, TiB);
    cr_assert_eq(vi.section_size, TiB);
    cr_assert_lt(rss() - r0, 64 * MiB, "mapping 1 TiB touched memory");

    v[TiB - 1] = 'E';
    v[5 * GiB] = 'F';
    v[0] = 'S';
    cr_assert_eq(file_byte(fd, TiB - 1), 'E');
    cr_assert_eq(file_byte(fd, 5 * GiB), 'F');
    cr_assert_eq(file_byte(fd, 0), 'S');
    cr_assert_eq(v[TiB / 2], 0);
    assert_rc(mmf_view_flush(v + TiB - 1, 1), 0);
    assert_rc(mmf_view_unmap(v), 0);

    /* A read-only section and view of the same 1 TiB. */
    mmf_section *r = file_section(fd, 0, MMF_PAGE_READONLY);
    char *w = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert_eq(query(w).view_size, TiB);
    cr_assert_eq(w[TiB - 1], 'E');
    cr_assert_eq(w[5 * GiB], 'F');
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(s), 0);

    cr_assert_eq(fd_size(fd), TiB);
    cr_assert_lt(allocated(fd), 64 * MiB, "the sparse file was filled in");
    close(fd);
}

Test(scale, section_grows_empty_file_to_1tib)
{
    int fd = tmp_file("grow", 0, NULL);
    mmf_section *s = NULL;
    int rc = mmf_section_from_fd(fd, TiB, MMF_PAGE_READWRITE, 0, &s);
    if (rc == -EFBIG || rc == -ENOSPC)
        skip_test("the file system cannot hold a 1 TiB sparse file");
    assert_rc(rc, 0);
    cr_assert_eq(fd_size(fd), TiB);
    cr_assert_lt(allocated(fd), 64 * MiB, "growing the file was not sparse");
    char *v = map_view(s, MMF_PAGE_READWRITE, TiB - 4 * GiB, 0);
    cr_assert_eq(query(v).offset, TiB - 4 * GiB);
    memcpy(v + 4 * GiB - 8, "the end!", 8);
    char buf[8];
    pread_all(fd, buf, 8, TiB - 8);
    cr_assert_arr_eq(buf, "the end!", 8);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(scale, views_above_4gib)
{
    uint64_t pg = page_size();
    int fd = sparse_file("8g", 8 * GiB);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    /* Distinct markers where a 32-bit truncation of the offset would land. */
    pwrite_all(fd, "low", 3, 1 * GiB);
    pwrite_all(fd, "high", 4, 5 * GiB);

    char *v = map_view(s, MMF_PAGE_READWRITE, 4 * GiB, 2 * GiB);
    mmf_view_info vi = query(v + GiB);
    cr_assert_eq(vi.offset, 4 * GiB);
    cr_assert_eq(vi.view_size, 2 * GiB);
    cr_assert_arr_eq(v + GiB, "high", 4, "the view shows the wrong part of the file");
    memcpy(v + GiB + 100, "five gib", 8);
    char buf[8];
    pread_all(fd, buf, 8, 5 * GiB + 100);
    cr_assert_arr_eq(buf, "five gib", 8);
    pwrite_all(fd, "pw", 2, 4 * GiB + 3);
    cr_assert_arr_eq(v + 3, "pw", 2);

    uint64_t off = 4 * GiB + 0x12345 * pg;
    char *w = map_view(s, MMF_PAGE_READWRITE, off, 0);
    vi = query(w);
    cr_assert_eq(vi.offset, off);
    cr_assert_eq(vi.view_size, 8 * GiB - off);
    memcpy(w, "odd offset", 10);
    char b2[10];
    pread_all(fd, b2, 10, off);
    cr_assert_arr_eq(b2, "odd offset", 10);
    cr_assert_arr_eq(v + (off - 4 * GiB), "odd offset", 10);

    /* The exact 64-bit size limit holds up here too. */
    void *x = NULL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 6 * GiB, 2 * GiB + 1, NULL, &x), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 8 * GiB, 0, NULL, &x), -EINVAL);
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(scale, memory_section_above_4gib)
{
    mmf_section *s = mem_section(6 * GiB, MMF_PAGE_READWRITE, MMF_SEC_RESERVE);
    cr_assert_eq(sinfo(s).size, 6 * GiB);
    char *hi = map_view(s, MMF_PAGE_READWRITE, 5 * GiB, 0);
    cr_assert_eq(query(hi).offset, 5 * GiB);
    cr_assert_eq(query(hi).view_size, GiB);
    char *all = map_view(s, MMF_PAGE_READONLY, 0, 0);
    memcpy(hi + 77, "up high", 7);
    cr_assert_arr_eq(all + 5 * GiB + 77, "up high", 7);
    cr_assert(all_bytes(all + GiB + 77, 0, 7), "a 32-bit wrap of the offset");
    assert_rc(mmf_view_unmap(hi), 0);
    assert_rc(mmf_view_unmap(all), 0);
    assert_rc(mmf_section_close(s), 0);
}

/* ================================================================== */
/* 100,000 live views                                                  */
/* ================================================================== */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure can be reproduced. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

#define NVIEWS 100000

Test(scale, hundred_thousand_views, .timeout = 120)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section((uint64_t)NVIEWS * pg, MMF_PAGE_READWRITE, MMF_SEC_RESERVE);
    size_t c0 = mmf_view_count();
    char **vw = calloc(NVIEWS, sizeof *vw);
    uint32_t *order = malloc(NVIEWS * sizeof *order);
    cr_assert(vw && order);

    /* Descending offsets: the kernel places each view just below the
       previous one, so adjacent views merge into few kernel mappings and
       stay under vm.max_map_count. */
    for (int i = 0; i < NVIEWS; i++) {
        uint32_t k = NVIEWS - 1 - (uint32_t)i;
        void *v = NULL;
        int rc = mmf_view_map(s, MMF_PAGE_READWRITE, (uint64_t)k * pg, pg, NULL, &v);
        cr_assert_eq(rc, 0, "view %d: %d (%s)", i, rc, mmf_strerror(rc));
        vw[k] = v;
    }
    cr_assert_eq(mmf_view_count(), c0 + NVIEWS);

    for (int i = 0; i < 2000; i++) {
        uint32_t k = (uint32_t)(rnd() % NVIEWS);
        uint64_t inner = rnd() % pg;
        mmf_view_info vi = query(vw[k] + inner);
        cr_assert_eq(vi.view_base, (void *)vw[k]);
        cr_assert_eq(vi.offset, (uint64_t)k * pg, "view %u: offset %llu", k,
                     (unsigned long long)vi.offset);
        cr_assert_eq(vi.view_size, pg);
        vw[k][inner] = (char)(k * 31 + inner);
    }
    /* The views show the right pages. */
    char *all = map_view(s, MMF_PAGE_READONLY, 0, 0);
    for (int i = 0; i < 200; i++) {
        uint32_t k = (uint32_t)(rnd() % NVIEWS);
        vw[k][9] = (char)(k ^ 0x5a);
        cr_assert_eq(all[(uint64_t)k * pg + 9], (char)(k ^ 0x5a));
    }
    assert_rc(mmf_view_unmap(all), 0);
    cr_assert_eq(mmf_view_count(), c0 + NVIEWS);

    /* Unmap in random order, checking some survivors halfway. */
    for (uint32_t i = 0; i < NVIEWS; i++)
        order[i] = i;
    for (uint32_t i = NVIEWS - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rnd() % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < NVIEWS; i++) {
        uint32_t k = order[i];
        int rc = mmf_view_unmap(vw[k] + (i % pg));
        cr_assert_eq(rc, 0, "unmap %u (view %u): %d (%s)", i, k, rc, mmf_strerror(rc));
        if (i == NVIEWS / 2) {
            cr_assert_eq(mmf_view_count(), c0 + NVIEWS - NVIEWS / 2 - 1);
            for (uint32_t j = i + 1; j < i + 500; j++) {
                mmf_view_info vi = query(vw[order[j]]);
                cr_assert_eq(vi.offset, (uint64_t)order[j] * pg);
            }
            for (uint32_t j = 0; j <= i; j += 997)
                assert_rc(mmf_view_query(vw[order[j]], &(mmf_view_info){0}), MMF_ENOTVIEW);
        }
    }
    cr_assert_eq(mmf_view_count(), c0);
    cr_assert(range_unmapped(vw[0], pg));
    cr_assert(range_unmapped(vw[NVIEWS - 1], pg));
    free(vw);
    free(order);
    assert_rc(mmf_section_close(s), 0);
}
