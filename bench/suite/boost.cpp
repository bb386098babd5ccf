/*
 * boost.cpp — the suite's operations through Boost.Interprocess
 * (implementation "boost"), for comparison with mmf (docs/benchmarks.md):
 *
 *   map_unmap          mapped_region of 64 KiB of a 1 MiB shared_memory_object
 *   create_close       "-": Boost has no unnamed section object
 *                      (anonymous_shared_memory is a mapping, not a handle)
 *   named_create_open  shared_memory_object create_only + truncate + open_only
 *                      + both destroyed + remove (Boost names outlive their
 *                      handles: remove is the caller's job)
 *   named_open         shared_memory_object open_only + destroyed (held name)
 *   open_live          the same with 10,000 other objects in /dev/shm
 *   record_read/update memcpy from/to a mapped_region of a file_mapping
 *   scan_mib           sliding 1 MiB read-only mapped_regions of the file
 *   flush_page         one byte written, mapped_region::flush(0, 4096, sync)
 *   mutex, semaphore   interprocess_mutex / interprocess_semaphore placed in
 *                      anonymous shared memory
 *   round_trip         two interprocess_semaphores, a forked child
 *   map_unmap_live     map_unmap while 100,000 one-page mapped_regions live
 *
 * Each figure is paired with the plain Linux calls of linux_ops.h in
 * interleaved rounds ("op,linux@boost,ns" lines).
 *
 *   g++ -std=c++17 -O2 -Ibench/suite bench/suite/boost.cpp -lrt -lpthread
 */
#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <new>
#include <string>
#include <vector>

#include "suite.h"
#include "linux_ops.h"

namespace bi = boost::interprocess;

static const char *IMPL = "boost";
static std::string prefix;                /* "mmfsuite-boost-PID-" */
static long live_names;                   /* PREFIXlive-N made so far */

static std::string live_name(long i)
{
    return prefix + "live-" + std::to_string(i);
}

static void cleanup()
{
    lx_cleanup();
    bi::shared_memory_object::remove((prefix + "cycle").c_str());
    bi::shared_memory_object::remove((prefix + "held").c_str());
    for (long i = 0; i < live_names; i++)
        bi::shared_memory_object::remove(live_name(i).c_str());
    live_names = 0;
}

/* ------------------------------------------------------------------ */
/* Regions and names                                                   */
/* ------------------------------------------------------------------ */

static void op_map_unmap(void *arg, long n)
{
    auto *shm = static_cast<bi::shared_memory_object *>(arg);
    for (long i = 0; i < n; i++) {
        bi::mapped_region r(*shm, bi::read_write, 0, SUITE_VIEW_SIZE);
        suite_sink += reinterpret_cast<uintptr_t>(r.get_address()) & 1;
    }
}

static void op_named_create_open(void *arg, long n)
{
    const char *name = static_cast<const char *>(arg);
    for (long i = 0; i < n; i++) {
        {
            bi::shared_memory_object made(bi::create_only, name, bi::read_write);
            made.truncate(SUITE_NAMED_SIZE);
            bi::shared_memory_object opened(bi::open_only, name, bi::read_write);
        }
        bi::shared_memory_object::remove(name);
    }
}

static void op_named_open(void *arg, long n)
{
    const char *name = static_cast<const char *>(arg);
    for (long i = 0; i < n; i++) {
        bi::shared_memory_object s(bi::open_only, name, bi::read_write);
        suite_sink += 1;
    }
}

/* ------------------------------------------------------------------ */
/* Records, scan, flush                                                */
/* ------------------------------------------------------------------ */

struct records {
    std::string        path;
    bi::file_mapping   file;
    bi::mapped_region  view;
    unsigned char     *base = nullptr;
    unsigned long long rng = SUITE_SEED, chunk = 0;
};

static void op_record_read(void *arg, long n)
{
    auto *r = static_cast<records *>(arg);
    unsigned char rec[SUITE_RECORD_SIZE];
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        memcpy(rec, r->base + k * SUITE_RECORD_SIZE, sizeof rec);
        suite_sink += rec[i % SUITE_RECORD_SIZE];
    }
}

static void op_record_update(void *arg, long n)
{
    auto *r = static_cast<records *>(arg);
    unsigned char rec[SUITE_RECORD_SIZE];
    memset(rec, 0x42, sizeof rec);
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        rec[0] = (unsigned char)i;
        memcpy(r->base + k * SUITE_RECORD_SIZE, rec, sizeof rec);
    }
}

static void op_scan_mib(void *arg, long n)
{
    auto *r = static_cast<records *>(arg);
    for (long i = 0; i < n; i++) {
        bi::mapped_region v(r->file, bi::read_only, (bi::offset_t)(r->chunk * SUITE_MIB),
                            SUITE_MIB);
        suite_sink += suite_sum(v.get_address(), SUITE_MIB);
        r->chunk = (r->chunk + 1) % SUITE_SCAN_CHUNKS;
    }
}

static void op_flush_page(void *arg, long n)
{
    auto *r = static_cast<records *>(arg);
    for (long i = 0; i < n; i++) {
        r->base[0]++;
        if (!r->view.flush(0, 4096, false))
            suite_fail("mapped_region::flush");
    }
}

/* The file is written with plain calls and fsync'ed (making it is not
 * measured), mapped whole, and every page touched for writing. */
