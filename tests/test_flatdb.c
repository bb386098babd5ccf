/*
 * test_flatdb.c — examples/flatdb, the flat-file database over sliding
 * views: records, checksums, straddling records, a sparse database far
 * larger than its view window, bad input, and other processes (SIGKILL
 * durability, a concurrent reader, a named section).
 *
 * The library is one file with no build rule of its own, so it is compiled
 * into this translation unit (its internals are static and prefixed fdb_;
 * its API is flatdb_*: nothing clashes with the other test files).
 */
#include "helpers.h"

#include <time.h>

#include "../examples/flatdb/flatdb.c"

TestSuite(flatdb, .fini = tmp_cleanup, .timeout = 60);
TestSuite(flatdb_procs, .fini = test_cleanup, .timeout = 60);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Creates "<tmp>/@name" (@count records of @rsize) and returns it open. */
static flatdb *db_create(const char *name, uint64_t count, uint32_t rsize, int sparse,
                         unsigned views, uint64_t view_size, char *path)
{
    flatdb_options o = { .views = views, .view_size = view_size, .sparse = sparse };
    flatdb *db;
    tmp_path(name, path);
    assert_rc(flatdb_create(path, count, rsize, &o, &db), 0);
    return db;
}

static flatdb *db_open(const char *path, unsigned views, uint64_t view_size)
{
    flatdb_options o = { .views = views, .view_size = view_size };
    flatdb *db;
    assert_rc(flatdb_open(path, &o, &db), 0);
    return db;
}

/* Asserts that record @i holds the text @want (zero-padded). */
static void expect_text(flatdb *db, uint64_t i, const char *want)
{
    flatdb_info in = { 0 };
    flatdb_info_get(db, &in);
    char *buf = malloc(in.payload_size);
    cr_assert_not_null(buf);
    int rc = flatdb_get(db, i, buf, in.payload_size);
    cr_assert_eq(rc, (int)in.payload_size, "get %llu: %d (%s)", (unsigned long long)i, rc,
                 flatdb_strerror(rc));
    size_t n = strlen(want);
    cr_assert(memcmp(buf, want, n) == 0, "record %llu is \"%.*s\", expected \"%s\"",
              (unsigned long long)i, (int)n, buf, want);
    cr_assert(all_bytes(buf + n, 0, in.payload_size - n), "record %llu: no zero padding",
              (unsigned long long)i);
    free(buf);
}

static void put_text(flatdb *db, uint64_t i, const char *text)
{
    assert_rc(flatdb_put(db, i, text, strlen(text)), 0);
}

