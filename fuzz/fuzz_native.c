/*
 * fuzz_native.c — libFuzzer harness for the native API.
 *
 * Each input is a program: a sequence of operations on a few slots of
 * sections, views and synchronization objects, with arguments drawn from
 * the input and biased towards boundaries (0, 1, page +- 1, 2^32 +- 1,
 * 2^62, 2^64 - 1), bad protections, bad names and stale addresses.  Every
 * call's result is checked against what the API promises (a result code
 * it documents; a created object usable afterwards); anything else aborts,
 * which libFuzzer reports.  Everything is closed at the end of each input,
 * so LeakSanitizer sees real leaks only.
 *
 * Waits use timeout 0 (nothing may block); committed memory is capped at
 * 16 MiB per section so that the fuzzer measures code, not tmpfs.
 *
 *   make fuzz FUZZ_SECONDS=60
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmf.h"

#define NSEC  4
#define NVIEW 8
#define NSYNC 4

struct input {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct input *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v <<= 8;
        if (in->n) {
            v |= *in->p++;
            in->n--;
        }
    }
    return v;
}

/* A size or offset: mostly boundaries. */
static uint64_t number(struct input *in)
{
    static const uint64_t edge[] = {
        0, 1, 4095, 4096, 4097, 65535, 65536, 65537, 1u << 20, (1u << 24) + 1,
        0xFFFFFFFFull, 0x100000000ull, 0x100000001ull, 1ull << 40, 1ull << 62,
        (1ull << 62) + 4096, 1ull << 63, UINT64_MAX - 4095, UINT64_MAX,
    };
    uint8_t k = (uint8_t)take(in, 1);
    if (k < 200)
        return edge[k % (sizeof edge / sizeof *edge)];
    return take(in, 8);
}

static unsigned prot(struct input *in)
{
    uint8_t k = (uint8_t)take(in, 1);
    return k < 240 ? k % 16 : take(in, 4); /* 0..15: valid and invalid */
}

