/*
 * test_named.c — named sections: create/open by name, access rights, names
 * and namespaces, Windows lifetime across processes (close, exit, SIGKILL),
 * mmf_registry_gc, cross-user security and squatting.
 *
 * Other processes are real ones: tests/child/mmf-child.c, started with
 * posix_spawn (through setpriv for the cross-user tests), driven over pipes.
 * Most tests run in a private registry (registry_private(): a fresh
 * MMF_REGISTRY_DIR under /dev/shm), so they can check its exact contents
 * while other tests run in parallel; one test uses the real /dev/shm.
 * Names still carry the pid and the test's tag.
 */
#include "helpers.h"

#include <time.h>

TestSuite(named_create, .fini = test_cleanup, .timeout = 60);
TestSuite(named_open, .fini = test_cleanup, .timeout = 60);
TestSuite(named_names, .fini = test_cleanup, .timeout = 60);
TestSuite(named_query, .fini = test_cleanup, .timeout = 60);
TestSuite(named_lifetime, .fini = test_cleanup, .timeout = 60);
TestSuite(named_kill, .fini = test_cleanup, .timeout = 120);
TestSuite(named_gc, .fini = test_cleanup, .timeout = 60);
TestSuite(named_security, .fini = test_cleanup, .timeout = 60);
TestSuite(named_squat, .fini = test_cleanup, .timeout = 60);

#define SENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)
#define VSENTINEL ((void *)(uintptr_t)0x5e5e5e50)
#define RW_ACCESS (MMF_ACCESS_READ | MMF_ACCESS_WRITE)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A name unique to this test process: PREFIX "mmft<pid>-" TAG. */
static char *nm(char *buf, const char *prefix, const char *tag)
{
    snprintf(buf, 256, "%smmft%d-%s", prefix, (int)getpid(), tag);
    return buf;
}

/* Decimal text of @v in a static ring of buffers (for child arguments). */
static const char *str_u64(uint64_t v)
{
    static char ring[16][24];
    static int next;
    char *b = ring[next++ % 16];
    snprintf(b, 24, "%llu", (unsigned long long)v);
    return b;
}

static int named_create_rc(int fd, const char *name, uint64_t size, unsigned prot,
                           unsigned mode, int everyone, mmf_section **out)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    o.mode = mode;
    o.everyone = everyone;
    return mmf_section_create(fd, size, prot, 0, &o, out);
}

/* Creates memory section @name; asserts the result is @want (0/EXISTED). */
static mmf_section *create_named(const char *name, uint64_t size, unsigned prot, int want)
{
    mmf_section *s = NULL;
    int rc = named_create_rc(-1, name, size, prot, 0, 0, &s);
    cr_assert_eq(rc, want, "create \"%s\": %d (%s), expected %d (%s)", name, rc,
                 mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_not_null(s);
    return s;
}

static mmf_section *create_named_mode(const char *name, uint64_t size, unsigned mode,
                                      int everyone)
{
    mmf_section *s = NULL;
    int rc = named_create_rc(-1, name, size, MMF_PAGE_READWRITE, mode, everyone, &s);
    cr_assert_eq(rc, 0, "create \"%s\" mode %#o everyone %d: %d (%s)", name, mode,
                 everyone, rc, mmf_strerror(rc));
    return s;
}

static mmf_section *open_named(const char *name, unsigned access)
{
    mmf_section *s = NULL;
    int rc = mmf_section_open(name, access, &s);
    cr_assert_eq(rc, 0, "open \"%s\" access %#x: %d (%s)", name, access, rc,
                 mmf_strerror(rc));
    cr_assert_not_null(s);
    return s;
}

/* Asserts that open(@name) gives @want and leaves the output alone. */
static void assert_open_rc(const char *name, unsigned access, int want)
{
    mmf_section *s = SENTINEL;
    int rc = mmf_section_open(name, access, &s);
    cr_assert_eq(rc, want, "open \"%s\" access %#x: %d (%s), expected %d (%s)", name,
                 access, rc, mmf_strerror(rc), want, mmf_strerror(want));
    if (rc < 0)
        cr_assert_eq(s, SENTINEL, "open \"%s\" wrote its output on failure", name);
    else
        assert_rc(mmf_section_close(s), 0);
}

static void assert_not_found(const char *name)
{
    assert_open_rc(name, MMF_ACCESS_READ, MMF_ENOTFOUND);
}

/* Closes @s, the last handle of @name: the name must be gone at once
 * (views of the section may still be mapped). */
static void close_last_handle(mmf_section *s, const char *name)
{
    assert_rc(mmf_section_close(s), 0);
    assert_not_found(name);
}

/* Reads the answers of a child started with CREATE_CMD ... "map" ...
 * "write" ... "hold": each succeeded and the child now holds. */
static void child_made_and_holds(struct child *c, const char *create_cmd)
{
    child_expect(c, create_cmd, 0);
    child_expect(c, "map", 0);
    child_expect(c, "write", 0);
    child_ready(c);
}

/* Asserts the child's answer to "query" on a named section. */
static void child_expect_query(struct child *c, uint64_t size, unsigned prot,
                               unsigned access, int file)
{
    char want[256];
    snprintf(want, sizeof want, "query 0 size=%llu prot=%u access=%u named=1 file=%d",
             (unsigned long long)size, prot, access, file);
    child_expect_line(c, want);
}

/* Asserts that mapping @prot from @s fails with @want, writing nothing. */
static void assert_map_fails(mmf_section *s, unsigned prot, int want)
{
    void *v = VSENTINEL;
    int rc = mmf_view_map(s, prot, 0, 0, NULL, &v);
    cr_assert_eq(rc, want, "map prot %#x: %d (%s), expected %d (%s)", prot, rc,
                 mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_eq(v, VSENTINEL);
}

static void need_root(void)
{
    if (!is_root())
        skip_test("needs root");
}

static void need_setpriv(void)
{
    need_root();
    if (access("/usr/bin/setpriv", X_OK) != 0 && access("/bin/setpriv", X_OK) != 0)
        skip_test("setpriv (util-linux) is not installed");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int is_zero(const void *p, size_t n)
{
    return all_bytes(p, 0, n);
}

/* lstat @path (asserting it exists). */
static struct stat lst(const char *path)
{
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "lstat %s: %s", path, strerror(errno));
    return st;
}

/*
 * The registry entry that creating @name adds: creates it in an empty
 * namespace directory @dir, finds the one new entry, closes the object and
 * checks that the entry went away.  How names map to file names is the
 * library's business; this learns it without assuming anything.
 */
static void learn_entry(const char *name, const char *dir, char *entry)
{
    assert_no_objects(dir);
    mmf_section *s = create_named(name, page_size(), MMF_PAGE_READWRITE, 0);
    char names[4][NAME_MAX + 1];
    int n = reg_entries(dir, names, 4);
    cr_assert_eq(n, 1, "creating \"%s\" made %d entries in %s", name, n, dir);
    strcpy(entry, names[0]);
    assert_rc(mmf_section_close(s), 0);
    assert_no_objects(dir);
}

/* ================================================================== */
/* Create                                                              */
/* ================================================================== */

Test(named_create, new_then_existed)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Local\\", "ne");

    mmf_section *a = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    mmf_section_info ia = sinfo(a);
    cr_assert_eq(ia.named, 1);
    cr_assert_eq(ia.size, pg);
    cr_assert_eq(ia.protection, MMF_PAGE_READWRITE);
    cr_assert_eq(ia.access, RW_ACCESS);
    cr_assert_eq(ia.file_backed, 0);

    /* Same name, bigger size: the existing object, its size. */
    mmf_section *b = create_named(name, 3 * pg, MMF_PAGE_READWRITE, MMF_EXISTED);
    mmf_section_info ib = sinfo(b);
    cr_assert_eq(ib.named, 1);
    cr_assert_eq(ib.size, pg, "size %llu: the existing object's size must win",
                 (unsigned long long)ib.size);
    cr_assert_eq(ib.protection, MMF_PAGE_READWRITE);
    cr_assert_eq(ib.access, RW_ACCESS);

    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    char *vb = map_view(b, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_neq(va, vb);
    cr_assert(is_zero(va, pg), "a new named section is not zero-filled");
    strcpy(va, "through a");
    cr_assert_str_eq(vb, "through a", "the two handles do not share memory");
    strcpy(vb + pg - 16, "through b");
    cr_assert_str_eq(va + pg - 16, "through b");
    cr_assert_eq(query(vb).section_size, pg);

    /* The second handle cannot map past the existing size. */
    void *v = VSENTINEL;
    assert_rc(mmf_view_map(b, MMF_PAGE_READWRITE, 0, 2 * pg, NULL, &v), MMF_EVIEWSIZE);
    cr_assert_eq(v, VSENTINEL);

    /* A third create while both are open. */
    mmf_section *c = create_named(name, pg, MMF_PAGE_READWRITE, MMF_EXISTED);
    assert_rc(mmf_section_close(c), 0);

    assert_rc(mmf_section_close(a), 0);
    close_last_handle(b, name);
    cr_assert_str_eq(va, "through a", "a view lost its data when the name went");
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vb), 0);
    assert_registry_empty();
}

