/*
 * mmf.h — the native API of mmf: Windows file-mapping semantics on Linux.
 *
 * A *section* (Windows: file mapping object) is a fixed-size object backed
 * either by a regular file or by memory (Windows: "the paging file").  A
 * *view* is a range of a section mapped into this process.  Every handle and
 * every view holds a reference on the section; closing the handle never
 * unmaps a view, and the memory lives until the last view is gone.
 *
 * Conventions (the libuv model):
 *   - every function returns 0 (or a documented non-negative value) on
 *     success and a negative error code on failure: either -errno or one of
 *     the MMF_E* codes below; mmf_strerror() describes both;
 *   - a failed call changes nothing: no grown file, no mapping left behind,
 *     no output parameter written;
 *   - sizes and offsets are 64-bit and overflow-checked;
 *   - every function is thread-safe.
 */
#ifndef MMF_H
#define MMF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MMF_EXTERN __attribute__((visibility("default")))
#else
#define MMF_EXTERN
#endif

/* ------------------------------------------------------------------ */
/* Error codes (in addition to negated errno values)                   */
/* ------------------------------------------------------------------ */

/*
 * Each code names one Windows condition so that the Win32 layer can map it
 * to the right GetLastError value without deciding anything itself.
 */
enum {
    MMF_EALIGN       = -10001, /* offset or address not a multiple of the
                                  allocation granularity
                                  (Windows: ERROR_MAPPED_ALIGNMENT) */
    MMF_EADDRINUSE   = -10002, /* requested view address is not free
                                  (Windows: ERROR_INVALID_ADDRESS) */
    MMF_ENOTVIEW     = -10003, /* address (or range) is not inside one view
                                  of this process (ERROR_INVALID_ADDRESS) */
    MMF_EVIEWSIZE    = -10004, /* view would extend past the end of the
                                  section (ERROR_ACCESS_DENIED) */
    MMF_EEMPTYFILE   = -10005, /* size 0 requested on an empty file
                                  (ERROR_FILE_INVALID) */
    MMF_ETOOBIG      = -10006, /* non-writable section larger than its file
                                  (ERROR_NOT_ENOUGH_MEMORY) */
    MMF_ENOTFILE     = -10007, /* the view is memory-backed, it has no file
                                  name (ERROR_FILE_INVALID) */
    MMF_ECOMMIT      = -10008, /* the memory of a committed section could not
                                  be reserved (ERROR_COMMITMENT_LIMIT) */
    MMF_ENOLARGEPAGES= -10009, /* large pages requested but the system has
                                  none available (ERROR_PRIVILEGE_NOT_HELD /
                                  ERROR_NO_SYSTEM_RESOURCES) */
    MMF_EPROTECT     = -10010, /* new page protection exceeds what the view
                                  was mapped with (ERROR_INVALID_PARAMETER) */
    MMF_ENOTFOUND    = -10011, /* no object has this name
                                  (ERROR_FILE_NOT_FOUND) */
    MMF_ETYPE        = -10012, /* the name belongs to an object of another
                                  type (ERROR_INVALID_HANDLE) */
    MMF_EBADNAME     = -10013, /* a '\\' after the namespace prefix, or an
                                  unknown prefix (ERROR_PATH_NOT_FOUND) */
    MMF_ESQUATTED    = -10014, /* a registry directory or entry has an owner,
                                  type or mode mmf would not have made: it was
                                  planted by someone else (ERROR_ACCESS_DENIED) */
    MMF_ENOTOWNER    = -10015, /* mutex released by a thread that does not
                                  own it (ERROR_NOT_OWNER) */
    MMF_ETOOMANYPOSTS= -10016, /* semaphore released past its maximum
                                  (ERROR_TOO_MANY_POSTS) */
    MMF_EMAPPED      = -10017, /* the file cannot shrink below the end of a
                                  section that maps it
                                  (ERROR_USER_MAPPED_FILE) */
    MMF_EINPAGE      = -10018, /* a view's page could not be brought in: the
                                  file was truncated, an I/O error, memory
                                  ran out (EXCEPTION_IN_PAGE_ERROR) */
};

/*
 * mmf_strerror - describe an error code.
 * @code: a value returned by any mmf function (MMF_E*, -errno, or 0).
 * Returns a static, never-NULL string.  Unknown codes give "unknown error".
 */
MMF_EXTERN const char *mmf_strerror(int code);

/* ------------------------------------------------------------------ */
/* Page protections                                                    */
/* ------------------------------------------------------------------ */

/*
 * A protection is a set of bits; only the eight combinations named below are
 * valid (anything else is -EINVAL wherever a protection is taken).
 * MMF_PAGE_COPY means copy-on-write: writes make private pages that never
 * reach the section.  For the capping rules a protection's *access set* is its
 * READ/WRITE/EXEC bits (so WRITECOPY needs only READ).
 */
#define MMF_PAGE_READ   0x1u
#define MMF_PAGE_WRITE  0x2u
#define MMF_PAGE_EXEC   0x4u
#define MMF_PAGE_COPY   0x8u

