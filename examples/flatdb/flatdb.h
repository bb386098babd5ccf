/*
 * flatdb.h — a flat-file database of fixed-size records over mmf views.
 *
 * The database of the seed article: N records of R bytes in one file, where
 * a record is a byte offset and every access is a memory access through a
 * view of a file section.  Files far larger than the address space one
 * wants to spend are reached through a small cache of *sliding views*
 * (default 16 views of 64 MiB, least recently used goes first).
 *
 * File format (all integers little-endian):
 *
 *   offset 0, FLATDB_HEADER_SIZE (64) bytes:
 *     0  char     magic[8]      "FLATDB\0\1"
 *     8  uint32   version       FLATDB_VERSION (1)
 *     12 uint32   header_size   64
 *     16 uint32   record_size   R, FLATDB_MIN_RECORD .. FLATDB_MAX_RECORD
 *     20 uint32   flags         0
 *     24 uint64   count         N, at least 1
 *     32 uint8    reserved[28]  0
 *     60 uint32   checksum      flatdb_checksum() of bytes 0..59
 *   offset 64 + i * R: record i, R bytes:
 *     R - 4 bytes of payload, then a 4-byte checksum of the payload.
 *   A record of R zero bytes is *empty* (never written): a sparse hole reads
 *   as empty records, so creating a 64 GiB database writes nothing.
 *   The file is exactly 64 + N * R bytes.
 *
 * Conventions: as mmf, every function returns 0 (or a documented
 * non-negative value) or a negative error code: -errno or an MMF_E* code;
 * flatdb_strerror() describes them.  Nothing crashes on bad input.
 *   -ERANGE   record number >= count
 *   -EINVAL   bad argument (NULL pointer, bad option, bad size)
 *   -EMSGSIZE data longer than the payload (R - 4 bytes)
 *   -EBADMSG  not a flatdb file, bad header checksum, or a record whose
 *             checksum does not match (corrupted or torn)
 *   -ENODATA  flatdb_update() of an empty record
 *   -EACCES   a write through a database opened read-only
 *
 * A handle is for one thread at a time (its view cache is not locked);
 * open one handle per thread: all handles of a file, in any process, see
 * the same pages.
 */
#ifndef FLATDB_H
#define FLATDB_H

#include <stddef.h>
#include <stdint.h>

#include <mmf.h>

#define FLATDB_HEADER_SIZE   64u
#define FLATDB_VERSION       1u
#define FLATDB_CHECKSUM_SIZE 4u
#define FLATDB_MIN_RECORD    8u
#define FLATDB_MAX_RECORD    (1u << 24) /* 16 MiB */
#define FLATDB_DEFAULT_COUNT 1000000u
#define FLATDB_DEFAULT_RECORD 125u

/* Default sliding-view cache: 16 views of 64 MiB (1 GiB of addresses). */
#define FLATDB_DEFAULT_VIEWS       16u
#define FLATDB_DEFAULT_VIEW_SIZE   (64u << 20)
#define FLATDB_MAX_VIEWS           256u

typedef struct flatdb flatdb;

/* Progress of a long operation: @done of @total units (records). */
typedef void (*flatdb_progress_fn)(uint64_t done, uint64_t total, void *arg);

/* Options of flatdb_create() / flatdb_open(); zero-initialise. */
typedef struct flatdb_options {
    unsigned  views;      /* size of the view cache; 0: FLATDB_DEFAULT_VIEWS */
    uint64_t  view_size;  /* bytes each view covers, rounded up to a power
                             of two (at least the allocation granularity);
                             0: FLATDB_DEFAULT_VIEW_SIZE */
    int       readonly;   /* flatdb_open(): open O_RDONLY, read-only views */
    int       sparse;     /* flatdb_create(): leave every record empty (a
                             sparse file) instead of writing "record N" */
    int       exclusive;  /* flatdb_create(): fail with -EEXIST when the
                             file exists (default: truncate it) */
    flatdb_progress_fn progress; /* NULL, or called now and then by create,
                             scan and verify */
    void     *progress_arg;
} flatdb_options;

/* What flatdb_info() reports. */
typedef struct flatdb_info {
    uint64_t count;        /* records */
    uint32_t record_size;  /* R */
    uint32_t payload_size; /* R - 4 */
    uint32_t version;
    uint64_t file_size;    /* 64 + count * R */
    unsigned views;        /* cache size */
    uint64_t view_size;    /* bytes each view covers (plus one record) */
    unsigned mapped;       /* views mapped now */
    uint64_t maps, hits;   /* views mapped so far; lookups that found theirs */
} flatdb_info;

/*
 * flatdb_create - create (or truncate) @path as a database of @count records
 * of @record_size bytes, written through views and made durable
 * (flatdb_flush()) before this returns; the header is written last, so a
 * crash mid-create leaves a file flatdb_open() refuses (-EBADMSG).
 * @opt:  NULL or options (sparse, exclusive, progress, view cache).
 * @out:  NULL (the database is closed again), or receives an open handle.
 * Errors: -EINVAL (@count 0, @record_size out of range, bad options);
 * -EFBIG (the file would exceed 2^62 bytes or what the file system allows);
 * -EEXIST (exclusive); open(2) errors; mmf_section_from_fd() and
 * mmf_view_map() errors; -ENOSPC, -EIO.
 */
int flatdb_create(const char *path, uint64_t count, uint32_t record_size,
                  const flatdb_options *opt, flatdb **out);

/*
 * flatdb_open - open an existing database.
 * Errors: open(2) errors (-ENOENT, -EACCES...); -EBADMSG (not a flatdb
 * file, bad header checksum, unknown version, or a file shorter than its
 * header says); -EINVAL (bad options); mmf errors.
 */
