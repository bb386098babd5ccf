/*
 * helpers.h — small helpers shared by the mmf test files.
 *
 * Everything is static inline so that each test file gets its own copy and
 * nothing clashes at link time.  Criterion runs every test in its own
 * process, so the per-process state below (the private temp directory) is
 * per test.  Each test suite installs tmp_cleanup() as its .fini, which
 * Criterion runs even when an assertion fails.
 */
#ifndef MMF_TEST_HELPERS_H
#define MMF_TEST_HELPERS_H

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmf.h"

/* ------------------------------------------------------------------ */
/* Assertions                                                          */
/* ------------------------------------------------------------------ */

/* Asserts that an mmf call returns exactly @expected, naming both codes. */
#define assert_rc(expr, expected)                                            \
    do {                                                                     \
        int rc_got_ = (int)(expr);                                           \
        int rc_want_ = (int)(expected);                                      \
        cr_assert_eq(rc_got_, rc_want_, "%s\n  returned %d (%s)\n  expected %d (%s)", \
                     #expr, rc_got_, mmf_strerror(rc_got_), rc_want_,        \
                     mmf_strerror(rc_want_));                                \
    } while (0)

/* ------------------------------------------------------------------ */
/* Basics                                                              */
/* ------------------------------------------------------------------ */

static inline uint64_t page_size(void)
{
    return (uint64_t)sysconf(_SC_PAGESIZE);
}

static inline int is_root(void)
{
    return geteuid() == 0;
}

/* The byte the fill helpers put at file offset @off. */
static inline unsigned char pat(uint64_t off)
{
    return (unsigned char)(off * 7u + (off >> 12) * 13u + 1u);
}

/* 1 if @p holds pat(off), pat(off+1), ... for @n bytes. */
static inline int check_pat(const void *p, uint64_t off, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != pat(off + i))
            return 0;
    return 1;
}

/* 1 if @n bytes at @p are all @byte. */
static inline int all_bytes(const void *p, unsigned char byte, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != byte)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Temp files: one private directory per test process                  */
/* ------------------------------------------------------------------ */

struct tmp_state {
    char  dir[PATH_MAX];
    pid_t owner;
    int   made;
};

static inline struct tmp_state *tmp_state(void)
{
    static struct tmp_state st;
    return &st;
}

/* The test's private directory (made on first use, under $TMPDIR or /tmp). */
static inline const char *tmp_dir(void)
{
    struct tmp_state *st = tmp_state();
    if (!st->made || st->owner != getpid()) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
        snprintf(st->dir, sizeof st->dir, "%s/mmf-test-XXXXXX", base);
        cr_assert_not_null(mkdtemp(st->dir), "mkdtemp under %s: %s", base,
                           strerror(errno));
        st->owner = getpid();
        st->made = 1;
    }
    return st->dir;
}

static inline int tmp_rm_cb(const char *p, const struct stat *sb, int flag,
                            struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

/* Removes the test's directory and everything in it (suite .fini). */
static inline void tmp_cleanup(void)
{
    struct tmp_state *st = tmp_state();
    if (st->made && st->owner == getpid()) {
        nftw(st->dir, tmp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        st->made = 0;
    }
}

/* Criterion skips .fini when a test skips itself: clean up first. */
#define skip_test(...)                 \
    do {                               \
        tmp_cleanup();                 \
        cr_skip_test(__VA_ARGS__);     \
    } while (0)

/* Builds "<tmp_dir>/<name>" into @out (PATH_MAX bytes). */
static inline char *tmp_path(const char *name, char *out)
{
    snprintf(out, PATH_MAX, "%s/%s", tmp_dir(), name);
    return out;
}

/* Writes pat() bytes over [0, size) of @fd. */
static inline void fill_pattern(int fd, uint64_t size)
{
    unsigned char buf[65536];
    uint64_t off = 0;
    while (off < size) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pat(off + i);
        ssize_t w = pwrite(fd, buf, n, (off_t)off);
        cr_assert_eq((size_t)w, n, "pwrite: %s", strerror(errno));
        off += n;
    }
}

/*
 * Creates the file @name in the test directory, @size bytes of pat(),
 * and returns an O_RDWR descriptor.  @path_out (PATH_MAX bytes) may be NULL.
 */
static inline int tmp_file(const char *name, uint64_t size, char *path_out)
{
    char path[PATH_MAX];
    tmp_path(name, path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    fill_pattern(fd, size);
    if (path_out)
        strcpy(path_out, path);
    return fd;
}

/* Reopens @path with @flags (asserting). */
static inline int reopen(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    return fd;
}

static inline uint64_t fd_size(int fd)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0, "fstat: %s", strerror(errno));
    return (uint64_t)st.st_size;
}

