/*
 * error.c — the last error, and native codes turned into Win32 ones.
 *
 * The table gives each native code the meaning Windows gives the same
 * condition most often; the few calls where Windows reports one condition
 * differently (GetMappedFileName outside a view, say) say so where they are.
 */
#include <errno.h>

#include "w32.h"

static _Thread_local DWORD last_error;

DWORD WINAPI GetLastError(void) { return last_error; }
void WINAPI SetLastError(DWORD e) { last_error = e; }
void w32_set(DWORD e) { last_error = e; }
void w32_fail(int rc) { last_error = w32_error(rc); }

DWORD w32_error(int rc)
{
    switch (rc) {
    case 0:                 return ERROR_SUCCESS;
    case MMF_EALIGN:        return ERROR_MAPPED_ALIGNMENT;
    case MMF_EADDRINUSE:    return ERROR_INVALID_ADDRESS;
    case MMF_ENOTVIEW:      return ERROR_INVALID_ADDRESS;
    case MMF_EVIEWSIZE:     return ERROR_ACCESS_DENIED;
    case MMF_EEMPTYFILE:    return ERROR_FILE_INVALID;
    case MMF_ETOOBIG:       return ERROR_NOT_ENOUGH_MEMORY;
    case MMF_ENOTFILE:      return ERROR_FILE_INVALID;
    case MMF_ECOMMIT:       return ERROR_COMMITMENT_LIMIT;
    case MMF_ENOLARGEPAGES: return ERROR_PRIVILEGE_NOT_HELD;
    case MMF_EPROTECT:      return ERROR_INVALID_PARAMETER;
    case MMF_ENOTFOUND:     return ERROR_FILE_NOT_FOUND;
    case MMF_ETYPE:         return ERROR_INVALID_HANDLE;
    case MMF_EBADNAME:      return ERROR_PATH_NOT_FOUND;
    case MMF_ESQUATTED:     return ERROR_ACCESS_DENIED;
    case MMF_ENOTOWNER:     return ERROR_NOT_OWNER;
    case MMF_ETOOMANYPOSTS: return ERROR_TOO_MANY_POSTS;
    case MMF_EMAPPED:       return ERROR_USER_MAPPED_FILE;
    case -EACCES:
    case -EPERM:
    case -EISDIR:           return ERROR_ACCESS_DENIED;
    case -EBADF:            return ERROR_INVALID_HANDLE;
    case -ENOMEM:           return ERROR_NOT_ENOUGH_MEMORY;
    case -EINVAL:           return ERROR_INVALID_PARAMETER;
    case -ENOENT:           return ERROR_FILE_NOT_FOUND;
    case -ENOTDIR:          return ERROR_PATH_NOT_FOUND;
    case -ENAMETOOLONG:     return ERROR_FILENAME_EXCED_RANGE;
    case -EEXIST:           return ERROR_FILE_EXISTS;
    case -ENOSPC:
    case -EDQUOT:
    case -EFBIG:            return ERROR_DISK_FULL;
    case -EIO:              return ERROR_WRITE_FAULT;
    case -EMFILE:
    case -ENFILE:           return ERROR_TOO_MANY_OPEN_FILES;
    case -EAGAIN:           return ERROR_BUSY;
    case -EBUSY:
    case -ETXTBSY:          return ERROR_SHARING_VIOLATION;
    case -ENOEXEC:          return ERROR_BAD_EXE_FORMAT;
    case -EOVERFLOW:        return ERROR_MUTANT_LIMIT_EXCEEDED;
    case -ERANGE:           return ERROR_INSUFFICIENT_BUFFER;
    case -ESPIPE:           return ERROR_SEEK;
    case -ENOTSUP:          return ERROR_NOT_SUPPORTED;
    case -EROFS:            return ERROR_WRITE_PROTECT;
    case -ENOTEMPTY:        return ERROR_DIR_NOT_EMPTY;
    case -EXDEV:            return ERROR_NOT_SAME_DEVICE;
    case -EFAULT:           return ERROR_NOACCESS;
    case -ELOOP:            return ERROR_ACCESS_DENIED;
    }
    return ERROR_GEN_FAILURE;
}