#define MMF_PAGE_NOACCESS           0u
#define MMF_PAGE_READONLY           (MMF_PAGE_READ)
#define MMF_PAGE_READWRITE          (MMF_PAGE_READ | MMF_PAGE_WRITE)
#define MMF_PAGE_WRITECOPY          (MMF_PAGE_READ | MMF_PAGE_COPY)
#define MMF_PAGE_EXECUTE            (MMF_PAGE_EXEC)
#define MMF_PAGE_EXECUTE_READ       (MMF_PAGE_READ | MMF_PAGE_EXEC)
#define MMF_PAGE_EXECUTE_READWRITE  (MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_EXEC)
#define MMF_PAGE_EXECUTE_WRITECOPY  (MMF_PAGE_READ | MMF_PAGE_EXEC | MMF_PAGE_COPY)

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

/* An open handle to a section.  Opaque. */
typedef struct mmf_section mmf_section;

/* Section attribute flags (Windows SEC_*). */
#define MMF_SEC_COMMIT        0x01u /* memory sections: reserve all memory at
                                       create (the default when neither COMMIT
                                       nor RESERVE is given) */
#define MMF_SEC_RESERVE       0x02u /* memory sections: do not reserve; running
                                       out later raises SIGBUS on access */
#define MMF_SEC_LARGE_PAGES   0x04u /* memory sections: hugetlb pages; needs
                                       MMF_SEC_COMMIT given explicitly */
#define MMF_SEC_LARGE_PAGES_FALLBACK 0x08u /* with LARGE_PAGES: use normal pages
                                       when the system has no large pages */
#define MMF_SEC_NOCACHE       0x10u /* accepted for compatibility, no effect;
                                       needs COMMIT or RESERVE given explicitly */
#define MMF_SEC_WRITECOMBINE  0x20u /* same as NOCACHE */

/*
 * mmf_section_from_fd - create a section backed by an open regular file.
 * @fd:    an open descriptor of a regular file.  The section keeps its own
 *         duplicate (close-on-exec); the caller may close @fd at once.
 * @size:  the section size in bytes; 0 means the file's current size.  A
 *         size larger than the file grows the file (sparse) when @prot is
 *         writable; the file is never shrunk.  Only the first @size bytes of
 *         a longer file are reachable.
 * @prot:  MMF_PAGE_READONLY, _READWRITE, _WRITECOPY, _EXECUTE_READ,
 *         _EXECUTE_READWRITE or _EXECUTE_WRITECOPY: the most any view may get.
 * @flags: 0 or MMF_SEC_COMMIT / MMF_SEC_RESERVE (no effect on files),
 *         optionally with MMF_SEC_NOCACHE / MMF_SEC_WRITECOMBINE, which (as
 *         on Windows) need COMMIT or RESERVE given explicitly.
 * @out:   receives the new handle.
 * Errors: -EBADF (@fd not open, or an O_PATH descriptor); -EINVAL (not a
 *         regular file, invalid @prot or @flags, MMF_SEC_LARGE_PAGES, NULL
 *         @out, size beyond what the file system can address);
 *         -EACCES (@fd's access mode does not allow @prot: a writable
 *         protection needs O_RDWR, every protection needs read access, an
 *         execute protection on a noexec mount); MMF_EEMPTYFILE (@size 0 and
 *         the file is empty); MMF_ETOOBIG (@size larger than the file with a
 *         non-writable @prot); -ENOSPC, -EFBIG, -EIO (the file could not be
 *         grown); -ENOMEM, -EMFILE.
 */
MMF_EXTERN int mmf_section_from_fd(int fd, uint64_t size, unsigned prot,
                                   unsigned flags, mmf_section **out);

/*
 * mmf_section_create_memory - create a memory-backed ("pagefile") section.
 * The memory is a memfd sealed against shrinking and growing, zero-filled,
 * of @size rounded up to whole pages (or whole large pages).
 * @size:  bytes, not 0.
 * @prot:  as for mmf_section_from_fd().
 * @flags: MMF_SEC_COMMIT (the default) reserves the memory now, so running
 *         out is an error here and not a SIGBUS later; MMF_SEC_RESERVE skips
 *         that; MMF_SEC_LARGE_PAGES (with MMF_SEC_COMMIT) uses hugetlb pages
 *         and @size must be a multiple of mmf_large_page_size();
 *         MMF_SEC_LARGE_PAGES_FALLBACK allows normal pages when none are
 *         available; MMF_SEC_NOCACHE / MMF_SEC_WRITECOMBINE are accepted.
 * @out:   receives the new handle.
 * Errors: -EINVAL (@size 0 or above 2^62, invalid @prot, COMMIT together with
 *         RESERVE, LARGE_PAGES without COMMIT or with RESERVE, LARGE_PAGES_FALLBACK
 *         without LARGE_PAGES, NOCACHE or
 *         WRITECOMBINE without COMMIT or RESERVE, a large-page size that is not
 *         a multiple of the large page size, NULL @out); MMF_ECOMMIT (the
 *         memory could not be reserved: full tmpfs, memory cgroup limit);
 *         MMF_ENOLARGEPAGES (no large pages, and no fallback allowed);
 *         -ENOMEM, -EMFILE.
 */