Test(named_create, existing_protection_and_backing_win)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256], name2[256];
    nm(name, "", "pw");
    nm(name2, "", "pw2");

    mmf_section *a = create_named(name, 2 * pg, MMF_PAGE_READWRITE, 0);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    strcpy(va, "original");

    /* A read-only, file-backed, larger create of the same name. */
    int fd = tmp_file("f", 5 * pg, NULL);
    mmf_section *b = NULL;
    assert_rc(named_create_rc(fd, name, 5 * pg, MMF_PAGE_READONLY, 0, 0, &b), MMF_EXISTED);
    mmf_section_info ib = sinfo(b);
    cr_assert_eq(ib.size, 2 * pg);
    cr_assert_eq(ib.protection, MMF_PAGE_READWRITE);
    cr_assert_eq(ib.file_backed, 0, "the existing memory backing must win over the file");
    cr_assert_eq(ib.named, 1);
    cr_assert_eq(ib.access, MMF_ACCESS_READ, "access %#x: READONLY asks for read only",
                 ib.access);
    assert_map_fails(b, MMF_PAGE_READWRITE, -EACCES);
    char *vb = map_view(b, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(vb, "original", "the file's data shows instead of the section's");
    char *vc = map_view(b, MMF_PAGE_WRITECOPY, 0, 0);
    strcpy(vc, "private");
    cr_assert_str_eq(va, "original", "a copy view wrote through");
    assert_rc(mmf_view_unmap(vb), 0);
    assert_rc(mmf_view_unmap(vc), 0);
    assert_rc(mmf_section_close(b), 0);
    close(fd);

    /* A read-only object asked for read-write: the object's protection. */
    mmf_section *r = create_named(name2, pg, MMF_PAGE_READONLY, 0);
    mmf_section *w = create_named(name2, pg, MMF_PAGE_READWRITE, MMF_EXISTED);
    cr_assert_eq(sinfo(w).protection, MMF_PAGE_READONLY);
    assert_map_fails(w, MMF_PAGE_READWRITE, -EACCES);
    assert_rc(mmf_view_unmap(map_view(w, MMF_PAGE_READONLY, 0, 0)), 0);
    assert_rc(mmf_section_close(w), 0);
    assert_rc(mmf_section_close(r), 0);

    assert_rc(mmf_view_unmap(va), 0);
    close_last_handle(a, name);
    assert_not_found(name2);
    assert_registry_empty();
}

Test(named_create, existed_across_processes)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Local\\", "xp");

    struct child c;
    child_start(&c, "create", name, str_u64(2 * pg), "map", "rw", "write", "0",
                "hello-from-child", "hold", "read", str_u64(pg), "5", "hold");
    child_made_and_holds(&c, "create");

    mmf_section *s = create_named(name, pg, MMF_PAGE_READONLY, MMF_EXISTED);
    mmf_section_info si = sinfo(s);
    cr_assert_eq(si.size, 2 * pg, "size %llu, the child made %llu",
                 (unsigned long long)si.size, (unsigned long long)(2 * pg));
    cr_assert_eq(si.protection, MMF_PAGE_READWRITE);
    cr_assert_eq(si.access, MMF_ACCESS_READ);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(v, "hello-from-child");

    mmf_section *w = open_named(name, RW_ACCESS);
    char *vw = map_view(w, MMF_PAGE_READWRITE, 0, 0);
    memcpy(vw + pg, "world", 5);
    child_go(&c);
    child_expect_text(&c, "world");
    child_ready(&c);
    child_end_ok(&c);

    /* The child is gone; our handles keep the name. */
    assert_open_rc(name, MMF_ACCESS_READ, 0);
    assert_rc(mmf_section_close(s), 0);
    close_last_handle(w, name);
    cr_assert_str_eq(v, "hello-from-child");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_unmap(vw), 0);
    assert_registry_empty();
}

#define NRACE 6

Test(named_create, create_race_one_winner)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "", "race");
    struct child c[NRACE];
    char off[NRACE][32], text[NRACE][32];
    for (int i = 0; i < NRACE; i++) {
        snprintf(off[i], sizeof off[i], "%d", 16 * i);
        snprintf(text[i], sizeof text[i], "child%d", i);
        child_start(&c[i], "hold", "create", name, str_u64(pg), "map", "rw", "write",
                    off[i], text[i], "hold");
    }
    for (int i = 0; i < NRACE; i++)
        child_ready(&c[i]);
    for (int i = 0; i < NRACE; i++)
        child_go(&c[i]);
    int created = 0, existed = 0;
    for (int i = 0; i < NRACE; i++) {
        int rc = child_rc(&c[i], "create");
        cr_assert(rc == 0 || rc == MMF_EXISTED, "child %d: create %d (%s)", i, rc,
                  mmf_strerror(rc));
        created += rc == 0;
        existed += rc == MMF_EXISTED;
        child_expect(&c[i], "map", 0);
        child_expect(&c[i], "write", 0);
        child_ready(&c[i]);
    }
    cr_assert_eq(created, 1, "%d of %d racing creates made a new object", created, NRACE);
    cr_assert_eq(existed, NRACE - 1);

    mmf_section *s = open_named(name, MMF_ACCESS_READ);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    for (int i = 0; i < NRACE; i++)
        cr_assert_str_eq(v + 16 * i, text[i], "child %d wrote to another object", i);
    for (int i = 0; i < NRACE; i++)
        child_end_ok(&c[i]);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_not_found(name);
    assert_registry_empty();
}

Test(named_create, file_backed_opened_by_child)
{
    registry_private(0755);
    uint64_t pg = page_size(), fsz = 3 * pg + 100;
    char name[256], path[PATH_MAX];
    nm(name, "Local\\", "fb");
    int fd = tmp_file("f", fsz, path);

    mmf_section *s = NULL;
    assert_rc(named_create_rc(fd, name, 0, MMF_PAGE_READWRITE, 0, 0, &s), 0);
    close(fd); /* the section holds its own descriptor */
    mmf_section_info si = sinfo(s);
    cr_assert_eq(si.file_backed, 1);
    cr_assert_eq(si.size, fsz);
    cr_assert_eq(si.named, 1);

    struct child c;
    child_start(&c, "open", name, "rw", "query", "map", "rw", "read", "0", "64", "read",
                str_u64(fsz - 10), "10", "write", "200", "from-child", "hold");
    child_expect(&c, "open", 0);
    child_expect_query(&c, fsz, MMF_PAGE_READWRITE, RW_ACCESS, 1);
    child_expect(&c, "map", 0);
    unsigned char buf[64];
    child_read(&c, buf, 64);
    cr_assert(check_pat(buf, 0, 64), "the child does not see the file's data");
    child_read(&c, buf, 10);
    cr_assert(check_pat(buf, fsz - 10, 10), "the child does not see the file's tail");
    child_expect(&c, "write", 0);
    child_ready(&c);

    /* The child's write is in the file (page cache) and in our view. */
    char got[11] = { 0 };
    int rfd = reopen(path, O_RDONLY);
    pread_all(rfd, got, 10, 200);
    cr_assert_str_eq(got, "from-child", "the child's write is not in the file");
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(memcmp(v + 200, "from-child", 10) == 0);
    child_end_ok(&c);

    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    close(rfd);
    assert_registry_empty();
}

Test(named_create, file_backed_created_by_child)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256], path[PATH_MAX];
    nm(name, "", "fc");
    tmp_path("g", path);

    struct child c;
    child_start(&c, "create-file", name, path, str_u64(2 * pg), "map", "rw", "write",
                "10", "child-data", "hold", "read", "50", "6", "hold");
    child_made_and_holds(&c, "create-file");

    mmf_section *s = open_named(name, RW_ACCESS);
    mmf_section_info si = sinfo(s);
    cr_assert_eq(si.file_backed, 1);
    cr_assert_eq(si.size, 2 * pg);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(memcmp(v + 10, "child-data", 10) == 0);
    memcpy(v + 50, "parent", 6);
    child_go(&c);
    child_expect_text(&c, "parent");
    child_ready(&c);
    int fd = reopen(path, O_RDONLY);
    cr_assert_eq(fd_size(fd), 2 * pg);
    char got[7] = { 0 };
    pread_all(fd, got, 6, 50);
    cr_assert_str_eq(got, "parent");
    close(fd);
    child_end_ok(&c);

    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

/*
 * The opener must reach the section's file, not whatever the creator's path
 * names now (Windows: the section object holds the file).
 */
Test(named_create, file_backed_follows_the_file_not_the_path)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256], path[PATH_MAX], moved[PATH_MAX];
    nm(name, "", "fm");
    tmp_path("orig", path);
    tmp_path("moved", moved);

    struct child c;
    child_start(&c, "create-file", name, path, str_u64(pg), "map", "rw", "write", "0",
                "the-real-file", "hold");
    child_made_and_holds(&c, "create-file");

    /* Move the file away and put a decoy at its old path. */
    cr_assert_eq(rename(path, moved), 0, "rename: %s", strerror(errno));
    int decoy = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    cr_assert_geq(decoy, 0);
    char junk[64];
    memset(junk, 'Z', sizeof junk);
    pwrite_all(decoy, junk, sizeof junk, 0);
    cr_assert_eq(ftruncate(decoy, (off_t)pg), 0);

    mmf_section *s = open_named(name, RW_ACCESS);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(memcmp(v, "the-real-file", 13) == 0,
              "open by name reached the file now at the creator's path, not the section's");
    memcpy(v + 100, "via-name", 8);
    int fd = reopen(moved, O_RDONLY);
    char got[9] = { 0 };
    pread_all(fd, got, 8, 100);
    cr_assert_str_eq(got, "via-name");
    cr_assert_eq(file_byte(decoy, 100), 0, "the decoy was written");
    close(fd);
    close(decoy);
    child_end_ok(&c);
    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

