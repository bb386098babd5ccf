/*
 * flatdb.c — a flat-file database of fixed-size records over mmf views.
 *
 * Every byte of the file is reached through a view of one file section.
 * The views slide: the file is cut into windows of W bytes (the view size,
 * a multiple of the allocation granularity), and window k is a view of
 * [k*W, k*W + W + R) — one record longer than the window, so consecutive
 * views overlap by one record.  A record belongs to the window its first
 * byte is in, and lies entirely inside that window's view: a record that
 * straddles a window boundary is still one contiguous piece of memory, so
 * get and put are a single memcpy and flatdb_record() can hand out a
 * pointer.  (The alternative, copying a straddling record in two parts,
 * would rule out zero-copy access and cost a branch on every access.)  The
 * overlap is coherent because both views map the same page-cache pages.
 *
 * The handle keeps a small cache of such views (slots); a lookup checks the
 * slot hit last, then the others, and on a miss unmaps the least recently
 * used view and maps the needed one.  A 64 GiB database therefore needs
 * only views * (W + R) bytes of address space.
 */
#include "flatdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char fdb_magic[8] = { 'F', 'L', 'A', 'T', 'D', 'B', 0, 1 };

/* Records processed between progress reports and hole probes. */
#define FDB_CHUNK 16384u
/* Total file size limit (as mmf's). */
#define FDB_MAX_FILE (UINT64_C(1) << 62)

struct fdb_slot {
    uint64_t key;   /* window number */
    char    *base;  /* NULL: slot unused */
    uint64_t used;  /* tick of the last lookup */
    int      dirty; /* written through since the last flush */
};

struct flatdb {
    mmf_section *s;
    int          fd;        /* -1 when attached to a section */
    uint64_t     count;
    uint32_t     rsize;     /* R */
    uint32_t     psize;     /* R - 4 */
    uint32_t     version;
    uint64_t     fsize;     /* header + count * R */
    uint64_t     wsize;     /* W: the stride of the windows, a power of two */
    unsigned     wshift;    /* log2(W) */
    uint64_t     vsize;     /* W + R: the size of one view (clipped at the end) */
    unsigned     nslots;
    int          readonly;
    unsigned     last;      /* slot of the last hit */
    unsigned     mapped;
    uint64_t     tick, maps, hits;
    flatdb_progress_fn progress;
    void        *progress_arg;
    struct fdb_slot slots[];
};

/* ------------------------------------------------------------------ */
/* Checksum and byte order                                             */
/* ------------------------------------------------------------------ */