MMF_EXTERN int mmf_section_create_memory(uint64_t size, unsigned prot,
                                         unsigned flags, mmf_section **out);

/*
 * mmf_section_close - close a section handle.
 * The views made from it stay mapped and usable; the section's memory (and
 * its file descriptor) is released when the last view is unmapped.
 * Errors: -EBADF (NULL or not a live section handle).  Using a handle after
 * closing it is undefined, like using a pointer after free().
 */
MMF_EXTERN int mmf_section_close(mmf_section *s);

/*
 * mmf_file_set_size - set the size of a file (ftruncate) unless a section
 * of any mmf process maps it beyond the new size (Windows' SetEndOfFile and
 * ERROR_USER_MAPPED_FILE).  Every file section, for as long as it lives
 * (its handles and its views), records its size in an OFD lock on the
 * file far past its data (bytes from 2^62 on); this call takes the
 * matching exclusive lock around its ftruncate, so between mmf processes
 * the check and the change are one step.  Growing past every section is
 * always allowed.  Best effort: a file system without OFD locks (some
 * FUSE and network file systems), a missing /proc or a file that can no
 * longer be opened again leaves its sections unguarded, and programs that
 * call ftruncate themselves are not stopped.  Sizes from 2^62 up are
 * recorded as 2^62.  Memory sections need none of this: they are sealed.
 * @fd:   a descriptor of the file open for writing.
 * @size: the new size in bytes.
 * Errors: MMF_EMAPPED (a section is larger than @size; nothing changed);
 *         -EBADF (@fd not open, O_PATH or read-only); -EINVAL (not a
 *         regular file); -EFBIG (@size above 2^63 - 1 or beyond what the
 *         file system allows); -EPERM (an append-only or immutable file);
 *         -EIO, -ENOSPC.
 */
MMF_EXTERN int mmf_file_set_size(int fd, uint64_t size);

/* ------------------------------------------------------------------ */
/* Named sections                                                      */
/* ------------------------------------------------------------------ */

/*
 * Names follow Windows: case-sensitive; "Local\\NAME" or a bare "NAME" is in
 * the caller's per-user namespace, "Global\\NAME" in the machine-wide one;
 * NAME may hold any byte but '\\' and is at most 200 bytes.  One namespace
 * holds sections and the synchronization objects; a name lives exactly as
 * long as some handle to its object is open in some process (a process
 * killed with SIGKILL has closed its handles).  Views keep the data, not the
 * name.
 *
 * The registry is a directory per namespace: /dev/shm/mmf-UID (mode 0700)
 * and /dev/shm/mmf-global (mode 1777).  The environment variable
 * MMF_REGISTRY_DIR (ignored in setuid programs) replaces /dev/shm.
 */

/* Access rights of a section handle (Windows SECTION_MAP_*). */
#define MMF_ACCESS_READ     0x1u /* read, copy and no-access views */
#define MMF_ACCESS_WRITE    0x2u /* read-write views */
#define MMF_ACCESS_EXECUTE  0x4u /* execute views (with READ or WRITE) */
#define MMF_ACCESS_ALL      0x7u
/* For mmf_section_dup() and mmf_sync_dup(): a handle with no rights at all
 * (Windows' DuplicateHandle with access 0): it holds the object and its
 * name, and can be queried and closed, nothing else. */
#define MMF_ACCESS_NONE     0x100u

/* Optional arguments of mmf_section_create(); zero-initialise. */
typedef struct mmf_create_options {
    const char *name;  /* NULL or "": unnamed */
    unsigned    mode;  /* permission bits of a new named object (e.g. 0640);
                          0: owner only (0600), Windows' default DACL */
    int         everyone; /* 1: readable and writable by every user (0666),
                          Windows' NULL DACL; overrides mode */
} mmf_create_options;

/* mmf_section_create() returns this when the name existed. */
#define MMF_EXISTED 1

/*
 * mmf_section_create - create a section, optionally named
 * (CreateFileMapping).
 * @fd:    -1 for a memory section, else an open regular file, as for
 *         mmf_section_from_fd() / mmf_section_create_memory().
 * @size, @prot, @flags: as for those two (large pages cannot be named).
 * @opt:   NULL, or the name and the security of a new named object.
 * @out:   receives the new handle, with the access rights @prot allows.
 * Returns 0 when a new object was made; MMF_EXISTED when the name already
 * named a section: @out is then a new handle to that object, whose size,
 * protection and backing win over the arguments; the access requested is
 * the one @prot implies.
 * Errors: those of mmf_section_from_fd() / mmf_section_create_memory();
 * MMF_EBADNAME, -ENAMETOOLONG (bad name); MMF_ETYPE (the name is another
 * type's); -EACCES (the existing object's mode denies the access);
 * MMF_ESQUATTED (registry planted by someone else); -EINVAL (mode with
 * bits other than 0666, or a named large-page section).
 */
