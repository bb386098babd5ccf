/*
 * lockbytes.h — where the OFD locks that every process can see lie in a
 * file.  Far past any data, so that they never meet a program's own
 * byte-range locks on its data (whole-file locks aside):
 *   - from 2^62: the truncation guard (truncate.c), one read lock per
 *     section over [2^62, 2^62 + its size);
 *   - the eight bytes below: the Win32 layer's share records
 *     (src/win32/share.c): per open, one byte per data access it has
 *     (read, write, delete), then one per access it does not share; and
 *     one byte that every writable file section holds (Windows'
 *     FILE_MAPPING_WRITE).
 */
#ifndef MMF_LOCKBYTES_H
#define MMF_LOCKBYTES_H

#include <stdint.h>

#define MMF_LOCK_GUARD         ((uint64_t)1 << 62)
#define MMF_LOCK_SHARE         (MMF_LOCK_GUARD - 8)
#define MMF_LOCK_SHARE_DENIED  3 /* an access's "not shared" byte: its own + 3 */
#define MMF_LOCK_MAPPED_WRITER (MMF_LOCK_SHARE + 6)
#define MMF_LOCK_SHARE_BYTES   7 /* the record bytes, the writer's included */

#endif
