/*
 * test_threads.c — the process's view table under concurrent use.
 *
 * Worker threads never call Criterion's assertions (they are not meant to
 * fail from other threads); they record the first failure and the main
 * thread asserts.
 */
#include "helpers.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

TestSuite(threads, .timeout = 60);

#define NTHREADS 8
#define NVIEWS 2000

static atomic_int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[512];

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
    if (atomic_fetch_add(&failures, 1) == 0) {
        va_list ap;
        va_start(ap, fmt);
        pthread_mutex_lock(&fail_lock);
        vsnprintf(fail_msg, sizeof fail_msg, fmt, ap);
        pthread_mutex_unlock(&fail_lock);
        va_end(ap);
    }
}

#define CHECK(cond, ...)          \
    do {                          \
        if (!(cond))              \
            fail(__VA_ARGS__);    \
    } while (0)

static void assert_no_failures(void)
{
    pthread_mutex_lock(&fail_lock);
    cr_assert_eq(atomic_load(&failures), 0, "%d failures; first: %s",
                 atomic_load(&failures), fail_msg);
    pthread_mutex_unlock(&fail_lock);
}

struct worker {
    pthread_t        tid;
    int              id;
    mmf_section     *s;
    pthread_barrier_t *bar;
    char           **mine;      /* NVIEWS views mapped by this thread */
    char           **theirs;    /* the next thread's views, unmapped here */
    int              theirs_id;
};

/* One map/query/protect/query/unmap cycle per iteration, with up to 16 of
 * this thread's views alive at a time. */
static void churn(struct worker *w)
{
    uint64_t pg = page_size(), off = (uint64_t)w->id * pg;
    char *ring[16] = { 0 };
    for (int i = 0; i < NVIEWS; i++) {
        int slot = i % 16;
        if (ring[slot]) {
            int rc = mmf_view_unmap(ring[slot] + (i % pg));
            CHECK(rc == 0, "thread %d: unmap: %d", w->id, rc);
            ring[slot] = NULL;
        }
        void *v = NULL;
        int rc = mmf_view_map(w->s, MMF_PAGE_READWRITE, off, pg, NULL, &v);
        if (rc != 0) {
            fail("thread %d iteration %d: map: %d (%s)", w->id, i, rc, mmf_strerror(rc));
            continue;
        }
        char *c = v;
        unsigned stamp = ((unsigned)w->id << 16) | (unsigned)i;
        memcpy(c + 64, &stamp, sizeof stamp);
        /* Every view of this thread's page shows the latest stamp. */
        for (int j = 0; j < 16; j++)
            if (ring[j]) {
                unsigned got;
                memcpy(&got, ring[j] + 64, sizeof got);
                CHECK(got == stamp, "thread %d: incoherent views", w->id);
            }
        mmf_view_info vi;
        rc = mmf_view_query(c + (i % pg), &vi);
        CHECK(rc == 0 && vi.view_base == v && vi.offset == off && vi.view_size == pg &&
              vi.view_protection == MMF_PAGE_READWRITE && vi.protection == MMF_PAGE_READWRITE,
              "thread %d: query of a fresh view: rc %d base %p/%p offset %llu", w->id, rc,
              vi.view_base, v, (unsigned long long)vi.offset);
        unsigned old = 0;
        rc = mmf_view_protect(c, 1, MMF_PAGE_READONLY, &old);
        CHECK(rc == 0 && old == MMF_PAGE_READWRITE, "thread %d: protect: %d old %#x",
              w->id, rc, old);
        rc = mmf_view_query(c + pg - 1, &vi);
        CHECK(rc == 0 && vi.protection == MMF_PAGE_READONLY && vi.view_base == v,
              "thread %d: query after protect: %d prot %#x", w->id, rc, vi.protection);
        if (i % 3 == 0) {
            rc = mmf_view_unmap(c);
            CHECK(rc == 0, "thread %d: unmap: %d", w->id, rc);
        } else {
            ring[slot] = c;
        }
    }
    for (int j = 0; j < 16; j++)
        if (ring[j]) {
            int rc = mmf_view_unmap(ring[j]);
            CHECK(rc == 0, "thread %d: final unmap: %d", w->id, rc);
        }
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    uint64_t pg = page_size(), off = (uint64_t)w->id * pg;

    /* Phase 1: churn, all threads at once. */
    churn(w);
    pthread_barrier_wait(w->bar);
    pthread_barrier_wait(w->bar); /* main checks the count here */

    /* Phase 2: map NVIEWS views and keep them; protect every other one. */
    for (int i = 0; i < NVIEWS; i++) {
        void *v = NULL;
        int rc = mmf_view_map(w->s, MMF_PAGE_READWRITE, off, pg, NULL, &v);
        CHECK(rc == 0, "thread %d: map %d: %d (%s)", w->id, i, rc, mmf_strerror(rc));
        w->mine[i] = rc == 0 ? v : NULL;
        if (rc == 0 && i % 2) {
            rc = mmf_view_protect(v, pg, MMF_PAGE_READONLY, NULL);
            CHECK(rc == 0, "thread %d: protect %d: %d", w->id, i, rc);
        }
        if (rc == 0 && i % 2 == 0)
            ((volatile char *)v)[0] = (char)w->id;
    }
    pthread_barrier_wait(w->bar); /* main checks the count here */
    pthread_barrier_wait(w->bar);

    /* Phase 3: query the next thread's views, then unmap them. */
    for (int i = 0; i < NVIEWS; i++) {
        char *v = w->theirs[i];
        if (!v)
            continue;
        mmf_view_info vi;
        int rc = mmf_view_query(v + 1, &vi);
        CHECK(rc == 0 && vi.view_base == v && vi.offset == (uint64_t)w->theirs_id * pg &&
              vi.protection == (i % 2 ? MMF_PAGE_READONLY : MMF_PAGE_READWRITE),
              "thread %d: query of thread %d's view %d: rc %d prot %#x", w->id, w->theirs_id,
              i, rc, vi.protection);
        CHECK(v[0] == (char)w->theirs_id, "thread %d: view %d of thread %d shows %d", w->id,
              i, w->theirs_id, v[0]);
    }
    pthread_barrier_wait(w->bar);
    for (int i = 0; i < NVIEWS; i++)
        if (w->theirs[i]) {
            int rc = mmf_view_unmap(w->theirs[i] + (i % pg));
            CHECK(rc == 0, "thread %d: unmap of thread %d's view %d: %d", w->id,
                  w->theirs_id, i, rc);
        }
    return NULL;
}

