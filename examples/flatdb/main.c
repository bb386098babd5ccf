/*
 * flatdb — the command line of the flat-file database (flatdb.h).
 *
 *   flatdb create [--sparse] [--size=BYTES] FILE [N [RECSIZE]]
 *   flatdb info FILE
 *   flatdb get FILE I
 *   flatdb put FILE I TEXT
 *   flatdb update FILE I TEXT
 *   flatdb scan FILE
 *   flatdb verify FILE
 *   flatdb bench FILE [OPS]
 *   flatdb share FILE
 *   flatdb demo [DIR]
 *
 * Options (anywhere): --views=N and --view-size=BYTES size the sliding-view
 * cache; BYTES take a K, M, G or T suffix (powers of 1024).
 */
#include "flatdb.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *prog = "flatdb";

static void usage(void)
{
    fprintf(stderr,
            "usage: flatdb create [--sparse] [--size=BYTES] FILE [N [RECSIZE]]\n"
            "       flatdb info FILE\n"
            "       flatdb get FILE I\n"
            "       flatdb put FILE I TEXT\n"
            "       flatdb update FILE I TEXT\n"
            "       flatdb scan FILE\n"
            "       flatdb verify FILE\n"
            "       flatdb bench FILE [OPS]\n"
            "       flatdb share FILE\n"
            "       flatdb demo [DIR]\n"
            "options: --views=N --view-size=BYTES (the sliding-view cache; default 16 x 64M)\n");
    exit(2);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void check(int rc, const char *what, const char *file)
{
    if (rc < 0)
        die("%s %s: %s", what, file, flatdb_strerror(rc));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1234567 -> "1,234,567" in a static ring of buffers. */
static const char *commas(uint64_t v)
{
    static char ring[8][32];
    static int next;
    char *b = ring[next++ % 8], tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    for (int k = 0; k < n; k++) {
        if (k && (n - k) % 3 == 0)
            b[o++] = ',';
        b[o++] = tmp[k];
    }
    b[o] = '\0';
    return b;
}

static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (suffixes && *end) {
        const char *u = strchr("KMGT", *end & ~0x20);
        if (!u || end[1])
            return -1;
        shift = 10 * (unsigned)(u - "KMGT" + 1);
        end++;
        if (v > (UINT64_MAX >> shift))
            return -1;
    }
    if (*end)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Progress on a terminal                                              */
/* ------------------------------------------------------------------ */

struct progress {
    const char *what;
    int last;    /* last percentage shown, -1 none */
    int shown;
};

static void progress_cb(uint64_t done, uint64_t total, void *arg)
{
    struct progress *p = arg;
    int pct = total ? (int)(done * 100 / total) : 100;
    if (pct == p->last)
        return;
    p->last = pct;
    p->shown = 1;
    fprintf(stderr, "\r%s: %3d%%", p->what, pct);
    fflush(stderr);
}

/* Options with progress shown on stderr when it is a terminal. */
static void progress_on(flatdb_options *o, struct progress *p, const char *what)
{
    p->what = what;
    p->last = -1;
    p->shown = 0;
    if (isatty(2)) {
        o->progress = progress_cb;
        o->progress_arg = p;
    }
}

static void progress_off(struct progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
}

/* ------------------------------------------------------------------ */
/* Text of a record                                                    */
/* ------------------------------------------------------------------ */

/* Prints a payload as text up to its first NUL, escaping other bytes. */
static void print_payload(FILE *f, const unsigned char *p, size_t n)
{
    for (size_t k = 0; k < n && p[k]; k++) {
        unsigned char c = p[k];
        if (c == '\\')
            fputs("\\\\", f);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
}

static uint64_t parse_index(const char *s, const char *file)
{
    uint64_t i;
    if (parse_u64(s, &i, 0) < 0)
        die("%s: bad record number \"%s\"", file, s);
    return i;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static flatdb_options base_opt;

static flatdb *open_db(const char *file, int readonly)
{
    flatdb_options o = base_opt;
    flatdb *db;
    o.readonly = readonly;
    check(flatdb_open(file, &o, &db), "open", file);
    return db;
}

static void print_created(const char *file, const flatdb_info *in, int sparse, double t)
{
    printf("created %s: %s records of %u bytes (%u payload + 4 checksum), %.1f MB%s, in %.2f s\n",
           file, commas(in->count), in->record_size, in->payload_size,
           (double)in->file_size / 1e6, sparse ? " sparse" : "", t);
}

static double do_create(const char *file, uint64_t n, uint32_t rsize, int sparse, int quiet)
{
    flatdb_options o = base_opt;
    struct progress pr;
    flatdb *db;
    flatdb_info in;
    o.sparse = sparse;
    progress_on(&o, &pr, "creating");
    double t0 = now();
    int rc = flatdb_create(file, n, rsize, &o, &db);
    double t = now() - t0;
    progress_off(&pr);
    check(rc, "create", file);
    flatdb_info_get(db, &in);
    if (!quiet)
        print_created(file, &in, sparse, t);
    check(flatdb_close(db), "close", file);
    return t;
}

static int cmd_create(int argc, char **argv, int sparse, uint64_t size)
{
    if (argc < 1 || argc > 3)
        usage();
    uint64_t n = FLATDB_DEFAULT_COUNT, r = FLATDB_DEFAULT_RECORD;
    if (argc > 2 && (parse_u64(argv[2], &r, 0) < 0 || r > UINT32_MAX))
        die("bad record size \"%s\"", argv[2]);
    if (argc > 1 && parse_u64(argv[1], &n, 0) < 0)
        die("bad record count \"%s\"", argv[1]);
    if (size) {
        if (argc > 1)
            die("give either --size or N");
        if (size < FLATDB_HEADER_SIZE + r)
            die("--size is smaller than one record");
        n = (size - FLATDB_HEADER_SIZE) / r;
    }
    if (n == 0)
        die("a database has at least one record");
    if (r < FLATDB_MIN_RECORD || r > FLATDB_MAX_RECORD)
        die("a record is %u to %u bytes (4 of them the checksum)", FLATDB_MIN_RECORD,
            FLATDB_MAX_RECORD);
    do_create(argv[0], n, (uint32_t)r, sparse, 0);
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 1)
        usage();
    flatdb *db = open_db(argv[0], 1);
    flatdb_info in;
    struct stat st;
    flatdb_info_get(db, &in);
    printf("%s: flatdb version %u\n", argv[0], in.version);
    printf("  records       %s of %u bytes (payload %u, checksum 4)\n", commas(in.count),
           in.record_size, in.payload_size);
    printf("  file size     %s bytes", commas(in.file_size));
    if (stat(argv[0], &st) == 0)
        printf(" (%s bytes allocated on disk)", commas((uint64_t)st.st_blocks * 512));
    printf("\n  view cache    %u views of %s bytes (+ one record of overlap)\n", in.views,
           commas(in.view_size));
    flatdb_close(db);
    return 0;
}

static int cmd_get(int argc, char **argv)
{
    if (argc != 2)
        usage();
    flatdb *db = open_db(argv[0], 1);
    flatdb_info in;
    flatdb_info_get(db, &in);
    uint64_t i = parse_index(argv[1], argv[0]);
    unsigned char *buf = malloc(in.payload_size);
    if (!buf)
        die("out of memory");
    int rc = flatdb_get(db, i, buf, in.payload_size);
    if (rc < 0) {
        free(buf);
        flatdb_close(db);
    }
    if (rc == -ERANGE)
        die("get %s %s: record number out of range (the database has %s records: 0 to %s)",
            argv[0], argv[1], commas(in.count), commas(in.count - 1));
    check(rc, "get", argv[0]);
    if (rc == 0) {
        printf("record %" PRIu64 ": (empty)\n", i);
    } else {
        printf("record %" PRIu64 ": ", i);
        print_payload(stdout, buf, in.payload_size);
        putchar('\n');
    }
    free(buf);
    flatdb_close(db);
    return 0;
}

static int cmd_put(int argc, char **argv, int update)
{
    if (argc != 3)
        usage();
    flatdb *db = open_db(argv[0], 0);
    flatdb_info in;
    flatdb_info_get(db, &in);
    uint64_t i = parse_index(argv[1], argv[0]);
    size_t len = strlen(argv[2]);
    int rc = update ? flatdb_update(db, i, argv[2], len) : flatdb_put(db, i, argv[2], len);
    if (rc == -ERANGE)
        die("%s %s %s: record number out of range (the database has %s records: 0 to %s)",
            update ? "update" : "put", argv[0], argv[1], commas(in.count),
            commas(in.count - 1));
    if (rc == -EMSGSIZE)
        die("%s %s: the text is %zu bytes, a record holds %u", update ? "update" : "put",
            argv[0], len, in.payload_size);
    check(rc, update ? "update" : "put", argv[0]);
    check(flatdb_flush(db), "flush", argv[0]);
    printf("%s record %" PRIu64 " (%zu bytes), flushed\n", update ? "updated" : "put", i, len);
    check(flatdb_close(db), "close", argv[0]);
    return 0;
}

static int scan_print(uint64_t i, const void *payload, size_t len, void *arg)
{
    uint64_t *n = arg;
    (*n)++;
    printf("%" PRIu64 "\t", i);
    print_payload(stdout, payload, len);
    putchar('\n');
    return ferror(stdout) ? -EIO : 0;
}

static int cmd_scan(int argc, char **argv)
{
    if (argc != 1)
        usage();
    flatdb_options o = base_opt;
    struct progress pr;
    flatdb *db;
    o.readonly = 1;
    /* A percentage line would be mixed into the records on a terminal. */
    if (!isatty(1))
        progress_on(&o, &pr, "scanning");
    else
        pr.shown = 0;
    check(flatdb_open(argv[0], &o, &db), "open", argv[0]);
    uint64_t n = 0;
    double t0 = now();
    int rc = flatdb_scan(db, scan_print, &n);
    double t = now() - t0;
    progress_off(&pr);
    if (fflush(stdout) != 0 && rc == 0)
        rc = -EIO;
    check(rc, "scan", argv[0]);
    flatdb_info in;
    flatdb_info_get(db, &in);
    fprintf(stderr, "scanned %s: %s written records of %s in %.2f s\n", argv[0], commas(n),
            commas(in.count), t);
    flatdb_close(db);
    return 0;
}

struct bad_list {
    uint64_t first[10];
    unsigned n;
};

static void verify_bad(uint64_t i, void *arg)
{
    struct bad_list *b = arg;
    if (b->n < 10)
        b->first[b->n++] = i;
}

/* Verifies @file; prints one summary line; returns the bad count. */
static uint64_t do_verify(const char *file, const char *indent)
{
    flatdb_options o = base_opt;
    struct progress pr;
    flatdb *db;
    flatdb_verify_stats st;
    struct bad_list bad = { { 0 }, 0 };
    o.readonly = 1;
    progress_on(&o, &pr, "verifying");
    check(flatdb_open(file, &o, &db), "open", file);
    double t0 = now();
    int rc = flatdb_verify(db, verify_bad, &bad, &st);
    double t = now() - t0;
    progress_off(&pr);
    check(rc, "verify", file);
    printf("%sverified %s: %s records: %s good, %s empty, %s bad, in %.2f s\n", indent, file,
           commas(st.checked), commas(st.written), commas(st.empty), commas(st.bad), t);
    if (st.bad) {
        printf("%sbad records:", indent);
        for (unsigned k = 0; k < bad.n; k++)
            printf(" %" PRIu64, bad.first[k]);
        printf("%s\n", st.bad > bad.n ? " ..." : "");
    }
    flatdb_close(db);
    return st.bad;
}

static int cmd_verify(int argc, char **argv)
{
    if (argc != 1)
        usage();
    return do_verify(argv[0], "") ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* bench                                                               */
/* ------------------------------------------------------------------ */

static uint64_t rng_state;
static uint64_t rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* A payload for update number @k of record @i: a fixed text with both
 * numbers patched in (cheap, and the same work on both paths). */
static void bench_payload(unsigned char *buf, size_t n, uint64_t i, uint64_t k)
{
    static const char text[] = "updated by flatdb bench: record ________ op ________";
    size_t t = sizeof text - 1 < n ? sizeof text - 1 : n;
    memcpy(buf, text, t);
    memset(buf + t, 0, n - t);
    if (n >= 52) {
        memcpy(buf + 34, &i, 8);
        memcpy(buf + 44, &k, 8);
        for (int b = 34; b < 52; b++)
            if (!buf[b])
                buf[b] = '_';
    }
}

struct bench_result {
    double read_view, read_sys;   /* ns per op, best round */
    double get_view, get_sys;
    double put_view, put_sys;
    int coherent;
    unsigned views;               /* the view cache */
    uint64_t view_size, maps, lookups, hits;
};

/* What one timed loop needs. */
struct bench_ctx {
    const char *file;
    flatdb *db;
    int fd;
    uint64_t n;
    uint32_t rs, ps;
    unsigned char *buf;
    unsigned sum;
    uint64_t last_i, last_k; /* the last pwrite */
};

enum { READ_VIEW, READ_SYS, GET_VIEW, GET_SYS, PUT_VIEW, PUT_SYS, NPATHS };

/* Runs @ops operations of @path on the records rng(@seed) picks; returns
 * seconds.  @k0 numbers the updates. */
static double bench_loop(struct bench_ctx *c, int path, uint64_t seed, uint64_t ops,
                         uint64_t k0)
{
    const uint64_t n = c->n;
    const uint32_t rs = c->rs, ps = c->ps;
    unsigned char *buf = c->buf, *rec;
    int rc;
    rng_state = seed;
    double t0 = now();
    switch (path) {
    case READ_VIEW: /* the bare mechanism: copy a record out of the view */
        for (uint64_t k = 0; k < ops; k++) {
            if ((rc = flatdb_record(c->db, rng_next() % n, (void **)&rec)) < 0)
                check(rc, "read", c->file);
            memcpy(buf, rec, rs);
            c->sum += buf[7];
        }
        break;
    case READ_SYS:
        for (uint64_t k = 0; k < ops; k++) {
            uint64_t i = rng_next() % n;
            if (pread(c->fd, buf, rs, (off_t)(FLATDB_HEADER_SIZE + i * rs)) != (ssize_t)rs)
                die("pread %s: %s", c->file, strerror(errno));
            c->sum += buf[7];
        }
        break;
    case GET_VIEW: /* a checked read */
        for (uint64_t k = 0; k < ops; k++) {
            if ((rc = flatdb_get(c->db, rng_next() % n, buf, ps)) < 0)
                check(rc, "get", c->file);
            c->sum += buf[7];
        }
        break;
    case GET_SYS:
        for (uint64_t k = 0; k < ops; k++) {
            uint64_t i = rng_next() % n;
            if (pread(c->fd, buf, rs, (off_t)(FLATDB_HEADER_SIZE + i * rs)) != (ssize_t)rs)
                die("pread %s: %s", c->file, strerror(errno));
            uint32_t want = (uint32_t)buf[ps] | (uint32_t)buf[ps + 1] << 8 |
                            (uint32_t)buf[ps + 2] << 16 | (uint32_t)buf[ps + 3] << 24;
            if (flatdb_checksum(buf, ps) != want && !(want == 0 && buf[0] == 0))
                die("%s: record %" PRIu64 " fails its checksum", c->file, i);
            c->sum += buf[7];
        }
        break;
    case PUT_VIEW: /* build the payload, write it with its checksum */
        for (uint64_t k = 0; k < ops; k++) {
            uint64_t i = rng_next() % n;
            bench_payload(buf, ps, i, k0 + k);
            if ((rc = flatdb_put(c->db, i, buf, ps)) < 0)
                check(rc, "put", c->file);
        }
        break;
    case PUT_SYS:
        for (uint64_t k = 0; k < ops; k++) {
            uint64_t i = rng_next() % n;
            bench_payload(buf, ps, i, k0 + k);
            uint32_t sum = flatdb_checksum(buf, ps);
            buf[ps] = (unsigned char)sum;
            buf[ps + 1] = (unsigned char)(sum >> 8);
            buf[ps + 2] = (unsigned char)(sum >> 16);
            buf[ps + 3] = (unsigned char)(sum >> 24);
            if (pwrite(c->fd, buf, rs, (off_t)(FLATDB_HEADER_SIZE + i * rs)) != (ssize_t)rs)
                die("pwrite %s: %s", c->file, strerror(errno));
            c->last_i = i;
            c->last_k = k0 + k;
        }
        break;
    }
    return now() - t0;
}

#define BENCH_ROUNDS 5

static void bench_run(const char *file, uint64_t ops, struct bench_result *r)
{
    struct bench_ctx c = { .file = file, .db = open_db(file, 0) };
    flatdb_info in;
    flatdb_info_get(c.db, &in);
    c.fd = open(file, O_RDWR | O_CLOEXEC);
    if (c.fd < 0)
        die("open %s: %s", file, strerror(errno));
    c.n = in.count;
    c.rs = in.record_size;
    c.ps = in.payload_size;
    c.buf = malloc(c.rs);
    if (!c.buf)
        die("out of memory");

    /* Warm-up, not timed: fault in every page of the views (a first touch
     * costs a page fault that pread never pays) and the page cache. */
    unsigned char *rec;
    uint64_t step = 4096 / c.rs ? 4096 / c.rs : 1;
    for (uint64_t i = 0; i < c.n; i += step) {
        check(flatdb_record(c.db, i, (void **)&rec), "read", file);
        c.sum += rec[0];
    }

    /* Each path runs BENCH_ROUNDS rounds of ops / BENCH_ROUNDS operations,
     * the view and the system call on the same records, interleaved; the
     * best round counts (the other processes of a shared machine only ever
     * make a round slower). */
    double best[NPATHS];
    uint64_t per = ops / BENCH_ROUNDS ? ops / BENCH_ROUNDS : 1;
    for (int p = 0; p < NPATHS; p++)
        best[p] = 1e30;
    for (int round = 0; round < BENCH_ROUNDS; round++) {
        uint64_t seed = 88172645463325252ull + (uint64_t)round * 7919;
        for (int p = 0; p < NPATHS; p++) {
            double t = bench_loop(&c, p, seed, per, (uint64_t)(round * 2 + (p & 1)) * per);
            if (t < best[p])
                best[p] = t;
        }
    }
    r->read_view = best[READ_VIEW] / (double)per * 1e9;
    r->read_sys = best[READ_SYS] / (double)per * 1e9;
    r->get_view = best[GET_VIEW] / (double)per * 1e9;
    r->get_sys = best[GET_SYS] / (double)per * 1e9;
    r->put_view = best[PUT_VIEW] / (double)per * 1e9;
    r->put_sys = best[PUT_SYS] / (double)per * 1e9;

    /* The view and pwrite see one file: the last pwrite shows in the view. */
    unsigned char *want = malloc(c.ps);
    if (!want)
        die("out of memory");
    bench_payload(want, c.ps, c.last_i, c.last_k);
    int rc = flatdb_get(c.db, c.last_i, c.buf, c.ps);
    r->coherent = rc == (int)c.ps && memcmp(c.buf, want, c.ps) == 0;
    free(want);

    /* Every lookup is a hit or a map. */
    flatdb_info_get(c.db, &in);
    r->views = in.views;
    r->view_size = in.view_size;
    r->maps = in.maps;
    r->hits = in.hits;
    r->lookups = in.maps + in.hits;
    check(flatdb_flush(c.db), "flush", file);
    check(flatdb_close(c.db), "close", file);
    close(c.fd);
    free(c.buf);
}

static void bench_print(const char *indent, uint64_t ops, uint32_t rs,
                        const struct bench_result *r)
{
    printf("%s%-34s %10s %14s %8s\n", indent, "", "view", "pread/pwrite", "ratio");
    printf("%s%-34s %7.1f ns %11.1f ns %7.1fx\n", indent, "read a record (copy it out)",
           r->read_view, r->read_sys, r->read_sys / r->read_view);
    printf("%s%-34s %7.1f ns %11.1f ns %7.1fx\n", indent, "get a record (copy + checksum)",
           r->get_view, r->get_sys, r->get_sys / r->get_view);
    printf("%s%-34s %7.1f ns %11.1f ns %7.1fx\n", indent, "update a record (write + checksum)",
           r->put_view, r->put_sys, r->put_sys / r->put_view);
    printf("%s(%u-byte records at random, best of %d rounds of %s, warm page cache;\n"
           "%s view and pwrite coherent: %s)\n",
           indent, rs, BENCH_ROUNDS, commas(ops / BENCH_ROUNDS ? ops / BENCH_ROUNDS : 1),
           indent, r->coherent ? "yes" : "NO");
    printf("%sview cache: %u views of %s MiB; %s views mapped for %s lookups (%.1f%% hits)\n",
           indent, r->views, commas(r->view_size >> 20), commas(r->maps), commas(r->lookups),
           r->lookups ? 100.0 * (double)r->hits / (double)r->lookups : 0.0);
}

static int cmd_bench(int argc, char **argv)
{
    if (argc < 1 || argc > 2)
        usage();
    uint64_t ops = 1000000;
    if (argc > 1 && (parse_u64(argv[1], &ops, 0) < 0 || ops == 0))
        die("bad operation count \"%s\"", argv[1]);
    flatdb *db = open_db(argv[0], 1);
    flatdb_info in;
    flatdb_info_get(db, &in);
    flatdb_close(db);
    printf("bench %s: %s records of %u bytes\n", argv[0], commas(in.count), in.record_size);
    struct bench_result r;
    bench_run(argv[0], ops, &r);
    bench_print("  ", ops, in.record_size, &r);
    return r.coherent ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* share: two processes, one named mapping                             */
/* ------------------------------------------------------------------ */

/* The child: opens the mapping and the event by name, reads what the
 * parent put, puts its own record, signals. */
static int cmd_share_child(int argc, char **argv)
{
    if (argc != 3)
        usage();
    const char *name = argv[0], *evname = argv[1];
    uint64_t i = parse_index(argv[2], name);
    mmf_section *s;
    mmf_sync *ev;
    flatdb *db;
    int rc = mmf_section_open(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, &s);
    check(rc, "open the named section", name);
    check(mmf_sync_open(evname, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &ev), "open the event",
          evname);
    check(flatdb_attach(s, &base_opt, &db), "attach to", name);
    mmf_section_close(s);

    flatdb_info in;
    flatdb_info_get(db, &in);
    unsigned char *buf = calloc(1, in.payload_size + 1);
    if (!buf)
        die("out of memory");
    check(flatdb_get(db, i, buf, in.payload_size), "get", name);
    printf("  child  %-7d opened \"%s\" by name, record %s: \"", (int)getpid(), name,
           commas(i));
    print_payload(stdout, buf, in.payload_size);
    printf("\"\n");

    char text[64];
    int n = snprintf(text, sizeof text, "hello from the child, pid %d", (int)getpid());
    check(flatdb_put(db, i + 1, text, (size_t)n < in.payload_size ? (size_t)n : in.payload_size),
          "put", name);
    check(flatdb_flush(db), "flush", name);
    printf("  child  %-7d put record %s: \"%s\", set event \"%s\"\n", (int)getpid(),
           commas(i + 1), text, evname);
    fflush(stdout);
    check(mmf_event_set(ev), "set", evname);
    mmf_sync_close(ev);
    free(buf);
    return flatdb_close(db) < 0;
}

static int do_share(const char *file, const char *indent)
{
    char name[64], evname[80], idx[24];
    snprintf(name, sizeof name, "Local\\flatdb-share-%d", (int)getpid());
    snprintf(evname, sizeof evname, "%s-done", name);

    int fd = open(file, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die("open %s: %s", file, strerror(errno));
    mmf_create_options co = { .name = name };
    mmf_section *s;
    mmf_sync *ev;
    flatdb *db;
    check(mmf_section_create(fd, 0, MMF_PAGE_READWRITE, 0, &co, &s), "name a section over",
          file);
    close(fd);
    mmf_create_options eo = { .name = evname };
    check(mmf_event_create(0, 0, &eo, &ev), "create event", evname);
    check(flatdb_attach(s, &base_opt, &db), "attach to", name);

    flatdb_info in;
    flatdb_info_get(db, &in);
    uint64_t i = in.count / 2 < in.count - 1 ? in.count / 2 : 0;
    if (in.count < 2)
        die("%s: share needs at least two records", file);
    char text[64];
    int n = snprintf(text, sizeof text, "hello from the parent, pid %d", (int)getpid());
    check(flatdb_put(db, i, text, (size_t)n < in.payload_size ? (size_t)n : in.payload_size),
          "put", file);
    printf("%sparent %-7d named a section over %s: \"%s\"\n", indent, (int)getpid(), file,
           name);
    printf("%sparent %-7d put record %s: \"%s\", started the child\n", indent, (int)getpid(),
           commas(i), text);
    fflush(stdout);

    /* fork+exec of ourselves (posix_spawn): the child shares nothing with
     * us but the names. */
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len < 0)
        die("readlink /proc/self/exe: %s", strerror(errno));
    self[len] = '\0';
    snprintf(idx, sizeof idx, "%" PRIu64, i);
    char *args[] = { self, "share-child", name, evname, idx, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, self, NULL, NULL, args, environ);
    if (rc != 0)
        die("posix_spawn %s: %s", self, strerror(rc));

    double t0 = now();
    int w = mmf_wait(ev, 10000);
    double t = now() - t0;
    if (w != MMF_WAIT_OBJECT_0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        die("the child did not signal in 10 s (%s)",
            w < 0 ? mmf_strerror(w) : "timeout");
    }
    unsigned char *buf = calloc(1, in.payload_size + 1);
    if (!buf)
        die("out of memory");
    rc = flatdb_get(db, i + 1, buf, in.payload_size);
    if (rc < 0) {
        free(buf);
        die("get %s: %s", file, flatdb_strerror(rc));
    }
    printf("%sparent %-7d woke on the event after %.1f ms, record %s: \"", indent,
           (int)getpid(), t * 1e3, commas(i + 1));
    print_payload(stdout, buf, in.payload_size);
    printf("\"\n");
    int st;
    waitpid(pid, &st, 0);
    int ok = rc > 0 && strncmp((char *)buf, "hello from the child", 20) == 0 &&
             WIFEXITED(st) && WEXITSTATUS(st) == 0;
    free(buf);
    mmf_sync_close(ev);
    check(flatdb_close(db), "close", file);
    mmf_section_close(s);
    return ok ? 0 : 1;
}

static int cmd_share(int argc, char **argv)
{
    if (argc != 1)
        usage();
    printf("two processes, one named mapping of %s:\n", argv[0]);
    return do_share(argv[0], "  ");
}

/* ------------------------------------------------------------------ */
/* demo                                                                */
/* ------------------------------------------------------------------ */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static int cmd_demo(int argc, char **argv)
{
    if (argc > 1)
        usage();
    char dir[PATH_MAX], file[PATH_MAX + 16];
    int temp = argc == 0;
    if (temp) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/flatdb-demo-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir))
            die("mkdtemp %s: %s", dir, strerror(errno));
    } else {
        snprintf(dir, sizeof dir, "%s", argv[0]);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            die("mkdir %s: %s", dir, strerror(errno));
    }
    snprintf(file, sizeof file, "%s/demo.db", dir);
    const uint64_t n = FLATDB_DEFAULT_COUNT, ops = 1000000;
    const uint32_t rs = FLATDB_DEFAULT_RECORD;

    printf("flatdb demo: a flat-file database of %s records of %u bytes, every record a\n"
           "byte offset in one file, every access a memory access through a view.\n\n",
           commas(n), rs);
    printf("1. create\n");
    double t = do_create(file, n, rs, 0, 1);
    printf("  %s: %s records, %.1f MB, written through views and fsync'd in %.2f s\n", file,
           commas(n), (double)(FLATDB_HEADER_SIZE + n * rs) / 1e6, t);

    printf("\n2. %s random reads and updates, through the view and through pread/pwrite\n",
           commas(ops));
    struct bench_result r;
    bench_run(file, ops, &r);
    bench_print("  ", ops, rs, &r);

    printf("\n3. verify every checksum\n");
    uint64_t bad = do_verify(file, "  ");

    printf("\n4. two processes, one named mapping (an mmf event, no sleeps)\n");
    int share = do_share(file, "  ");

    if (temp) {
        nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
        printf("\n(removed %s)\n", dir);
    }
    return r.coherent && !bad && !share ? 0 : 1;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    char *pos[8];
    int npos = 0, sparse = 0;
    uint64_t size = 0;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        uint64_t v;
        if (strcmp(a, "--sparse") == 0) {
            sparse = 1;
        } else if (strncmp(a, "--size=", 7) == 0) {
            if (parse_u64(a + 7, &size, 1) < 0 || size == 0)
                die("bad size \"%s\"", a + 7);
        } else if (strncmp(a, "--views=", 8) == 0) {
            if (parse_u64(a + 8, &v, 0) < 0 || v == 0 || v > FLATDB_MAX_VIEWS)
                die("--views takes 1 to %u", FLATDB_MAX_VIEWS);
            base_opt.views = (unsigned)v;
        } else if (strncmp(a, "--view-size=", 12) == 0) {
            if (parse_u64(a + 12, &v, 1) < 0 || v == 0 || v > (UINT64_C(1) << 40))
                die("bad view size \"%s\"", a + 12);
            base_opt.view_size = v;
        } else if (strcmp(a, "--") == 0) {
            for (k++; k < argc && npos < 8; k++)
                pos[npos++] = argv[k];
        } else if (a[0] == '-' && a[1] == '-') {
            die("unknown option %s", a);
        } else if (npos < 8) {
            pos[npos++] = argv[k];
        } else {
            usage();
        }
    }
    if (npos == 0)
        usage();
    const char *cmd = pos[0];
    char **rest = pos + 1;
    int nrest = npos - 1;
    if (strcmp(cmd, "create") == 0)
        return cmd_create(nrest, rest, sparse, size);
    if (sparse || size)
        die("--sparse and --size go with create");
    if (strcmp(cmd, "info") == 0)
        return cmd_info(nrest, rest);
    if (strcmp(cmd, "get") == 0)
        return cmd_get(nrest, rest);
    if (strcmp(cmd, "put") == 0)
        return cmd_put(nrest, rest, 0);
    if (strcmp(cmd, "update") == 0)
        return cmd_put(nrest, rest, 1);
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(nrest, rest);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(nrest, rest);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(nrest, rest);
    if (strcmp(cmd, "share") == 0)
        return cmd_share(nrest, rest);
    if (strcmp(cmd, "share-child") == 0)
        return cmd_share_child(nrest, rest);
    if (strcmp(cmd, "demo") == 0)
        return cmd_demo(nrest, rest);
    usage();
    return 2;
}