/* pread exactly @n bytes at @off (asserting). */
static inline void pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        cr_assert_gt(r, 0, "pread at %llu: %s", (unsigned long long)(off + done),
                     r < 0 ? strerror(errno) : "end of file");
        done += (size_t)r;
    }
}

/* pwrite exactly @n bytes at @off (asserting). */
static inline void pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    ssize_t w = pwrite(fd, buf, n, (off_t)off);
    cr_assert_eq((size_t)w, n, "pwrite: %s", strerror(errno));
}

/* The byte of the file at @off. */
static inline unsigned char file_byte(int fd, uint64_t off)
{
    unsigned char c;
    pread_all(fd, &c, 1, off);
    return c;
}

/* ------------------------------------------------------------------ */
/* Address space                                                       */
/* ------------------------------------------------------------------ */

/* 1 if the page holding @a is mapped (anything at all), 0 if not. */
static inline int addr_mapped(const void *a)
{
    uint64_t pg = page_size();
    void *p = (void *)((uintptr_t)a & ~(uintptr_t)(pg - 1));
    unsigned char vec;
    if (mincore(p, (size_t)pg, &vec) == 0)
        return 1;
    cr_assert_eq(errno, ENOMEM, "mincore: %s", strerror(errno));
    return 0;
}

/* 1 if every page of [a, a+len) is unmapped. */
static inline int range_unmapped(const void *a, uint64_t len)
{
    uint64_t pg = page_size();
    for (uint64_t off = 0; off < len; off += pg)
        if (addr_mapped((const char *)a + off))
            return 0;
    return 1;
}

/*
 * Looks @a up in /proc/self/maps.  Returns 1 and fills the VMA's bounds,
 * its 4-character permissions ("rw-s") and its path (may be "") when found.
 */
static inline int maps_lookup(const void *a, uintptr_t *start, uintptr_t *end,
                              char perms[5], char *path, size_t pathsz)
{
    FILE *f = fopen("/proc/self/maps", "re");
    cr_assert_not_null(f, "fopen /proc/self/maps: %s", strerror(errno));
    char line[PATH_MAX + 256];
    int found = 0;
    uintptr_t x = (uintptr_t)a;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char pr[5];
        int pos = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s%n", &s, &e, pr, &pos) < 3)
            continue;
        if (x < s || x >= e)
            continue;
        found = 1;
        if (start)
            *start = s;
        if (end)
            *end = e;
        if (perms)
            memcpy(perms, pr, 5);
        if (path && pathsz) {
            char *p = line + pos;
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, "\n");
            if (n >= pathsz)
                n = pathsz - 1;
            memcpy(path, p, n);
            path[n] = '\0';
        }
        break;
    }
    fclose(f);
    return found;
}

/*
 * Dirty bytes (Shared_Dirty + Private_Dirty from /proc/self/smaps) of the
 * kernel mapping holding @a, or -1 when @a is not mapped.
 */
static inline long long smaps_dirty(const void *a)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    cr_assert_not_null(f, "fopen /proc/self/smaps: %s", strerror(errno));
    char line[PATH_MAX + 256];
    uintptr_t x = (uintptr_t)a;
    int in = 0;
    long long dirty = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3) { /* a mapping's header */
            if (in)
                break;
            in = x >= s && x < e;
            if (in)
                dirty = 0;
            continue;
        }
        long long kb;
        if (in && (sscanf(line, "Shared_Dirty: %lld kB", &kb) == 1 ||
                   sscanf(line, "Private_Dirty: %lld kB", &kb) == 1))
            dirty += kb * 1024;
    }
    fclose(f);
    return dirty;
}

/* The kernel's permission string ("rw-s") of the page holding @a. */
static inline void maps_perms(const void *a, char perms[5])
{
    cr_assert(maps_lookup(a, NULL, NULL, perms, NULL, 0),
              "%p is not in /proc/self/maps", a);
}

/*
 * A free, page-aligned range of @len bytes aligned to @align: reserved with
 * mmap and released again, so nothing is there when this returns.
 */
static inline void *free_range(uint64_t len, uint64_t align)
{
    size_t total = (size_t)(len + align);
    char *p = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
    char *a = (char *)(((uintptr_t)p + (uintptr_t)align - 1) & ~((uintptr_t)align - 1));
    cr_assert_eq(munmap(p, total), 0);
    return a;
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

#define MAX_FDS 1024

/* Fills @fds with this process's open descriptors; returns how many. */
static inline int list_fds(int *fds, int max)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d, "opendir /proc/self/fd: %s", strerror(errno));
    int n = 0, self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd != self && n < max)
            fds[n++] = fd;
    }
    closedir(d);
    return n;
}