/* The views this process maps through mmf beyond @base. */
static size_t views_over(size_t base)
{
    size_t n = mmf_view_count();
    return n > base ? n - base : 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

Test(flatdb, create_get_put_update)
{
    char path[PATH_MAX];
    flatdb *db = db_create("a.db", 100, 125, 0, 0, 0, path);
    flatdb_info in = { 0 };
    assert_rc(flatdb_info_get(db, &in), 0);
    cr_assert_eq(in.count, 100);
    cr_assert_eq(in.record_size, 125);
    cr_assert_eq(in.payload_size, 121);
    cr_assert_eq(in.file_size, 64 + 100 * 125);
    int fd = reopen(path, O_RDONLY);
    cr_assert_eq(fd_size(fd), 64 + 100 * 125, "the file is not header + N * R bytes");

    expect_text(db, 0, "record 0");
    expect_text(db, 99, "record 99");
    put_text(db, 5, "hello");
    expect_text(db, 5, "hello");
    assert_rc(flatdb_update(db, 5, "again", 5), 0);
    expect_text(db, 5, "again");
    /* A short read copies a prefix and still checks the checksum. */
    char two[2];
    assert_rc(flatdb_get(db, 5, two, 2), 121);
    cr_assert(memcmp(two, "ag", 2) == 0);
    /* The whole payload, binary. */
    unsigned char bin[121];
    for (int k = 0; k < 121; k++)
        bin[k] = (unsigned char)(255 - k);
    assert_rc(flatdb_put(db, 6, bin, sizeof bin), 0);
    unsigned char back[121];
    assert_rc(flatdb_get(db, 6, back, sizeof back), 121);
    cr_assert(memcmp(bin, back, sizeof bin) == 0);

    /* The record is at byte 64 + i * R of the file. */
    unsigned char raw[125];
    pread_all(fd, raw, 125, 64 + 5 * 125);
    cr_assert(memcmp(raw, "again", 5) == 0, "record 5 is not at 64 + 5 * 125");
    cr_assert_eq(fdb_get32(raw + 121), flatdb_checksum(raw, 121));
    assert_rc(flatdb_close(db), 0);

    /* And it is all there after reopening. */
    db = db_open(path, 0, 0);
    expect_text(db, 5, "again");
    expect_text(db, 42, "record 42");
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    assert_rc(flatdb_close(db), 0);
    close(fd);
}

Test(flatdb, sparse_records_are_empty_until_written)
{
    char path[PATH_MAX];
    flatdb *db = db_create("s.db", 1000, 64, 1, 0, 0, path);
    char buf[60];
    memset(buf, 'x', sizeof buf);
    assert_rc(flatdb_get(db, 10, buf, sizeof buf), 0);
    cr_assert(all_bytes(buf, 0, sizeof buf), "an empty record reads as zeros");
    assert_rc(flatdb_update(db, 10, "x", 1), -ENODATA);
    put_text(db, 10, "ten");
    assert_rc(flatdb_update(db, 10, "TEN", 3), 0);
    expect_text(db, 10, "TEN");
    /* A written record of zero bytes is not empty. */
    assert_rc(flatdb_put(db, 11, NULL, 0), 0);
    assert_rc(flatdb_get(db, 11, buf, sizeof buf), 60);
    flatdb_verify_stats st;
    assert_rc(flatdb_verify(db, NULL, NULL, &st), 0);
    cr_assert_eq(st.checked, 1000);
    cr_assert_eq(st.written, 2);
    cr_assert_eq(st.empty, 998);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(st.first_bad, UINT64_MAX);
    assert_rc(flatdb_close(db), 0);
}

struct scan_log {
    uint64_t idx[16];
    int n;
    int stop_at;
};

static int scan_cb(uint64_t i, const void *payload, size_t len, void *arg)
{
    struct scan_log *l = arg;
    cr_assert_eq(len, 60);
    cr_assert(((const char *)payload)[0] == 'r', "record %llu: wrong payload",
              (unsigned long long)i);
    if (l->n < 16)
        l->idx[l->n] = i;
    l->n++;
    return l->n == l->stop_at ? 77 : 0;
}

Test(flatdb, scan_visits_written_records_in_order)
{
    char path[PATH_MAX];
    /* 200,000 records of 64 bytes (12.8 MB) with a window of 64 KiB: the
     * scan slides through ~200 windows and jumps over the holes. */
    flatdb *db = db_create("scan.db", 200000, 64, 1, 4, 65536, path);
    const uint64_t at[] = { 0, 1, 1000, 65535, 123456, 199999 };
    for (size_t k = 0; k < 6; k++) {
        char t[32];
        snprintf(t, sizeof t, "r%llu", (unsigned long long)at[k]);
        put_text(db, at[k], t);
    }
    struct scan_log l = { .stop_at = -1 };
    assert_rc(flatdb_scan(db, scan_cb, &l), 0);
    cr_assert_eq(l.n, 6);
    for (int k = 0; k < 6; k++)
        cr_assert_eq(l.idx[k], at[k], "scan visited %llu as number %d, expected %llu",
                     (unsigned long long)l.idx[k], k, (unsigned long long)at[k]);
    /* A nonzero return stops the scan and comes back. */
    struct scan_log l2 = { .stop_at = 3 };
    assert_rc(flatdb_scan(db, scan_cb, &l2), 77);
    cr_assert_eq(l2.n, 3);
    assert_rc(flatdb_scan(db, NULL, NULL), -EINVAL);
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb, zero_copy_record_and_seal)
{
    char path[PATH_MAX];
    flatdb *db = db_create("z.db", 10, 32, 0, 0, 0, path);
    char *rec;
    assert_rc(flatdb_record(db, 3, (void **)&rec), 0);
    memcpy(rec, "in place", 8);
    /* Not sealed yet: the checksum is stale. */
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 1);
    assert_rc(flatdb_record(db, 3, (void **)&rec), 0);
    assert_rc(flatdb_seal(db, rec), 0);
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    expect_text(db, 3, "in place"); /* over the 8 bytes of "record 3" */
    assert_rc(flatdb_seal(db, NULL), -EINVAL);
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb, checksum_catches_every_single_bit_flip)
{
    unsigned char p[121];
    for (int k = 0; k < 121; k++)
        p[k] = (unsigned char)(k * 37 + 11);
    uint32_t ref = flatdb_checksum(p, sizeof p);
    for (int bit = 0; bit < 121 * 8; bit++) {
        p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        cr_assert_neq(flatdb_checksum(p, sizeof p), ref, "bit %d flip not detected", bit);
        p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    /* A written all-zero payload never looks like an empty record. */
    unsigned char z[121] = { 0 };
    for (size_t n = 4; n <= sizeof z; n++)
        cr_assert_neq(flatdb_checksum(z, n), 0);
    /* Swapped words change it too (the lanes are not commutative). */
    unsigned char q[32];
    for (int k = 0; k < 32; k++)
        q[k] = (unsigned char)k;
    uint32_t a = flatdb_checksum(q, 32);
    unsigned char t[8];
    memcpy(t, q, 8);
    memcpy(q, q + 8, 8);
    memcpy(q + 8, t, 8);
    cr_assert_neq(flatdb_checksum(q, 32), a);
}

/* ------------------------------------------------------------------ */
/* Corruption and bad input                                            */
/* ------------------------------------------------------------------ */

static void note_bad(uint64_t i, void *arg)
{
    struct scan_log *l = arg;
    if (l->n < 16)
        l->idx[l->n] = i;
    l->n++;
}

Test(flatdb, verify_finds_a_corrupted_record)
{
    char path[PATH_MAX];
    flatdb *db = db_create("c.db", 1000, 125, 0, 0, 0, path);
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    /* One flipped bit in record 123, one changed checksum byte in 777,
     * written behind the database's back. */
    int fd = reopen(path, O_RDWR);
    unsigned char c = file_byte(fd, 64 + 123 * 125 + 40);
    c ^= 0x10;
    pwrite_all(fd, &c, 1, 64 + 123 * 125 + 40);
    c = file_byte(fd, 64 + 777 * 125 + 124);
    c ^= 0xff;
    pwrite_all(fd, &c, 1, 64 + 777 * 125 + 124);

    struct scan_log bad = { .stop_at = -1 };
    flatdb_verify_stats st;
    assert_rc(flatdb_verify(db, note_bad, &bad, &st), 2);
    cr_assert_eq(bad.n, 2);
    cr_assert_eq(bad.idx[0], 123);
    cr_assert_eq(bad.idx[1], 777);
    cr_assert_eq(st.first_bad, 123);
    cr_assert_eq(st.written, 998);
    char buf[121];
    assert_rc(flatdb_get(db, 123, buf, sizeof buf), -EBADMSG);
    assert_rc(flatdb_get(db, 777, buf, 3), -EBADMSG);
    assert_rc(flatdb_update(db, 123, "x", 1), -EBADMSG);
    expect_text(db, 122, "record 122");
    /* put overwrites a bad record: repaired. */
    put_text(db, 123, "repaired");
    put_text(db, 777, "repaired");
    assert_rc(flatdb_verify(db, NULL, NULL, &st), 0);
    cr_assert_eq(st.written, 1000);
    assert_rc(flatdb_close(db), 0);
    close(fd);
}

Test(flatdb, bad_record_numbers_and_arguments)
{
    char path[PATH_MAX];
    flatdb *db = db_create("b.db", 50, 125, 0, 0, 0, path);
    char buf[121];
    void *rec;
    assert_rc(flatdb_get(db, 50, buf, sizeof buf), -ERANGE);
    assert_rc(flatdb_get(db, UINT64_MAX, buf, sizeof buf), -ERANGE);
    assert_rc(flatdb_get(db, UINT64_MAX / 125, buf, sizeof buf), -ERANGE);
    assert_rc(flatdb_put(db, 50, "x", 1), -ERANGE);
    assert_rc(flatdb_put(db, UINT64_MAX, "x", 1), -ERANGE);
    assert_rc(flatdb_update(db, 1000000, "x", 1), -ERANGE);
    assert_rc(flatdb_record(db, 50, &rec), -ERANGE);
    assert_rc(flatdb_get(db, 0, NULL, 5), -EINVAL);
    assert_rc(flatdb_get(db, 0, NULL, 0), 121); /* a check only */
    assert_rc(flatdb_put(db, 0, NULL, 5), -EINVAL);
    assert_rc(flatdb_record(db, 0, NULL), -EINVAL);
    assert_rc(flatdb_get(NULL, 0, buf, 1), -EINVAL);
    assert_rc(flatdb_put(NULL, 0, buf, 1), -EINVAL);
    assert_rc(flatdb_flush(NULL), -EINVAL);
    assert_rc(flatdb_verify(NULL, NULL, NULL, NULL), -EINVAL);
    assert_rc(flatdb_info_get(db, NULL), -EINVAL);
    char big[200] = { 0 };
    assert_rc(flatdb_put(db, 0, big, 122), -EMSGSIZE);
    assert_rc(flatdb_update(db, 0, big, 200), -EMSGSIZE);
    assert_rc(flatdb_put(db, 0, big, 121), 0);
    /* Nothing above changed a record. */
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    expect_text(db, 49, "record 49");
    assert_rc(flatdb_close(db), 0);
    assert_rc(flatdb_close(NULL), 0);

    /* Read-only: reads work, writes are -EACCES, flush has nothing to do. */
    flatdb_options ro = { .readonly = 1 };
    assert_rc(flatdb_open(path, &ro, &db), 0);
    expect_text(db, 49, "record 49");
    assert_rc(flatdb_put(db, 1, "x", 1), -EACCES);
    assert_rc(flatdb_update(db, 1, "x", 1), -EACCES);
    assert_rc(flatdb_record(db, 1, &rec), 0);
    assert_rc(flatdb_seal(db, rec), -EACCES);
    assert_rc(flatdb_flush(db), 0);
    assert_rc(flatdb_close(db), 0);
    cr_assert_str_eq(flatdb_strerror(-ERANGE), "record number out of range");
}

Test(flatdb, bad_geometry_and_options)
{
    char path[PATH_MAX];
    flatdb *db;
    tmp_path("g.db", path);
    assert_rc(flatdb_create(path, 0, 125, NULL, NULL), -EINVAL);
    assert_rc(flatdb_create(path, 10, 7, NULL, NULL), -EINVAL);
    assert_rc(flatdb_create(path, 10, FLATDB_MAX_RECORD + 1, NULL, NULL), -EINVAL);
    assert_rc(flatdb_create(path, UINT64_MAX / 8, 125, NULL, NULL), -EFBIG);
    flatdb_options o = { .views = FLATDB_MAX_VIEWS + 1 };
    assert_rc(flatdb_create(path, 10, 125, &o, NULL), -EINVAL);
    assert_rc(flatdb_create(NULL, 10, 125, NULL, NULL), -EINVAL);
    cr_assert_eq(access(path, F_OK), -1, "a refused create left a file");
    /* The smallest record: 4 bytes of payload. */
    assert_rc(flatdb_create(path, 3, 8, NULL, &db), 0);
    expect_text(db, 2, "reco");
    assert_rc(flatdb_close(db), 0);
    /* exclusive refuses an existing file; the default replaces it. */
    flatdb_options ex = { .exclusive = 1 };
    assert_rc(flatdb_create(path, 3, 8, &ex, NULL), -EEXIST);
    assert_rc(flatdb_create(path, 5, 16, NULL, NULL), 0);
    assert_rc(flatdb_open(path, NULL, &db), 0);
    flatdb_info in = { 0 };
    flatdb_info_get(db, &in);
    cr_assert_eq(in.count, 5);
    cr_assert_eq(in.record_size, 16);
    /* Recreating a database that a live section maps is refused by mmf's
     * truncation guard, and the open one is untouched. */
    assert_rc(flatdb_create(path, 5, 16, NULL, NULL), MMF_EMAPPED);
    expect_text(db, 4, "record 4");
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb, open_refuses_what_is_not_a_database)
{
    char path[PATH_MAX], p2[PATH_MAX];
    flatdb *db = NULL;
    tmp_path("missing.db", path);
    assert_rc(flatdb_open(path, NULL, &db), -ENOENT);
    /* Empty, short, random. */
    int fd = tmp_file("empty", 0, path);
    assert_rc(flatdb_open(path, NULL, &db), -EBADMSG);
    close(fd);
    fd = tmp_file("short", 10, path);
    assert_rc(flatdb_open(path, NULL, &db), -EBADMSG);
    close(fd);
    fd = tmp_file("random", 8192, path);
    assert_rc(flatdb_open(path, NULL, &db), -EBADMSG);
    close(fd);
    /* A directory. */
    assert_rc(flatdb_open(tmp_dir(), NULL, &db), -EISDIR);
    /* A database cut short (its header promises more records). */
    assert_rc(flatdb_create(tmp_path("cut.db", p2), 100, 125, NULL, NULL), 0);
    fd = reopen(p2, O_RDWR);
    cr_assert_eq(ftruncate(fd, 64 + 99 * 125), 0);
    assert_rc(flatdb_open(p2, NULL, &db), -EBADMSG);
    /* A header with one byte changed (its count). */
    cr_assert_eq(ftruncate(fd, 64 + 100 * 125), 0);
    assert_rc(flatdb_open(p2, NULL, &db), 0);
    assert_rc(flatdb_close(db), 0);
    db = NULL;
    unsigned char c = file_byte(fd, 24);
    c ^= 1;
    pwrite_all(fd, &c, 1, 24);
    assert_rc(flatdb_open(p2, NULL, &db), -EBADMSG);
    close(fd);
    cr_assert_null(db, "a failed open wrote its output");
    assert_rc(flatdb_open(NULL, NULL, &db), -EINVAL);
    assert_rc(flatdb_open(p2, NULL, NULL), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Sliding views                                                       */
/* ------------------------------------------------------------------ */

/* Puts a distinct text in every record through a window of one page and
 * @views views, then checks every record through the file (pread) and
 * through the database. */
static void straddle_check(uint32_t rsize, uint64_t count, unsigned views)
{
    char path[PATH_MAX], name[32];
    uint64_t pg = page_size();
    size_t base = mmf_view_count();
    snprintf(name, sizeof name, "st%u.db", rsize);
    flatdb *db = db_create(name, count, rsize, 1, views, pg, path);
    uint64_t straddlers = 0;
    char text[64];
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off = 64 + i * rsize;
        if (off / pg != (off + rsize - 1) / pg)
            straddlers++;
        snprintf(text, sizeof text, "straddle %llu", (unsigned long long)i);
        put_text(db, i, text);
        cr_assert_leq(views_over(base), views, "%zu views mapped, the window is %u",
                      views_over(base), views);
    }
    cr_assert_gt(straddlers, 10, "the test makes no record cross a view boundary");
    /* The bytes are where the format says, across every boundary. */
    int fd = reopen(path, O_RDONLY);
    unsigned char *raw = malloc(rsize), want[64];
    cr_assert_not_null(raw);
    for (uint64_t i = 0; i < count; i++) {
        pread_all(fd, raw, rsize, 64 + i * rsize);
        int n = snprintf((char *)want, sizeof want, "straddle %llu", (unsigned long long)i);
        cr_assert(memcmp(raw, want, (size_t)n) == 0 &&
                      all_bytes(raw + n, 0, rsize - 4 - (size_t)n),
                  "record %llu is wrong in the file", (unsigned long long)i);
        cr_assert_eq(fdb_get32(raw + rsize - 4), flatdb_checksum(raw, rsize - 4),
                     "record %llu: wrong checksum in the file", (unsigned long long)i);
    }
    free(raw);
    close(fd);
    /* And through the database, in an order that keeps the views sliding
     * back and forth. */
    for (uint64_t k = 0; k < count; k++) {
        uint64_t i = (k * 7919) % count;
        snprintf(text, sizeof text, "straddle %llu", (unsigned long long)i);
        expect_text(db, i, text);
    }
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    cr_assert_leq(views_over(base), views);
    flatdb_info in = { 0 };
    flatdb_info_get(db, &in);
    cr_assert_leq(in.mapped, views);
    cr_assert_gt(in.maps, 2 * views, "the views never slid");
    assert_rc(flatdb_close(db), 0);
    cr_assert_eq(views_over(base), 0, "close left views mapped");
}

Test(flatdb, records_straddling_view_boundaries)
{
    straddle_check(125, 5000, 2);   /* ~150 page boundaries crossed by records */
}

Test(flatdb, records_larger_than_a_view_window)
{
    straddle_check(3 * 4096 + 11, 40, 3);
}

Test(flatdb, view_cache_is_lru)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    /* Records of one page: record i starts in window i (64 bytes in). */
    flatdb *db = db_create("lru.db", 16, (uint32_t)pg, 1, 2, pg, path);
    flatdb_info in = { 0 };
    char buf[8];
    flatdb_info_get(db, &in);
    uint64_t m0 = in.maps;
#define MAPS_AFTER(i, want)                                                  \
    do {                                                                     \
        cr_assert_geq(flatdb_get(db, (i), buf, sizeof buf), 0);               \
        flatdb_info_get(db, &in);                                            \
        cr_assert_eq(in.maps - m0, (want), "after record %d: %llu maps, expected %d", \
                     (int)(i), (unsigned long long)(in.maps - m0), (want));  \
    } while (0)
    /* Windows w0 and w1 are cached (from create), then 1, 2 evicts the
     * older. */
    flatdb_get(db, 1, buf, sizeof buf);       /* window 0 or 1 */
    flatdb_info_get(db, &in);
    m0 = in.maps;
    MAPS_AFTER(1, 0);
    MAPS_AFTER(5, 1);   /* window 5: evicts the least recently used */
    MAPS_AFTER(1, 1);   /* still cached */
    MAPS_AFTER(6, 2);   /* evicts 5, not 1 */
    MAPS_AFTER(1, 2);
    MAPS_AFTER(5, 3);
    cr_assert_eq(in.mapped, 2);
#undef MAPS_AFTER
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb, sparse_8gib_database_through_4_small_views)
{
    char path[PATH_MAX];
    const uint64_t size = UINT64_C(8) << 30, count = (size - 64) / 125;
    const unsigned views = 4;
    const uint64_t vsize = 1 << 20;
    size_t base = mmf_view_count();
    flatdb_options o = { .views = views, .view_size = vsize, .sparse = 1 };
    flatdb *db;
    tmp_path("big.db", path);
    int rc = flatdb_create(path, count, 125, &o, &db);
    if (rc == -EFBIG || rc == -ENOSPC || rc == -EDQUOT)
        skip_test("cannot make an 8 GiB sparse file here: %s", flatdb_strerror(rc));
    assert_rc(rc, 0);
    cr_assert_leq(views_over(base), views);
    uint64_t at[40];
    int n = 0;
    at[n++] = 0;
    at[n++] = count - 1;
    at[n++] = count / 2;
    at[n++] = (UINT64_C(5) << 30) / 125; /* past 4 GiB: beyond 32-bit offsets */
    uint64_t x = 12345;
    while (n < 40) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        at[n++] = x % count;
    }
    char text[64];
    for (int k = 0; k < n; k++) {
        snprintf(text, sizeof text, "far record %llu", (unsigned long long)at[k]);
        put_text(db, at[k], text);
        cr_assert_leq(views_over(base), views, "%zu views after %d puts", views_over(base),
                      k + 1);
    }
    for (int k = n - 1; k >= 0; k--) {
        snprintf(text, sizeof text, "far record %llu", (unsigned long long)at[k]);
        expect_text(db, at[k], text);
    }
    assert_rc(flatdb_flush(db), 0);
    flatdb_info in = { 0 };
    flatdb_info_get(db, &in);
    cr_assert_eq(in.file_size, 64 + count * 125);
    cr_assert_leq(in.mapped, views);
    assert_rc(flatdb_close(db), 0);
    cr_assert_eq(views_over(base), 0);

    /* The file is 8 GiB and almost all hole. */
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq((uint64_t)st.st_size, 64 + count * 125);
    cr_assert_lt((uint64_t)st.st_blocks * 512, UINT64_C(64) << 20,
                 "%llu bytes allocated for a few records",
                 (unsigned long long)st.st_blocks * 512);

    /* Reopened, with the same small window. */
    db = db_open(path, views, vsize);
    for (int k = 0; k < n; k++) {
        snprintf(text, sizeof text, "far record %llu", (unsigned long long)at[k]);
        expect_text(db, at[k], text);
        cr_assert_leq(views_over(base), views);
    }
    char buf[121];
    assert_rc(flatdb_get(db, count / 3 + 1, buf, sizeof buf), 0); /* empty */
    assert_rc(flatdb_get(db, count, buf, sizeof buf), -ERANGE);
    /* Verify walks only the data when the file system reports holes. */
    int fd = reopen(path, O_RDONLY);
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    close(fd);
    if (hole >= 0 && (uint64_t)hole < (uint64_t)st.st_size) {
        flatdb_verify_stats vs;
        assert_rc(flatdb_verify(db, NULL, NULL, &vs), 0);
        cr_assert_eq(vs.checked, count);
        cr_assert_eq(vs.written, 40, "verify found %llu written, %llu empty, %llu bad",
                     (unsigned long long)vs.written, (unsigned long long)vs.empty,
                     (unsigned long long)vs.bad);
        cr_assert_leq(views_over(base), views);
    }
    assert_rc(flatdb_close(db), 0);
}

