/*
 * demo — the first mmf demo: a flat-file database of fixed-size records.
 *
 *   demo [RECORDS] [FILE]     (default 1000000 records of 125 bytes)
 *
 * A record is a byte offset (n * 125) in one file.  The file is mapped with
 * one section and one view, so reading or updating a record is a memory
 * access; the demo times that against pread/pwrite on the same file and
 * prints the ratio.  Then a child process updates a memory section it
 * shares with its parent, and the parent reads the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mmf.h>

#define RECORD 125

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "demo: %s: %s\n", what, mmf_strerror(rc));
        exit(1);
    }
}

/* xorshift: reproducible random record numbers. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill_record(char *r, uint64_t n, unsigned version)
{
    memset(r, ' ', RECORD);
    int k = snprintf(r, RECORD, "record %010" PRIu64 " version %u", n, version);
    r[k] = ' ';
    r[RECORD - 1] = '\n';
}

int main(int argc, char **argv)
{
    uint64_t records = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const char *path = argc > 2 ? argv[2] : "build/demo.db";
    if (records == 0) {
        fprintf(stderr, "usage: demo [RECORDS] [FILE]\n");
        return 2;
    }
    uint64_t size = records * RECORD;

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "demo: %s: %s\n", path, strerror(errno));
        return 1;
    }

    /* The section grows the empty file to its size; the view covers it. */
    mmf_section *db;
    char *base;
    double t0 = now();
    check(mmf_section_from_fd(fd, size, MMF_PAGE_READWRITE, 0, &db), "create section");
    check(mmf_view_map(db, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&base), "map view");
    for (uint64_t n = 0; n < records; n++)
        fill_record(base + n * RECORD, n, 0);
    check(mmf_view_flush(base, 0), "flush");
    printf("created %s: %" PRIu64 " records of %d bytes (%.1f MB) in %.2f s\n", path,
           records, RECORD, (double)size / 1e6, now() - t0);

    const uint64_t ops = 1000000;
    char buf[RECORD];
    unsigned sum = 0;

    rng = 1;
    t0 = now();
    for (uint64_t i = 0; i < ops; i++) {
        memcpy(buf, base + next_rand() % records * RECORD, RECORD);
        sum += (unsigned char)buf[7];
    }
    double t_view = (now() - t0) / (double)ops;

    rng = 1;
    t0 = now();
    for (uint64_t i = 0; i < ops; i++) {
        if (pread(fd, buf, RECORD, (off_t)(next_rand() % records * RECORD)) != RECORD) {
            perror("pread");
            return 1;
        }
        sum += (unsigned char)buf[7];
    }
    double t_pread = (now() - t0) / (double)ops;

    rng = 2;
    t0 = now();
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t n = next_rand() % records;
        fill_record(base + n * RECORD, n, 1);
    }
    double t_vput = (now() - t0) / (double)ops;

    rng = 2;
    t0 = now();
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t n = next_rand() % records;
        fill_record(buf, n, 2);
        if (pwrite(fd, buf, RECORD, (off_t)(n * RECORD)) != RECORD) {
            perror("pwrite");
            return 1;
        }
    }
    double t_pwrite = (now() - t0) / (double)ops;

    printf("\n%-28s %12s %12s %8s\n", "1,000,000 random ops", "view ns/op", "syscall ns/op", "ratio");
    printf("%-28s %12.1f %12.1f %7.1fx\n", "read a record (vs pread)", t_view * 1e9,
           t_pread * 1e9, t_pread / t_view);
    printf("%-28s %12.1f %12.1f %7.1fx\n", "update a record (vs pwrite)", t_vput * 1e9,
           t_pwrite * 1e9, t_pwrite / t_vput);

    /* The view and pwrite see one file: the last pwrite is visible. */
    char expect[RECORD];
    uint64_t last = 0;
    rng = 2;
    for (uint64_t i = 0; i < ops; i++)
        last = next_rand() % records;
    fill_record(expect, last, 2);
    printf("coherent with pwrite: %s\n",
           memcmp(base + last * RECORD, expect, RECORD) == 0 ? "yes" : "NO");

    check(mmf_view_flush(base, 0), "flush");
    check(mmf_section_sync(db), "sync");
    check(mmf_view_unmap(base), "unmap");
    check(mmf_section_close(db), "close");
    close(fd);

    /* Shared memory with a child process: a memory section's views survive
     * fork, and both processes see one copy of the data. */
    mmf_section *shm;
    uint64_t *counter;
    check(mmf_section_create_memory(4096, MMF_PAGE_READWRITE, 0, &shm), "create memory");
    check(mmf_view_map(shm, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&counter), "map memory");
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    uint64_t seen = *counter;
    printf("\nchild %d incremented a shared counter 1000 times: the parent reads %" PRIu64 "\n",
           (int)pid, seen);
    check(mmf_view_unmap(counter), "unmap memory");
    check(mmf_section_close(shm), "close memory");
    (void)sum;
    return seen == 1000 ? 0 : 1;
}