Test(threads, concurrent_view_table)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(NTHREADS * pg, MMF_PAGE_READWRITE, 0);
    size_t c0 = mmf_view_count();
    pthread_barrier_t bar;
    cr_assert_eq(pthread_barrier_init(&bar, NULL, NTHREADS + 1), 0);
    struct worker w[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        w[t].id = t;
        w[t].s = s;
        w[t].bar = &bar;
        w[t].mine = calloc(NVIEWS, sizeof(char *));
        cr_assert_not_null(w[t].mine);
    }
    for (int t = 0; t < NTHREADS; t++) {
        w[t].theirs = w[(t + 1) % NTHREADS].mine;
        w[t].theirs_id = (t + 1) % NTHREADS;
    }
    for (int t = 0; t < NTHREADS; t++)
        cr_assert_eq(pthread_create(&w[t].tid, NULL, worker_main, &w[t]), 0);

    pthread_barrier_wait(&bar); /* churn done */
    size_t after_churn = mmf_view_count();
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar); /* phase 2 mapped */
    size_t mapped = mmf_view_count();
    pthread_barrier_wait(&bar); /* let phase 3 start */
    pthread_barrier_wait(&bar); /* queries done */
    for (int t = 0; t < NTHREADS; t++)
        cr_assert_eq(pthread_join(w[t].tid, NULL), 0);
    pthread_barrier_destroy(&bar);

    assert_no_failures();
    cr_assert_eq(after_churn, c0, "the churn left %zd views", (ssize_t)(after_churn - c0));
    cr_assert_eq(mapped, c0 + NTHREADS * NVIEWS);
    cr_assert_eq(mmf_view_count(), c0);
    for (int t = 0; t < NTHREADS; t++) {
        for (int i = 0; i < NVIEWS; i += 97)
            assert_rc(mmf_view_query(w[t].mine[i], &(mmf_view_info){0}), MMF_ENOTVIEW);
        free(w[t].mine);
    }
    assert_rc(mmf_section_close(s), 0);
}

/* One thread maps, another queries and unmaps, handing views over a pipe. */
struct handoff {
    mmf_section *s;
    int          fd[2];
};

