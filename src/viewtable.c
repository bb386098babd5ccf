/*
 * viewtable.c — the process's table of views, by address.
 *
 * Unmap, flush, protect and query all start from "which view contains this
 * address?", so the table is a balanced search tree (glibc's tsearch is a
 * red-black tree) ordered by address range: O(log n) with 100,000 views.
 * Views never overlap, so "a < b when a ends at or before b starts" is a
 * total order on live views, and a one-byte probe at any inner address
 * compares equal to the view containing it.
 *
 * One rwlock guards the tree.  fork() in a threaded program copies the lock
 * in whatever state another thread left it, so pthread_atfork takes it
 * around fork, and the child starts with a fresh lock.
 */
#include <errno.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>

#include "internal.h"

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void *root;
static size_t count;

static void fork_prepare(void) { pthread_rwlock_wrlock(&lock); }
static void fork_parent(void) { pthread_rwlock_unlock(&lock); }
static void fork_child(void)
{
    /* The child's only thread took the lock in fork_prepare, but under
     * another thread id: glibc's rwlock records the writer's tid, so an
     * unlock here would be taken for a reader's and leave the lock held.
     * Nothing else can hold it in the child: start it afresh. */
    pthread_rwlock_init(&lock, NULL);
}

static void register_atfork(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void mmf__vt_rdlock(void)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_rwlock_rdlock(&lock);
}

void mmf__vt_wrlock(void)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_rwlock_wrlock(&lock);
}

void mmf__vt_unlock(void)
{
    pthread_rwlock_unlock(&lock);
}

static int cmp_range(const void *pa, const void *pb)
{
    const struct view *a = pa, *b = pb;
    if (a->base + a->len <= b->base)
        return -1;
    if (b->base + b->len <= a->base)
        return 1;
    return 0;
}

struct view *mmf__vt_find(uintptr_t addr)
{
    struct view probe = { .base = addr, .len = 1 };
    void *node = tfind(&probe, &root, cmp_range);
    return node ? *(struct view **)node : NULL;
}

int mmf__vt_insert(struct view *v, struct view **stale)
{
    *stale = NULL;
    for (;;) {
        void *node = tsearch(v, &root, cmp_range);
        if (!node)
            return -ENOMEM;
        struct view *found = *(struct view **)node;
        if (found == v) {
            count++;
            return 0;
        }
        /* Overlap: the kernel gave us addresses of a view the application
         * munmap()ed itself.  That view is gone; forget it.  There can be
         * several such entries; the caller frees one, the rest are
         * freed here as they cannot be returned. */
        tdelete(found, &root, cmp_range);
        count--;
        if (*stale)
            mmf__view_free(found);
        else
            *stale = found;
    }
}

void mmf__vt_remove(struct view *v)
{
    if (tdelete(v, &root, cmp_range))
        count--;
}

size_t mmf__vt_count(void)
{
    mmf__vt_rdlock();
    size_t n = count;
    mmf__vt_unlock();
    return n;
}

size_t mmf_view_count(void)
{
    return mmf__vt_count();
}