Test(named_create, failed_create_leaves_no_name)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Local\\", "fail");
    mmf_section *s = SENTINEL;

    assert_rc(named_create_rc(-1, name, 0, MMF_PAGE_READWRITE, 0, 0, &s), -EINVAL);
    assert_rc(named_create_rc(-1, name, pg, MMF_PAGE_WRITE, 0, 0, &s), -EINVAL);
    assert_rc(named_create_rc(-1, name, pg, 0x10, 0, 0, &s), -EINVAL);
    static const unsigned bad_modes[] = { 0700, 0777, 0100, 01600, 04600, 02666, 0667 };
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        int rc = named_create_rc(-1, name, pg, MMF_PAGE_READWRITE, bad_modes[i], 0, &s);
        cr_assert_eq(rc, -EINVAL, "mode %#o: %d (%s), expected -EINVAL", bad_modes[i], rc,
                     mmf_strerror(rc));
    }
    /* Large pages cannot be named, available or not. */
    uint64_t lps = mmf_large_page_size();
    assert_rc(mmf_section_create(-1, lps ? lps : 2u << 20, MMF_PAGE_READWRITE,
                                 MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES, &(mmf_create_options){ .name = name }, &s),
              -EINVAL);
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READWRITE, MMF_SEC_COMMIT | MMF_SEC_RESERVE,
                                 &(mmf_create_options){ .name = name }, &s),
              -EINVAL);
    /* NULL output. */
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READWRITE, 0,
                                 &(mmf_create_options){ .name = name }, NULL),
              -EINVAL);
    /* File errors. */
    int fd = tmp_file("f", pg, NULL);
    char path[PATH_MAX];
    int ro = reopen(tmp_path("f", path), O_RDONLY);
    assert_rc(named_create_rc(ro, name, pg, MMF_PAGE_READWRITE, 0, 0, &s), -EACCES);
    int empty = tmp_file("e", 0, NULL);
    assert_rc(named_create_rc(empty, name, 0, MMF_PAGE_READWRITE, 0, 0, &s),
              MMF_EEMPTYFILE);
    assert_rc(named_create_rc(fd, name, 2 * pg, MMF_PAGE_READONLY, 0, 0, &s), MMF_ETOOBIG);
    cr_assert_eq(s, SENTINEL, "a failed create wrote its output");
    assert_not_found(name);
    assert_registry_empty();

    /* The valid modes. */
    static const unsigned good_modes[] = { 0, 0600, 0640, 0604, 0644, 0660, 0666, 0400 };
    for (size_t i = 0; i < sizeof good_modes / sizeof good_modes[0]; i++) {
        int rc = named_create_rc(-1, name, pg, MMF_PAGE_READWRITE, good_modes[i], 0, &s);
        cr_assert_eq(rc, 0, "mode %#o: %d (%s)", good_modes[i], rc, mmf_strerror(rc));
        assert_rc(mmf_section_close(s), 0);
    }
    close(fd);
    close(ro);
    close(empty);
    assert_not_found(name);
    assert_registry_empty();
}

/* ================================================================== */
/* Open and access rights                                              */
/* ================================================================== */

Test(named_open, read_access_caps_views)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "", "ra");
    mmf_section *a = create_named(name, pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    strcpy(va, "shared");

    mmf_section *r = open_named(name, MMF_ACCESS_READ);
    mmf_section_info ir = sinfo(r);
    cr_assert_eq(ir.access, MMF_ACCESS_READ);
    cr_assert_eq(ir.named, 1);
    cr_assert_eq(ir.size, pg);
    cr_assert_eq(ir.protection, MMF_PAGE_EXECUTE_READWRITE);
    assert_map_fails(r, MMF_PAGE_READWRITE, -EACCES);
    assert_map_fails(r, MMF_PAGE_EXECUTE_READWRITE, -EACCES);
    assert_map_fails(r, MMF_PAGE_EXECUTE_READ, -EACCES);
    char *ro = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(ro, "shared");
    char *cp = map_view(r, MMF_PAGE_WRITECOPY, 0, 0);
    cr_assert_str_eq(cp, "shared");
    strcpy(cp, "copy");
    cr_assert_str_eq(va, "shared", "a copy view of a read handle wrote through");
    cr_assert_str_eq(ro, "shared");
    void *na = map_view(r, MMF_PAGE_NOACCESS, 0, 0);
    assert_rc(mmf_view_unmap(na), 0);
    assert_rc(mmf_view_unmap(ro), 0);
    assert_rc(mmf_view_unmap(cp), 0);

    /* With EXECUTE too, execute-read views become possible, still no write. */
    mmf_section *rx = open_named(name, MMF_ACCESS_READ | MMF_ACCESS_EXECUTE);
    cr_assert_eq(sinfo(rx).access, MMF_ACCESS_READ | MMF_ACCESS_EXECUTE);
    assert_map_fails(rx, MMF_PAGE_READWRITE, -EACCES);
    assert_rc(mmf_section_close(rx), 0);

    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_rc(mmf_view_unmap(va), 0);
    assert_not_found(name);
    assert_registry_empty();
}

Test(named_open, write_access_allows_rw_views)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Local\\", "wa");
    mmf_section *a = create_named(name, 2 * pg, MMF_PAGE_READWRITE, 0);
    char *va = map_view(a, MMF_PAGE_READONLY, 0, 0);

    mmf_section *w = open_named(name, MMF_ACCESS_WRITE);
    cr_assert_eq(sinfo(w).access, MMF_ACCESS_WRITE);
    char *vw = map_view(w, MMF_PAGE_READWRITE, pg, pg);
    strcpy(vw, "written");
    cr_assert_str_eq(va + pg, "written");

    mmf_section *rw = open_named(name, RW_ACCESS);
    cr_assert_eq(sinfo(rw).access, RW_ACCESS);
    char *vrw = map_view(rw, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_str_eq(vrw + pg, "written");
    strcpy(vrw, "again");
    cr_assert_str_eq(va, "again");

    assert_rc(mmf_section_close(w), 0);
    assert_rc(mmf_section_close(rw), 0);
    close_last_handle(a, name);
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vw), 0);
    assert_rc(mmf_view_unmap(vrw), 0);
    assert_registry_empty();
}

Test(named_open, readonly_section_gives_no_write_view)
{
    registry_private(0755);
    char name[256];
    nm(name, "", "ro");
    mmf_section *a = create_named(name, page_size(), MMF_PAGE_READONLY, 0);
    mmf_section *w = SENTINEL;
    int rc = mmf_section_open(name, RW_ACCESS, &w);
    if (rc == 0) { /* Windows grants the handle; the view is what fails */
        assert_map_fails(w, MMF_PAGE_READWRITE, -EACCES);
        assert_rc(mmf_section_close(w), 0);
    } else {
        cr_assert_eq(rc, -EACCES, "open for write of a read-only section: %d (%s)", rc,
                     mmf_strerror(rc));
        cr_assert_eq(w, SENTINEL);
    }
    close_last_handle(a, name);
    assert_registry_empty();
}

Test(named_open, missing_and_invalid)
{
    registry_private(0755);
    char name[256], local[256], global[256];
    nm(name, "", "mi");
    nm(local, "Local\\", "mi");
    nm(global, "Global\\", "mi");
    assert_open_rc(name, MMF_ACCESS_READ, MMF_ENOTFOUND);
    assert_open_rc(local, RW_ACCESS, MMF_ENOTFOUND);
    assert_open_rc(global, MMF_ACCESS_ALL, MMF_ENOTFOUND);
    assert_open_rc(name, 0, -EINVAL);
    assert_open_rc("", MMF_ACCESS_READ, -EINVAL);

    mmf_section *s = create_named(name, page_size(), MMF_PAGE_READWRITE, 0);
    /* Bad access is refused even when the name exists. */
    assert_open_rc(name, 0, -EINVAL);
    assert_open_rc(name, 0x8, -EINVAL);
    assert_open_rc(name, MMF_ACCESS_READ | 0x100, -EINVAL);
    assert_open_rc(name, 0xffffffffu, -EINVAL);
    assert_open_rc(global, MMF_ACCESS_READ, MMF_ENOTFOUND);
    close_last_handle(s, name);
    assert_registry_empty();
}

Test(named_open, child_with_read_handle)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "", "cr");
    mmf_section *a = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    strcpy(va, "hello");

    struct child c;
    child_start(&c, "open", name, "r", "query", "map", "rw", "map", "r", "read", "0", "5",
                "map", "c", "write", "0", "COPY", "read", "0", "5", "closeall", "hold");
    child_expect(&c, "open", 0);
    child_expect_query(&c, pg, MMF_PAGE_READWRITE, MMF_ACCESS_READ, 0);
    child_expect(&c, "map", -EACCES);
    child_expect(&c, "map", 0);
    child_expect_text(&c, "hello");
    child_expect(&c, "map", 0);
    child_expect(&c, "write", 0);
    child_expect_text(&c, "COPYo");
    child_expect(&c, "closeall", 0);
    child_ready(&c);
    cr_assert_str_eq(va, "hello", "the child's copy view wrote through");
    child_end_ok(&c);
    close_last_handle(a, name);
    assert_rc(mmf_view_unmap(va), 0);
    assert_registry_empty();
}