/* The descriptors in @after that are not in @before; returns how many. */
static inline int new_fds(const int *before, int nb, const int *after, int na,
                          int *out, int max)
{
    int n = 0;
    for (int i = 0; i < na; i++) {
        int seen = 0;
        for (int j = 0; j < nb; j++)
            if (after[i] == before[j])
                seen = 1;
        if (!seen && n < max)
            out[n++] = after[i];
    }
    return n;
}

/* The number of open descriptors. */
static inline int count_fds(void)
{
    int fds[MAX_FDS];
    return list_fds(fds, MAX_FDS);
}

/* ------------------------------------------------------------------ */
/* Child processes                                                     */
/* ------------------------------------------------------------------ */

/*
 * Runs fn(arg) in a forked child with default SIGSEGV/SIGBUS handling and no
 * core dumps; the child exits 0 when fn returns.  Returns the wait status.
 */
static inline int run_child(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct rlimit nocore = { 0, 0 };
        setrlimit(RLIMIT_CORE, &nocore);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid: %s", strerror(errno));
    return status;
}

static inline int killed_by(int status, int sig)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* ------------------------------------------------------------------ */
/* mmf shorthands (asserting)                                          */
/* ------------------------------------------------------------------ */

static inline mmf_section *mem_section(uint64_t size, unsigned prot, unsigned flags)
{
    mmf_section *s = NULL;
    assert_rc(mmf_section_create_memory(size, prot, flags, &s), 0);
    cr_assert_not_null(s);
    return s;
}

static inline mmf_section *file_section(int fd, uint64_t size, unsigned prot)
{
    mmf_section *s = NULL;
    assert_rc(mmf_section_from_fd(fd, size, prot, 0, &s), 0);
    cr_assert_not_null(s);
    return s;
}

static inline void *map_view(mmf_section *s, unsigned prot, uint64_t off, uint64_t size)
{
    void *v = NULL;
    assert_rc(mmf_view_map(s, prot, off, size, NULL, &v), 0);
    cr_assert_not_null(v);
    return v;
}

static inline void *map_view_at(mmf_section *s, unsigned prot, uint64_t off,
                                uint64_t size, void *addr)
{
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    o.address = addr;
    void *v = NULL;
    assert_rc(mmf_view_map(s, prot, off, size, &o, &v), 0);
    cr_assert_eq(v, addr, "view at %p, asked for %p", v, addr);
    return v;
}

static inline mmf_view_info query(const void *addr)
{
    mmf_view_info vi;
    memset(&vi, 0, sizeof vi);
    assert_rc(mmf_view_query(addr, &vi), 0);
    return vi;
}

static inline mmf_section_info sinfo(mmf_section *s)
{
    mmf_section_info si;
    memset(&si, 0, sizeof si);
    assert_rc(mmf_section_query(s, &si), 0);
    return si;
}

/* The access set of a protection (its READ/WRITE/EXEC bits). */
static inline unsigned access_set(unsigned prot)
{
    return prot & (MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_EXEC);
}

/* The eight valid protections, and the six valid for sections. */
static const unsigned all_prots[8] = {
    MMF_PAGE_NOACCESS, MMF_PAGE_READONLY, MMF_PAGE_READWRITE, MMF_PAGE_WRITECOPY,
    MMF_PAGE_EXECUTE, MMF_PAGE_EXECUTE_READ, MMF_PAGE_EXECUTE_READWRITE,
    MMF_PAGE_EXECUTE_WRITECOPY,
};
static const unsigned section_prots[6] = {
    MMF_PAGE_READONLY, MMF_PAGE_READWRITE, MMF_PAGE_WRITECOPY,
    MMF_PAGE_EXECUTE_READ, MMF_PAGE_EXECUTE_READWRITE, MMF_PAGE_EXECUTE_WRITECOPY,
};
/* Never valid anywhere. */
static const unsigned bad_prots[] = {
    MMF_PAGE_WRITE, MMF_PAGE_COPY, MMF_PAGE_COPY | MMF_PAGE_WRITE,
    MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_COPY, MMF_PAGE_EXEC | MMF_PAGE_WRITE,
    MMF_PAGE_EXEC | MMF_PAGE_COPY, 0xF, 0x10, 0x11, 0x80000001u,
};

/* Suppresses "unused" warnings for the tables in files that skip some. */
static inline void prot_tables_used(void)
{
    (void)all_prots;
    (void)section_prots;
    (void)bad_prots;
}

#endif /* MMF_TEST_HELPERS_H */