MMF_EXTERN int mmf_section_create(int fd, uint64_t size, unsigned prot, unsigned flags,
                                  const mmf_create_options *opt, mmf_section **out);

/*
 * mmf_section_open - open a named section (OpenFileMapping).
 * @name:   as above.
 * @access: MMF_ACCESS_* bits (not 0); the handle can then make only the views
 *          these rights allow.
 * @out:    receives the new handle.
 * Errors: MMF_ENOTFOUND (no such name, including after its last handle was
 * closed); MMF_ETYPE; MMF_EBADNAME, -ENAMETOOLONG, -EINVAL (empty name,
 * bad @access); -EACCES (the object's mode denies @access, or the object
 * belongs to another user's namespace); MMF_ESQUATTED; -EAGAIN (a process
 * stopped in the middle of closing the same name kept it busy for over two
 * seconds); -ENOMEM, -EMFILE.
 */
MMF_EXTERN int mmf_section_open(const char *name, unsigned access, mmf_section **out);

/*
 * mmf_registry_gc - remove the objects of the caller's namespaces (and of
 * the global one) that no live process holds, freeing their memory.  Names
 * are also reclaimed on their own whenever they are next created or opened,
 * and each process sweeps once when it first uses the registry.
 * Returns the number of objects removed, or a negative error code.
 */
MMF_EXTERN int mmf_registry_gc(void);

/* ------------------------------------------------------------------ */
/* Handles across processes                                            */
/* ------------------------------------------------------------------ */

/*
 * mmf_section_dup - a second handle to the same section (DuplicateHandle
 * within a process), with the same or fewer rights.  The copy keeps a named
 * object's name alive on its own.
 * @access: MMF_ACCESS_* bits, all held by @h; 0 means the same as @h;
 *          MMF_ACCESS_NONE means no rights.
 * Errors: -EBADF; -EINVAL (NULL @out, unknown bits); -EACCES (@access asks
 * for a right @h lacks); -EMFILE, -ENOMEM.
 */
MMF_EXTERN int mmf_section_dup(mmf_section *h, unsigned access, mmf_section **out);

/*
 * mmf_section_set_inheritable - make a handle inheritable across exec, or
 * not (the default: every descriptor of mmf is close-on-exec).
 * @fd: NULL, or receives the handle's inheritable descriptor number: pass
 *      it to the child (command line, environment), which rebuilds the
 *      handle with mmf_section_from_fd_handle().  Valid until the handle
 *      is closed or made non-inheritable.
 * A child that inherits the handle holds the object, and its name, exactly
 * as the parent's handle does.  Threads that fork+exec concurrently may or
 * may not see a handle that is being made inheritable at that moment.
 * Errors: -EBADF; -EMFILE, -ENOMEM.
 */
MMF_EXTERN int mmf_section_set_inheritable(mmf_section *h, int inheritable, int *fd);

/*
 * mmf_section_from_fd_handle - rebuild, in a child, a handle inherited
 * through exec from the descriptor number its parent got from
 * mmf_section_set_inheritable().  The child's handle takes over the
 * inherited descriptors (and makes them close-on-exec); it has the parent
 * handle's rights, size and protection.
 * Errors: -EBADF (@fd not open); -EINVAL (@fd is not an mmf handle
 * descriptor, or a part of it is missing); -ENOMEM.
 */
MMF_EXTERN int mmf_section_from_fd_handle(int fd, mmf_section **out);

/*
 * mmf_section_send - send a copy of a handle over a connected AF_UNIX
 * socket (SCM_RIGHTS).  The sender's handle is unchanged.
 * Errors: -EBADF; -EPIPE, -ECONNRESET, -ENOTSOCK and other send errors;
 * -EMFILE (a named memory section opens its data descriptor at its first
 * use, here or at its first view).
 */
MMF_EXTERN int mmf_section_send(int sock, mmf_section *h);

/*
 * mmf_section_recv - receive a handle sent with mmf_section_send(): the
 * same section, with the sender's rights, size and protection.  Blocks
 * like recvmsg() on @sock.
 * Errors: -EINVAL (the message is not an mmf handle; any descriptors that
 * came with it are closed); -ECONNRESET / -EPIPE (peer gone: 0 bytes);
 * other recvmsg errors.
 */
MMF_EXTERN int mmf_section_recv(int sock, mmf_section **out);

/* ------------------------------------------------------------------ */
/* Synchronization objects: mutex, semaphore, event                    */
/* ------------------------------------------------------------------ */

/*
 * Windows' kernel synchronization objects, usable across processes.  They
 * share the namespace, lifetime and security of named sections (a name of
 * another type is MMF_ETYPE); unnamed ones are shared by fork or by passing
 * nothing else yet.  The state lives in shared memory and uncontended
 * operations make no system call.
 */
typedef struct mmf_sync mmf_sync;

#define MMF_SYNC_MUTEX      1
#define MMF_SYNC_SEMAPHORE  2
#define MMF_SYNC_EVENT      3

