/*
 * threads.c — the threaded scenarios as a plain program, for ThreadSanitizer.
 *
 * Criterion's runner cannot start under TSan (Snaipe/Criterion#274), so
 * `make check SANITIZE=thread` runs this instead.  Every call's result is
 * checked; the last line counts scenarios: "N passed, N failed".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmf.h>

#define NTHREADS 8
#define NVIEWS   500

static atomic_int errors;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            atomic_fetch_add(&errors, 1);                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

static mmf_section *shared;
static pthread_barrier_t barrier;
static char *views[NTHREADS][NVIEWS];

/* Map, write, query, protect, unmap: each thread on its own views of one
 * shared section, all at once. */
static void *churn(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < NVIEWS; i++) {
        char *p;
        CHECK(mmf_view_map(shared, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&p) == 0);
        p[id] = (char)i;
        mmf_view_info vi;
        CHECK(mmf_view_query(p + 100, &vi) == 0 && vi.view_base == p);
        CHECK(mmf_view_protect(p, 1, MMF_PAGE_READONLY, NULL) == 0);
        CHECK(mmf_view_query(p, &vi) == 0 && vi.protection == MMF_PAGE_READONLY);
        /* (A second unmap of p cannot be checked here: another thread
         * may already have a new view at the same address.) */
        CHECK(mmf_view_unmap(p + 1) == 0);
    }
    return NULL;
}

/* Each thread maps views, then unmaps those of its neighbour. */
static void *handoff(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < NVIEWS; i++)
        CHECK(mmf_view_map(shared, MMF_PAGE_READONLY, 0, 4096, NULL,
                           (void **)&views[id][i]) == 0);
    pthread_barrier_wait(&barrier);
    int other = (id + 1) % NTHREADS;
    for (int i = 0; i < NVIEWS; i++)
        CHECK(mmf_view_unmap(views[other][i]) == 0);
    return NULL;
}

/* Sections created, mapped and closed in every thread; the last view of
 * each is unmapped by another thread after the handle is gone. */
static void *lifetimes(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < NVIEWS / 5; i++) {
        mmf_section *s;
        CHECK(mmf_section_create_memory(8192, MMF_PAGE_READWRITE, 0, &s) == 0);
        CHECK(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&views[id][i]) == 0);
        views[id][i][0] = 1;
        CHECK(mmf_section_close(s) == 0);
    }
    pthread_barrier_wait(&barrier);
    int other = (id + 1) % NTHREADS;
    for (int i = 0; i < NVIEWS / 5; i++) {
        CHECK(views[other][i][0] == 1);
        CHECK(mmf_view_unmap(views[other][i]) == 0);
    }
    return NULL;
}

/* Named sections created, opened, duplicated and closed by every thread on
 * a few shared names: the registry's own locks (directory cache, census,
 * the list of holds) under contention.  Every create either makes the
 * object or finds it; every open of a name that some thread holds works. */
static void *names(void *arg)
{
    int id = (int)(intptr_t)arg;
    char name[64];
    for (int i = 0; i < NVIEWS / 5; i++) {
        snprintf(name, sizeof name, "Local\\mmf-threads-%d-%d", (int)getpid(), (i + id) % 3);
        mmf_create_options o = { .name = name };
        mmf_section *s, *t, *d;
        int rc = mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &o, &s);
        CHECK(rc == 0 || rc == MMF_EXISTED);
        if (rc < 0)
            continue;
        CHECK(mmf_section_open(name, MMF_ACCESS_READ, &t) == 0);
        CHECK(mmf_section_dup(s, MMF_ACCESS_READ, &d) == 0);
        char *p;
        CHECK(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&p) == 0);
        p[id] = 1;
        CHECK(mmf_view_unmap(p) == 0);
        CHECK(mmf_section_close(d) == 0);
        CHECK(mmf_section_close(t) == 0);
        CHECK(mmf_section_close(s) == 0);
    }
    return NULL;
}

/* fork() while other threads hold the view table: the child must be able
 * to use the table (the atfork handlers). */
static void *forker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char *p;
            int ok = mmf_view_map(shared, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&p) == 0 &&
                     mmf_view_unmap(p) == 0;
            _exit(ok ? 0 : 1);
        }
        int st;
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    return NULL;
}

