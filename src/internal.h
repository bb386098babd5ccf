/*
 * internal.h — definitions shared by the files of libmmf.  Not installed.
 *
 * Object model (after Wine's server/mapping.c): a `struct section` is the
 * section object, reference-counted by the handles (`mmf_section`) that name
 * it and by the views mapped from it.  A `struct view` describes one mapping
 * in this process and lives in the process's view table (viewtable.c).
 */
#ifndef MMF_INTERNAL_H
#define MMF_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mmf.h"

#define MMF_HIDDEN __attribute__((visibility("hidden")))

/* ---- system facts (sysinfo.c) ---- */

MMF_HIDDEN uint64_t mmf__page_size(void);
/* Accepts 0 (meaning the page size) or a power of two in [page, 1 GiB]. */
MMF_HIDDEN int mmf__granularity_valid(uint64_t g);
/* Bytes of memory a committed section may still take, or UINT64_MAX when
 * unknown: MemAvailable + SwapFree, capped by the cgroup's memory.max. */
MMF_HIDDEN uint64_t mmf__commit_room(void);
/* Total RAM + swap in bytes (read once). */
MMF_HIDDEN uint64_t mmf__memory_total(void);

/* ---- protections (prot.c) ---- */

MMF_HIDDEN int mmf__prot_valid(unsigned prot);          /* one of the 8 */
MMF_HIDDEN int mmf__prot_valid_section(unsigned prot);  /* readable ones */
/* 1 when prot's access set (R/W/X bits) lies within cap's. */
MMF_HIDDEN int mmf__prot_within(unsigned prot, unsigned cap);
MMF_HIDDEN int mmf__prot_to_mmap(unsigned prot);        /* PROT_* bits */

/* ---- sections (section.c) ---- */

struct section {
    atomic_long refs;     /* handles + views */
    _Atomic int fd;       /* our own descriptor: a dup of the file, or memfd;
                             -1 for a named memory section until its first
                             view needs it (mmf__section_fd) */
    int         data_flags; /* O_RDONLY or O_RDWR: how that one is opened */
    uint64_t    size;     /* exact (file) or rounded to `unit` (memory) */
    uint64_t    unit;     /* mapping unit: page size or large page size */
    unsigned    prot;     /* MMF_PAGE_* maximum protection */
    unsigned    flags;    /* MMF_SEC_* in effect */
    int         file_backed;
    uint64_t    data_off; /* where the data starts in fd (a named memory
                             section's file begins with its header page) */
    uint64_t    id;
};

#define MMF_SECTION_MAGIC 0x6d6d6653u /* "mmfS" */

struct reg_ref;

struct mmf_section {
    uint32_t        magic;
    unsigned        access;  /* MMF_ACCESS_* */
    struct section *sec;
    struct reg_ref *ref;     /* the hold on the name, or NULL */
    int             inherit[3]; /* inheritable token, data and lock
                                   descriptors, or -1 (handle.c) */
};

/* What a new section (and its first handle) is made of. */
struct section_args {
    uint64_t size, unit, data_off;
    unsigned prot, flags, access;
    int file_backed;
    int data_flags;       /* fd -1 only: how mmf__section_fd opens it */
    struct reg_ref *ref;
};

/* Builds a section and its first handle around an open descriptor that
 * the section takes over.  On failure the descriptor (and the name hold)
 * are left to the caller. */
MMF_HIDDEN int mmf__section_new(int fd, const struct section_args *a, mmf_section **out);
MMF_HIDDEN void mmf__section_ref(struct section *s);
MMF_HIDDEN void mmf__section_unref(struct section *s);
/* The section behind a live handle, or NULL. */
MMF_HIDDEN struct section *mmf__section_of(const mmf_section *h);
/* The section's data descriptor, opened on first use for a named memory
 * section (an open that is never mapped costs no second description);
 * a negative code if it cannot be opened. */
MMF_HIDDEN int mmf__section_fd(const mmf_section *h);

/* ---- the truncation guard (truncate.c) ---- */