/* Results of the waits (non-negative; errors are negative). */
#define MMF_WAIT_OBJECT_0   0      /* signaled: the object was acquired */
#define MMF_WAIT_ABANDONED  0x80   /* a mutex whose owner died or exited
                                      holding it: now owned by the caller */
#define MMF_WAIT_TIMEOUT    0x102  /* the timeout passed */
#define MMF_INFINITE        0xFFFFFFFFu

/*
 * mmf_mutex_create - create (or, by name, open) a mutex (CreateMutex).
 * @initial_owner: 1 to own it at once (only when it is created).
 * @opt: NULL or name and security, as for mmf_section_create().
 * Returns 0, or MMF_EXISTED (an existing mutex was opened; initial_owner
 * is ignored).  Errors: -EINVAL; name errors (MMF_EBADNAME,
 * -ENAMETOOLONG, MMF_ETYPE, -EACCES, MMF_ESQUATTED); -ENOMEM, -EMFILE.
 */
MMF_EXTERN int mmf_mutex_create(int initial_owner, const mmf_create_options *opt,
                                mmf_sync **out);

/*
 * mmf_semaphore_create - create (or open) a semaphore (CreateSemaphore).
 * @initial: the count now, 0 <= initial <= max.
 * @max:     the maximum count, at least 1 and at most 0x7FFFFFFF.
 * Returns 0 or MMF_EXISTED (counts of the existing object win).
 * Errors: -EINVAL (counts out of range), and as mmf_mutex_create().
 */
MMF_EXTERN int mmf_semaphore_create(uint32_t initial, uint32_t max,
                                    const mmf_create_options *opt, mmf_sync **out);

/*
 * mmf_event_create - create (or open) an event (CreateEvent).
 * @manual_reset: 1: stays signaled until mmf_event_reset(); 0 (auto-reset):
 *                each signal releases exactly one waiter.
 * @initial_state: 1 to start signaled.
 * Returns 0 or MMF_EXISTED.  Errors: as mmf_mutex_create().
 */
MMF_EXTERN int mmf_event_create(int manual_reset, int initial_state,
                                const mmf_create_options *opt, mmf_sync **out);

/* Access rights of a synchronization object handle.  Created handles have
 * both. */
#define MMF_SYNC_ACCESS_WAIT    0x1u /* wait on it (Windows SYNCHRONIZE) */
#define MMF_SYNC_ACCESS_MODIFY  0x2u /* release, set, reset (MUTEX_/EVENT_/
                                        SEMAPHORE_MODIFY_STATE) */
#define MMF_SYNC_ACCESS_ALL     0x3u

/*
 * mmf_sync_open - open a named synchronization object (OpenMutex,
 * OpenSemaphore, OpenEvent).
 * @type:   MMF_SYNC_MUTEX, _SEMAPHORE or _EVENT; a name of another type
 *          (a section included) is MMF_ETYPE.
 * @access: MMF_SYNC_ACCESS_* bits, not 0; an operation the handle has no
 *          right for fails with -EACCES.
 * Errors: MMF_ENOTFOUND; MMF_ETYPE; -EINVAL (bad @type or @access, empty
 * name); -EACCES (the object's mode denies the caller); name errors as for
 * mmf_section_open().
 */
MMF_EXTERN int mmf_sync_open(const char *name, int type, unsigned access, mmf_sync **out);

/*
 * mmf_sync_close - close a synchronization object handle.  A mutex the
 * calling thread still owns stays owned (Windows: it is abandoned when the
 * thread exits).  Errors: -EBADF.
 */
MMF_EXTERN int mmf_sync_close(mmf_sync *h);

/*
 * mmf_wait - wait for one object (WaitForSingleObject): acquire a mutex
 * (recursively for its owner), take one count of a semaphore, or pass a
 * signaled event (consuming an auto-reset one).
 * @timeout_ms: 0 tests without sleeping; MMF_INFINITE waits forever.
 * Returns MMF_WAIT_OBJECT_0, MMF_WAIT_ABANDONED (mutex only) or
 * MMF_WAIT_TIMEOUT.  Errors: -EBADF; -EACCES (no MMF_SYNC_ACCESS_WAIT);
 * -EOVERFLOW (mutex recursion count would overflow).
 */
MMF_EXTERN int mmf_wait(mmf_sync *h, uint32_t timeout_ms);

/* The most objects one mmf_wait_multiple() takes (MAXIMUM_WAIT_OBJECTS). */
#define MMF_MAXIMUM_WAIT_OBJECTS 64