/* A counter under an mmf mutex, with a semaphore and an auto-reset event
 * passed around: no lost update, and TSan sees the objects' own accesses. */
static mmf_sync *mtx, *sem, *evt;
static long counter;

static void *locking(void *arg)
{
    (void)arg;
    for (int i = 0; i < NVIEWS * 4; i++) {
        CHECK(mmf_wait(mtx, MMF_INFINITE) == MMF_WAIT_OBJECT_0);
        CHECK(mmf_wait(mtx, 0) == MMF_WAIT_OBJECT_0); /* recursion */
        counter++;
        CHECK(mmf_mutex_release(mtx) == 0);
        CHECK(mmf_mutex_release(mtx) == 0);
        mmf_sync *both[2] = { sem, evt };
        int r = mmf_wait_multiple(both, 2, 0, MMF_INFINITE);
        CHECK(r == 0 || r == 1);
        if (r == 0)
            CHECK(mmf_semaphore_release(sem, 1, NULL) == 0);
        else
            CHECK(mmf_event_set(evt) == 0);
    }
    return NULL;
}

static atomic_int stop_gc;

/* Sweeps while other threads create and close: a sweep must never remove
 * an entry some handle holds (the names scenario's opens would fail). */
static void *collector(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_gc))
        CHECK(mmf_registry_gc() >= 0);
    return NULL;
}

static int run_with(const char *name, void *(*fn)(void *), void *(*extra)(void *));

static int run(const char *name, void *(*fn)(void *), int with_forker)
{
    return run_with(name, fn, with_forker ? forker : NULL);
}

static int run_with(const char *name, void *(*fn)(void *), void *(*extra)(void *))
{
    int with_forker = extra != NULL;
    int before = atomic_load(&errors);
    size_t start = mmf_view_count();
    pthread_t t[NTHREADS + 1];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, fn, (void *)(intptr_t)i);
    if (with_forker)
        pthread_create(&t[NTHREADS], NULL, extra, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    atomic_store(&stop_gc, 1);
    if (with_forker)
        pthread_join(t[NTHREADS], NULL);
    atomic_store(&stop_gc, 0);
    pthread_barrier_destroy(&barrier);
    CHECK(mmf_view_count() == start);
    int ok = atomic_load(&errors) == before;
    printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
    return ok;
}

int main(void)
{
    if (mmf_section_create_memory(1 << 16, MMF_PAGE_READWRITE, 0, &shared) < 0) {
        fprintf(stderr, "cannot create the shared section\n");
        return 1;
    }
    int passed = 0, total = 0;
    total++, passed += run("churn: map/query/protect/unmap in 8 threads", churn, 0);
    total++, passed += run("handoff: unmap views of another thread", handoff, 0);
    total++, passed += run("lifetimes: last view unmapped after close elsewhere", lifetimes, 0);
    total++, passed += run("fork while threads use the table", churn, 1);
    total++, passed += run("named create/open/dup/close on shared names", names, 0);
    total++, passed += run_with("the same while another thread sweeps", names, collector);
    CHECK(mmf_mutex_create(0, NULL, &mtx) == 0);
    CHECK(mmf_semaphore_create(1, 1, NULL, &sem) == 0);
    CHECK(mmf_event_create(0, 1, NULL, &evt) == 0);
    int ok = run("mutex, semaphore, event and wait-any from 8 threads", locking, 0);
    ok &= counter == (long)NTHREADS * NVIEWS * 4;
    total++, passed += ok;
    mmf_sync_close(mtx);
    mmf_sync_close(sem);
    mmf_sync_close(evt);
    int gone = 1;
    for (int k = 0; k < 3; k++) {
        char name[64];
        mmf_section *x;
        snprintf(name, sizeof name, "Local\\mmf-threads-%d-%d", (int)getpid(), k);
        gone &= mmf_section_open(name, MMF_ACCESS_READ, &x) == MMF_ENOTFOUND;
    }
    total++, passed += gone;
    printf("%s: every name gone after its last close\n", gone ? "PASS" : "FAIL");
    mmf_section_close(shared);
    printf("%d passed, %d failed\n", passed, total - passed);
    return passed == total ? 0 : 1;
}