/* A new open file description of fd's file (same inode, same access mode,
 * close-on-exec, number 3 or above), or a negative code.  A file section
 * maps from a description of its own, which carries its guard lock. */
MMF_HIDDEN int mmf__file_reopen(int fd);
/* Records on fd's description, in a lock every process can see, that a
 * section of `size` bytes maps the file, until the description's last
 * descriptor closes.  fd must be a description no one else uses for
 * anything but this section.  Waits while mmf_file_set_size() is resizing
 * the file.  Best effort: returns 0 also when the file system has no OFD
 * locks; otherwise a negative code. */
MMF_HIDDEN int mmf__guard_lock(int fd, uint64_t size);
/* Records on fd's description (readable) that a writable section maps the
 * file, for the Win32 layer's share modes; best effort. */
MMF_HIDDEN void mmf__guard_writer(int fd);

/* ---- the registry of named objects (name.c) ---- */

enum { MMF_NS_LOCAL, MMF_NS_GLOBAL };
enum { MMF_TYPE_SECTION = 1, MMF_TYPE_MUTEX, MMF_TYPE_SEMAPHORE, MMF_TYPE_EVENT };

#define MMF_NAME_MAX 200
/* Escaped names longer than this are replaced by a hash. */
#define MMF_FILE_MAX 240

/* One handle's hold on a named object: a descriptor of the entry file that
 * holds a shared flock for as long as the handle lives.  Nothing is ever
 * mapped from it (a mapping would keep the lock alive after close). */
struct reg_ref {
    struct reg_ref *prev, *next; /* the process's live holds (name.c) */
    int      ns;
    int      lockfd;
    uint64_t dev, ino;
    char     file[256];     /* the entry's file name, escaped */
    int      shared;        /* the lock's description may be referenced by
                               other descriptors (dup, inheritance, a
                               socket): its closer must probe afresh */
    unsigned fork_gen;      /* forks counted when the hold was taken: a
                               fork since then shares it too (name.c) */
    uint64_t size;          /* the entry's size when it was opened */
    int      lock_rw;       /* lockfd is open for writing: the entry's mode
                               gave us write access (checked by the open) */
};

/* The first page of every entry file. */
struct obj_header {
    char     magic[8];      /* "mmfobj1" */
    uint32_t type;          /* MMF_TYPE_* */
    uint32_t prot;          /* sections: MMF_PAGE_* */
    uint32_t flags;         /* sections: MMF_SEC_* */
    uint32_t file_backed;
    uint64_t size;          /* sections: size in bytes */
    uint64_t file_dev, file_ino;
    char     name[MMF_NAME_MAX + 8]; /* the name after its prefix, to tell
                               names apart whose escaped form was hashed */
    char     path[3712];    /* file-backed sections: the file's path */
};

/* Initialises a new entry file before it is named: sizes it (and its
 * data) and fills the type's fields of *hdr, whose magic and name are set;
 * the registry then writes *hdr at offset 0. */
typedef int (*mmf_reg_init)(int fd, void *arg, struct obj_header *hdr);

/* Finds or makes the object called `name` of type `type`.  With init NULL
 * only opens.  Returns 0 (made), MMF_EXISTED, or a negative code; fills
 * *ref (a fresh allocation) and *hdr.  With want_rw the hold is opened for
 * writing when the entry's mode allows it (ref->lock_rw tells), so the
 * access check happens at open time, as Windows checks a DACL.  When it
 * made the object and datafd is not NULL, *datafd is a read-write
 * description of the entry opened before its mode was set, if that mode
 * denies its creator reading or writing (0400, 0200); otherwise -1, and the caller
 * opens one when it needs it (mmf__reg_reopen). */
MMF_HIDDEN int mmf__reg_acquire(const char *name, uint32_t type, mmf_reg_init init,
                                void *arg, unsigned mode, int want_rw, struct reg_ref **ref,
                                struct obj_header *hdr, int *datafd);
/* Adds a hold made elsewhere (dup, inheritance, receipt) to the process's
 * list, so that it is released at exit. */
