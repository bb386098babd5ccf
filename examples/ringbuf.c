/*
 * ringbuf — a producer and a consumer process exchanging records through a
 * ring buffer in a named mapping, guarded by two semaphores and a mutex.
 *
 *   ringbuf                     both roles: forks and execs itself as
 *                               "ringbuf consumer ringbuf-PID N" and produces
 *   ringbuf producer NAME [N]   one role each, for two terminals
 *   ringbuf consumer NAME [N]   (N: records to send, 100000 by default)
 *
 * The processes share nothing but names in the user's Local\ namespace:
 * NAME.ring, a memory section with a header and 64 slots of one 64-byte
 * record; NAME.free and NAME.filled, semaphores counting free slots (64 at
 * first) and filled ones (0); NAME.lock, a mutex over the header.  Either
 * side may come first: each creates or opens the mutex, takes it, then
 * creates or opens the rest; whoever made the section writes the header, the
 * other checks it.  The header holds offsets from the start of the section,
 * never pointers: each process maps the section at its own address.
 *
 * The producer takes a free slot, stores a record at the head under the
 * mutex and releases a filled slot; the consumer takes a filled slot, copies
 * the record at the tail under the mutex, releases a free slot and checks the
 * record's sequence number and checksum.  Waits wake every 500 ms to check
 * that the other side (its pid is in the header) is alive.  The producer
 * ends when all slots are free again, so it cannot take the names away
 * before the consumer has come; each name goes with its last handle.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mmf.h>

#define SLOTS     64
#define RING_DATA 64u                   /* offset of slot 0 in the section */
#define RING_END  (RING_DATA + SLOTS * sizeof(struct record))
#define MAGIC     0x52494e47u           /* "RING" */

struct record {
    uint64_t seq;
    uint32_t checksum;
    char     text[52];
};
_Static_assert(sizeof(struct record) == 64, "a record is 64 bytes");

struct ring {                           /* the header, at offset 0 */
    uint32_t magic, slots, record_size;
    int32_t  pid[2];                    /* producer, consumer; 0: not here yet */
    uint64_t count;                     /* records the producer sends */
    uint64_t head, tail;                /* offsets of the next slots to fill, drain */
};
_Static_assert(sizeof(struct ring) <= RING_DATA, "the header fits before slot 0");

enum { PRODUCER, CONSUMER };
static const char *const role[] = { "producer", "consumer" };
static int me = -1, locked, told;
static const char *base;                /* NAME */
static mmf_section *sec;
static char *view;                      /* where this process mapped the section */
static struct ring *rb;
static mmf_sync *mtx, *free_slots, *filled;
static pid_t child;                     /* the consumer, when we started it */

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", me < 0 ? "ringbuf" : role[me]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc < 0)
        fail("%s: %s", what, mmf_strerror(rc));
}

/* Runs at exit, after success or failure: gives the names back. */
static void cleanup(void)
{
    if (locked)
        mmf_mutex_release(mtx);
    if (view)
        mmf_view_unmap(view);
    if (sec)
        mmf_section_close(sec);
    mmf_sync *h[] = { mtx, free_slots, filled };
    for (int i = 0; i < 3; i++)
        if (h[i])
            mmf_sync_close(h[i]);
    if (child > 0) {                    /* we failed: stop the consumer too */
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
    }
}

/* FNV-1a of the record's bytes, its checksum field taken as 0. */
static uint32_t checksum(struct record r)
{
    uint32_t h = 2166136261u;
    r.checksum = 0;
    for (size_t i = 0; i < sizeof r; i++)
        h = (h ^ ((unsigned char *)&r)[i]) * 16777619u;
    return h;
}

/* The slot at offset *off, checked (it comes from shared memory); *off moves on. */
static struct record *advance(uint64_t *off)
{
    uint64_t o = *off;
    if (o < RING_DATA || o >= RING_END || (o - RING_DATA) % sizeof(struct record))
        fail("Local\\%s.ring is corrupt: slot offset %" PRIu64, base, o);
    *off = o + sizeof(struct record) == RING_END ? RING_DATA : o + sizeof(struct record);
    return (struct record *)(view + o);
}

/* Waits for a semaphore or the mutex as long as the other side is alive
 * (its pid is in the header), instead of forever. */