/* ------------------------------------------------------------------ */
/* Other processes                                                     */
/* ------------------------------------------------------------------ */

/* A child that puts @flushed and flushes, puts @unflushed without a flush,
 * says so on @wfd, then loops reading until it is killed. */
static void durable_child(const char *path, int wfd)
{
    flatdb *db;
    if (flatdb_open(path, NULL, &db) < 0)
        _exit(10);
    if (flatdb_put(db, 5, "durable", 7) < 0 || flatdb_flush(db) < 0)
        _exit(11);
    if (flatdb_put(db, 6, "in the page cache", 17) < 0)
        _exit(12);
    if (write(wfd, "k", 1) != 1)
        _exit(13);
    char buf[121];
    for (uint64_t i = 0;; i++)
        (void)flatdb_get(db, i % 100, buf, sizeof buf);
}

Test(flatdb_procs, put_and_flush_survive_sigkill)
{
    char path[PATH_MAX];
    flatdb *db = db_create("k.db", 100, 125, 0, 0, 0, path);
    assert_rc(flatdb_close(db), 0);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        durable_child(path, p[1]);
    }
    close(p[1]);
    char c;
    cr_assert_eq(read(p[0], &c, 1), 1, "the child died before its put");
    close(p[0]);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(killed_by(st, SIGKILL), "the child was not killed (status %#x)", st);

    db = db_open(path, 0, 0);
    expect_text(db, 5, "durable");
    /* Linux keeps a dead process's writes to a shared mapping in the page
     * cache: even the unflushed put is there (a flush is for the machine
     * crashing, not the process). */
    expect_text(db, 6, "in the page cache");
    expect_text(db, 7, "record 7");
    assert_rc(flatdb_verify(db, NULL, NULL, NULL), 0);
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb_procs, a_reader_in_another_process_sees_an_update)
{
    char path[PATH_MAX];
    flatdb *db = db_create("r.db", 1000, 125, 0, 0, 0, path);
    put_text(db, 7, "version 1");
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* Its own handle, section and views of the file. */
        close(ready[0]);
        flatdb *r;
        char buf[121];
        if (flatdb_open(path, &(flatdb_options){ .readonly = 1 }, &r) < 0)
            _exit(10);
        if (flatdb_get(r, 7, buf, sizeof buf) != 121 || strcmp(buf, "version 1") != 0)
            _exit(11);
        if (write(ready[1], "r", 1) != 1)
            _exit(12);
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            int rc = flatdb_get(r, 7, buf, sizeof buf);
            if (rc < 0)
                _exit(13);
            if (strcmp(buf, "version 2") == 0)
                _exit(0);
            clock_gettime(CLOCK_MONOTONIC, &t);
            if (t.tv_sec - t0.tv_sec > 20)
                _exit(14);
        }
    }
    close(ready[1]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the reader died before it was ready");
    close(ready[0]);
    /* No flush: the reader maps the same page-cache pages. */
    put_text(db, 7, "version 2");
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the reader ended with status %#x", st);
    assert_rc(flatdb_close(db), 0);
}