static void records_open(records &r)
{
    r.path = "/tmp/" + prefix + "records.bin";
    int fd = open(r.path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        suite_fail("open (records)");
    std::vector<unsigned char> block(SUITE_MIB);
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += SUITE_MIB) {
        size_t len = SUITE_FILE_SIZE - off < SUITE_MIB ? SUITE_FILE_SIZE - off : SUITE_MIB;
        memset(block.data(), (int)(off >> 20), len);
        if (pwrite(fd, block.data(), len, (off_t)off) != (ssize_t)len)
            suite_fail("pwrite (records)");
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        suite_fail("fsync (records)");
    bi::file_mapping f(r.path.c_str(), bi::read_write);
    r.file.swap(f);
    bi::mapped_region v(r.file, bi::read_write);
    r.view.swap(v);
    r.base = static_cast<unsigned char *>(r.view.get_address());
    volatile unsigned char *p = r.base;
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += 4096)
        p[off] = p[off];
}

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

struct shared {
    bi::interprocess_mutex     mutex;
    bi::interprocess_semaphore sem{0}, ping{0}, pong{0};
    volatile int               stop = 0;
};

static void op_mutex(void *arg, long n)
{
    auto *m = static_cast<bi::interprocess_mutex *>(arg);
    for (long i = 0; i < n; i++) {
        m->lock();
        m->unlock();
    }
}

static void op_semaphore(void *arg, long n)
{
    auto *s = static_cast<bi::interprocess_semaphore *>(arg);
    for (long i = 0; i < n; i++) {
        s->post();
        s->wait();
    }
}

static void op_round_trip(void *arg, long n)
{
    auto *sh = static_cast<shared *>(arg);
    for (long i = 0; i < n; i++) {
        sh->ping.post();
        sh->pong.wait();
    }
}

static pid_t serve(shared *sh)
{
    pid_t pid = fork();
    if (pid < 0)
        suite_fail("fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            sh->ping.wait();
            if (sh->stop)
                _exit(0);
            sh->pong.post();
        }
    }
    return pid;
}

/* ------------------------------------------------------------------ */
/* The runs                                                            */
/* ------------------------------------------------------------------ */

/* Boost's operation and the plain Linux one in interleaved rounds. */
static void one(const char *op, suite_op fn, void *arg, suite_op lfn)
{
    lx_pair(op, IMPL, fn, arg, lfn);
}

static void run_names()
{
    std::string cycle = prefix + "cycle", held = prefix + "held";
    one("named_create_open", op_named_create_open, (void *)cycle.c_str(), lx_named_create_open);
    bi::shared_memory_object holder(bi::create_only, held.c_str(), bi::read_write);
    holder.truncate(SUITE_NAMED_SIZE);
    lx_held_open();
    one("named_open", op_named_open, (void *)held.c_str(), lx_named_open);
    for (long i = 0; i < SUITE_LIVE_NAMES; i++) {
        bi::shared_memory_object s(bi::create_only, live_name(i).c_str(), bi::read_write);
        s.truncate(4096);
        live_names = i + 1;
    }
    lx_name_crowd_open(SUITE_LIVE_NAMES);
    one("open_live", op_named_open, (void *)held.c_str(), lx_named_open);
    lx_name_crowd_close();
    lx_held_close();
    cleanup();
}

static void run_records()
{
    records r;
    records_open(r);
    lx_records_open();
    one("record_read", op_record_read, &r, lx_record_read);
    one("record_update", op_record_update, &r, lx_record_update);
    one("scan_mib", op_scan_mib, &r, lx_scan_mib);
    one("flush_page", op_flush_page, &r, lx_flush_page);
    lx_records_close();
    unlink(r.path.c_str());
}

static void run_sync()
{
    bi::mapped_region page = bi::anonymous_shared_memory(sizeof(shared));
    shared *sh = new (page.get_address()) shared;
    lx_sync_open();
    one("mutex", op_mutex, &sh->mutex, lx_mutex);
    one("semaphore", op_semaphore, &sh->sem, lx_semaphore);
    pid_t child = serve(sh);
    one("round_trip", op_round_trip, sh, lx_round_trip);
    sh->stop = 1;
    sh->ping.post();
    waitpid(child, nullptr, 0);
    sh->~shared();
    lx_sync_close();
}

/* 100,000 one-page regions at descending offsets (the kernel merges them,
 * as for the other implementations), then map_unmap among them. */
static void run_live_views(bi::shared_memory_object &sec)
{
    std::string name = prefix + "crowd";
    const long n = SUITE_LIVE_VIEWS;
    const size_t page = bi::mapped_region::get_page_size();
    bi::shared_memory_object big(bi::create_only, name.c_str(), bi::read_write);
    big.truncate((bi::offset_t)(n * (long)page));
    std::vector<bi::mapped_region> live;
    live.reserve((size_t)n);
    double t0 = suite_now_ns();
    for (long i = 0; i < n; i++)
        live.emplace_back(big, bi::read_write, (bi::offset_t)((n - 1 - i) * (long)page), page);
    suite_note("map_unmap_live (boost): %ld one-page regions made in %.2f s", n,
               (suite_now_ns() - t0) / 1e9);
    lx_view_crowd_open(n);
    one("map_unmap_live", op_map_unmap, &sec, lx_map_unmap);
    lx_view_crowd_close();
    live.clear();
    bi::shared_memory_object::remove(name.c_str());
}

int main()
{
    suite_init();
    prefix = "mmfsuite-boost-" + std::to_string((long)getpid()) + "-";
    try {
        std::string secname = prefix + "sec";
        bi::shared_memory_object sec(bi::create_only, secname.c_str(), bi::read_write);
        sec.truncate(SUITE_SECTION_SIZE);
        bi::shared_memory_object::remove(secname.c_str()); /* the handle keeps it */

        lx_open();
        one("map_unmap", op_map_unmap, &sec, lx_map_unmap);
        suite_missing("create_close", IMPL);
        run_names();
        run_records();
        run_sync();
        run_live_views(sec);
        lx_close();
    } catch (const std::exception &e) {
        fprintf(stderr, "boost: %s\n", e.what());
        cleanup();
        return 1;
    }
    return 0;
}