/* ================================================================== */
/* Names and namespaces                                                */
/* ================================================================== */

Test(named_names, case_sensitive)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char up[256], low[256];
    snprintf(up, sizeof up, "Foo-%d", (int)getpid());
    snprintf(low, sizeof low, "foo-%d", (int)getpid());
    mmf_section *a = create_named(up, pg, MMF_PAGE_READWRITE, 0);
    mmf_section *b = create_named(low, pg, MMF_PAGE_READWRITE, 0);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    char *vb = map_view(b, MMF_PAGE_READWRITE, 0, 0);
    strcpy(va, "upper");
    cr_assert(is_zero(vb, pg), "\"Foo\" and \"foo\" share memory");
    assert_rc(mmf_section_close(a), 0);
    /* "Foo" is gone, "foo" is not. */
    assert_not_found(up);
    assert_open_rc(low, MMF_ACCESS_READ, 0);
    close_last_handle(b, low);
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vb), 0);
    assert_registry_empty();
}

Test(named_names, empty_and_null_are_unnamed)
{
    registry_private(0755);
    uint64_t pg = page_size();
    mmf_section *s[4] = { 0 };
    mmf_create_options empty = { .name = "" }, null = { .name = NULL };
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READWRITE, 0, &empty, &s[0]), 0);
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READWRITE, 0, &empty, &s[1]), 0);
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READWRITE, 0, &null, &s[2]), 0);
    assert_rc(mmf_section_create(-1, pg, MMF_PAGE_READONLY, 0, NULL, &s[3]), 0);
    char *v[4];
    for (int i = 0; i < 4; i++) {
        mmf_section_info si = sinfo(s[i]);
        cr_assert_eq(si.named, 0, "section %d is named", i);
        cr_assert_eq(si.size, pg);
        v[i] = map_view(s[i], MMF_PAGE_READONLY, 0, 0);
    }
    cr_assert_eq(sinfo(s[3]).access, MMF_ACCESS_READ);
    cr_assert_eq(sinfo(s[0]).access, RW_ACCESS);
    /* Two "" creates are two objects. */
    char *w0 = map_view(s[0], MMF_PAGE_READWRITE, 0, 0);
    strcpy(w0, "zero");
    cr_assert(is_zero(v[1], pg), "two unnamed sections share memory");
    cr_assert_str_eq(v[0], "zero");
    /* Unnamed sections put nothing in the registry. */
    assert_registry_empty();
    for (int i = 0; i < 4; i++) {
        assert_rc(mmf_section_close(s[i]), 0);
        assert_rc(mmf_view_unmap(v[i]), 0);
    }
    assert_rc(mmf_view_unmap(w0), 0);
    assert_open_rc("", MMF_ACCESS_READ, -EINVAL);
}

Test(named_names, local_prefix_is_the_default_namespace)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char local[256], bare[256], global[256];
    nm(local, "Local\\", "lp");
    nm(bare, "", "lp");
    nm(global, "Global\\", "lp");

    mmf_section *a = create_named(local, pg, MMF_PAGE_READWRITE, 0);
    mmf_section *b = create_named(bare, pg, MMF_PAGE_READWRITE, MMF_EXISTED);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    char *vb = map_view(b, MMF_PAGE_READWRITE, 0, 0);
    strcpy(va, "local");
    cr_assert_str_eq(vb, "local", "\"Local\\\\x\" and \"x\" are different objects");

    /* Global\x is another object. */
    mmf_section *g = create_named(global, pg, MMF_PAGE_READWRITE, 0);
    char *vg = map_view(g, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(is_zero(vg, pg), "Global\\x shares memory with Local\\x");
    strcpy(vg, "global");
    cr_assert_str_eq(va, "local");

    /* Closing the local pair leaves the global one. */
    assert_rc(mmf_section_close(a), 0);
    close_last_handle(b, local);
    assert_not_found(bare);
    mmf_section *g2 = open_named(global, MMF_ACCESS_READ);
    char *vg2 = map_view(g2, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(vg2, "global");
    assert_rc(mmf_section_close(g2), 0);
    close_last_handle(g, global);

    /* And the other way round: Global first, then Local is new. */
    g = create_named(global, pg, MMF_PAGE_READWRITE, 0);
    a = create_named(bare, pg, MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_section_close(a), 0);
    assert_rc(mmf_section_close(g), 0);

    char *vs[] = { va, vb, vg, vg2 };
    for (int i = 0; i < 4; i++)
        assert_rc(mmf_view_unmap(vs[i]), 0);
    assert_registry_empty();
}

Test(named_names, bad_names)
{
    registry_private(0755);
    uint64_t pg = page_size();
    static const char *const bad[] = {
        "Local\\a\\b", "Global\\a\\b", "Session\\1\\x", "Foo\\bar", "\\x", "a\\b",
        "Local\\\\", "Global\\x\\", "Session\\x", "Local\\Global\\x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_section *s = SENTINEL;
        int rc = named_create_rc(-1, bad[i], pg, MMF_PAGE_READWRITE, 0, 0, &s);
        cr_assert_eq(rc, MMF_EBADNAME, "create \"%s\": %d (%s), expected MMF_EBADNAME",
                     bad[i], rc, mmf_strerror(rc));
        cr_assert_eq(s, SENTINEL);
        assert_open_rc(bad[i], MMF_ACCESS_READ, MMF_EBADNAME);
    }
    assert_registry_empty();
}

/* Fills @out with @n bytes of @c after "mmft<pid>-" (n counts everything). */
static char *long_name(char *out, size_t n, char c)
{
    int k = snprintf(out, n + 1, "mmft%d-", (int)getpid());
    memset(out + k, c, n - (size_t)k);
    out[n] = '\0';
    return out;
}

Test(named_names, length_limits)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char n200[256], n201[256], buf[300];
    long_name(n200, 200, 'a');
    long_name(n201, 201, 'a');
    cr_assert_eq(strlen(n200), 200);

    mmf_section *s = create_named(n200, pg, MMF_PAGE_READWRITE, 0);
    snprintf(buf, sizeof buf, "Local\\%s", n200);
    assert_open_rc(buf, MMF_ACCESS_READ, 0);
    mmf_section *g;
    snprintf(buf, sizeof buf, "Global\\%s", n200);
    g = create_named(buf, pg, MMF_PAGE_READWRITE, 0);

    static const char *const prefixes[] = { "", "Local\\", "Global\\" };
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "%s%s", prefixes[i], n201);
        mmf_section *x = SENTINEL;
        int rc = named_create_rc(-1, buf, pg, MMF_PAGE_READWRITE, 0, 0, &x);
        cr_assert_eq(rc, -ENAMETOOLONG, "create of a 201-byte name: %d (%s)", rc,
                     mmf_strerror(rc));
        cr_assert_eq(x, SENTINEL);
        assert_open_rc(buf, MMF_ACCESS_READ, -ENAMETOOLONG);
    }
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_section_close(g), 0);

    /* 200 bytes that escaping may blow up: all valid, all distinct. */
    static const char fills[] = { '%', '/', '.', '\xff', ' ', '\n', 'A' };
    enum { NF = sizeof fills };
    mmf_section *h[NF];
    char *v[NF];
    for (int i = 0; i < NF; i++) {
        long_name(buf, 200, fills[i]);
        h[i] = create_named(buf, pg, MMF_PAGE_READWRITE, 0);
        v[i] = map_view(h[i], MMF_PAGE_READWRITE, 0, 0);
        v[i][0] = (char)(i + 1);
    }
    for (int i = 0; i < NF; i++) {
        long_name(buf, 200, fills[i]);
        mmf_section *o = open_named(buf, MMF_ACCESS_READ);
        char *ov = map_view(o, MMF_PAGE_READONLY, 0, 0);
        cr_assert_eq(ov[0], (char)(i + 1), "200 x %#x reached another object",
                     (unsigned char)fills[i]);
        assert_rc(mmf_view_unmap(ov), 0);
        assert_rc(mmf_section_close(o), 0);
    }
    for (int i = 0; i < NF; i++) {
        assert_rc(mmf_section_close(h[i]), 0);
        assert_rc(mmf_view_unmap(v[i]), 0);
    }
    assert_registry_empty();
}

/* Names that a careless mapping to file names would confuse or escape. */
static const char *const odd_names[] = {
    "/", "//", "a/b", "a/b/../c", "..", ".", "...", "../x", "../../x", "./x", ".hidden",
    "%", "%%", "%2F", "%2f", "%25", "%2e%2e", "a%2Fb", "a/b%", " ", "tab\there",
    "nl\nx", "\x01", "\xff\xfe", "*", "?", "[a]", "~", "$HOME", "-", "mmf-0", "x/",
    "OK", "ok",
};
#define NODD (sizeof odd_names / sizeof odd_names[0])

/* Asserts that the private registry tree holds only mmf-<uid> and mmf-global
 * with nothing but regular files directly inside: @nlocal and @nglobal
 * objects, and the registry's own dot files. */