static uint64_t fdb_le64(const unsigned char *c)
{
    uint64_t w;
    memcpy(&w, c, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint32_t fdb_get32(const unsigned char *c)
{
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

static void fdb_put32(unsigned char *c, uint32_t v)
{
    c[0] = (unsigned char)v;
    c[1] = (unsigned char)(v >> 8);
    c[2] = (unsigned char)(v >> 16);
    c[3] = (unsigned char)(v >> 24);
}

static uint64_t fdb_get64(const unsigned char *c)
{
    return (uint64_t)fdb_get32(c) | (uint64_t)fdb_get32(c + 4) << 32;
}

static void fdb_put64(unsigned char *c, uint64_t v)
{
    fdb_put32(c, (uint32_t)v);
    fdb_put32(c + 4, (uint32_t)(v >> 32));
}

/*
 * FNV-1a's xor-multiply step taken a 64-bit word at a time instead of a
 * byte at a time (byte-wise FNV costs a multiply latency per byte: ~120 ns
 * for a 121-byte payload, as much as the memcpy it protects), in two lanes
 * (even and odd words) so that two multiplies are in flight, then the
 * murmur3 finaliser so that every input bit reaches the low 32 bits.  Each
 * step is a bijection of its lane for a given word, so any change confined
 * to one word always changes the 128-bit state.
 */
uint32_t flatdb_checksum(const void *p, size_t n)
{
    const unsigned char *c = p;
    const uint64_t prime = UINT64_C(0x100000001b3);
    uint64_t a = UINT64_C(0xcbf29ce484222325), b = a ^ (uint64_t)n;
    for (; n >= 16; c += 16, n -= 16) {
        a = (a ^ fdb_le64(c)) * prime;
        b = (b ^ fdb_le64(c + 8)) * prime;
    }
    if (n >= 8) {
        a = (a ^ fdb_le64(c)) * prime;
        c += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)c[i] << (8 * i);
        b = (b ^ w) * prime;
    }
    uint64_t h = a ^ (b * UINT64_C(0x9e3779b97f4a7c15));
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return (uint32_t)h;
}

static int fdb_all_zero(const unsigned char *c, size_t n)
{
    for (; n >= 8; c += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, c, 8);
        if (w)
            return 0;
    }
    while (n--)
        if (*c++)
            return 0;
    return 1;
}

const char *flatdb_strerror(int code)
{
    switch (code) {
    case -ERANGE:   return "record number out of range";
    case -EBADMSG:  return "bad checksum (not a flatdb file, or a corrupted record)";
    case -EMSGSIZE: return "data longer than the record's payload";
    case -ENODATA:  return "the record is empty (never written)";
    default:        return mmf_strerror(code);
    }
}

/* ------------------------------------------------------------------ */
/* The sliding views                                                   */
/* ------------------------------------------------------------------ */

static int fdb_unmap_slot(flatdb *db, struct fdb_slot *sl)
{
    if (!sl->base)
        return 0;
    int rc = mmf_view_unmap(sl->base);
    if (rc < 0)
        return rc;
    sl->base = NULL;
    sl->dirty = 0;
    db->mapped--;
    return 0;
}

/* The least recently used slot (an unused one first). */
static struct fdb_slot *fdb_victim(flatdb *db)
{
    struct fdb_slot *v = &db->slots[0];
    for (unsigned k = 0; k < db->nslots; k++) {
        struct fdb_slot *sl = &db->slots[k];
        if (!sl->base)
            return sl;
        if (sl->used < v->used)
            v = sl;
    }
    return v;
}

/* Maps window @key into a slot (the slow path of fdb_at()). */
static int fdb_map_window(flatdb *db, uint64_t key, struct fdb_slot **out)
{
    uint64_t off = key * db->wsize;
    uint64_t size = db->fsize - off < db->vsize ? db->fsize - off : db->vsize;
    unsigned prot = db->readonly ? MMF_PAGE_READONLY : MMF_PAGE_READWRITE;
    for (;;) {
        struct fdb_slot *sl = fdb_victim(db);
        int rc = fdb_unmap_slot(db, sl);
        if (rc < 0)
            return rc;
        void *base;
        rc = mmf_view_map(db->s, prot, off, size, NULL, &base);
        if (rc == -ENOMEM && db->mapped > 0) {
            /* Out of address space (or map count): give back another view
             * of ours and try again. */
            sl->used = 0;
            struct fdb_slot *w = NULL;
            for (unsigned k = 0; k < db->nslots; k++)
                if (db->slots[k].base && (!w || db->slots[k].used < w->used))
                    w = &db->slots[k];
            if (w && (rc = fdb_unmap_slot(db, w)) == 0)
                continue;
            return rc < 0 ? rc : -ENOMEM;
        }
        if (rc < 0)
            return rc;
        sl->key = key;
        sl->base = base;
        sl->dirty = 0;
        db->mapped++;
        db->maps++;
        *out = sl;
        return 0;
    }
}

/*
 * The address of file offset @off, valid for min(R, file end - @off) bytes
 * (a whole record when @off starts one) until the next lookup.  @write
 * marks the view dirty.
 */
static inline int fdb_at(flatdb *db, uint64_t off, int write, unsigned char **p)
{
    uint64_t key = off >> db->wshift; /* a shift: a division costs ~15 ns */
    struct fdb_slot *sl = &db->slots[db->last];
    db->tick++;
    if (sl->base && sl->key == key) {
        db->hits++;
    } else {
        sl = NULL;
        for (unsigned k = 0; k < db->nslots; k++)
            if (db->slots[k].base && db->slots[k].key == key) {
                sl = &db->slots[k];
                db->hits++;
                break;
            }
        if (!sl) {
            int rc = fdb_map_window(db, key, &sl);
            if (rc < 0)
                return rc;
        }
        db->last = (unsigned)(sl - db->slots);
    }
    sl->used = db->tick;
    if (write)
        sl->dirty = 1;
    *p = (unsigned char *)sl->base + (off & (db->wsize - 1));
    return 0;
}

static inline uint64_t fdb_offset(const flatdb *db, uint64_t i)
{
    return FLATDB_HEADER_SIZE + i * db->rsize;
}

static inline int fdb_rec(flatdb *db, uint64_t i, int write, unsigned char **p)
{
    if (i >= db->count)
        return -ERANGE;
    return fdb_at(db, fdb_offset(db, i), write, p);
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

static void fdb_header_encode(unsigned char h[FLATDB_HEADER_SIZE], uint64_t count,
                              uint32_t rsize)
{
    memset(h, 0, FLATDB_HEADER_SIZE);
    memcpy(h, fdb_magic, 8);
    fdb_put32(h + 8, FLATDB_VERSION);
    fdb_put32(h + 12, FLATDB_HEADER_SIZE);
    fdb_put32(h + 16, rsize);
    fdb_put32(h + 20, 0);
    fdb_put64(h + 24, count);
    fdb_put32(h + 60, flatdb_checksum(h, 60));
}

static int fdb_check_geometry(uint64_t count, uint32_t rsize, uint64_t *fsize)
{
    if (count == 0 || rsize < FLATDB_MIN_RECORD || rsize > FLATDB_MAX_RECORD)
        return -EINVAL;
    if (count > (FDB_MAX_FILE - FLATDB_HEADER_SIZE) / rsize)
        return -EFBIG;
    *fsize = FLATDB_HEADER_SIZE + count * rsize;
    return 0;
}

/* Checks a header against a section of @secsize bytes. */
static int fdb_header_decode(const unsigned char *h, uint64_t secsize, uint64_t *count,
                             uint32_t *rsize, uint32_t *version)
{
    uint64_t fsize;
    if (memcmp(h, fdb_magic, 8) != 0 || fdb_get32(h + 60) != flatdb_checksum(h, 60) ||
        fdb_get32(h + 8) != FLATDB_VERSION || fdb_get32(h + 12) != FLATDB_HEADER_SIZE ||
        fdb_get32(h + 20) != 0)
        return -EBADMSG;
    *count = fdb_get64(h + 24);
    *rsize = fdb_get32(h + 16);
    *version = fdb_get32(h + 8);
    if (fdb_check_geometry(*count, *rsize, &fsize) < 0 || fsize > secsize)
        return -EBADMSG;
    return 0;
}

static int fdb_options(const flatdb_options *opt, unsigned *nslots, uint64_t *wsize)
{
    unsigned n = opt && opt->views ? opt->views : FLATDB_DEFAULT_VIEWS;
    uint64_t w = opt && opt->view_size ? opt->view_size : FLATDB_DEFAULT_VIEW_SIZE;
    uint64_t g = mmf_granularity();
    if (n > FLATDB_MAX_VIEWS || w > (UINT64_C(1) << 40))
        return -EINVAL;
    /* A power of two (at least the granularity, itself one), so that
     * finding a record's window is a shift. */
    uint64_t p = g;
    while (p < w)
        p <<= 1;
    *nslots = n;
    *wsize = p;
    return 0;
}

/*
 * A handle over section @s (owned from here on, closed on failure) and
 * descriptor @fd (-1, or owned likewise).  @header: 1 to read and check
 * the header, 0 to take @count and @rsize as given (create).
 */
static int fdb_new(mmf_section *s, int fd, const flatdb_options *opt, int readonly,
                   int header, uint64_t count, uint32_t rsize, flatdb **out)
{
    unsigned nslots;
    uint64_t wsize;
    mmf_section_info si;
    flatdb *db = NULL;
    uint32_t version = FLATDB_VERSION;
    int rc = fdb_options(opt, &nslots, &wsize);
    if (rc == 0)
        rc = mmf_section_query(s, &si);
    if (rc == 0 && si.size < FLATDB_HEADER_SIZE)
        rc = -EBADMSG;
    if (rc == 0 && header) {
        /* One page-sized view of the header, gone again before the cache
         * exists. */
        unsigned char *h;
        uint64_t hsize = si.size < mmf_granularity() ? si.size : mmf_granularity();
        rc = mmf_view_map(s, MMF_PAGE_READONLY, 0, hsize, NULL, (void **)&h);
        if (rc == 0) {
            rc = fdb_header_decode(h, si.size, &count, &rsize, &version);
            int urc = mmf_view_unmap(h);
            if (rc == 0)
                rc = urc;
        }
    }
    if (rc == 0 && !(db = calloc(1, sizeof *db + nslots * sizeof db->slots[0])))
        rc = -ENOMEM;
    if (rc < 0) {
        mmf_section_close(s);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    db->s = s;
    db->fd = fd;
    db->count = count;
    db->rsize = rsize;
    db->psize = rsize - FLATDB_CHECKSUM_SIZE;
    db->version = version;
    db->fsize = FLATDB_HEADER_SIZE + count * rsize;
    db->wsize = wsize;
    db->wshift = (unsigned)__builtin_ctzll(wsize);
    db->vsize = wsize + rsize;
    db->nslots = nslots;
    db->readonly = readonly;
    db->progress = opt ? opt->progress : NULL;
    db->progress_arg = opt ? opt->progress_arg : NULL;
    *out = db;
    return 0;
}

int flatdb_open(const char *path, const flatdb_options *opt, flatdb **out)
{
    if (!path || !out)
        return -EINVAL;
    int ro = opt && opt->readonly;
    int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < FLATDB_HEADER_SIZE) {
        close(fd); /* (an empty file is MMF_EEMPTYFILE to mmf) */
        return -EBADMSG;
    }
    mmf_section *s;
    int rc = mmf_section_from_fd(fd, 0, ro ? MMF_PAGE_READONLY : MMF_PAGE_READWRITE, 0, &s);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fdb_new(s, fd, opt, ro, 1, 0, 0, out);
}

int flatdb_attach(mmf_section *s, const flatdb_options *opt, flatdb **out)
{
    mmf_section_info si;
    mmf_section *mine;
    if (!out)
        return -EINVAL;
    int rc = mmf_section_query(s, &si);
    if (rc < 0)
        return rc;
    if ((rc = mmf_section_dup(s, 0, &mine)) < 0)
        return rc;
    int ro = (opt && opt->readonly) || !(si.access & MMF_ACCESS_WRITE) ||
             !(si.protection & MMF_PAGE_WRITE) || (si.protection & MMF_PAGE_COPY);
    return fdb_new(mine, -1, opt, ro, 1, 0, 0, out);
}

int flatdb_close(flatdb *db)
{
    if (!db)
        return 0;
    int rc = 0;
    for (unsigned k = 0; k < db->nslots; k++) {
        int r = fdb_unmap_slot(db, &db->slots[k]);
        if (r < 0 && rc == 0)
            rc = r;
    }
    int r = mmf_section_close(db->s);
    if (r < 0 && rc == 0)
        rc = r;
    if (db->fd >= 0)
        close(db->fd);
    free(db);
    return rc;
}

int flatdb_info_get(const flatdb *db, flatdb_info *info)
{
    if (!db || !info)
        return -EINVAL;
    info->count = db->count;
    info->record_size = db->rsize;
    info->payload_size = db->psize;
    info->version = db->version;
    info->file_size = db->fsize;
    info->views = db->nslots;
    info->view_size = db->wsize;
    info->mapped = db->mapped;
    info->maps = db->maps;
    info->hits = db->hits;
    return 0;
}

mmf_section *flatdb_section(const flatdb *db)
{
    return db ? db->s : NULL;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

int flatdb_record(flatdb *db, uint64_t i, void **out)
{
    if (!db || !out)
        return -EINVAL;
    unsigned char *p;
    int rc = fdb_rec(db, i, !db->readonly, &p);
    if (rc == 0)
        *out = p;
    return rc;
}

int flatdb_seal(flatdb *db, void *rec)
{
    if (!db || !rec)
        return -EINVAL;
    if (db->readonly)
        return -EACCES;
    unsigned char *p = rec;
    uint32_t sum = flatdb_checksum(p, db->psize);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    fdb_put32(p + db->psize, sum);
    return 0;
}

int flatdb_get(flatdb *db, uint64_t i, void *buf, size_t len)
{
    if (!db || (!buf && len))
        return -EINVAL;
    unsigned char *p;
    int rc = fdb_rec(db, i, 0, &p);
    if (rc < 0)
        return rc;
    size_t n = len < db->psize ? len : db->psize;
    /*
     * A writer in another process may be halfway through this record: it
     * writes the payload, then the checksum.  Copy the payload first and
     * check the copy against the checksum read after it, so what is
     * returned is one consistent record; retry a mismatch a few times
     * before calling it corruption.
     */
    for (int attempt = 0;; attempt++) {
        uint32_t sum;
        if (n == db->psize) {
            memcpy(buf, p, n);
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            sum = fdb_get32(p + db->psize);
            if (flatdb_checksum(buf, n) == sum)
                return (int)db->psize;
        } else {
            sum = fdb_get32(p + db->psize);
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (flatdb_checksum(p, db->psize) == sum) {
                if (n)
                    memcpy(buf, p, n);
                return (int)db->psize;
            }
        }
        if (sum == 0 && fdb_all_zero(p, db->psize)) {
            if (n)
                memset(buf, 0, n);
            return 0;
        }
        if (attempt == 3)
            return -EBADMSG;
        sched_yield();
    }
}

int flatdb_put(flatdb *db, uint64_t i, const void *data, size_t len)
{
    if (!db || (!data && len))
        return -EINVAL;
    if (len > db->psize)
        return -EMSGSIZE;
    if (db->readonly)
        return -EACCES;
    unsigned char *p;
    int rc = fdb_rec(db, i, 1, &p);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(p, data, len);
    memset(p + len, 0, db->psize - len);
    return flatdb_seal(db, p);
}

int flatdb_update(flatdb *db, uint64_t i, const void *data, size_t len)
{
    if (!db || (!data && len))
        return -EINVAL;
    if (len > db->psize)
        return -EMSGSIZE;
    if (db->readonly)
        return -EACCES;
    int rc = flatdb_get(db, i, NULL, 0);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -ENODATA;
    return flatdb_put(db, i, data, len);
}

/* ------------------------------------------------------------------ */
/* Whole-file walks                                                    */
/* ------------------------------------------------------------------ */

/*
 * The first record at or after @i that may hold data: with a descriptor,
 * SEEK_DATA skips the holes of a sparse file (records wholly inside a hole
 * are empty).  Returns db->count when nothing follows.
 */
static uint64_t fdb_next_data(flatdb *db, uint64_t i)
{
    if (db->fd < 0)
        return i;
    off_t d = lseek(db->fd, (off_t)fdb_offset(db, i), SEEK_DATA);
    if (d < 0)
        return errno == ENXIO ? db->count : i; /* ENXIO: only holes follow */
    uint64_t j = ((uint64_t)d - FLATDB_HEADER_SIZE) / db->rsize;
    return j > i ? (j < db->count ? j : db->count) : i;
}

static void fdb_report(flatdb *db, uint64_t done)
{
    if (db->progress)
        db->progress(done, db->count, db->progress_arg);
}

/*
 * Calls @visit for every record that is not in a hole, FDB_CHUNK records
 * at a time; @skipped counts the records jumped over.
 */
static int fdb_walk(flatdb *db, int (*visit)(flatdb *, uint64_t, unsigned char *, void *),
                    void *arg, uint64_t *skipped)
{
    uint64_t i = 0;
    *skipped = 0;
    fdb_report(db, 0);
    while (i < db->count) {
        uint64_t j = fdb_next_data(db, i);
        *skipped += j - i;
        i = j;
        uint64_t end = db->count - i < FDB_CHUNK ? db->count : i + FDB_CHUNK;
        for (; i < end; i++) {
            unsigned char *p;
            int rc = fdb_rec(db, i, 0, &p);
            if (rc == 0)
                rc = visit(db, i, p, arg);
            if (rc != 0)
                return rc;
        }
        fdb_report(db, i);
    }
    return 0;
}

struct fdb_scan_arg {
    flatdb_scan_fn fn;
    void *arg;
};

static int fdb_scan_visit(flatdb *db, uint64_t i, unsigned char *p, void *arg)
{
    struct fdb_scan_arg *a = arg;
    if (fdb_all_zero(p, db->rsize))
        return 0;
    return a->fn(i, p, db->psize, a->arg);
}

int flatdb_scan(flatdb *db, flatdb_scan_fn fn, void *arg)
{
    if (!db || !fn)
        return -EINVAL;
    struct fdb_scan_arg a = { fn, arg };
    uint64_t skipped;
    return fdb_walk(db, fdb_scan_visit, &a, &skipped);
}

struct fdb_verify_arg {
    void (*bad)(uint64_t, void *);
    void *arg;
    flatdb_verify_stats st;
};

static int fdb_verify_visit(flatdb *db, uint64_t i, unsigned char *p, void *arg)
{
    struct fdb_verify_arg *a = arg;
    uint32_t sum = fdb_get32(p + db->psize);
    if (flatdb_checksum(p, db->psize) == sum) {
        a->st.written++;
    } else if (sum == 0 && fdb_all_zero(p, db->psize)) {
        a->st.empty++;
    } else {
        a->st.bad++;
        if (a->st.first_bad == UINT64_MAX)
            a->st.first_bad = i;
        if (a->bad)
            a->bad(i, a->arg);
    }
    return 0;
}

int flatdb_verify(flatdb *db, void (*bad)(uint64_t i, void *arg), void *arg,
                  flatdb_verify_stats *stats)
{
    if (!db)
        return -EINVAL;
    struct fdb_verify_arg a = { bad, arg, { 0, 0, 0, 0, UINT64_MAX } };
    uint64_t skipped;
    int rc = fdb_walk(db, fdb_verify_visit, &a, &skipped);
    if (rc < 0)
        return rc;
    a.st.empty += skipped;
    a.st.checked = a.st.written + a.st.empty + a.st.bad;
    if (stats)
        *stats = a.st;
    return a.st.bad > INT_MAX ? INT_MAX : (int)a.st.bad;
}

int flatdb_flush(flatdb *db)
{
    if (!db)
        return -EINVAL;
    if (db->readonly)
        return 0;
    int rc = 0;
    for (unsigned k = 0; k < db->nslots; k++) {
        struct fdb_slot *sl = &db->slots[k];
        if (sl->base && sl->dirty) {
            int r = mmf_view_flush(sl->base, 0);
            if (r < 0 && rc == 0)
                rc = r;
            if (r == 0)
                sl->dirty = 0;
        }
    }
    /* fsync: the file's metadata, and the pages of views already unmapped
     * (their dirty pages stayed in the page cache). */
    int r = mmf_section_sync(db->s);
    return rc < 0 ? rc : r;
}

/* ------------------------------------------------------------------ */
/* Creating                                                            */
/* ------------------------------------------------------------------ */

static void fdb_initial_record(flatdb *db, unsigned char *p, uint64_t i)
{
    char text[48];
    int k = snprintf(text, sizeof text, "record %llu", (unsigned long long)i);
    size_t n = (size_t)k < db->psize ? (size_t)k : db->psize;
    memcpy(p, text, n);
    memset(p + n, 0, db->psize - n);
    fdb_put32(p + db->psize, flatdb_checksum(p, db->psize));
}

int flatdb_create(const char *path, uint64_t count, uint32_t record_size,
                  const flatdb_options *opt, flatdb **out)
{
    uint64_t fsize;
    unsigned nslots;
    uint64_t wsize;
    if (!path)
        return -EINVAL;
    int rc = fdb_check_geometry(count, record_size, &fsize);
    if (rc == 0)
        rc = fdb_options(opt, &nslots, &wsize);
    if (rc < 0)
        return rc;
    /* A file this call makes is removed again when the call fails. */
    int created = 1;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST && !(opt && opt->exclusive)) {
        created = 0;
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0)
        return -errno;
    /* Empty an existing file through mmf's guard rather than O_TRUNC, so a
     * database another mmf process maps is refused (MMF_EMAPPED) instead of
     * being cut from under its views (SIGBUS there). */
    rc = created ? 0 : mmf_file_set_size(fd, 0);
    mmf_section *s = NULL;
    if (rc == 0)
        rc = mmf_section_from_fd(fd, fsize, MMF_PAGE_READWRITE, 0, &s);
    if (rc < 0) {
        close(fd);
        if (created)
            unlink(path);
        return rc;
    }
    flatdb *db;
    if ((rc = fdb_new(s, fd, opt, 0, 0, count, record_size, &db)) < 0) {
        if (created)
            unlink(path);
        return rc;
    }

    if (!(opt && opt->sparse)) {
        fdb_report(db, 0);
        for (uint64_t i = 0; i < count && rc == 0; i++) {
            unsigned char *p;
            rc = fdb_rec(db, i, 1, &p);
            if (rc == 0)
                fdb_initial_record(db, p, i);
            if ((i + 1) % (FDB_CHUNK * 4) == 0 || i + 1 == count)
                fdb_report(db, i + 1);
        }
    }
    /* Records first, durable; then the header that makes the file valid. */
    if (rc == 0)
        rc = flatdb_flush(db);
    if (rc == 0) {
        unsigned char *h;
        rc = fdb_at(db, 0, 1, &h);
        if (rc == 0) {
            fdb_header_encode(h, count, record_size);
            rc = flatdb_flush(db);
        }
    }
    if (rc < 0 || !out) {
        int r = flatdb_close(db);
        if (rc < 0 && created)
            unlink(path);
        return rc < 0 ? rc : r;
    }
    *out = db;
    return 0;
}
