/*
 * sysinfo.c — facts about the system, read once, and the process's default
 * allocation granularity.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "internal.h"

static pthread_once_t facts_once = PTHREAD_ONCE_INIT;
static uint64_t page_size;
static uint64_t large_page_size;
static uint64_t memory_total;

/* 0 means "the page size"; see mmf_set_granularity(). */
static _Atomic uint64_t default_granularity;

/* Reads "Key:   N kB" from /proc/meminfo into bytes; 0 when absent. */
static uint64_t meminfo_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return 0;
    return strtoull(p + strlen(key), NULL, 10) * 1024;
}

/* Reads a small file into buf (NUL-terminated); returns bytes or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static void read_facts(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    page_size = ps > 0 ? (uint64_t)ps : 4096;

    char buf[8192];
    if (read_small("/proc/meminfo", buf, sizeof buf) > 0) {
        /* "Hugepagesize:" is present only when the kernel has hugetlb. */
        large_page_size = meminfo_kb(buf, "Hugepagesize:");
        memory_total = meminfo_kb(buf, "MemTotal:") + meminfo_kb(buf, "SwapTotal:");
    }
    if (memory_total == 0) {
        struct sysinfo si;
        if (sysinfo(&si) == 0)
            memory_total = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
    }
}

uint64_t mmf__page_size(void)
{
    pthread_once(&facts_once, read_facts);
    return page_size;
}

uint64_t mmf_large_page_size(void)
{
    pthread_once(&facts_once, read_facts);
    return large_page_size;
}

uint64_t mmf__memory_total(void)
{
    pthread_once(&facts_once, read_facts);
    return memory_total;
}

/* The memory cgroup (v2) limit left for this process, or UINT64_MAX. */
static uint64_t cgroup_room(void)
{
    char buf[512], path[600];
    if (read_small("/proc/self/cgroup", buf, sizeof buf) <= 0)
        return UINT64_MAX;
    /* cgroup v2: a single line "0::/path". */
    char *p = strstr(buf, "0::");
    if (!p)
        return UINT64_MAX;
    p += 3;
    p[strcspn(p, "\n")] = '\0';

    char val[64];
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", p);
    if (read_small(path, val, sizeof val) <= 0 || strncmp(val, "max", 3) == 0)
        return UINT64_MAX;
    uint64_t max = strtoull(val, NULL, 10);
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", p);
    if (read_small(path, val, sizeof val) <= 0)
        return UINT64_MAX;
    uint64_t cur = strtoull(val, NULL, 10);
    return cur >= max ? 0 : max - cur;
}

uint64_t mmf__commit_room(void)
{
    char buf[8192];
    uint64_t room = UINT64_MAX;
    if (read_small("/proc/meminfo", buf, sizeof buf) > 0)
        room = meminfo_kb(buf, "MemAvailable:") + meminfo_kb(buf, "SwapFree:");
    uint64_t cg = cgroup_room();
    return cg < room ? cg : room;
}

int mmf__granularity_valid(uint64_t g)
{
    if (g == 0)
        return 1;
    return g >= mmf__page_size() && g <= (UINT64_C(1) << 30) && (g & (g - 1)) == 0;
}

uint64_t mmf_granularity(void)
{
    uint64_t g = atomic_load_explicit(&default_granularity, memory_order_relaxed);
    return g ? g : mmf__page_size();
}

int mmf_set_granularity(uint64_t g)
{
    if (!mmf__granularity_valid(g))
        return -EINVAL;
    atomic_store_explicit(&default_granularity, g, memory_order_relaxed);
    return 0;
}