static void assert_flat_registry(int nlocal, int nglobal)
{
    char base_names[8][NAME_MAX + 1], local_leaf[64];
    snprintf(local_leaf, sizeof local_leaf, "mmf-%u", (unsigned)geteuid());
    int nb = dir_entries(registry_base(), base_names, 8);
    for (int i = 0; i < nb && i < 8; i++)
        cr_assert(strcmp(base_names[i], local_leaf) == 0 ||
                      strcmp(base_names[i], "mmf-global") == 0,
                  "stray entry \"%s\" in the registry base %s", base_names[i],
                  registry_base());
    cr_assert_leq(nb, 2);
    char dir[PATH_MAX];
    const int want[2] = { nlocal, nglobal };
    for (int g = 0; g < 2; g++) {
        g ? registry_global(dir) : registry_local(dir);
        static char names[256][NAME_MAX + 1];
        int n = dir_entries(dir, names, 256), objects = 0;
        cr_assert_lt(n, 256);
        for (int i = 0; i < n; i++) {
            objects += names[i][0] != '.';
            char p[PATH_MAX + NAME_MAX + 2];
            pathf(p, sizeof p, "%s/%s", dir, names[i]);
            struct stat st = lst(p);
            cr_assert(S_ISREG(st.st_mode), "registry entry %s is not a regular file", p);
        }
        cr_assert_eq(objects, want[g], "%s holds %d objects, expected %d", dir, objects,
                     want[g]);
    }
}

Test(named_names, odd_names_stay_in_the_registry)
{
    const char *base = registry_private(0755);
    uint64_t pg = page_size();
    mmf_section *h[NODD], *gh[3];
    char *v[NODD];
    char buf[300];
    for (size_t i = 0; i < NODD; i++) {
        snprintf(buf, sizeof buf, "Local\\%s", odd_names[i]);
        h[i] = create_named(buf, pg, MMF_PAGE_READWRITE, 0);
        v[i] = map_view(h[i], MMF_PAGE_READWRITE, 0, 0);
        v[i][0] = (char)(i + 1);
    }
    static const char *const gnames[3] = { "..", "/", "../mmf-0" };
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "Global\\%s", gnames[i]);
        gh[i] = create_named(buf, pg, MMF_PAGE_READWRITE, 0);
    }
    /* Each name reaches its own object, by the bare name too. */
    for (size_t i = 0; i < NODD; i++) {
        mmf_section *o = open_named(odd_names[i], MMF_ACCESS_READ);
        char *ov = map_view(o, MMF_PAGE_READONLY, 0, 0);
        cr_assert_eq(ov[0], (char)(i + 1), "\"%s\" opened another object", odd_names[i]);
        assert_rc(mmf_view_unmap(ov), 0);
        assert_rc(mmf_section_close(o), 0);
    }
    assert_flat_registry((int)NODD, 3);
    /* Nothing next to the base either. */
    char p[PATH_MAX];
    pathf(p, sizeof p, "%s/../x", base);
    cr_assert_neq(access(p, F_OK), 0, "%s exists", p);

    for (size_t i = 0; i < NODD; i++) {
        assert_rc(mmf_section_close(h[i]), 0);
        assert_rc(mmf_view_unmap(v[i]), 0);
        assert_not_found(odd_names[i]);
    }
    for (int i = 0; i < 3; i++)
        assert_rc(mmf_section_close(gh[i]), 0);
    assert_flat_registry(0, 0);
}

/* The real /dev/shm: layout, and no escaping names (the only test here that
 * does not use a private registry). */
Test(named_names, dev_shm_layout_and_no_stray_files)
{
    unsetenv("MMF_REGISTRY_DIR");
    uint64_t pg = page_size();
    uid_t uid = geteuid();
    static char before[1024][NAME_MAX + 1], after[1024][NAME_MAX + 1];
    static char lbefore[1024][NAME_MAX + 1], lnow[1024][NAME_MAX + 1];
    int nb = dir_entries("/dev/shm", before, 1024);
    cr_assert_lt(nb, 1024);
    char local[PATH_MAX];
    snprintf(local, sizeof local, "/dev/shm/mmf-%u", (unsigned)uid);
    int nlb = reg_entries(local, lbefore, 1024);
    cr_assert_lt(nlb, 1024);

    int pid = (int)getpid();
    char names[8][256];
    snprintf(names[0], 256, "Local\\../stray%d", pid);
    snprintf(names[1], 256, "Local\\../../tmp/stray%d", pid);
    snprintf(names[2], 256, "Local\\/stray%d", pid);
    snprintf(names[3], 256, "Local\\a/../../stray%d", pid);
    snprintf(names[4], 256, "Local\\.stray%d", pid);
    snprintf(names[5], 256, "Local\\%%2e%%2e%%2fstray%d", pid);
    snprintf(names[6], 256, "Global\\../stray%d", pid);
    snprintf(names[7], 256, "Global\\../mmf-%u/stray%d", (unsigned)uid, pid);
    mmf_section *h[8];
    for (int i = 0; i < 8; i++)
        h[i] = create_named(names[i], pg, MMF_PAGE_READWRITE, 0);

    /* Layout: /dev/shm/mmf-UID 0700 ours, /dev/shm/mmf-global 1777. */
    struct stat st = lst(local);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_uid, uid);
    cr_assert_eq(st.st_mode & 07777, 0700, "%s has mode %#o", local, st.st_mode & 07777);
    st = lst("/dev/shm/mmf-global");
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 07777, 01777, "mmf-global has mode %#o", st.st_mode & 07777);

    /* No new top-level entry made from our names (other processes may add
     * their own meanwhile: only ours are checked). */
    char mark0[32];
    snprintf(mark0, sizeof mark0, "stray%d", pid);
    int na = dir_entries("/dev/shm", after, 1024);
    for (int i = 0; i < na && i < 1024; i++) {
        int old = 0;
        for (int j = 0; j < nb; j++)
            old |= strcmp(after[i], before[j]) == 0;
        cr_assert(old || !strstr(after[i], mark0), "new entry /dev/shm/%s", after[i]);
    }
    char p[PATH_MAX];
    pathf(p, sizeof p, "/tmp/stray%d", pid);
    cr_assert_neq(access(p, F_OK), 0, "%s exists", p);
    pathf(p, sizeof p, "/stray%d", pid);
    cr_assert_neq(access(p, F_OK), 0, "%s exists", p);

    /* Our six local names are six new regular files directly in mmf-UID. */
    int nl = reg_entries(local, lnow, 1024);
    int fresh = 0;
    for (int i = 0; i < nl && i < 1024; i++) {
        int old = 0;
        for (int j = 0; j < nlb; j++)
            old |= strcmp(lnow[i], lbefore[j]) == 0;
        pathf(p, sizeof p, "%s/%s", local, lnow[i]);
        struct stat e;
        if (lstat(p, &e) == 0)
            cr_assert(S_ISREG(e.st_mode), "%s is not a regular file", p);
        fresh += !old;
    }
    /* (At least: other processes may use the real registry meanwhile.) */
    cr_assert_geq(fresh, 6, "%d new entries in %s, expected 6", fresh, local);

    for (int i = 0; i < 8; i++) {
        assert_rc(mmf_section_close(h[i]), 0);
        assert_not_found(names[i]);
    }
    /* Gone again: no new entry with our mark is left. */
    char mark[32];
    snprintf(mark, sizeof mark, "stray%d", pid);
    nl = reg_entries(local, lnow, 1024);
    for (int i = 0; i < nl && i < 1024; i++) {
        int old = 0;
        for (int j = 0; j < nlb; j++)
            old |= strcmp(lnow[i], lbefore[j]) == 0;
        cr_assert(old || !strstr(lnow[i], mark), "%s/%s is left after closing", local,
                  lnow[i]);
    }
}

Test(named_names, registry_modes)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char dir[PATH_MAX], p[PATH_MAX + NAME_MAX + 2], entry[NAME_MAX + 1];
    char name[256];

    /* Local: the directory is 0700 and ours; an object is 0600 by default. */
    nm(name, "Local\\", "m0");
    mmf_section *l = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    struct stat st = lst(registry_local(dir));
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_uid, geteuid());
    cr_assert_eq(st.st_mode & 07777, 0700, "local dir mode %#o", st.st_mode & 07777);
    cr_assert_eq(reg_entries(dir, &entry, 1), 1);
    pathf(p, sizeof p, "%s/%s", dir, entry);
    st = lst(p);
    cr_assert(S_ISREG(st.st_mode));
    cr_assert_eq(st.st_uid, geteuid());
    cr_assert_eq(st.st_mode & 07777, 0600, "local object mode %#o", st.st_mode & 07777);
    assert_rc(mmf_section_close(l), 0);

    /* Global: 1777 directory, objects with the mode asked for. */
    static const struct { unsigned mode; int everyone; unsigned want; } cases[] = {
        { 0, 0, 0600 }, { 0644, 0, 0644 }, { 0640, 0, 0640 }, { 0, 1, 0666 },
        { 0600, 1, 0666 }, { 0400, 0, 0400 },
    };
    registry_global(dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "g%zu", i);
        nm(name, "Global\\", tag);
        mmf_section *g = create_named_mode(name, pg, cases[i].mode, cases[i].everyone);
        st = lst(dir);
        cr_assert(S_ISDIR(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, 01777, "global dir mode %#o", st.st_mode & 07777);
        cr_assert_eq(reg_entries(dir, &entry, 1), 1);
        pathf(p, sizeof p, "%s/%s", dir, entry);
        st = lst(p);
        cr_assert(S_ISREG(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, cases[i].want,
                     "mode %#o everyone %d: entry mode %#o, expected %#o", cases[i].mode,
                     cases[i].everyone, st.st_mode & 07777, cases[i].want);
        assert_rc(mmf_section_close(g), 0);
        assert_no_objects(dir);
    }
    assert_registry_empty();
}