/*
 * mmf_wait_multiple - wait for several objects (WaitForMultipleObjects).
 * @h, @n:     1 to MMF_MAXIMUM_WAIT_OBJECTS handles (with @wait_all, no
 *             object twice, through the same handle or two).
 * @wait_all:  0: return when any one can be acquired: the lowest such index
 *             is acquired and returned (MMF_WAIT_OBJECT_0 + i, or
 *             MMF_WAIT_ABANDONED + i for an abandoned mutex);
 *             1: return when all can be acquired, and acquire all of them
 *             at once: an auto-reset event or a semaphore count is consumed
 *             only when the whole set is satisfied (MMF_WAIT_OBJECT_0, or
 *             MMF_WAIT_ABANDONED + i when mutex i was abandoned).
 * @timeout_ms: as for mmf_wait().
 * Returns the result above or MMF_WAIT_TIMEOUT.  Errors: -EINVAL (@n out of
 * range, NULL @h, an object twice with @wait_all); -EBADF (a bad handle);
 * -EACCES (a handle without MMF_SYNC_ACCESS_WAIT); -EOVERFLOW.
 * Note: wait-all takes the objects one by one and gives them back when one
 * is missing, so another waiter may briefly see an object taken by a
 * wait-all that then does not complete; no count or signal is ever lost.
 */
MMF_EXTERN int mmf_wait_multiple(mmf_sync *const *h, uint32_t n, int wait_all,
                                 uint32_t timeout_ms);

/*
 * mmf_mutex_release - release a mutex once (ReleaseMutex).
 * Errors: -EBADF; -EINVAL (not a mutex); -EACCES (no
 * MMF_SYNC_ACCESS_MODIFY); MMF_ENOTOWNER (the calling thread does not own
 * it; nothing changes).
 */
MMF_EXTERN int mmf_mutex_release(mmf_sync *h);

/*
 * mmf_semaphore_release - add @count to a semaphore (ReleaseSemaphore).
 * @prev: NULL, or receives the count before.
 * Errors: -EBADF; -EINVAL (not a semaphore, @count 0); -EACCES (no
 * MMF_SYNC_ACCESS_MODIFY); MMF_ETOOMANYPOSTS
 * (the count would pass the maximum; nothing changes).
 */
MMF_EXTERN int mmf_semaphore_release(mmf_sync *h, uint32_t count, uint32_t *prev);

/*
 * mmf_event_set, mmf_event_reset - signal / unsignal an event (SetEvent,
 * ResetEvent).  Errors: -EBADF; -EINVAL (not an event); -EACCES (no
 * MMF_SYNC_ACCESS_MODIFY).
 */
MMF_EXTERN int mmf_event_set(mmf_sync *h);
MMF_EXTERN int mmf_event_reset(mmf_sync *h);

/*
 * mmf_sync_dup - a second handle to the same synchronization object, with
 * the same or fewer rights (DuplicateHandle).  It keeps a named object's
 * name alive on its own.
 * @access: MMF_SYNC_ACCESS_* bits held by @h; 0: the same as @h;
 *          MMF_ACCESS_NONE: no rights (it can only be closed).
 * Errors: -EBADF; -EINVAL (NULL @out, unknown bits); -EACCES (a right @h
 * lacks); -EMFILE, -ENOMEM.
 */
MMF_EXTERN int mmf_sync_dup(mmf_sync *h, unsigned access, mmf_sync **out);

/*
 * mmf_sync_set_inheritable - make a handle inheritable across exec, or
 * not (the default), as mmf_section_set_inheritable() does for sections.
 * @fd: NULL, or receives the descriptor number to pass to the child, which
 *      rebuilds the handle with mmf_sync_from_fd_handle().
 * Errors: -EBADF; -EMFILE, -ENOMEM.
 */
MMF_EXTERN int mmf_sync_set_inheritable(mmf_sync *h, int inheritable, int *fd);

/*
 * mmf_sync_from_fd_handle - rebuild, in a child, a synchronization handle
 * inherited through exec (see mmf_sync_set_inheritable()); the same
 * object with the parent handle's rights.
 * @type: NULL, or receives MMF_SYNC_MUTEX, _SEMAPHORE or _EVENT.
 * Errors: -EBADF (@fd not open); -EINVAL (@fd is not a synchronization
 * handle descriptor, or a part of it is missing); -ENOMEM.
 */
MMF_EXTERN int mmf_sync_from_fd_handle(int fd, int *type, mmf_sync **out);

/*
 * mmf_sync_same - whether two handles name the same object.
 * Returns 1 or 0.  Errors: -EBADF.
 */
MMF_EXTERN int mmf_sync_same(mmf_sync *a, mmf_sync *b);

/* What mmf_section_query() reports. */
typedef struct mmf_section_info {
    uint64_t size;        /* bytes: exact for files, page-rounded for memory */
    unsigned protection;  /* the MMF_PAGE_* value given at create */
    unsigned flags;       /* MMF_SEC_* in effect (COMMIT or RESERVE filled in
                             for memory sections; LARGE_PAGES only if used) */
    int      file_backed; /* 1 for a file section, 0 for a memory section */
    uint64_t id;          /* unique per section object in this process */
    unsigned access;      /* MMF_ACCESS_* rights of this handle */
    int      named;       /* 1 if the section has a name */
} mmf_section_info;

/*
 * mmf_section_query - describe a section.
 * Errors: -EBADF (@s not a live handle); -EINVAL (@info NULL).
 */
MMF_EXTERN int mmf_section_query(mmf_section *s, mmf_section_info *info);