static const char *name(struct input *in)
{
    static const char *names[] = {
        "Local\\fz0", "Local\\fz1", "fz0", "Global\\fz2", "Local\\a\\b", "", "Session\\x",
        "Local\\", "Global\\", "Local\\../../etc", "Local\\.hidden", "Local\\%2f",
        "Local\\" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    return names[take(in, 1) % (sizeof names / sizeof *names)];
}

struct state {
    mmf_section *sec[NSEC];
    char        *view[NVIEW];
    uint64_t     vlen[NVIEW];
    mmf_sync    *sync[NSYNC];
    int          fd; /* a scratch file */
};

/* A result must be 0 or at least negative; positive only where allowed. */
#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_native: %s:%d: expectation failed: %s\n", __FILE__, \
                    __LINE__, #cond);                                                \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static void put_section(struct state *s, int i, mmf_section *h)
{
    if (s->sec[i])
        EXPECT(mmf_section_close(s->sec[i]) == 0);
    s->sec[i] = h;
}

static void put_sync(struct state *s, int i, mmf_sync *h)
{
    if (s->sync[i])
        EXPECT(mmf_sync_close(s->sync[i]) == 0);
    s->sync[i] = h;
}

static void op(struct state *s, struct input *in)
{
    uint8_t code = (uint8_t)take(in, 1);
    int i = (int)(take(in, 1) % NSEC), v = (int)(take(in, 1) % NVIEW);
    int y = (int)(take(in, 1) % NSYNC);
    mmf_section *h = NULL;
    mmf_sync *q = NULL;
    int rc;
    switch (code % 24) {
    case 0: { /* memory section */
        uint64_t size = number(in);
        unsigned flags = (unsigned)take(in, 1) & 0x3F;
        if (!(flags & MMF_SEC_RESERVE) && size > (16u << 20) && size < (1ull << 62))
            size = 16u << 20;
        rc = mmf_section_create_memory(size, prot(in), flags, &h);
        EXPECT(rc <= 0);
        if (rc == 0)
            put_section(s, i, h);
        break;
    }
    case 1: { /* file section (sparse growth only up to 1 GiB) */
        uint64_t size = number(in);
        if (size > (1u << 30) && size < (1ull << 62))
            size = 1u << 30;
        rc = mmf_section_from_fd(s->fd, size, prot(in), (unsigned)take(in, 1) & 0x3F, &h);
        EXPECT(rc <= 0);
        if (rc == 0)
            put_section(s, i, h);
        break;
    }
    case 2: { /* named create */
        mmf_create_options o = { .name = name(in), .mode = (unsigned)take(in, 2) & 0777 };
        uint64_t size = number(in);
        if (size > (16u << 20) && size < (1ull << 62))
            size = 16u << 20;
        rc = mmf_section_create(take(in, 1) & 1 ? s->fd : -1, size, prot(in), 0, &o, &h);
        EXPECT(rc <= MMF_EXISTED);
        if (rc >= 0)
            put_section(s, i, h);
        break;
    }
    case 3:
        rc = mmf_section_open(name(in), (unsigned)take(in, 1) & 0x10F, &h);
        EXPECT(rc <= 0);
        if (rc == 0)
            put_section(s, i, h);
        break;
    case 4:
        if (s->sec[i]) {
            rc = mmf_section_dup(s->sec[i], (unsigned)take(in, 2) & 0x10F, &h);
            EXPECT(rc <= 0);
            if (rc == 0)
                put_section(s, (i + 1) % NSEC, h);
        }
        break;
    case 5:
        put_section(s, i, NULL);
        break;
    case 6: /* map */
        if (s->sec[i] && !s->view[v]) {
            mmf_map_options o = { .granularity = take(in, 1) & 1 ? 65536 : 0 };
            uint64_t off = number(in), len = number(in);
            if (len > (64u << 20) && len < (1ull << 62))
                len = 64u << 20;
            void *p;
            rc = mmf_view_map(s->sec[i], prot(in), off, len, &o, &p);
            EXPECT(rc <= 0);
            if (rc == 0) {
                mmf_view_info vi;
                EXPECT(mmf_view_query(p, &vi) == 0 && vi.view_base == p);
                s->view[v] = p;
                s->vlen[v] = vi.view_size;
            }
        }
        break;
    case 7: /* unmap, at any inner address */
        if (s->view[v]) {
            EXPECT(mmf_view_unmap(s->view[v] + take(in, 4) % s->vlen[v]) == 0);
            EXPECT(mmf_view_unmap(s->view[v]) == MMF_ENOTVIEW);
            s->view[v] = NULL;
        }
        break;
    case 8: /* stale or wild addresses */
        EXPECT(mmf_view_unmap((void *)(uintptr_t)take(in, 8)) <= 0);
        break;
    case 9:
        if (s->view[v])
            EXPECT(mmf_view_flush(s->view[v] + take(in, 3) % s->vlen[v], take(in, 3)) <= 0);
        break;
    case 10:
        if (s->view[v]) {
            unsigned old;
            EXPECT(mmf_view_protect(s->view[v] + take(in, 3) % s->vlen[v], take(in, 3), prot(in),
                                    &old) <= 0);
        }
        break;
    case 11:
        if (s->view[v]) {
            char b[64];
            rc = mmf_view_read(s->view[v] + take(in, 3) % s->vlen[v], b, take(in, 1) % 64);
            EXPECT(rc <= 0);
            rc = mmf_view_write(s->view[v] + take(in, 3) % s->vlen[v], b, take(in, 1) % 64);
            EXPECT(rc <= 0);
        }
        break;
    case 12:
        if (s->view[v]) {
            char path[64];
            size_t len;
            rc = mmf_view_filename(s->view[v], path, take(in, 1) % sizeof path, &len);
            EXPECT(rc <= 0);
        }
        break;
    case 13:
        if (s->sec[i]) {
            mmf_section_info si;
            EXPECT(mmf_section_query(s->sec[i], &si) == 0);
            EXPECT(mmf_section_sync(s->sec[i]) <= 0);
        }
        break;
    case 14: { /* sync objects */
        mmf_create_options o = { .name = take(in, 1) & 1 ? name(in) : NULL };
        int t = (int)take(in, 1) % 3;
        rc = t == 0   ? mmf_mutex_create((int)take(in, 1) & 1, &o, &q)
             : t == 1 ? mmf_semaphore_create((uint32_t)take(in, 4), (uint32_t)take(in, 4), &o, &q)
                      : mmf_event_create((int)take(in, 1) & 1, (int)take(in, 1) & 1, &o, &q);
        EXPECT(rc <= MMF_EXISTED);
        if (rc >= 0)
            put_sync(s, y, q);
        break;
    }
    case 15:
        rc = mmf_sync_open(name(in), (int)take(in, 1) % 5, (unsigned)take(in, 1) & 7, &q);
        EXPECT(rc <= 0);
        if (rc == 0)
            put_sync(s, y, q);
        break;
    case 16:
        if (s->sync[y]) {
            rc = mmf_wait(s->sync[y], 0);
            EXPECT(rc < 0 || rc == MMF_WAIT_OBJECT_0 || rc == MMF_WAIT_ABANDONED ||
                   rc == MMF_WAIT_TIMEOUT);
        }
        break;
    case 17:
        if (s->sync[y]) {
            EXPECT(mmf_mutex_release(s->sync[y]) <= 0);
            uint32_t prev;
            EXPECT(mmf_semaphore_release(s->sync[y], (uint32_t)take(in, 4), &prev) <= 0);
            EXPECT((take(in, 1) & 1 ? mmf_event_set(s->sync[y]) : mmf_event_reset(s->sync[y])) <= 0);
        }
        break;
    case 18: {
        mmf_sync *set[NSYNC];
        uint32_t n = 0;
        for (int k = 0; k < NSYNC; k++)
            if (s->sync[k])
                set[n++] = s->sync[k];
        if (n) {
            rc = mmf_wait_multiple(set, n, (int)take(in, 1) & 1, 0);
            EXPECT(rc < 0 || rc < (int)n || (rc >= MMF_WAIT_ABANDONED && rc < MMF_WAIT_ABANDONED + (int)n) ||
                   rc == MMF_WAIT_TIMEOUT);
        }
        break;
    }
    case 19:
        if (s->sync[y]) {
            rc = mmf_sync_dup(s->sync[y], (unsigned)take(in, 2) & 0x103, &q);
            EXPECT(rc <= 0);
            if (rc == 0)
                put_sync(s, (y + 1) % NSYNC, q);
        }
        break;
    case 20:
        put_sync(s, y, NULL);
        break;
    case 21: /* truncation guard */
        EXPECT(mmf_file_set_size(s->fd, take(in, 1) & 1 ? number(in) % (1u << 30) : 0) <= 0);
        break;
    case 22:
        if (s->sec[i]) {
            int fd;
            rc = mmf_section_set_inheritable(s->sec[i], (int)take(in, 1) & 1, &fd);
            EXPECT(rc <= 0);
        }
        break;
    case 23:
        EXPECT(mmf_set_granularity(take(in, 1) & 1 ? number(in) : 0) <= 0);
        EXPECT(mmf_set_granularity(0) == 0);
        break;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/mmf-fuzz-XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* A private registry: names never touch the user's real ones. */
    if (!mkdtemp(dir))
        abort();
    setenv("MMF_REGISTRY_DIR", dir, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state s = { .fd = -1 };
    char path[64];
    snprintf(path, sizeof path, "%s/file", dir);
    s.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s.fd < 0)
        abort();
    if (ftruncate(s.fd, 65536 + 17) < 0)
        abort();
    struct input in = { data, size };
    for (int k = 0; k < 64 && in.n; k++)
        op(&s, &in);
    for (int k = 0; k < NVIEW; k++)
        if (s.view[k])
            EXPECT(mmf_view_unmap(s.view[k]) == 0);
    for (int k = 0; k < NSEC; k++)
        put_section(&s, k, NULL);
    for (int k = 0; k < NSYNC; k++)
        put_sync(&s, k, NULL);
    close(s.fd);
    EXPECT(mmf_view_count() == 0);
    return 0;
}