/* ================================================================== */
/* Query                                                               */
/* ================================================================== */

Test(named_query, access_follows_protection)
{
    registry_private(0755);
    uint64_t pg = page_size();
    static const struct { unsigned prot, access; } cases[] = {
        { MMF_PAGE_READONLY, MMF_ACCESS_READ },
        { MMF_PAGE_READWRITE, RW_ACCESS },
        { MMF_PAGE_WRITECOPY, MMF_ACCESS_READ },
        { MMF_PAGE_EXECUTE_READ, MMF_ACCESS_READ | MMF_ACCESS_EXECUTE },
        { MMF_PAGE_EXECUTE_READWRITE, MMF_ACCESS_ALL },
        { MMF_PAGE_EXECUTE_WRITECOPY, MMF_ACCESS_READ | MMF_ACCESS_EXECUTE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[256], tag[32];
        snprintf(tag, sizeof tag, "q%zu", i);
        nm(name, "", tag);
        mmf_section *s = create_named(name, pg, cases[i].prot, 0);
        mmf_section_info si = sinfo(s);
        cr_assert_eq(si.named, 1);
        cr_assert_eq(si.protection, cases[i].prot);
        cr_assert_eq(si.access, cases[i].access, "prot %#x: access %#x, expected %#x",
                     cases[i].prot, si.access, cases[i].access);
        cr_assert_eq(si.file_backed, 0);
        cr_assert_eq(si.size, pg);
        /* The same rights without a name. */
        mmf_section *u = NULL;
        assert_rc(mmf_section_create(-1, pg, cases[i].prot, 0, NULL, &u), 0);
        mmf_section_info ui = sinfo(u);
        cr_assert_eq(ui.named, 0);
        cr_assert_eq(ui.access, cases[i].access, "unnamed prot %#x: access %#x",
                     cases[i].prot, ui.access);
        assert_rc(mmf_section_close(u), 0);
        assert_rc(mmf_section_close(s), 0);
    }
    /* The older constructors make unnamed sections. */
    mmf_section *m = mem_section(pg, MMF_PAGE_READWRITE, 0);
    cr_assert_eq(sinfo(m).named, 0);
    assert_rc(mmf_section_close(m), 0);
    int fd = tmp_file("f", pg, NULL);
    mmf_section *f = file_section(fd, 0, MMF_PAGE_READWRITE);
    cr_assert_eq(sinfo(f).named, 0);
    assert_rc(mmf_section_close(f), 0);
    close(fd);
    assert_registry_empty();
}

Test(named_query, access_follows_open)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Global\\", "qo");
    mmf_section *s = create_named(name, 2 * pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    static const unsigned acc[] = {
        MMF_ACCESS_READ, MMF_ACCESS_WRITE, RW_ACCESS, MMF_ACCESS_READ | MMF_ACCESS_EXECUTE,
        MMF_ACCESS_ALL,
    };
    for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++) {
        mmf_section *o = open_named(name, acc[i]);
        mmf_section_info si = sinfo(o);
        cr_assert_eq(si.access, acc[i], "opened with %#x, query says %#x", acc[i], si.access);
        cr_assert_eq(si.named, 1);
        cr_assert_eq(si.size, 2 * pg);
        cr_assert_eq(si.protection, MMF_PAGE_EXECUTE_READWRITE);
        cr_assert_eq(si.file_backed, 0);
        assert_rc(mmf_section_close(o), 0);
    }
    close_last_handle(s, name);
    assert_registry_empty();
}

/* ================================================================== */
/* Lifetime                                                            */
/* ================================================================== */

Test(named_lifetime, name_goes_with_last_handle_not_view)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "", "lh");
    mmf_section *a = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    mmf_section *b = open_named(name, RW_ACCESS);
    char *v = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v, "old data");
    assert_rc(mmf_section_close(a), 0);
    mmf_section *c = open_named(name, MMF_ACCESS_READ); /* b keeps it */
    assert_rc(mmf_section_close(b), 0);
    assert_open_rc(name, MMF_ACCESS_READ, 0);           /* c keeps it */
    assert_rc(mmf_section_close(c), 0);

    /* No handle left; a view is. */
    assert_not_found(name);
    cr_assert_str_eq(v, "old data");
    strcpy(v, "still writable");
    cr_assert_str_eq(v, "still writable");
    assert_not_found(name);

    /* A new create makes a fresh, zero-filled object. */
    mmf_section *n = create_named(name, 2 * pg, MMF_PAGE_READWRITE, 0);
    cr_assert_eq(sinfo(n).size, 2 * pg, "the new object got the old size");
    char *nv = map_view(n, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(is_zero(nv, 2 * pg), "the new object holds old data");
    strcpy(nv, "new");
    cr_assert_str_eq(v, "still writable", "the old view sees the new object");
    close_last_handle(n, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_unmap(nv), 0);
    assert_registry_empty();
}

Test(named_lifetime, across_processes)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Local\\", "ap");

    struct child c;
    child_start(&c, "create", name, str_u64(pg), "map", "rw", "write", "0", "hello",
                "hold", "closeall", "hold", "read", "100", "5", "hold", "unmap");
    child_made_and_holds(&c, "create");

    mmf_section *a = open_named(name, RW_ACCESS);
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_str_eq(va, "hello");

    /* The child closes its handle (its view stays): we hold the name. */
    child_go(&c);
    child_expect(&c, "closeall", 0);
    child_ready(&c);
    assert_open_rc(name, MMF_ACCESS_READ, 0);
    memcpy(va + 100, "world", 5);

    /* Our last handle: the name goes although two views remain. */
    close_last_handle(a, name);
    cr_assert_str_eq(va, "hello");
    memcpy(va + 200, "after", 5); /* still writable */
    child_go(&c);
    child_expect_text(&c, "world");
    child_ready(&c);

    /* A new create is a new object, not the one the views show. */
    mmf_section *n = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    char *vn = map_view(n, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(is_zero(vn, pg), "the re-created name holds the old data");
    strcpy(vn, "fresh");
    cr_assert_str_eq(va, "hello");
    assert_rc(mmf_section_close(n), 0);
    assert_rc(mmf_view_unmap(vn), 0);

    child_go(&c);
    child_expect(&c, "unmap", 0);
    child_end_ok(&c);
    assert_not_found(name);
    cr_assert(memcmp(va + 200, "after", 5) == 0);
    assert_rc(mmf_view_unmap(va), 0);
    assert_registry_empty();
}