static void *producer(void *p)
{
    struct handoff *h = p;
    for (int i = 0; i < NVIEWS; i++) {
        void *v = NULL;
        int rc = mmf_view_map(h->s, MMF_PAGE_READWRITE, (uint64_t)(i % 4) * page_size(),
                              page_size(), NULL, &v);
        CHECK(rc == 0, "producer: map %d: %d", i, rc);
        if (rc == 0)
            ((volatile int *)v)[1] = i;
        if (write(h->fd[1], &v, sizeof v) != (ssize_t)sizeof v)
            fail("producer: write: %s", strerror(errno));
    }
    return NULL;
}

static void *consumer(void *p)
{
    struct handoff *h = p;
    for (int i = 0; i < NVIEWS; i++) {
        char *v = NULL;
        if (read(h->fd[0], &v, sizeof v) != (ssize_t)sizeof v) {
            fail("consumer: read: %s", strerror(errno));
            return NULL;
        }
        if (!v)
            continue;
        mmf_view_info vi;
        int rc = mmf_view_query(v + 5, &vi);
        CHECK(rc == 0 && vi.view_base == v && vi.offset == (uint64_t)(i % 4) * page_size(),
              "consumer: query %d: %d", i, rc);
        /* Views i, i+4, ... share a page: the stamp is i or a later one. */
        int got = ((volatile int *)v)[1];
        CHECK(got >= i && (got - i) % 4 == 0, "consumer: view %d shows %d", i, got);
        rc = mmf_view_unmap(v + 5);
        CHECK(rc == 0, "consumer: unmap %d: %d", i, rc);
    }
    return NULL;
}

Test(threads, unmap_views_of_another_thread)
{
    struct handoff h;
    h.s = mem_section(4 * page_size(), MMF_PAGE_READWRITE, 0);
    cr_assert_eq(pipe2(h.fd, O_CLOEXEC), 0);
    size_t c0 = mmf_view_count();
    pthread_t a, b;
    cr_assert_eq(pthread_create(&b, NULL, consumer, &h), 0);
    cr_assert_eq(pthread_create(&a, NULL, producer, &h), 0);
    cr_assert_eq(pthread_join(a, NULL), 0);
    cr_assert_eq(pthread_join(b, NULL), 0);
    assert_no_failures();
    cr_assert_eq(mmf_view_count(), c0);
    close(h.fd[0]);
    close(h.fd[1]);
    assert_rc(mmf_section_close(h.s), 0);
}

/* Sections made and closed on many threads get distinct ids. */
#define NSECT 200

struct maker {
    pthread_t tid;
    uint64_t  ids[NSECT];
};

static void *make_sections(void *p)
{
    struct maker *m = p;
    for (int i = 0; i < NSECT; i++) {
        mmf_section *s = NULL;
        int rc = mmf_section_create_memory(page_size(), MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &s);
        CHECK(rc == 0, "create: %d", rc);
        m->ids[i] = 0;
        if (rc)
            continue;
        mmf_section_info si;
        rc = mmf_section_query(s, &si);
        CHECK(rc == 0, "info: %d", rc);
        m->ids[i] = si.id;
        void *v = NULL;
        rc = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
        CHECK(rc == 0, "map: %d", rc);
        rc = mmf_section_close(s);
        CHECK(rc == 0, "close: %d", rc);
        if (v) {
            mmf_view_info vi;
            rc = mmf_view_query(v, &vi);
            CHECK(rc == 0 && vi.section_id == si.id, "query: %d", rc);
            rc = mmf_view_unmap(v);
            CHECK(rc == 0, "unmap: %d", rc);
        }
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

Test(threads, concurrent_sections_have_unique_ids)
{
    static struct maker m[NTHREADS];
    int fds = count_fds();
    size_t c0 = mmf_view_count();
    for (int t = 0; t < NTHREADS; t++)
        cr_assert_eq(pthread_create(&m[t].tid, NULL, make_sections, &m[t]), 0);
    for (int t = 0; t < NTHREADS; t++)
        cr_assert_eq(pthread_join(m[t].tid, NULL), 0);
    assert_no_failures();
    static uint64_t all[NTHREADS * NSECT];
    for (int t = 0; t < NTHREADS; t++)
        memcpy(all + t * NSECT, m[t].ids, sizeof m[t].ids);
    qsort(all, NTHREADS * NSECT, sizeof all[0], cmp_u64);
    for (int i = 1; i < NTHREADS * NSECT; i++)
        cr_assert_neq(all[i], all[i - 1], "two sections got id %llu",
                      (unsigned long long)all[i]);
    cr_assert_eq(mmf_view_count(), c0);
    cr_assert_eq(count_fds(), fds, "sections leaked descriptors");
}