static int take(mmf_sync *s, const char *what)
{
    int rc, st, peer = !me;
    while ((rc = mmf_wait(s, 500)) == MMF_WAIT_TIMEOUT) {
        if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
            child = 0;
            fail("the consumer exited early (%s %d)", WIFEXITED(st) ? "status" : "signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
        pid_t pid = rb ? __atomic_load_n(&rb->pid[peer], __ATOMIC_ACQUIRE) : 0;
        if (pid != 0 && kill(pid, 0) < 0 && errno == ESRCH)
            fail("the %s (pid %d) is gone", role[peer], (int)pid);
        if (pid == 0 && !told++)
            fprintf(stderr, "%s: waiting for a %s on %s\n", role[me], role[peer], base);
    }
    check(rc, what);
    return rc;
}

static void lock(int on)
{
    int rc = on ? take(mtx, "take the mutex") : mmf_mutex_release(mtx);
    locked = on && rc >= 0;
    if (rc == MMF_WAIT_ABANDONED)
        fail("the other process died holding Local\\%s.lock", base);
    check(rc, "release the mutex");
}

/* Creates or opens the four objects and joins the ring as role me. */
static void attach(uint64_t count)
{
    static const char *const suffix[] = { "lock", "ring", "free", "filled" };
    char name[4][256];
    mmf_create_options opt[4];
    atexit(cleanup);
    for (int i = 0; i < 4; i++) {
        if ((size_t)snprintf(name[i], 256, "Local\\%s.%s", base, suffix[i]) >= 256)
            fail("name too long: %s", base);
        opt[i] = (mmf_create_options){ .name = name[i] };
    }
    check(mmf_mutex_create(0, &opt[0], &mtx), name[0]);
    lock(1);
    int rc = mmf_section_create(-1, RING_END, MMF_PAGE_READWRITE, 0, &opt[1], &sec);
    check(rc, name[1]);
    check(mmf_view_map(sec, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&view), name[1]);
    rb = (struct ring *)view;
    if (rc != MMF_EXISTED)
        *rb = (struct ring){ MAGIC, SLOTS, sizeof(struct record), { 0, 0 }, count,
                             RING_DATA, RING_DATA };
    else if (rb->magic != MAGIC || rb->slots != SLOTS || rb->record_size != 64)
        fail("%s is not a ring of %d slots of 64 bytes", name[1], SLOTS);
    else if (rb->count != count)
        fail("the other side of %s has N = %" PRIu64 ", not %" PRIu64, name[1], rb->count, count);
    if (rb->pid[me] != 0)
        fail("a %s (pid %d) already uses %s", role[me], (int)rb->pid[me], name[1]);
    __atomic_store_n(&rb->pid[me], (int32_t)getpid(), __ATOMIC_RELEASE);
    check(mmf_semaphore_create(SLOTS, SLOTS, &opt[2], &free_slots), name[2]);
    check(mmf_semaphore_create(0, SLOTS, &opt[3], &filled), name[3]);
    lock(0);
}

static void produce(uint64_t count)
{
    attach(count);
    for (uint64_t seq = 0; seq < count; seq++) {
        struct record rec = { .seq = seq };
        snprintf(rec.text, sizeof rec.text, "record %" PRIu64 " of pid %d", seq, (int)getpid());
        rec.checksum = checksum(rec);
        take(free_slots, "wait for a free slot");
        lock(1);
        *advance(&rb->head) = rec;
        lock(0);
        check(mmf_semaphore_release(filled, 1, NULL), "release a filled slot");
    }
    for (int i = 0; i < SLOTS; i++)     /* until the consumer took them all */
        take(free_slots, "wait for the consumer to empty the ring");
}

static int consume(uint64_t count)
{
    uint64_t disorder = 0, bad = 0;
    struct timespec t0, t1;
    attach(count);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0; i < count; i++) {
        take(filled, "wait for a filled slot");
        lock(1);
        struct record rec = *advance(&rb->tail);
        lock(0);
        check(mmf_semaphore_release(free_slots, 1, NULL), "release a free slot");
        if (rec.seq != i && disorder++ < 5)
            fprintf(stderr, "consumer: record %" PRIu64 " has seq %" PRIu64 "\n", i, rec.seq);
        if (rec.checksum != checksum(rec) && bad++ < 5)
            fprintf(stderr, "consumer: record %" PRIu64 " has a bad checksum\n", i);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (disorder || bad)
        fail("received %" PRIu64 " records: %" PRIu64 " out of order, %" PRIu64
             " bad checksums", count, disorder, bad);
    printf("consumer: received %" PRIu64 " records in order, checksums ok, %.0f records/s\n",
           count, (double)count / (secs > 0 ? secs : 1e-9));
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t count = 100000;
    char *end, name[64], nbuf[32];
    if (argc == 3 || argc == 4) {
        me = strcmp(argv[1], "producer") == 0 ? PRODUCER
           : strcmp(argv[1], "consumer") == 0 ? CONSUMER : -1;
        base = argv[2];
    }
    if (argc != 1 && me < 0) {
        fprintf(stderr, "usage: ringbuf [producer|consumer NAME [N]]\n");
        return 2;
    }
    if (argc == 4) {
        errno = 0;
        count = strtoull(argv[3], &end, 10);
        if (errno || *end || argv[3][0] == '-' || count == 0)
            fail("N must be a positive number of records, not \"%s\"", argv[3]);
    }
    if (me == CONSUMER)
        return consume(count);
    if (me < 0) {
        /* Both roles: the consumer is this program again, started afresh;
         * it meets the producer only through the names. */
        snprintf(name, sizeof name, "ringbuf-%d", (int)getpid());
        snprintf(nbuf, sizeof nbuf, "%" PRIu64, count);
        base = name;
        fflush(NULL);
        if ((child = fork()) < 0)
            fail("fork: %s", strerror(errno));
        if (child == 0) {
            execl("/proc/self/exe", argv[0], "consumer", name, nbuf, (char *)NULL);
            fprintf(stderr, "ringbuf: exec /proc/self/exe: %s\n", strerror(errno));
            _exit(127);
        }
        me = PRODUCER;
    }
    produce(count);
    pid_t pid = child;
    int st = 0;
    child = 0;                          /* from here on we wait for it */
    if (pid > 0 && waitpid(pid, &st, 0) < 0)
        fail("waitpid: %s", strerror(errno));
    printf("producer: sent %" PRIu64 " records through Local\\%s.ring (%d slots)\n", count,
           base, SLOTS);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("the consumer failed");
    return 0;
}