Test(named_lifetime, exit_without_close)
{
    registry_private(0755);
    char name[256];
    nm(name, "", "ex");
    struct child c;
    child_start(&c, "create", name, "4096", "map", "rw", "write", "0", "x", "open", name,
                "r");
    child_expect(&c, "create", 0);
    child_expect(&c, "map", 0);
    child_expect(&c, "write", 0);
    child_expect(&c, "open", 0);
    child_end_ok(&c); /* exits holding two handles and a view */
    assert_not_found(name);
    assert_registry_empty();
    /* And the name can be made afresh. */
    mmf_section *s = create_named(name, 4096, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert(is_zero(v, 4096));
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

/* ================================================================== */
/* SIGKILL                                                             */
/* ================================================================== */

Test(named_kill, killed_holder_drops_the_name)
{
    registry_private(0755);
    char local[PATH_MAX];
    registry_local(local);
    assert_not_found("warm-up"); /* the process's first registry use */
    for (int i = 0; i < 50; i++) {
        char name[256], tag[32];
        snprintf(tag, sizeof tag, "k%d", i);
        nm(name, i % 3 == 2 ? "Global\\" : i % 3 ? "Local\\" : "", tag);
        struct child c;
        child_start(&c, "create", name, "8192", "map", "rw", "write", "0", "doomed", "open",
                    name, "r", "hold");
        child_expect(&c, "create", 0);
        child_expect(&c, "map", 0);
        child_expect(&c, "write", 0);
        child_expect(&c, "open", 0);
        child_ready(&c);
        int st = child_kill(&c);
        cr_assert(killed_by(st, SIGKILL), "status %#x", st);
        assert_not_found(name);
        /* The dead object's entry is gone once the open has looked. */
        assert_registry_empty();
    }
}

Test(named_kill, killed_holder_with_living_holder)
{
    registry_private(0755);
    char name[256];
    nm(name, "", "kl");
    struct child c;
    child_start(&c, "create", name, "4096", "map", "rw", "write", "0", "from-dead", "hold");
    child_made_and_holds(&c, "create");
    mmf_section *s = open_named(name, RW_ACCESS);
    int st = child_kill(&c);
    cr_assert(killed_by(st, SIGKILL));

    /* We still hold it: the name and the data are there. */
    mmf_section *o = open_named(name, MMF_ACCESS_READ);
    char *v = map_view(o, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(v, "from-dead");
    assert_rc(mmf_section_close(o), 0);
    mmf_section *e = create_named(name, 4096, MMF_PAGE_READWRITE, MMF_EXISTED);
    assert_rc(mmf_section_close(e), 0);
    char dir[PATH_MAX];
    cr_assert_eq(reg_entries(registry_local(dir), NULL, 0), 1);

    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

/*
 * A child loops create/open/map/unmap/close on one name and is killed at a
 * random moment (mid-create included); the name must then be free at once.
 */
#ifndef KILL_ROUNDS
#define KILL_ROUNDS 200 /* -DKILL_ROUNDS=N for a longer soak */
#endif

Test(named_kill, kill_at_any_moment, .timeout = 240)
{
    registry_private(0755);
    uint64_t pg = page_size();
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    char name[256];
    nm(name, "", "any");
    assert_not_found(name);
    int early = 0;
    for (int i = 0; i < KILL_ROUNDS; i++) {
        long delay = (long)(rand_r(&seed) % 2000);
        struct child c;
        child_start(&c, "churn", name);
        if (i % 4 != 0)
            child_ready(&c); /* kill inside the loop */
        sleep_us(i % 4 == 0 ? delay * 2 : delay); /* a random kill moment */
        int st = child_kill(&c);
        if (!killed_by(st, SIGKILL)) {
            cr_assert(WIFEXITED(st), "iteration %d: status %#x", i, st);
            cr_assert_fail("iteration %d (seed %u): the churning child failed: exit %d "
                           "(10+step: create, open, map, not-zeroed, close...)",
                           i, seed, WEXITSTATUS(st));
        }
        early += i % 4 == 0;

        double t0 = now_s();
        mmf_section *s = NULL;
        int rc = named_create_rc(-1, name, pg, MMF_PAGE_READWRITE, 0, 0, &s);
        double dt = now_s() - t0;
        cr_assert_eq(rc, 0, "iteration %d (seed %u, delay %ld us): create after the "
                     "kill: %d (%s), expected a new object", i, seed, delay, rc,
                     mmf_strerror(rc));
        cr_assert_lt(dt, 2.0, "iteration %d: create took %.3f s", i, dt);
        char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
        cr_assert(is_zero(v, pg), "iteration %d: the new object holds old data", i);
        v[0] = 1;
        close_last_handle(s, name);
        assert_rc(mmf_view_unmap(v), 0);
        assert_registry_empty();
    }
    cr_assert_gt(early, 0);
    assert_flat_registry(0, 0);
}

/* ================================================================== */
/* Garbage collection                                                  */
/* ================================================================== */

#define NDEAD 5

Test(named_gc, reclaims_killed_objects)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char dir[PATH_MAX];
    assert_not_found("warm-up"); /* our own first-use sweep happens now */

    char dead[NDEAD][256], live[256], mine[256];
    struct child c[NDEAD], keep;
    for (int i = 0; i < NDEAD; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "gc%d", i);
        nm(dead[i], i == 0 ? "Global\\" : "Local\\", tag);
        child_start(&c[i], "create", dead[i], str_u64(pg), "map", "rw", "write", "0",
                    "junk", "hold");
    }
    nm(live, "", "gc-live");
    child_start(&keep, "create", live, str_u64(pg), "hold");
    nm(mine, "", "gc-mine");
    mmf_section *m = create_named(mine, pg, MMF_PAGE_READWRITE, 0);
    for (int i = 0; i < NDEAD; i++) {
        child_expect(&c[i], "create", 0);
        child_expect(&c[i], "map", 0);
        child_expect(&c[i], "write", 0);
        child_ready(&c[i]);
    }
    child_expect(&keep, "create", 0);
    child_ready(&keep);
    for (int i = 0; i < NDEAD; i++)
        cr_assert(killed_by(child_kill(&c[i]), SIGKILL));

    /* No registry operation on those names before the gc. */
    int n = mmf_registry_gc();
    cr_assert_eq(n, NDEAD, "gc removed %d objects (%s), %d were dead", n,
                 n < 0 ? mmf_strerror(n) : "", NDEAD);
    assert_no_objects(registry_global(dir));
    cr_assert_eq(reg_entries(registry_local(dir), NULL, 0), 2,
                 "the live objects' entries must stay");
    assert_open_rc(live, MMF_ACCESS_READ, 0);
    assert_open_rc(mine, MMF_ACCESS_READ, 0);
    for (int i = 0; i < NDEAD; i++)
        assert_not_found(dead[i]);
    assert_rc(mmf_registry_gc(), 0);

    child_end_ok(&keep);
    assert_rc(mmf_section_close(m), 0);
    /* The cleanly exited child's object: gone or collectable, never openable. */
    assert_not_found(live);
    assert_not_found(mine);
    n = mmf_registry_gc();
    cr_assert_geq(n, 0, "gc: %d (%s)", n, mmf_strerror(n));
    assert_registry_empty();
}

/* ================================================================== */
/* Security (root: a second user through setpriv)                      */
/* ================================================================== */

Test(named_security, global_default_is_owner_only)
{
    need_setpriv();
    registry_private(01777);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Global\\", "own");
    mmf_section *s = create_named(name, pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v, "secret");

    struct child c;
    child_start_nobody(&c, "open", name, "r", "open", name, "rw", "open", name, "w",
                       "create", name, str_u64(pg), "create-prot", name, str_u64(pg), "r",
                       "gc");
    child_expect(&c, "open", -EACCES);
    child_expect(&c, "open", -EACCES);
    child_expect(&c, "open", -EACCES);
    child_expect(&c, "create", -EACCES);
    child_expect(&c, "create-prot", -EACCES);
    int gc = child_rc(&c, "gc");
    cr_assert_geq(gc, 0, "the other user's gc: %d (%s)", gc, mmf_strerror(gc));
    child_end_ok(&c);

    /* Still ours and intact, also after the other user's gc. */
    mmf_section *o = open_named(name, MMF_ACCESS_READ);
    char *ov = map_view(o, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(ov, "secret");
    assert_rc(mmf_section_close(o), 0);
    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_unmap(ov), 0);
    assert_registry_empty();
}

Test(named_security, global_everyone)
{
    need_setpriv();
    registry_private(01777);
    uint64_t pg = page_size();
    char name[256];
    nm(name, "Global\\", "all");
    mmf_section *s = create_named_mode(name, pg, 0, 1);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v + 64, "from-root");

    struct child c;
    child_start_nobody(&c, "open", name, "rw", "query", "map", "rw", "write", "0",
                       "from-nobody", "read", "64", "9", "create", name, str_u64(2 * pg),
                       "hold", "read", "128", "5", "hold");
    child_expect(&c, "open", 0);
    child_expect_query(&c, pg, MMF_PAGE_READWRITE, RW_ACCESS, 0);
    child_expect(&c, "map", 0);
    child_expect(&c, "write", 0);
    child_expect_text(&c, "from-root");
    child_expect(&c, "create", MMF_EXISTED);
    child_ready(&c);
    cr_assert_str_eq(v, "from-nobody", "the other user's write is not visible");

    /* Our handle goes; the other user's handles keep the name. */
    assert_rc(mmf_section_close(s), 0);
    s = open_named(name, RW_ACCESS);
    strcpy(v + 128, "again");
    child_go(&c);
    child_expect_text(&c, "again");
    child_ready(&c);
    child_end_ok(&c);
    close_last_handle(s, name);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

Test(named_security, global_mode_0644)
{
    need_setpriv();
    registry_private(01777);
    uint64_t pg = page_size();
    char name[256], name640[256];
    nm(name, "Global\\", "644");
    nm(name640, "Global\\", "640");
    mmf_section *s = create_named_mode(name, pg, 0644, 0);
    mmf_section *s640 = create_named_mode(name640, pg, 0640, 0);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v, "readable");

    struct child c;
    child_start_nobody(&c, "open", name, "rw", "open", name, "w", "create", name,
                       str_u64(pg), "create-prot", name, str_u64(pg), "r", "open", name, "r",
                       "query", "map", "rw", "map", "r", "read", "0", "8", "open", name640,
                       "r");
    child_expect(&c, "open", -EACCES);
    child_expect(&c, "open", -EACCES);
    child_expect(&c, "create", -EACCES);
    child_expect(&c, "create-prot", MMF_EXISTED);
    child_expect(&c, "open", 0);
    child_expect_query(&c, pg, MMF_PAGE_READWRITE, MMF_ACCESS_READ, 0);
    child_expect(&c, "map", -EACCES);
    child_expect(&c, "map", 0);
    child_expect_text(&c, "readable");
    child_expect(&c, "open", -EACCES);
    child_end_ok(&c);

    assert_rc(mmf_section_close(s), 0);
    close_last_handle(s640, name);
    assert_not_found(name640);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

Test(named_security, local_names_are_per_user)
{
    need_setpriv();
    const char *base = registry_private(01777);
    uint64_t pg = page_size();
    char local[256], bare[256];
    nm(local, "Local\\", "pu");
    nm(bare, "", "pu");
    mmf_section *s = create_named_mode(local, pg, 0, 1); /* even everyone=1 */
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v, "root-local");

    struct child c;
    child_start_nobody(&c, "open", local, "r", "open", bare, "r", "create", local,
                       str_u64(pg), "map", "rw", "read", "0", "10", "write", "0", "nobody",
                       "open", bare, "r", "closeall");
    child_expect(&c, "open", MMF_ENOTFOUND);
    child_expect(&c, "open", MMF_ENOTFOUND);
    child_expect(&c, "create", 0);
    child_expect(&c, "map", 0);
    unsigned char buf[10];
    child_read(&c, buf, 10);
    cr_assert(is_zero(buf, 10), "the other user's new object shows our data");
    child_expect(&c, "write", 0);
    child_expect(&c, "open", 0);
    child_expect(&c, "closeall", 0);
    child_end_ok(&c);

    cr_assert_str_eq(v, "root-local");
    char p[PATH_MAX];
    pathf(p, sizeof p, "%s/mmf-%d", base, NOBODY_ID);
    struct stat st = lst(p);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_uid, (uid_t)NOBODY_ID);
    cr_assert_eq(st.st_mode & 07777, 0700, "%s has mode %#o", p, st.st_mode & 07777);
    assert_no_objects(p);

    assert_open_rc(bare, MMF_ACCESS_READ, 0);
    close_last_handle(s, local);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

/* ================================================================== */
/* Squatting: registry directories and entries planted by someone else */
/* ================================================================== */

/* create and open of @name both give MMF_ESQUATTED (or -ELOOP if @loop_ok),
 * writing nothing. */
static void assert_squatted(const char *name, int loop_ok)
{
    mmf_section *s = SENTINEL;
    int rc = named_create_rc(-1, name, page_size(), MMF_PAGE_READWRITE, 0, 0, &s);
    cr_assert(rc == MMF_ESQUATTED || (loop_ok && rc == -ELOOP),
              "create \"%s\": %d (%s), expected MMF_ESQUATTED", name, rc, mmf_strerror(rc));
    cr_assert_eq(s, SENTINEL);
    rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
    cr_assert(rc == MMF_ESQUATTED || (loop_ok && rc == -ELOOP),
              "open \"%s\": %d (%s), expected MMF_ESQUATTED", name, rc, mmf_strerror(rc));
    cr_assert_eq(s, SENTINEL);
}

/*
 * Runs a create (or, with @open_op, an open) of @name in a forked child
 * that SIGALRM ends after @secs seconds: returns the result, or INT_MIN
 * when the call blocked (so a hang fails the test at once, with a reason).
 */
static int named_op_bounded(const char *name, int open_op, unsigned secs)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(secs);
        mmf_section *s = NULL;
        int rc = open_op ? mmf_section_open(name, MMF_ACCESS_READ, &s)
                         : named_create_rc(-1, name, page_size(), MMF_PAGE_READWRITE, 0, 0,
                                           &s);
        _exit(write(p[1], &rc, sizeof rc) == sizeof rc ? 0 : 1);
    }
    close(p[1]);
    int rc = 0;
    ssize_t n = read(p[0], &rc, sizeof rc);
    close(p[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    if (n == (ssize_t)sizeof rc)
        return rc;
    cr_assert(killed_by(st, SIGALRM), "the child died with status %#x", st);
    return INT_MIN;
}

/* assert_squatted() for an entry a naive open() would block on. */
static void assert_squatted_bounded(const char *name)
{
    for (int op = 0; op < 2; op++) {
        int rc = named_op_bounded(name, op, 5);
        cr_assert_neq(rc, INT_MIN, "%s \"%s\" blocked for 5 s", op ? "open" : "create", name);
        cr_assert_eq(rc, MMF_ESQUATTED, "%s \"%s\": %d (%s), expected MMF_ESQUATTED",
                     op ? "open" : "create", name, rc, mmf_strerror(rc));
    }
}

/* A create and close of @name work (the other namespace is not affected). */
static void assert_usable(const char *name)
{
    mmf_section *s = create_named(name, page_size(), MMF_PAGE_READWRITE, 0);
    close_last_handle(s, name);
}

Test(named_squat, local_dir_is_a_symlink)
{
    registry_private(0755);
    char dir[PATH_MAX], target[PATH_MAX], name[256], gname[256];
    tmp_path("elsewhere", target);
    cr_assert_eq(mkdir(target, 0700), 0);
    cr_assert_eq(symlink(target, registry_local(dir)), 0, "symlink: %s", strerror(errno));
    nm(name, "Local\\", "sq");
    assert_squatted(name, 1);
    assert_squatted(name + 6, 1); /* bare */
    assert_dir_empty(target);
    cr_assert(S_ISLNK(lst(dir).st_mode));
    nm(gname, "Global\\", "sq");
    assert_usable(gname);
}

/*
 * The Local (or, when @global, the Global) registry directory made ahead of
 * us as a plain 0777 one (Local wants 0700, Global the sticky bit): its
 * names are squatted, it stays empty, and the other namespace still works.
 */
static void assert_0777_dir_squatted(int global)
{
    registry_private(0755);
    char dir[PATH_MAX], name[256], other[256];
    cr_assert_eq(mkdir(global ? registry_global(dir) : registry_local(dir), 0700), 0);
    cr_assert_eq(chmod(dir, 0777), 0);
    nm(name, global ? "Global\\" : "Local\\", "sq");
    assert_squatted(name, 0);
    assert_dir_empty(dir);
    nm(other, global ? "Local\\" : "Global\\", "sq");
    assert_usable(other);
}

Test(named_squat, local_dir_mode_0777)
{
    assert_0777_dir_squatted(0);
}

Test(named_squat, local_dir_is_a_file)
{
    registry_private(0755);
    char dir[PATH_MAX], name[256];
    int fd = open(registry_local(dir), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0700);
    cr_assert_geq(fd, 0);
    close(fd);
    nm(name, "", "sq");
    assert_squatted(name, 0);
    cr_assert(S_ISREG(lst(dir).st_mode));
    cr_assert_eq(lst(dir).st_size, 0);
}

Test(named_squat, local_dir_foreign_owner)
{
    need_root();
    registry_private(0755);
    char dir[PATH_MAX], name[256];
    cr_assert_eq(mkdir(registry_local(dir), 0700), 0);
    cr_assert_eq(chown(dir, NOBODY_ID, NOBODY_ID), 0, "chown: %s", strerror(errno));
    nm(name, "Local\\", "sq");
    assert_squatted(name, 0);
    assert_dir_empty(dir);
}

Test(named_squat, global_dir_not_sticky)
{
    assert_0777_dir_squatted(1);
}

Test(named_squat, global_dir_is_a_symlink)
{
    registry_private(0755);
    char dir[PATH_MAX], target[PATH_MAX], name[256];
    tmp_path("elsewhere", target);
    cr_assert_eq(mkdir(target, 0700), 0);
    cr_assert_eq(chmod(target, 01777), 0);
    cr_assert_eq(symlink(target, registry_global(dir)), 0);
    nm(name, "Global\\", "sq");
    assert_squatted(name, 1);
    assert_dir_empty(target);
}

Test(named_squat, entry_is_a_symlink)
{
    registry_private(0755);
    char precious[PATH_MAX];
    int pfd = tmp_file("precious", 100, precious);
    cr_assert_eq(fchmod(pfd, 0600), 0);
    for (int g = 0; g < 2; g++) {
        char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
        nm(name, g ? "Global\\" : "Local\\", "ln");
        g ? registry_global(dir) : registry_local(dir);
        learn_entry(name, dir, entry);
        pathf(p, sizeof p, "%s/%s", dir, entry);
        cr_assert_eq(symlink(precious, p), 0, "symlink: %s", strerror(errno));
        assert_squatted(name, 1);
        /* The link was not followed. */
        struct stat st;
        cr_assert_eq(fstat(pfd, &st), 0);
        cr_assert_eq(st.st_size, 100, "the symlink's target was resized");
        cr_assert_eq(st.st_mode & 07777, 0600, "the symlink's target was chmodded");
        cr_assert_eq(st.st_nlink, 1, "the symlink's target was linked");
        unsigned char buf[100];
        pread_all(pfd, buf, 100, 0);
        cr_assert(check_pat(buf, 0, 100), "the symlink's target was written");
        unlink(p);
    }
    close(pfd);
    assert_registry_empty();
}

Test(named_squat, entry_of_another_owner)
{
    need_root();
    registry_private(0755);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Local\\", "own");
    registry_local(dir);
    learn_entry(name, dir, entry);
    pathf(p, sizeof p, "%s/%s", dir, entry);
    /* What another user could leave there: not a lock holder, any content. */
    int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    fill_pattern(fd, 4096);
    cr_assert_eq(fchown(fd, NOBODY_ID, NOBODY_ID), 0);
    assert_squatted(name, 0);
    unsigned char buf[64];
    pread_all(fd, buf, 64, 0);
    cr_assert(check_pat(buf, 0, 64), "the planted entry was written");
    cr_assert_eq(fd_size(fd), 4096, "the planted entry was resized");
    close(fd);
    unlink(p);
    assert_registry_empty();
}

Test(named_squat, entry_not_a_regular_file)
{
    registry_private(0755);
    for (int g = 0; g < 2; g++) {
        char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
        nm(name, g ? "Global\\" : "", "nr");
        g ? registry_global(dir) : registry_local(dir);
        learn_entry(name, dir, entry);
        pathf(p, sizeof p, "%s/%s", dir, entry);

        cr_assert_eq(mkdir(p, 0700), 0);
        assert_squatted(name, 0);
        cr_assert_eq(rmdir(p), 0);

        /* A FIFO (anyone can plant one in the global directory) must not
         * make the library block in open(). */
        cr_assert_eq(mkfifo(p, 0666), 0);
        assert_squatted_bounded(name);
        cr_assert_eq(unlink(p), 0);
    }
    assert_registry_empty();
}