Test(flatdb_procs, attach_to_a_named_section)
{
    registry_private(0755);
    char path[PATH_MAX];
    flatdb *db = db_create("n.db", 300, 125, 0, 0, 0, path);
    int fd = reopen(path, O_RDWR);
    mmf_create_options co = { .name = "Local\\flatdb-test" };
    mmf_section *s, *t, *ro;
    assert_rc(mmf_section_create(fd, 0, MMF_PAGE_READWRITE, 0, &co, &s), 0);
    close(fd);
    assert_rc(mmf_section_open("Local\\flatdb-test", MMF_ACCESS_READ | MMF_ACCESS_WRITE, &t), 0);
    flatdb *a;
    assert_rc(flatdb_attach(t, NULL, &a), 0);
    assert_rc(mmf_section_close(t), 0); /* the handle keeps its own */
    expect_text(a, 299, "record 299");
    put_text(a, 10, "through the name");
    expect_text(db, 10, "through the name");
    put_text(db, 11, "through the path");
    expect_text(a, 11, "through the path");
    assert_rc(flatdb_flush(a), 0);

    /* A read-only handle gives a read-only database. */
    assert_rc(mmf_section_open("Local\\flatdb-test", MMF_ACCESS_READ, &ro), 0);
    flatdb *r;
    assert_rc(flatdb_attach(ro, NULL, &r), 0);
    expect_text(r, 10, "through the name");
    assert_rc(flatdb_put(r, 10, "x", 1), -EACCES);
    assert_rc(flatdb_close(r), 0);
    assert_rc(mmf_section_close(ro), 0);

    /* A section that is not a database. */
    mmf_section *m;
    assert_rc(mmf_section_create_memory(65536, MMF_PAGE_READWRITE, 0, &m), 0);
    assert_rc(flatdb_attach(m, NULL, &r), -EBADMSG);
    assert_rc(mmf_section_close(m), 0);
    assert_rc(flatdb_attach(NULL, NULL, &r), -EBADF);

    assert_rc(flatdb_close(a), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(flatdb_close(db), 0);
}