/*
 * mmf_section_sync - make a file section's data and metadata durable
 * (fsync; Windows' FlushFileBuffers).  Flush dirty views first with
 * mmf_view_flush().  A memory section has nothing to sync: returns 0.
 * Errors: -EBADF; -EIO, -ENOSPC, -EDQUOT (from fsync).
 */
MMF_EXTERN int mmf_section_sync(mmf_section *s);

/* ------------------------------------------------------------------ */
/* Granularity                                                         */
/* ------------------------------------------------------------------ */

/*
 * mmf_granularity - the process's default allocation granularity: view
 * offsets, requested view addresses and (when larger than a page) view base
 * addresses are multiples of it.  Initially the page size.
 */
MMF_EXTERN uint64_t mmf_granularity(void);

/*
 * mmf_set_granularity - set the process default granularity.
 * @g: 0 for the page size, or a power of two between the page size and
 *     1 GiB (Windows uses 65536).
 * Errors: -EINVAL.
 */
MMF_EXTERN int mmf_set_granularity(uint64_t g);

/*
 * mmf_large_page_size - the large (huge) page size used by
 * MMF_SEC_LARGE_PAGES, or 0 when the kernel offers none.
 */
MMF_EXTERN uint64_t mmf_large_page_size(void);

/* ------------------------------------------------------------------ */
/* Views                                                               */
/* ------------------------------------------------------------------ */

/* Optional arguments of mmf_view_map(); zero-initialise, then set fields. */
typedef struct mmf_map_options {
    void    *address;     /* NULL: the system chooses; otherwise the view is
                             placed exactly there or the call fails */
    uint64_t granularity; /* 0: the process default (mmf_granularity());
                             otherwise a value mmf_set_granularity() accepts */
} mmf_map_options;

/*
 * mmf_view_map - map a view of a section.
 * @s:      the section handle.
 * @prot:   the view's protection: MMF_PAGE_NOACCESS, _READONLY, _READWRITE,
 *          _WRITECOPY (private copy-on-write), _EXECUTE, _EXECUTE_READ,
 *          _EXECUTE_READWRITE or _EXECUTE_WRITECOPY.  Its access set must be
 *          within the section's (a copy view needs only read access, so any
 *          readable section allows one).
 * @offset: where in the section the view starts; a multiple of the
 *          granularity, below the section size.
 * @size:   bytes; 0 means from @offset to the end of the section.
 * @opt:    NULL, or options (requested address, granularity).
 * @view:   receives the view's base address (a multiple of the granularity).
 * Errors: -EBADF; -EINVAL (invalid @prot or options, NULL @view, @offset at
 *         or past the end of the section); -EACCES (@prot exceeds the
 *         section's protection or the handle's access rights); MMF_EALIGN (@offset or the requested address
 *         not a multiple of the granularity); MMF_EVIEWSIZE (@offset + @size
 *         past the end of the section, including arithmetic overflow);
 *         MMF_EADDRINUSE (the requested range is not entirely free: nothing
 *         that is mapped is ever replaced); -ENOMEM (no address space, or the
 *         commit for a large copy view); -EPERM (execute on a noexec mount);
 *         -EMFILE, -ENFILE (the first use of a named memory section opens
 *         the descriptor its views share, and none was left).
 */
MMF_EXTERN int mmf_view_map(mmf_section *s, unsigned prot, uint64_t offset,
                            uint64_t size, const mmf_map_options *opt,
                            void **view);

/*
 * mmf_view_unmap - unmap the view that contains @addr (any address inside
 * it; the whole view goes).  Dirty pages are not written synchronously: use
 * mmf_view_flush() first when durability matters.
 * Errors: MMF_ENOTVIEW (@addr is in no view of this process, or was already
 * unmapped); -ENOMEM (unmapping would split a kernel mapping beyond
 * vm.max_map_count: the view stays mapped).
 */
MMF_EXTERN int mmf_view_unmap(const void *addr);

/*
 * mmf_view_flush - write the dirty pages of a range of one view to its file
 * and wait for the writes (msync MS_SYNC).  @addr is rounded down to a page.
 * @len: bytes; 0 means to the end of the view.
 * For memory sections and copy-on-write pages there is nothing to write and
 * the call succeeds.  It does not make metadata durable: see
 * mmf_section_sync().
 * Errors: MMF_ENOTVIEW (@addr in no view, or @addr + @len past the end of
 * its view); -EIO, -ENOSPC (writeback failed).
 */
MMF_EXTERN int mmf_view_flush(const void *addr, size_t len);

/*
 * mmf_view_protect - change the protection of the pages covering
 * [@addr, @addr + @len) inside one view (Windows' VirtualProtect).
 * @prot:     any MMF_PAGE_* value; its access set must be within that of the
 *            view's original protection.  MMF_PAGE_WRITECOPY is allowed on any
 *            readable view: the pages are remapped private, and writes to
 *            them never reach the section.
 * @old_prot: NULL, or receives the previous protection of the first page.
 * Errors: -EINVAL (@len 0, invalid @prot); MMF_ENOTVIEW (@addr in no view, or
 *         the range runs past the end of its view); MMF_EPROTECT (@prot
 *         exceeds the view's original access); -ENOMEM (the kernel's map
 *         count limit).  On error nothing changes.
 * Note: pages made WRITECOPY and later given a non-copy protection are
 * mapped shared again, so private modifications made meanwhile are dropped
 * (Windows keeps such pages private).
 */