MMF_HIDDEN void mmf__reg_track(struct reg_ref *ref);
/* The inheritable copies of a handle (handle.c): fds[0] a token memfd
 * holding the description `desc` (len bytes), into whose fields
 * *data_field and *lock_field the numbers of fds[1] (a copy of datafd)
 * and fds[2] (of ref's lock descriptor, or -1) are written first.  The
 * copies have no FD_CLOEXEC.  On failure nothing is left open. */
MMF_HIDDEN int mmf__inherit_make(int datafd, struct reg_ref *ref, void *desc, size_t len,
                                 int32_t *data_field, int32_t *lock_field, int fds[3]);
/* A second hold on the same object (shares the first's lock), tracked. */
MMF_HIDDEN int mmf__reg_dup(struct reg_ref *ref, struct reg_ref **out);
/* Marks a hold's description as shared with descriptors elsewhere. */
MMF_HIDDEN void mmf__reg_shared(struct reg_ref *ref);
/* Drops the hold; the last holder in any process removes the name. */
MMF_HIDDEN void mmf__reg_release(struct reg_ref *ref);
/* A new open file description of the entry, for mapping. */
MMF_HIDDEN int mmf__reg_reopen(const struct reg_ref *ref, int flags);
/* One entry as the CLI lists it. */
struct reg_entry_info {
    int               ns;
    char              name[MMF_NAME_MAX + 1]; /* unescaped, without prefix */
    struct obj_header hdr;
    uint32_t          uid;
    uint32_t          mode;     /* permission bits of the entry */
    uint64_t          dev, ino; /* of the entry file (for /proc/locks) */
};
/* Calls cb for every live entry of namespace ns that can be read (dead ones
 * are removed on the way); stops when cb returns non-zero.  Returns 0 or a negative code. */
MMF_HIDDEN int mmf__reg_list(int ns, int (*cb)(const struct reg_entry_info *, void *),
                             void *arg);
/* Removes a name now, whoever holds it (ipcrm): holders keep the object.
 * Returns 0, MMF_ENOTFOUND, or a negative code. */
MMF_HIDDEN int mmf__reg_unlink(const char *name);

/* Whether `name` is unnamed (NULL or ""). */
static inline int mmf__unnamed(const char *name) { return !name || !*name; }

/* ---- handles (handle.c) ---- */

MMF_HIDDEN void mmf__handle_drop_inherit(mmf_section *h);

/* ---- views (view.c, viewtable.c) ---- */

/* A run of pages with one protection: from `start` (bytes from the view
 * base) to the next run's start, or to the end of the view. */
struct prot_run {
    uint64_t start;
    unsigned prot;
};

struct view {
    uintptr_t        base;
    uint64_t         len;    /* mapped bytes, a multiple of the section unit */
    uint64_t         offset; /* in the section */
    unsigned         prot;   /* protection the view was mapped with */
    struct section  *sec;    /* holds a reference */
    struct prot_run *runs;
    size_t           nruns;
};

/* The table is guarded by one rwlock: lookups take it shared, changes
 * exclusive.  vt_find/vt_insert/vt_remove require the lock held. */
MMF_HIDDEN void mmf__vt_rdlock(void);
MMF_HIDDEN void mmf__vt_wrlock(void);
MMF_HIDDEN void mmf__vt_unlock(void);
MMF_HIDDEN struct view *mmf__vt_find(uintptr_t addr);
/* Inserts v.  An entry whose range overlaps v can only be a view the
 * application unmapped behind our back (munmap) whose address the kernel
 * reused: it is dropped and returned through *stale for the caller to free
 * after unlocking.  Returns 0 or -ENOMEM. */
MMF_HIDDEN int mmf__vt_insert(struct view *v, struct view **stale);
MMF_HIDDEN void mmf__vt_remove(struct view *v);
MMF_HIDDEN size_t mmf__vt_count(void);
MMF_HIDDEN void mmf__view_free(struct view *v);

#endif