int flatdb_open(const char *path, const flatdb_options *opt, flatdb **out);

/*
 * flatdb_attach - a database handle over an existing section (for example a
 * named section opened with mmf_section_open() in another process).  The
 * handle takes its own reference (mmf_section_dup); the caller keeps @s.
 * @opt->readonly makes read-only views (needed when @s has no write right).
 * Errors: as flatdb_open(); -EBADF (@s not a live handle).
 */
int flatdb_attach(mmf_section *s, const flatdb_options *opt, flatdb **out);

/*
 * flatdb_close - unmap every view and close the handle.  Does not flush:
 * the data stays in the page cache (and reaches the file in time); call
 * flatdb_flush() first for durability against a crash of the machine.
 * Returns 0, or the first error met (the handle is freed regardless).
 * NULL is accepted (returns 0).
 */
int flatdb_close(flatdb *db);

/* flatdb_info - describe @db.  Errors: -EINVAL. */
int flatdb_info_get(const flatdb *db, flatdb_info *info);

/* The section behind @db (borrowed: valid until flatdb_close()). */
mmf_section *flatdb_section(const flatdb *db);

/*
 * flatdb_get - copy the payload of record @i into @buf (@len bytes at most;
 * a shorter @len copies a prefix).  The checksum is checked (and re-read a
 * few times, so a concurrent writer in another process is not mistaken for
 * corruption).
 * Returns the payload size (R - 4) for a written record, 0 for an empty one
 * (@buf is then zeroed).  Errors: -ERANGE, -EINVAL (@buf NULL with @len),
 * -EBADMSG (checksum mismatch), mmf_view_map() errors.
 */
int flatdb_get(flatdb *db, uint64_t i, void *buf, size_t len);

/*
 * flatdb_put - write record @i: @len bytes of @data, zero-padded to the
 * payload, and its checksum.  Visible at once to every process mapping or
 * reading the file; durable after flatdb_flush().
 * Errors: -ERANGE; -EINVAL (@data NULL with @len); -EMSGSIZE (@len > R - 4);
 * -EACCES (read-only database); mmf_view_map() errors.
 */
int flatdb_put(flatdb *db, uint64_t i, const void *data, size_t len);

/*
 * flatdb_update - flatdb_put() of a record that must already be written.
 * Errors: those of flatdb_put(); -ENODATA (record @i is empty); -EBADMSG
 * (its current checksum is wrong: update refuses to hide corruption).
 */
int flatdb_update(flatdb *db, uint64_t i, const void *data, size_t len);

/*
 * flatdb_record - the address of record @i (R bytes, checksum last) inside
 * a view, for zero-copy access.  Valid until the next call on @db that may
 * map a view (any get, put, scan...) or flatdb_close().  A caller writing
 * through it must keep the checksum right (flatdb_seal()).
 * Errors: -ERANGE; -EINVAL (@out NULL); mmf_view_map() errors.
 */
int flatdb_record(flatdb *db, uint64_t i, void **out);

/* flatdb_seal - recompute the checksum of the record at @rec (from
 * flatdb_record(), writable database) after writing its payload in place.
 * Errors: -EINVAL (@rec NULL), -EACCES (read-only). */
int flatdb_seal(flatdb *db, void *rec);

/*
 * flatdb_scan - call @fn for every written record in order, with a pointer
 * to its payload inside a view (valid during the call) and its size.  Empty
 * records, and holes of a sparse file (found with SEEK_DATA), are skipped.
 * A nonzero return of @fn stops the scan and is returned.
 * Returns 0, @fn's nonzero value, or an error: -EINVAL (@fn NULL), mmf
 * errors.  Checksums are not checked (see flatdb_verify()).
 */
typedef int (*flatdb_scan_fn)(uint64_t i, const void *payload, size_t len, void *arg);
int flatdb_scan(flatdb *db, flatdb_scan_fn fn, void *arg);

/* What flatdb_verify() counted. */
typedef struct flatdb_verify_stats {
    uint64_t checked;  /* records looked at (holes of a sparse file count) */
    uint64_t written;  /* records with data and a good checksum */
    uint64_t empty;    /* all-zero records */
    uint64_t bad;      /* checksum mismatches */
    uint64_t first_bad;/* the lowest bad record number (UINT64_MAX if none) */
} flatdb_verify_stats;

/*
 * flatdb_verify - check every record's checksum.
 * @bad:   NULL, or called with each bad record number.
 * @stats: NULL, or receives the counts.
 * Returns the number of bad records (0: all good; capped at INT_MAX) or an
 * error (mmf errors).
 */
int flatdb_verify(flatdb *db, void (*bad)(uint64_t i, void *arg), void *arg,
                  flatdb_verify_stats *stats);

/*
 * flatdb_flush - make every write so far durable: mmf_view_flush() of each
 * mapped view that was written, then mmf_section_sync() (fsync), which also
 * writes pages of views already slid away.
 * A read-only database has nothing to flush: returns 0.
 * Errors: -EIO, -ENOSPC, -EDQUOT (writeback failed); -EINVAL (@db NULL).
 */
int flatdb_flush(flatdb *db);

/* The checksum of a payload: FNV-1a-64 steps over the bytes taken as
 * little-endian 64-bit words in two lanes (even and odd 16-byte halves; a
 * zero-padded last word), combined and put through the murmur3 64-bit
 * finaliser, low 32 bits.  Stored little-endian after the payload. */
uint32_t flatdb_checksum(const void *p, size_t n);

/* flatdb_strerror - mmf_strerror() with flatdb's meanings of -ERANGE,
 * -EBADMSG, -EMSGSIZE and -ENODATA. */
const char *flatdb_strerror(int code);

#endif /* FLATDB_H */
