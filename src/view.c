/*
 * view.c — views: map, unmap, flush, protect, query, file name.
 *
 * Every operation on an existing view starts with a lookup in the view
 * table (viewtable.c), so any address inside a view names it, as Windows
 * allows for UnmapViewOfFile and VirtualQuery.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static uint64_t round_up(uint64_t x, uint64_t unit)
{
    return (x + unit - 1) / unit * unit;
}

void mmf__view_free(struct view *v)
{
    mmf__section_unref(v->sec);
    free(v->runs);
    free(v);
}

/* A view whose pages are MAP_PRIVATE from the start (a copy view). */
static int view_private(const struct view *v)
{
    return (v->prot & MMF_PAGE_COPY) != 0;
}

static uint64_t run_end(const struct view *v, size_t i)
{
    return i + 1 < v->nruns ? v->runs[i + 1].start : v->len;
}

static size_t run_at(const struct view *v, uint64_t off)
{
    size_t lo = 0, hi = v->nruns;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (v->runs[mid].start <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Where the last view aligned above the mapping unit was placed: a good
 * guess for the next one. */
static _Atomic uintptr_t last_aligned;

/*
 * Places a mapping.  A requested address uses MAP_FIXED_NOREPLACE, never
 * MAP_FIXED, which would silently replace whatever is there.  Kernels
 * before 4.17 ignore the flag and treat the address as a hint, so the
 * result is compared with the request.  Without a requested address and
 * with a granularity above the mapping unit (the Win32 layer's 64 KiB), a
 * PROT_NONE reservation one granule larger is made and the view placed at
 * its first aligned address with MAP_FIXED, which only replaces our own
 * reservation; the ends are then trimmed.
 */
static void *place(void *want, uint64_t len, uint64_t align, uint64_t unit,
                   int pr, int flags, int fd, uint64_t off, int *err)
{
    void *p;
    if (want) {
        p = mmap(want, len, pr, flags | MAP_FIXED_NOREPLACE, fd, (off_t)off);
        if (p == MAP_FAILED) {
            *err = errno == EEXIST ? MMF_EADDRINUSE : -errno;
            return NULL;
        }
        if (p != want) {
            munmap(p, len);
            *err = MMF_EADDRINUSE;
            return NULL;
        }
        return p;
    }
    if (align <= unit) {
        p = mmap(NULL, len, pr, flags, fd, (off_t)off);
        if (p == MAP_FAILED) {
            *err = -errno;
            return NULL;
        }
        return p;
    }
    /* Cheap first: an aligned address where our last aligned view was
     * (free again when views come and go, as in a sliding window) or just
     * below it (the kernel fills the address space downwards), taken with
     * MAP_FIXED_NOREPLACE so that nothing is ever replaced.  One system
     * call when it works, instead of the three of a reservation. */
    uintptr_t last = atomic_load_explicit(&last_aligned, memory_order_relaxed);
    uintptr_t step = (uintptr_t)round_up(len, align);
    for (int i = 0; last && i < 2; i++) {
        uintptr_t h = i == 0 ? last : last - step;
        if (h < step || h % align)
            break;
        p = mmap((void *)h, len, pr, flags | MAP_FIXED_NOREPLACE, fd, (off_t)off);
        if (p == (void *)h) {
            atomic_store_explicit(&last_aligned, h, memory_order_relaxed);
            return p;
        }
        if (p != MAP_FAILED) /* a kernel that took the flag as a hint */
            munmap(p, len);
    }
    uint64_t span = len + align - unit;
    char *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    char *a = (char *)round_up((uintptr_t)r, align);
    p = mmap(a, len, pr, flags | MAP_FIXED, fd, (off_t)off);
    if (p == MAP_FAILED) {
        *err = -errno;
        munmap(r, span);
        return NULL;
    }
    if (a > r)
        munmap(r, (size_t)(a - r));
    if (a + len < r + span)
        munmap(a + len, (size_t)(r + span - (a + len)));
    atomic_store_explicit(&last_aligned, (uintptr_t)a, memory_order_relaxed);
    return p;
}

int mmf_view_map(mmf_section *h, unsigned prot, uint64_t offset, uint64_t size,
                 const mmf_map_options *opt, void **out)
{
    struct section *s = mmf__section_of(h);
    if (!s)
        return -EBADF;
    if (!out || !mmf__prot_valid(prot))
        return -EINVAL;
    uint64_t gran = mmf_granularity();
    void *want = NULL;
    if (opt) {
        if (!mmf__granularity_valid(opt->granularity))
            return -EINVAL;
        if (opt->granularity)
            gran = opt->granularity;
        want = opt->address;
    }
    uint64_t align = gran > s->unit ? gran : s->unit;

    if (!mmf__prot_within(prot, s->prot))
        return -EACCES;
    /* The handle's rights (Windows checks them at map time): read for
     * no-access, read and copy views, write for read-write views, and
     * execute as well for execute views. */
    unsigned need = (prot & MMF_PAGE_WRITE) ? MMF_ACCESS_WRITE : MMF_ACCESS_READ;
    if (prot & MMF_PAGE_EXEC)
        need |= MMF_ACCESS_EXECUTE;
    if ((h->access & need) != need)
        return -EACCES;
    if (offset % align)
        return MMF_EALIGN;
    if (offset >= s->size)
        return -EINVAL;
    /* s->size - offset cannot wrap, so a huge size is refused here rather
     * than wrapping around in offset + size. */
    if (size == 0)
        size = s->size - offset;
    else if (size > s->size - offset)
        return MMF_EVIEWSIZE;
    if ((uintptr_t)want % align)
        return MMF_EALIGN;
    uint64_t len = round_up(size, s->unit); /* size <= 2^63: no overflow */
    if (len > SIZE_MAX || (want && (uintptr_t)want > UINTPTR_MAX - len))
        return -ENOMEM;

    int fd = mmf__section_fd(h);
    if (fd < 0)
        return fd;
    struct view *v = calloc(1, sizeof *v);
    struct prot_run *run = malloc(sizeof *run);
    if (!v || !run) {
        free(v);
        free(run);
        return -ENOMEM;
    }
    int flags = (prot & MMF_PAGE_COPY) ? MAP_PRIVATE : MAP_SHARED;
    int err = 0;
    void *p = place(want, len, align, s->unit, mmf__prot_to_mmap(prot), flags, fd,
                    s->data_off + offset, &err);
    if (!p) {
        free(v);
        free(run);
        return err;
    }
    run->start = 0;
    run->prot = prot;
    v->base = (uintptr_t)p;
    v->len = len;
    v->offset = offset;
    v->prot = prot;
    v->sec = s;
    v->runs = run;
    v->nruns = 1;
    mmf__section_ref(s);

    struct view *stale;
    mmf__vt_wrlock();
    int rc = mmf__vt_insert(v, &stale);
    mmf__vt_unlock();
    if (stale)
        mmf__view_free(stale);
    if (rc < 0) {
        munmap(p, len);
        mmf__view_free(v);
        return rc;
    }
    *out = p;
    return 0;
}

int mmf_view_unmap(const void *addr)
{
    mmf__vt_wrlock();
    struct view *v = mmf__vt_find((uintptr_t)addr);
    if (!v) {
        mmf__vt_unlock();
        return MMF_ENOTVIEW;
    }
    /* munmap can fail with ENOMEM when splitting a merged kernel mapping
     * would exceed vm.max_map_count; the view then stays, and stays in
     * the table.  The lock is held so no other thread sees it missing. */
    int rc = 0;
    if (munmap((void *)v->base, v->len) < 0)
        rc = -errno;
    else
        mmf__vt_remove(v);
    mmf__vt_unlock();
    if (rc == 0)
        mmf__view_free(v);
    return rc;
}

int mmf_view_flush(const void *addr, size_t len)
{
    uint64_t page = mmf__page_size();
    mmf__vt_rdlock();
    struct view *v = mmf__vt_find((uintptr_t)addr);
    if (!v) {
        mmf__vt_unlock();
        return MMF_ENOTVIEW;
    }
    uint64_t off = (uintptr_t)addr - v->base;
    if (len == 0)
        len = v->len - off;
    else if (len > v->len - off) {
        mmf__vt_unlock();
        return MMF_ENOTVIEW;
    }
    int rc = 0;
    /* Memory sections have no file to write to, and copy-on-write pages
     * never reach it: both succeed with nothing to do.  Pages a copy
     * protection made private are skipped by msync the same way. */
    if (v->sec->file_backed && !view_private(v)) {
        uintptr_t start = (uintptr_t)addr & ~(uintptr_t)(page - 1);
        /* MS_SYNC writes and waits (Windows waits too).  MS_ASYNC has been
         * a no-op on Linux since 2.6.19. */
        if (msync((void *)start, (uintptr_t)addr + len - start, MS_SYNC) < 0)
            rc = errno == ENOMEM ? MMF_ENOTVIEW : -errno;
    }
    mmf__vt_unlock();
    return rc;
}

/* Makes [a, b) of the view have protection `prot`, assuming it has `was`.
 * Going in or out of copy-on-write changes the kind of mapping, which only
 * a new mmap can do (MAP_FIXED over our own pages); otherwise mprotect. */
static int apply(const struct view *v, uint64_t a, uint64_t b, unsigned was, unsigned prot)
{
    int priv_was = view_private(v) || (was & MMF_PAGE_COPY);
    int priv_now = view_private(v) || (prot & MMF_PAGE_COPY);
    void *at = (void *)(v->base + a);
    if (priv_was == priv_now)
        return mprotect(at, b - a, mmf__prot_to_mmap(prot)) < 0 ? -errno : 0;
    void *p = mmap(at, b - a, mmf__prot_to_mmap(prot),
                   (priv_now ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED, v->sec->fd,
                   (off_t)(v->sec->data_off + v->offset + a));
    return p == MAP_FAILED ? -errno : 0;
}

/* The run list with [start, end) set to prot, adjacent equal runs merged. */
static struct prot_run *runs_with(const struct view *v, uint64_t start, uint64_t end,
                                  unsigned prot, size_t *n_out)
{
    struct prot_run *r = malloc((v->nruns + 2) * sizeof *r);
    if (!r)
        return NULL;
    size_t n = 0;
    int placed = 0;
#define PUSH(S, P)                                              \
    do {                                                        \
        if (n == 0 || r[n - 1].prot != (P))                     \
            r[n++] = (struct prot_run){ .start = (S), .prot = (P) }; \
    } while (0)
    for (size_t i = 0; i < v->nruns; i++) {
        uint64_t rs = v->runs[i].start, re = run_end(v, i);
        unsigned p = v->runs[i].prot;
        if (rs < start)
            PUSH(rs, p);
        if (!placed && re > start) {
            PUSH(start, prot);
            placed = 1;
        }
        if (re > end)
            PUSH(rs > end ? rs : end, p);
    }
#undef PUSH
    *n_out = n;
    return r;
}

int mmf_view_protect(void *addr, size_t len, unsigned prot, unsigned *old_prot)
{
    if (len == 0 || !mmf__prot_valid(prot))
        return -EINVAL;
    mmf__vt_wrlock();
    int rc = 0;
    struct view *v = mmf__vt_find((uintptr_t)addr);
    if (!v) {
        rc = MMF_ENOTVIEW;
        goto out;
    }
    uint64_t unit = v->sec->unit;
    uint64_t off = (uintptr_t)addr - v->base;
    if (len > v->len - off) {
        rc = MMF_ENOTVIEW;
        goto out;
    }
    if (!mmf__prot_within(prot, v->prot)) {
        rc = MMF_EPROTECT;
        goto out;
    }
    uint64_t start = off / unit * unit, end = round_up(off + len, unit);
    size_t n;
    struct prot_run *next = runs_with(v, start, end, prot, &n);
    if (!next) {
        rc = -ENOMEM;
        goto out;
    }

    /* Apply run by run; on a failure undo the pieces already done, so that
     * nothing changes (the failure is ENOMEM from the map count limit). */
    size_t first = run_at(v, start), i;
    for (i = first; i < v->nruns && v->runs[i].start < end; i++) {
        uint64_t a = v->runs[i].start > start ? v->runs[i].start : start;
        uint64_t b = run_end(v, i) < end ? run_end(v, i) : end;
        rc = apply(v, a, b, v->runs[i].prot, prot);
        if (rc < 0)
            break;
    }
    if (rc < 0) {
        while (i-- > first) {
            uint64_t a = v->runs[i].start > start ? v->runs[i].start : start;
            uint64_t b = run_end(v, i) < end ? run_end(v, i) : end;
            apply(v, a, b, prot, v->runs[i].prot);
        }
        free(next);
        goto out;
    }
    if (old_prot)
        *old_prot = v->runs[first].prot;
    free(v->runs);
    v->runs = next;
    v->nruns = n;
out:
    mmf__vt_unlock();
    return rc;
}

/*
 * Copy-on-write pages that have been written are private now, and Windows
 * reports them PAGE_READWRITE (PAGE_EXECUTE_READWRITE), each run of them a
 * region of its own.  Which pages those are, the kernel tells in
 * /proc/self/pagemap: a present (or swapped) page that is not a file page
 * is an anonymous copy.  (Opened per call, not cached: a descriptor opened
 * before a fork would describe the parent.)  Returns how many pages from
 * `addr` (at most `n`) share the first page's state, and that state in
 * *written; on any failure, all n pages, unwritten.
 */
static uint64_t cow_run(uintptr_t addr, uint64_t n, uint64_t page, int *written)
{
    *written = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return n;
    uint64_t ent[512], done = 0;
    int first = -1;
    while (done < n) {
        uint64_t k = n - done < 512 ? n - done : 512;
        ssize_t r = pread(fd, ent, k * 8, (off_t)((addr / page + done) * 8));
        if (r <= 0)
            break;
        k = (uint64_t)r / 8;
        for (uint64_t i = 0; i < k; i++) {
            int in = (ent[i] >> 63 & 1) || (ent[i] >> 62 & 1);
            int w = in && !(ent[i] >> 61 & 1);
            if (first < 0)
                first = *written = w;
            else if (w != first) {
                close(fd);
                return done + i;
            }
        }
        done += k;
    }
    close(fd);
    return done ? done : n;
}

int mmf_view_query(const void *addr, mmf_view_info *info)
{
    if (!info)
        return -EINVAL;
    uint64_t page = mmf__page_size();
    mmf__vt_rdlock();
    struct view *v = mmf__vt_find((uintptr_t)addr);
    if (!v) {
        mmf__vt_unlock();
        return MMF_ENOTVIEW;
    }
    uint64_t off = ((uintptr_t)addr - v->base) / page * page;
    size_t i = run_at(v, off);
    info->region_base = (void *)(v->base + off);
    info->region_size = run_end(v, i) - off;
    info->protection = v->runs[i].prot;
    if (info->protection & MMF_PAGE_COPY) {
        int written;
        uint64_t n = cow_run(v->base + off, info->region_size / page, page, &written);
        info->region_size = n * page;
        if (written)
            info->protection = (info->protection & ~MMF_PAGE_COPY) | MMF_PAGE_WRITE;
    }
    info->section_flags = v->sec->flags;
    info->view_base = (void *)v->base;
    info->view_size = v->len;
    info->view_protection = v->prot;
    info->offset = v->offset;
    info->section_id = v->sec->id;
    info->section_size = v->sec->size;
    info->file_backed = v->sec->file_backed;
    mmf__vt_unlock();
    return 0;
}

int mmf_view_filename(const void *addr, char *buf, size_t size, size_t *len)
{
    if (!buf && size > 0)
        return -EINVAL;
    mmf__vt_rdlock();
    struct view *v = mmf__vt_find((uintptr_t)addr);
    if (!v) {
        mmf__vt_unlock();
        return MMF_ENOTVIEW;
    }
    if (!v->sec->file_backed) {
        mmf__vt_unlock();
        return MMF_ENOTFILE;
    }
    struct section *s = v->sec;
    mmf__section_ref(s);
    mmf__vt_unlock();

    /* The kernel's name for our descriptor is the file's current path
     * (GetMappedFileName also reports the current name). */
    char proc[64], link[PATH_MAX + 32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", s->fd);
    ssize_t n = readlink(proc, link, sizeof link);
    int rc = n < 0 ? -errno : 0;
    mmf__section_unref(s);
    if (rc < 0)
        return rc;
    if ((size_t)n >= sizeof link)
        return -ENAMETOOLONG;
    if (len)
        *len = (size_t)n;
    if ((size_t)n + 1 > size)
        return -ERANGE;
    memcpy(buf, link, (size_t)n);
    buf[n] = '\0';
    return 0;
}