MMF_EXTERN int mmf_view_protect(void *addr, size_t len, unsigned prot,
                                unsigned *old_prot);

/* What mmf_view_query() reports (Windows' MEMORY_BASIC_INFORMATION). */
typedef struct mmf_view_info {
    void    *region_base;     /* the address rounded down to its page: the
                                 region starts there (as in Windows) */
    uint64_t region_size;     /* bytes from region_base to the end of the run
                                 of pages with the same protection (never past
                                 the end of the view) */
    unsigned protection;      /* current protection of that region; a
                                 copy-on-write page already written is
                                 private and reported writable
                                 (MMF_PAGE_READWRITE or _EXECUTE_READWRITE),
                                 as Windows reports it */
    void    *view_base;       /* the view's base address */
    uint64_t view_size;       /* the view's size, rounded up to pages */
    unsigned view_protection; /* the protection the view was mapped with */
    uint64_t offset;          /* the view's offset in its section */
    uint64_t section_id;      /* the id of the section (mmf_section_query) */
    uint64_t section_size;    /* the section's size */
    int      file_backed;     /* 1 if the section is backed by a file */
    unsigned section_flags;   /* the section's MMF_SEC_* flags */
} mmf_view_info;

/*
 * mmf_view_query - describe the view containing @addr.
 * Errors: MMF_ENOTVIEW (@addr is in no view); -EINVAL (@info NULL).
 */
MMF_EXTERN int mmf_view_query(const void *addr, mmf_view_info *info);

/*
 * mmf_view_filename - the path of the file behind a view (Windows'
 * GetMappedFileName), as the kernel names it now: a file renamed since the
 * section was made shows its new path; an unlinked one ends in " (deleted)".
 * @addr: any address inside a view of a file section.
 * @buf, @size: receives the NUL-terminated path.
 * @len: NULL, or receives the path's length without the NUL (also when the
 *       buffer is too small).
 * Errors: MMF_ENOTVIEW (@addr in no view); MMF_ENOTFILE (memory section);
 *         -ERANGE (@size too small; @buf unchanged); -EINVAL (@buf NULL with
 *         @size > 0); -ENAMETOOLONG (path longer than PATH_MAX); -ENOENT
 *         (/proc is not mounted).
 */
MMF_EXTERN int mmf_view_filename(const void *addr, char *buf, size_t size,
                                 size_t *len);

/* ------------------------------------------------------------------ */
/* Guarded access: in-page errors as error codes                       */
/* ------------------------------------------------------------------ */

/*
 * A view's page fails to come in when its file was truncated under it by a
 * process outside mmf, on an I/O error, or when a reserve-only section's
 * memory runs out: Linux sends SIGBUS (Windows raises
 * EXCEPTION_IN_PAGE_ERROR).  The calls below catch that fault when it hits
 * the range they guard, in the calling thread, and return MMF_EINPAGE
 * instead.  A SIGBUS anywhere else goes to the handler installed before
 * mmf's (or kills the process, if that was the default).  mmf installs its
 * handler at the first guarded call; a program that installs its own SIGBUS
 * handler later must chain to mmf's for guarding to keep working.
 */

/*
 * mmf_view_read, mmf_view_write - copy between a view and a buffer, with
 * in-page errors reported instead of raised.
 * @view_addr: where in a view (the range must lie in one view, in pages
 *             readable, or writable for a write; copy-on-write pages count
 *             as writable).
 * @buf, @len: the other side; @len 0 does nothing.
 * Errors: MMF_EINPAGE (a page could not be brought in; the bytes before it
 * were copied); MMF_ENOTVIEW (the range is not inside one view); -EACCES
 * (a page of the range does not allow the access); -EINVAL (NULL @buf).
 */
MMF_EXTERN int mmf_view_read(const void *view_addr, void *buf, size_t len);
MMF_EXTERN int mmf_view_write(void *view_addr, const void *buf, size_t len);

/*
 * mmf_guard - run fn(arg), turning an in-page error inside [@addr, @addr +
 * @len) into MMF_EINPAGE (Windows' __try / __except on
 * EXCEPTION_IN_PAGE_ERROR).  fn is abandoned at the faulting access: it
 * must not hold locks or own memory it would free later on that path.
 * Guards nest; each thread has its own.
 * Returns fn's return value, or MMF_EINPAGE.  Errors: -EINVAL (NULL @fn,
 * range wrapping around).
 */
MMF_EXTERN int mmf_guard(const void *addr, size_t len, int (*fn)(void *arg), void *arg);

/*
 * mmf_view_count - the number of views currently mapped by this process
 * through mmf.
 */
MMF_EXTERN size_t mmf_view_count(void);

#ifdef __cplusplus
}
#endif

#endif /* MMF_H */
