/*
 * windows.h — mmf's Win32 compatibility header.
 *
 * Lets a Windows program that uses file mapping, and the file, handle,
 * synchronization and process calls around it, compile unchanged on Linux:
 *
 *     cc prog.c $(pkg-config --cflags --libs mmf-win32)
 *
 * Types and values are those of the Windows SDK (64-bit: LONG and DWORD
 * are 32 bits, HANDLE and SIZE_T pointer-sized, WCHAR a 16-bit UTF-16 code
 * unit).  The pkg-config flags add -fshort-wchar so that L"..." literals are
 * UTF-16 as on Windows.  Every function sets the thread's last error as its
 * Windows counterpart does (GetLastError); the semantics themselves are
 * those of the native API in <mmf.h>, which this layer only translates.
 *
 * Only the subset of the Win32 API listed here is provided; see
 * docs/porting.md for what differs from Windows and why.
 */
#ifndef MMF_WIN32_WINDOWS_H
#define MMF_WIN32_WINDOWS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MMF_W32API __attribute__((visibility("default")))
#else
#define MMF_W32API
#endif

/* ------------------------------------------------------------------ */
/* Calling conventions and annotations (no meaning on Linux)           */
/* ------------------------------------------------------------------ */

#define WINAPI
#define WINAPIV
#define APIENTRY
#define CALLBACK
#define WINBASEAPI
#define __stdcall
#define __cdecl
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define IN
#define OUT
#define OPTIONAL
#define CONST const
#define VOID void

/* ------------------------------------------------------------------ */
/* Basic types                                                         */
/* ------------------------------------------------------------------ */

typedef int            BOOL;
typedef unsigned char  BYTE;
typedef unsigned char  BOOLEAN;
typedef unsigned short WORD;
typedef uint32_t       DWORD;
typedef int32_t        LONG;
typedef uint32_t       ULONG;
typedef int            INT;
typedef unsigned int   UINT;
typedef short          SHORT;
typedef unsigned short USHORT;
typedef char           CHAR;
typedef unsigned char  UCHAR;
typedef float          FLOAT;
typedef int64_t        LONGLONG;
typedef uint64_t       ULONGLONG;
typedef int64_t        LONG64;
typedef uint64_t       ULONG64;
typedef uint64_t       DWORD64;
typedef int64_t        INT64;
typedef uint64_t       UINT64;
typedef int32_t        INT32;
typedef uint32_t       UINT32;
typedef intptr_t       INT_PTR;
typedef uintptr_t      UINT_PTR;
typedef intptr_t       LONG_PTR;
typedef uintptr_t      ULONG_PTR;
typedef uintptr_t      DWORD_PTR;
typedef size_t         SIZE_T;
typedef intptr_t       SSIZE_T;
typedef ULONG_PTR      WPARAM;
typedef LONG_PTR       LPARAM;
typedef LONG_PTR       LRESULT;
typedef LONG           HRESULT;
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2 && !defined(__cplusplus)
typedef wchar_t        WCHAR;          /* -fshort-wchar: L"" is UTF-16 */
#else
typedef uint16_t       WCHAR;          /* a UTF-16 code unit */
#endif
typedef void          *PVOID, *LPVOID, *HANDLE;
typedef const void    *LPCVOID, *PCVOID;
typedef HANDLE        *PHANDLE, *LPHANDLE;
typedef HANDLE         HMODULE, HINSTANCE, HLOCAL, HGLOBAL, HWND;
typedef int            HFILE;
typedef BOOL          *PBOOL, *LPBOOL;
typedef BYTE          *PBYTE, *LPBYTE;
typedef WORD          *PWORD, *LPWORD;
typedef DWORD         *PDWORD, *LPDWORD;
typedef LONG          *PLONG, *LPLONG;
typedef ULONG         *PULONG;
typedef INT           *PINT, *LPINT;
typedef UINT          *PUINT;
typedef SIZE_T        *PSIZE_T;
typedef ULONG_PTR     *PULONG_PTR;
typedef DWORD_PTR     *PDWORD_PTR;
typedef LONGLONG      *PLONGLONG;
typedef ULONGLONG     *PULONGLONG;
typedef CHAR          *PCHAR, *LPCH, *PSTR, *LPSTR, *NPSTR;
typedef const CHAR    *PCSTR, *LPCSTR, *LPCCH;
typedef WCHAR         *PWCHAR, *PWSTR, *LPWSTR, *LPWCH;
typedef const WCHAR   *PCWSTR, *LPCWSTR, *LPCWCH;

#ifdef UNICODE
typedef WCHAR TCHAR;
#define __TEXT(s) L##s
#else
typedef char TCHAR;
#define __TEXT(s) s
#endif
typedef TCHAR       *LPTSTR, *PTSTR;
typedef const TCHAR *LPCTSTR, *PCTSTR;
#define TEXT(s) __TEXT(s)

#ifndef TRUE
#define TRUE  1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

#define MAX_PATH 260
#define INFINITE 0xFFFFFFFFu
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#define MAXIMUM_WAIT_OBJECTS 64

#define MAKEWORD(a, b) ((WORD)(((BYTE)(a)) | ((WORD)((BYTE)(b))) << 8))
#define MAKELONG(a, b) ((LONG)(((WORD)(a)) | ((DWORD)((WORD)(b))) << 16))
#define LOWORD(l) ((WORD)((DWORD_PTR)(l) & 0xffff))
#define HIWORD(l) ((WORD)(((DWORD_PTR)(l) >> 16) & 0xffff))
#define LOBYTE(w) ((BYTE)((DWORD_PTR)(w) & 0xff))
#define HIBYTE(w) ((BYTE)(((DWORD_PTR)(w) >> 8) & 0xff))
#define ZeroMemory(p, n) memset((p), 0, (n))
#define RtlZeroMemory(p, n) memset((p), 0, (n))
#define CopyMemory(d, s, n) memcpy((d), (s), (n))
#define RtlCopyMemory(d, s, n) memcpy((d), (s), (n))
#define MoveMemory(d, s, n) memmove((d), (s), (n))
#define FillMemory(p, n, c) memset((p), (c), (n))
#define UNREFERENCED_PARAMETER(p) ((void)(p))

typedef union _LARGE_INTEGER {
    struct { DWORD LowPart; LONG HighPart; };
    struct { DWORD LowPart; LONG HighPart; } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct { DWORD LowPart; DWORD HighPart; };
    struct { DWORD LowPart; DWORD HighPart; } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

/* ------------------------------------------------------------------ */
/* Error codes (GetLastError)                                          */
/* ------------------------------------------------------------------ */

#define ERROR_SUCCESS               0L
#define NO_ERROR                    0L
#define ERROR_INVALID_FUNCTION      1L
#define ERROR_FILE_NOT_FOUND        2L
#define ERROR_PATH_NOT_FOUND        3L
#define ERROR_TOO_MANY_OPEN_FILES   4L
#define ERROR_ACCESS_DENIED         5L
#define ERROR_INVALID_HANDLE        6L
#define ERROR_NOT_ENOUGH_MEMORY     8L
#define ERROR_INVALID_ACCESS        12L
#define ERROR_INVALID_DATA          13L
#define ERROR_OUTOFMEMORY           14L
#define ERROR_INVALID_DRIVE         15L
#define ERROR_NOT_READY             21L
#define ERROR_BAD_LENGTH            24L
#define ERROR_SEEK                  25L
#define ERROR_WRITE_PROTECT         19L
#define ERROR_WRITE_FAULT           29L
#define ERROR_READ_FAULT            30L
#define ERROR_GEN_FAILURE           31L
#define ERROR_SHARING_VIOLATION     32L
#define ERROR_LOCK_VIOLATION        33L
#define ERROR_HANDLE_EOF            38L
#define ERROR_HANDLE_DISK_FULL      39L
#define ERROR_NOT_SUPPORTED         50L
#define ERROR_NOT_SAME_DEVICE       17L
#define ERROR_UNEXP_NET_ERR         59L
#define ERROR_FILE_EXISTS           80L
#define ERROR_CANNOT_MAKE           82L
#define ERROR_INVALID_PARAMETER     87L
#define ERROR_BROKEN_PIPE           109L
#define ERROR_BUFFER_OVERFLOW       111L
#define ERROR_DISK_FULL             112L
#define ERROR_CALL_NOT_IMPLEMENTED  120L
#define ERROR_SEM_TIMEOUT           121L
#define ERROR_INSUFFICIENT_BUFFER   122L
#define ERROR_INVALID_NAME          123L
#define ERROR_MOD_NOT_FOUND         126L
#define ERROR_NEGATIVE_SEEK         131L
#define ERROR_DIR_NOT_EMPTY         145L
#define ERROR_BAD_PATHNAME          161L
#define ERROR_BUSY                  170L
#define ERROR_ALREADY_EXISTS        183L
#define ERROR_BAD_EXE_FORMAT        193L
#define ERROR_ENVVAR_NOT_FOUND      203L
#define ERROR_FILENAME_EXCED_RANGE  206L
#define ERROR_NO_MORE_ITEMS         259L
#define ERROR_DIRECTORY             267L
#define ERROR_NOT_OWNER             288L
#define ERROR_TOO_MANY_POSTS        298L
#define ERROR_PARTIAL_COPY          299L
#define ERROR_INVALID_ADDRESS       487L
#define ERROR_ARITHMETIC_OVERFLOW   534L
#define ERROR_MUTANT_LIMIT_EXCEEDED 587L
#define ERROR_ABANDONED_WAIT_0      735L
#define ERROR_NOACCESS              998L
#define ERROR_FILE_INVALID          1006L
#define ERROR_MAPPED_ALIGNMENT      1132L
#define ERROR_USER_MAPPED_FILE      1224L
#define ERROR_NOT_ALL_ASSIGNED      1300L
#define ERROR_UNKNOWN_REVISION      1305L
#define ERROR_PRIVILEGE_NOT_HELD    1314L
#define ERROR_INVALID_SECURITY_DESCR 1338L
#define ERROR_NO_SYSTEM_RESOURCES   1450L
#define ERROR_COMMITMENT_LIMIT      1455L
#define ERROR_INVALID_USER_BUFFER   1784L
#define ERROR_TIMEOUT               1460L

/* ------------------------------------------------------------------ */
/* Access rights                                                       */
/* ------------------------------------------------------------------ */

#define DELETE                   0x00010000L
#define READ_CONTROL             0x00020000L
#define WRITE_DAC                0x00040000L
#define WRITE_OWNER              0x00080000L
#define SYNCHRONIZE              0x00100000L
#define STANDARD_RIGHTS_REQUIRED 0x000F0000L
#define STANDARD_RIGHTS_READ     READ_CONTROL
#define STANDARD_RIGHTS_WRITE    READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE  READ_CONTROL
#define STANDARD_RIGHTS_ALL      0x001F0000L
#define ACCESS_SYSTEM_SECURITY   0x01000000L
#define MAXIMUM_ALLOWED          0x02000000L
#define GENERIC_READ             0x80000000u
#define GENERIC_WRITE            0x40000000L
#define GENERIC_EXECUTE          0x20000000L
#define GENERIC_ALL              0x10000000L

#define SECTION_QUERY                0x0001
#define SECTION_MAP_WRITE            0x0002
#define SECTION_MAP_READ             0x0004
#define SECTION_MAP_EXECUTE          0x0008
#define SECTION_EXTEND_SIZE          0x0010
#define SECTION_MAP_EXECUTE_EXPLICIT 0x0020
#define SECTION_ALL_ACCESS           (STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_WRITE | \
                                      SECTION_MAP_READ | SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE)

#define FILE_MAP_COPY            0x00000001
#define FILE_MAP_WRITE           SECTION_MAP_WRITE
#define FILE_MAP_READ            SECTION_MAP_READ
#define FILE_MAP_ALL_ACCESS      SECTION_ALL_ACCESS
#define FILE_MAP_EXECUTE         SECTION_MAP_EXECUTE_EXPLICIT
#define FILE_MAP_LARGE_PAGES     0x20000000
#define FILE_MAP_TARGETS_INVALID 0x40000000
#define FILE_MAP_RESERVE         0x80000000u

#define MUTANT_QUERY_STATE       0x0001
#define MUTEX_MODIFY_STATE       0x0001
#define MUTEX_ALL_ACCESS         (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | MUTEX_MODIFY_STATE)
#define SEMAPHORE_MODIFY_STATE   0x0002
#define SEMAPHORE_ALL_ACCESS     (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)
#define EVENT_MODIFY_STATE       0x0002
#define EVENT_ALL_ACCESS         (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)

#define PROCESS_TERMINATE                 0x0001
#define PROCESS_CREATE_THREAD             0x0002
#define PROCESS_VM_OPERATION              0x0008
#define PROCESS_VM_READ                   0x0010
#define PROCESS_VM_WRITE                  0x0020
#define PROCESS_DUP_HANDLE                0x0040
#define PROCESS_CREATE_PROCESS            0x0080
#define PROCESS_SET_INFORMATION           0x0200
#define PROCESS_QUERY_INFORMATION         0x0400
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000
#define PROCESS_ALL_ACCESS                (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)
#define THREAD_ALL_ACCESS                 (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

#define FILE_READ_DATA           0x0001
#define FILE_WRITE_DATA          0x0002
#define FILE_APPEND_DATA         0x0004
#define FILE_EXECUTE             0x0020
#define FILE_READ_ATTRIBUTES     0x0080
#define FILE_WRITE_ATTRIBUTES    0x0100
#define FILE_ALL_ACCESS          (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ        (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | 0x0008 | SYNCHRONIZE)
#define FILE_GENERIC_WRITE       (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | 0x0010 | FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE     (STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE)

/* ------------------------------------------------------------------ */
/* Memory: protections, SEC_*, MEM_*                                   */
/* ------------------------------------------------------------------ */

#define PAGE_NOACCESS          0x01
#define PAGE_READONLY          0x02
#define PAGE_READWRITE         0x04
#define PAGE_WRITECOPY         0x08
#define PAGE_EXECUTE           0x10
#define PAGE_EXECUTE_READ      0x20
#define PAGE_EXECUTE_READWRITE 0x40
#define PAGE_EXECUTE_WRITECOPY 0x80
#define PAGE_GUARD             0x100
#define PAGE_NOCACHE           0x200
#define PAGE_WRITECOMBINE      0x400
#define PAGE_TARGETS_INVALID   0x40000000
#define PAGE_TARGETS_NO_UPDATE 0x40000000

#define SEC_PARTITION_OWNER_HANDLE 0x00040000
#define SEC_64K_PAGES          0x00080000
#define SEC_FILE               0x00800000
#define SEC_IMAGE              0x01000000
#define SEC_PROTECTED_IMAGE    0x02000000
#define SEC_RESERVE            0x04000000
#define SEC_COMMIT             0x08000000
#define SEC_NOCACHE            0x10000000
#define SEC_WRITECOMBINE       0x40000000
#define SEC_LARGE_PAGES        0x80000000u
#define SEC_IMAGE_NO_EXECUTE   (SEC_IMAGE | SEC_NOCACHE)
#define SEC_NO_CHANGE          0x00400000

#define MEM_COMMIT             0x00001000
#define MEM_RESERVE            0x00002000
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#define MEM_DECOMMIT           0x00004000
#define MEM_RELEASE            0x00008000
#define MEM_FREE               0x00010000
#define MEM_PRIVATE            0x00020000
#define MEM_MAPPED             0x00040000
#define MEM_RESET              0x00080000
#define MEM_TOP_DOWN           0x00100000
#define MEM_LARGE_PAGES        0x20000000
#define MEM_IMAGE              0x01000000
#define MEM_UNMAP_WITH_TRANSIENT_BOOST 0x00000001
#define MEM_PRESERVE_PLACEHOLDER 0x00000002

typedef struct _MEMORY_BASIC_INFORMATION {
    PVOID  BaseAddress;
    PVOID  AllocationBase;
    DWORD  AllocationProtect;
    WORD   PartitionId;
    SIZE_T RegionSize;
    DWORD  State;
    DWORD  Protect;
    DWORD  Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;

#define PROCESSOR_ARCHITECTURE_INTEL 0
#define PROCESSOR_ARCHITECTURE_ARM   5
#define PROCESSOR_ARCHITECTURE_AMD64 9
#define PROCESSOR_ARCHITECTURE_ARM64 12
#define PROCESSOR_INTEL_386          386
#define PROCESSOR_INTEL_486          486
#define PROCESSOR_INTEL_PENTIUM      586
#define PROCESSOR_AMD_X8664          8664

typedef struct _SYSTEM_INFO {
    union {
        DWORD dwOemId;
        struct {
            WORD wProcessorArchitecture;
            WORD wReserved;
        };
    };
    DWORD     dwPageSize;
    LPVOID    lpMinimumApplicationAddress;
    LPVOID    lpMaximumApplicationAddress;
    DWORD_PTR dwActiveProcessorMask;
    DWORD     dwNumberOfProcessors;
    DWORD     dwProcessorType;
    DWORD     dwAllocationGranularity;
    WORD      wProcessorLevel;
    WORD      wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;

/* ------------------------------------------------------------------ */
/* Security                                                            */
/* ------------------------------------------------------------------ */

typedef PVOID PSID;
typedef struct _ACL {
    BYTE AclRevision;
    BYTE Sbz1;
    WORD AclSize;
    WORD AceCount;
    WORD Sbz2;
} ACL, *PACL;
typedef WORD SECURITY_DESCRIPTOR_CONTROL, *PSECURITY_DESCRIPTOR_CONTROL;
typedef struct _SECURITY_DESCRIPTOR {
    BYTE Revision;
    BYTE Sbz1;
    SECURITY_DESCRIPTOR_CONTROL Control;
    PSID Owner;
    PSID Group;
    PACL Sacl;
    PACL Dacl;
} SECURITY_DESCRIPTOR, *PISECURITY_DESCRIPTOR;
typedef PVOID PSECURITY_DESCRIPTOR;
#define SECURITY_DESCRIPTOR_REVISION   1
#define SECURITY_DESCRIPTOR_REVISION1  1
#define SECURITY_DESCRIPTOR_MIN_LENGTH (sizeof(SECURITY_DESCRIPTOR))
#define SE_OWNER_DEFAULTED 0x0001
#define SE_GROUP_DEFAULTED 0x0002
#define SE_DACL_PRESENT    0x0004
#define SE_DACL_DEFAULTED  0x0008
#define SE_SACL_PRESENT    0x0010
#define SE_SACL_DEFAULTED  0x0020
#define SE_SELF_RELATIVE   0x8000

typedef struct _SECURITY_ATTRIBUTES {
    DWORD  nLength;
    LPVOID lpSecurityDescriptor;
    BOOL   bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

/*
 * InitializeSecurityDescriptor - an absolute descriptor with no owner,
 * group or DACL (objects made with it get the default: owner only).
 * Errors: ERROR_NOACCESS (NULL), ERROR_UNKNOWN_REVISION (revision other
 * than 1).
 */
MMF_W32API BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                    DWORD dwRevision);
/*
 * SetSecurityDescriptorDacl - set the DACL.  A present NULL DACL grants
 * everyone full access: named objects made with it are mode 0666.  Any
 * other DACL is accepted and treated as the default (owner only).
 * Errors: ERROR_NOACCESS (NULL descriptor), ERROR_UNKNOWN_REVISION (not
 * initialised).
 */
MMF_W32API BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                                 BOOL bDaclPresent, PACL pDacl,
                                                 BOOL bDaclDefaulted);

/* ------------------------------------------------------------------ */
/* Handles and errors                                                  */
/* ------------------------------------------------------------------ */

#define DUPLICATE_CLOSE_SOURCE         0x00000001
#define DUPLICATE_SAME_ACCESS          0x00000002
#define HANDLE_FLAG_INHERIT            0x00000001
#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x00000002

/* GetLastError / SetLastError - the calling thread's last error code. */
MMF_W32API DWORD WINAPI GetLastError(void);
MMF_W32API void WINAPI SetLastError(DWORD dwErrCode);

/*
 * CloseHandle - close any handle of this layer (mapping, file, mutex,
 * semaphore, event, process, thread).  Views of a mapping stay mapped.
 * Errors: ERROR_INVALID_HANDLE (not an open handle, including a pseudo
 * handle such as GetCurrentProcess()'s, which Windows also accepts and
 * ignores: that case returns TRUE).
 */
MMF_W32API BOOL WINAPI CloseHandle(HANDLE hObject);

/*
 * DuplicateHandle - another handle to the same object, in this process
 * (both process handles must be GetCurrentProcess() or this process's
 * handle: ERROR_INVALID_HANDLE otherwise, ERROR_NOT_SUPPORTED for another
 * process).  dwDesiredAccess may reduce a mapping's rights; with
 * DUPLICATE_SAME_ACCESS it is ignored.  DUPLICATE_CLOSE_SOURCE closes the
 * source even when duplication fails.
 * Errors: ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER (NULL out),
 * ERROR_ACCESS_DENIED (more rights than the source has).
 */
MMF_W32API BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
                                       HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle,
                                       DWORD dwDesiredAccess, BOOL bInheritHandle,
                                       DWORD dwOptions);
/*
 * GetHandleInformation / SetHandleInformation - HANDLE_FLAG_INHERIT and
 * HANDLE_FLAG_PROTECT_FROM_CLOSE.  Errors: ERROR_INVALID_HANDLE,
 * ERROR_INVALID_PARAMETER (NULL flags pointer).
 */
MMF_W32API BOOL WINAPI GetHandleInformation(HANDLE hObject, LPDWORD lpdwFlags);
MMF_W32API BOOL WINAPI SetHandleInformation(HANDLE hObject, DWORD dwMask, DWORD dwFlags);

/* GetCurrentProcess - the pseudo handle (HANDLE)-1; GetCurrentThread - (HANDLE)-2. */
MMF_W32API HANDLE WINAPI GetCurrentProcess(void);
MMF_W32API HANDLE WINAPI GetCurrentThread(void);
MMF_W32API DWORD WINAPI GetCurrentProcessId(void);
MMF_W32API DWORD WINAPI GetCurrentThreadId(void);

/* ------------------------------------------------------------------ */
/* File mapping                                                        */
/* ------------------------------------------------------------------ */

/*
 * CreateFileMappingA / W - create (or, by name, open) a file mapping
 * object.  hFile: a file handle from CreateFile/OpenFile, or
 * INVALID_HANDLE_VALUE for memory ("the paging file").  Names are
 * "Local\\name", "Global\\name" or a bare name (local).
 * Returns the handle, or NULL.  Last error: 0 on creation,
 * ERROR_ALREADY_EXISTS when the name existed (a valid handle is returned),
 * otherwise ERROR_INVALID_PARAMETER (bad protection or SEC_* flags, size 0
 * for memory), ERROR_ACCESS_DENIED (file access vs protection, object's
 * security), ERROR_FILE_INVALID (empty file), ERROR_NOT_ENOUGH_MEMORY
 * (read-only mapping larger than the file), ERROR_DISK_FULL,
 * ERROR_INVALID_HANDLE (bad hFile, or the name is another type's),
 * ERROR_PATH_NOT_FOUND (bad name), ERROR_COMMITMENT_LIMIT.
 */
MMF_W32API HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                            DWORD flProtect, DWORD dwMaximumSizeHigh,
                                            DWORD dwMaximumSizeLow, LPCSTR lpName);
MMF_W32API HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES lpAttributes,
                                            DWORD flProtect, DWORD dwMaximumSizeHigh,
                                            DWORD dwMaximumSizeLow, LPCWSTR lpName);
/*
 * OpenFileMappingA / W - open a named mapping with FILE_MAP_* rights
 * (FILE_MAP_COPY counts as FILE_MAP_READ).  Returns NULL on failure:
 * ERROR_FILE_NOT_FOUND, ERROR_INVALID_HANDLE (another type's name),
 * ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER (NULL name).
 */
MMF_W32API HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle,
                                          LPCSTR lpName);
MMF_W32API HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle,
                                          LPCWSTR lpName);
/*
 * MapViewOfFile / MapViewOfFileEx - map a view (64 KiB granularity).
 * Returns the base address or NULL: ERROR_ACCESS_DENIED (access vs the
 * mapping's protection or the handle's rights, view past the end),
 * ERROR_MAPPED_ALIGNMENT (offset or base address not a multiple of
 * 65536), ERROR_INVALID_ADDRESS (base address busy), ERROR_INVALID_HANDLE,
 * ERROR_INVALID_PARAMETER (offset at or past the end),
 * ERROR_NOT_ENOUGH_MEMORY.
 */
MMF_W32API LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                       DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                       SIZE_T dwNumberOfBytesToMap);
MMF_W32API LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject, DWORD dwDesiredAccess,
                                         DWORD dwFileOffsetHigh, DWORD dwFileOffsetLow,
                                         SIZE_T dwNumberOfBytesToMap, LPVOID lpBaseAddress);
/*
 * UnmapViewOfFile - unmap the view containing lpBaseAddress (any address
 * inside it).  Errors: ERROR_INVALID_ADDRESS.
 */
MMF_W32API BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress);
/*
 * FlushViewOfFile - write a range of a view to its file and wait.
 * dwNumberOfBytesToFlush 0: to the end of the view.
 * Errors: ERROR_INVALID_PARAMETER (address in no view, range past its end,
 * as Wine), ERROR_WRITE_FAULT / ERROR_DISK_FULL (write-back failed).
 */
MMF_W32API BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress, SIZE_T dwNumberOfBytesToFlush);
/*
 * VirtualProtect - change the protection of view pages, within the view's
 * original protection.  Errors: ERROR_INVALID_PARAMETER (protection beyond
 * the view's, bad value), ERROR_NOACCESS (NULL lpflOldProtect),
 * ERROR_INVALID_ADDRESS (not in a view).
 */
MMF_W32API BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize, DWORD flNewProtect,
                                      PDWORD lpflOldProtect);
/*
 * VirtualQuery - describe the pages at lpAddress.  Views are MEM_MAPPED;
 * other memory of the process is reported as the kernel sees it
 * (/proc/self/maps): MEM_PRIVATE or MEM_IMAGE committed, or MEM_FREE.
 * Returns the bytes written (sizeof(MEMORY_BASIC_INFORMATION)) or 0 with
 * ERROR_INVALID_PARAMETER (address above the user range, buffer too small).
 */
MMF_W32API SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress, PMEMORY_BASIC_INFORMATION lpBuffer,
                                      SIZE_T dwLength);
/* GetSystemInfo - page size 4096, allocation granularity 65536. */
MMF_W32API void WINAPI GetSystemInfo(LPSYSTEM_INFO lpSystemInfo);
MMF_W32API void WINAPI GetNativeSystemInfo(LPSYSTEM_INFO lpSystemInfo);
/* GetLargePageMinimum - the huge page size, or 0 when there is none. */
MMF_W32API SIZE_T WINAPI GetLargePageMinimum(void);

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

#define FILE_SHARE_READ   0x00000001
#define FILE_SHARE_WRITE  0x00000002
#define FILE_SHARE_DELETE 0x00000004

#define CREATE_NEW        1
#define CREATE_ALWAYS     2
#define OPEN_EXISTING     3
#define OPEN_ALWAYS       4
#define TRUNCATE_EXISTING 5

#define FILE_ATTRIBUTE_READONLY            0x00000001
#define FILE_ATTRIBUTE_HIDDEN              0x00000002
#define FILE_ATTRIBUTE_SYSTEM              0x00000004
#define FILE_ATTRIBUTE_DIRECTORY           0x00000010
#define FILE_ATTRIBUTE_ARCHIVE             0x00000020
#define FILE_ATTRIBUTE_DEVICE              0x00000040
#define FILE_ATTRIBUTE_NORMAL              0x00000080
#define FILE_ATTRIBUTE_TEMPORARY           0x00000100
#define FILE_ATTRIBUTE_SPARSE_FILE         0x00000200
#define FILE_ATTRIBUTE_REPARSE_POINT       0x00000400
#define FILE_ATTRIBUTE_COMPRESSED          0x00000800
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000
#define INVALID_FILE_ATTRIBUTES            ((DWORD)-1)

#define FILE_FLAG_WRITE_THROUGH      0x80000000u
#define FILE_FLAG_OVERLAPPED         0x40000000
#define FILE_FLAG_NO_BUFFERING       0x20000000
#define FILE_FLAG_RANDOM_ACCESS      0x10000000
#define FILE_FLAG_SEQUENTIAL_SCAN    0x08000000
#define FILE_FLAG_DELETE_ON_CLOSE    0x04000000
#define FILE_FLAG_BACKUP_SEMANTICS   0x02000000
#define FILE_FLAG_POSIX_SEMANTICS    0x01000000

#define FILE_BEGIN   0
#define FILE_CURRENT 1
#define FILE_END     2
#define INVALID_SET_FILE_POINTER ((DWORD)-1)
#define INVALID_FILE_SIZE        ((DWORD)0xFFFFFFFF)

#define OFS_MAXPATHNAME 128
typedef struct _OFSTRUCT {
    BYTE cBytes;
    BYTE fFixedDisk;
    WORD nErrCode;
    WORD Reserved1;
    WORD Reserved2;
    CHAR szPathName[OFS_MAXPATHNAME];
} OFSTRUCT, *LPOFSTRUCT, *POFSTRUCT;
#define HFILE_ERROR ((HFILE)-1)
#define OF_READ             0x00000000
#define OF_WRITE            0x00000001
#define OF_READWRITE        0x00000002
#define OF_SHARE_COMPAT     0x00000000
#define OF_SHARE_EXCLUSIVE  0x00000010
#define OF_SHARE_DENY_WRITE 0x00000020
#define OF_SHARE_DENY_READ  0x00000030
#define OF_SHARE_DENY_NONE  0x00000040
#define OF_PARSE            0x00000100
#define OF_DELETE           0x00000200
#define OF_VERIFY           0x00000400
#define OF_CANCEL           0x00000800
#define OF_CREATE           0x00001000
#define OF_PROMPT           0x00002000
#define OF_EXIST            0x00004000
#define OF_REOPEN           0x00008000

typedef struct _OVERLAPPED {
    ULONG_PTR Internal;
    ULONG_PTR InternalHigh;
    union {
        struct { DWORD Offset; DWORD OffsetHigh; };
        PVOID Pointer;
    };
    HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

/*
 * CreateFileA / W - open or create a file.  Paths are Linux paths; '\\'
 * is read as '/', and a drive prefix "C:" is dropped.
 * dwDesiredAccess: GENERIC_READ / GENERIC_WRITE / GENERIC_EXECUTE (or
 * FILE_* rights, DELETE); dwShareMode: FILE_SHARE_READ / _WRITE /
 * _DELETE, enforced across processes for regular files against every other
 * Win32 open that has a data access (read or execute, write, delete).
 * Returns the handle, or INVALID_HANDLE_VALUE.  Last error: 0, or
 * ERROR_ALREADY_EXISTS on success of CREATE_ALWAYS / OPEN_ALWAYS over an
 * existing file; errors ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND,
 * ERROR_FILE_EXISTS (CREATE_NEW), ERROR_ACCESS_DENIED,
 * ERROR_SHARING_VIOLATION (an open of the file does not share the access
 * asked for, or has one this open does not share; nothing is changed),
 * ERROR_INVALID_PARAMETER (bad disposition), ERROR_USER_MAPPED_FILE
 * (CREATE_ALWAYS / TRUNCATE_EXISTING on a file a mapping covers).
 */
MMF_W32API HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                     LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                     HANDLE hTemplateFile);
MMF_W32API HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                                     LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                                     DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                                     HANDLE hTemplateFile);
/* ReadFile / WriteFile - synchronous I/O at the file pointer (lpOverlapped
 * gives an offset instead).  Errors: ERROR_INVALID_HANDLE,
 * ERROR_ACCESS_DENIED (handle not opened for it), ERROR_DISK_FULL, a NULL
 * buffer: ERROR_NOACCESS (ReadFile) / ERROR_INVALID_USER_BUFFER (WriteFile),
 * as Wine; ReadFile past the end with an OVERLAPPED: ERROR_HANDLE_EOF. */
MMF_W32API BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
                                LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped);
MMF_W32API BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
                                 LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped);
/* SetFilePointer / SetFilePointerEx - move the file pointer.
 * Errors: ERROR_NEGATIVE_SEEK, ERROR_INVALID_PARAMETER, ERROR_INVALID_HANDLE. */
MMF_W32API DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove,
                                       PLONG lpDistanceToMoveHigh, DWORD dwMoveMethod);
MMF_W32API BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove,
                                        PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod);
/* SetEndOfFile - make the file end at the file pointer.  Shrinking below
 * the end of a mapping of the file (in any mmf process) fails with
 * ERROR_USER_MAPPED_FILE; growing is allowed. */
MMF_W32API BOOL WINAPI SetEndOfFile(HANDLE hFile);
MMF_W32API DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh);
MMF_W32API BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize);
/* FlushFileBuffers - fsync.  Errors: ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED
 * (not opened for writing). */
MMF_W32API BOOL WINAPI FlushFileBuffers(HANDLE hFile);
/* DeleteFileA / W - remove a file.  Errors: ERROR_FILE_NOT_FOUND,
 * ERROR_PATH_NOT_FOUND, ERROR_ACCESS_DENIED (a directory, a read-only
 * file), ERROR_SHARING_VIOLATION (an open of it does not share delete). */
MMF_W32API BOOL WINAPI DeleteFileA(LPCSTR lpFileName);
MMF_W32API BOOL WINAPI DeleteFileW(LPCWSTR lpFileName);
MMF_W32API DWORD WINAPI GetFileAttributesA(LPCSTR lpFileName);
MMF_W32API DWORD WINAPI GetFileAttributesW(LPCWSTR lpFileName);
/* GetTempPathA / W - $TMPDIR (or /tmp) with a trailing '/'.  Returns the
 * length without the NUL, or the size needed when nBufferLength is too small. */
MMF_W32API DWORD WINAPI GetTempPathA(DWORD nBufferLength, LPSTR lpBuffer);
MMF_W32API DWORD WINAPI GetTempPathW(DWORD nBufferLength, LPWSTR lpBuffer);
/* GetTempFileNameA / W - "<path>/<prefix up to 3 chars><hex>.tmp"; with
 * uUnique 0 the file is created (unique), otherwise only named. */
MMF_W32API UINT WINAPI GetTempFileNameA(LPCSTR lpPathName, LPCSTR lpPrefixString, UINT uUnique,
                                        LPSTR lpTempFileName);
MMF_W32API UINT WINAPI GetTempFileNameW(LPCWSTR lpPathName, LPCWSTR lpPrefixString,
                                        UINT uUnique, LPWSTR lpTempFileName);
/* OpenFile - the 16-bit-era open: OF_READ, OF_WRITE, OF_READWRITE,
 * OF_CREATE, OF_DELETE, OF_EXIST.  Returns an HFILE usable as a HANDLE
 * (cast), or HFILE_ERROR with the code also in lpReOpenBuff->nErrCode. */
MMF_W32API HFILE WINAPI OpenFile(LPCSTR lpFileName, LPOFSTRUCT lpReOpenBuff, UINT uStyle);

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

#define WAIT_OBJECT_0      0x00000000L
#define WAIT_ABANDONED     0x00000080L
#define WAIT_ABANDONED_0   0x00000080L
#define WAIT_IO_COMPLETION 0x000000C0L
#define WAIT_TIMEOUT       258L
#define WAIT_FAILED        ((DWORD)0xFFFFFFFF)
#define STATUS_WAIT_0      ((DWORD)0x00000000L)
#define STATUS_ABANDONED_WAIT_0 ((DWORD)0x00000080L)
#define STATUS_TIMEOUT     ((DWORD)0x00000102L)

/*
 * CreateMutexA / W, CreateSemaphoreA / W, CreateEventA / W - create (or by
 * name open) a synchronization object.  Returns the handle or NULL.  Last
 * error 0, ERROR_ALREADY_EXISTS (existing object opened), or
 * ERROR_INVALID_HANDLE (the name is another type's), ERROR_ACCESS_DENIED,
 * ERROR_INVALID_PARAMETER (semaphore counts), ERROR_PATH_NOT_FOUND.
 */
MMF_W32API HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES lpMutexAttributes, BOOL bInitialOwner,
                                      LPCSTR lpName);
MMF_W32API HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES lpMutexAttributes, BOOL bInitialOwner,
                                      LPCWSTR lpName);
MMF_W32API HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                          LONG lInitialCount, LONG lMaximumCount, LPCSTR lpName);
MMF_W32API HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes,
                                          LONG lInitialCount, LONG lMaximumCount, LPCWSTR lpName);
MMF_W32API HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                      BOOL bInitialState, LPCSTR lpName);
MMF_W32API HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset,
                                      BOOL bInitialState, LPCWSTR lpName);
/* OpenMutexA / W, OpenSemaphoreA / W, OpenEventA / W - open by name with
 * the given rights (SYNCHRONIZE to wait, *_MODIFY_STATE to change).
 * Errors: ERROR_FILE_NOT_FOUND, ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED,
 * ERROR_INVALID_PARAMETER (NULL name). */
MMF_W32API HANDLE WINAPI OpenMutexA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
MMF_W32API HANDLE WINAPI OpenMutexW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
MMF_W32API HANDLE WINAPI OpenSemaphoreA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
MMF_W32API HANDLE WINAPI OpenSemaphoreW(DWORD dwDesiredAccess, BOOL bInheritHandle,
                                        LPCWSTR lpName);
MMF_W32API HANDLE WINAPI OpenEventA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName);
MMF_W32API HANDLE WINAPI OpenEventW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName);
/* ReleaseMutex - Errors: ERROR_NOT_OWNER, ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED. */
MMF_W32API BOOL WINAPI ReleaseMutex(HANDLE hMutex);
/* ReleaseSemaphore - Errors: ERROR_TOO_MANY_POSTS (nothing changes),
 * ERROR_INVALID_PARAMETER (count <= 0), ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED. */
MMF_W32API BOOL WINAPI ReleaseSemaphore(HANDLE hSemaphore, LONG lReleaseCount,
                                        LPLONG lpPreviousCount);
MMF_W32API BOOL WINAPI SetEvent(HANDLE hEvent);
MMF_W32API BOOL WINAPI ResetEvent(HANDLE hEvent);
/*
 * WaitForSingleObject / WaitForMultipleObjects - wait on mutexes,
 * semaphores, events, processes and threads.  Returns WAIT_OBJECT_0 (+i),
 * WAIT_ABANDONED (+i), WAIT_TIMEOUT, or WAIT_FAILED with
 * ERROR_INVALID_HANDLE (a bad or non-waitable handle, a mapping or a file
 * included), ERROR_ACCESS_DENIED (no SYNCHRONIZE right),
 * ERROR_INVALID_PARAMETER (nCount 0 or above MAXIMUM_WAIT_OBJECTS, NULL
 * array, the same object twice with bWaitAll).
 */
MMF_W32API DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);
MMF_W32API DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles,
                                               BOOL bWaitAll, DWORD dwMilliseconds);
MMF_W32API void WINAPI Sleep(DWORD dwMilliseconds);

typedef DWORD (WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;
#define CREATE_SUSPENDED 0x00000004
#define STACK_SIZE_PARAM_IS_A_RESERVATION 0x00010000
/*
 * CreateThread - start a thread running lpStartAddress(lpParameter).  The
 * handle is waitable (signaled when the thread ends) and gives the exit
 * code (GetExitCodeThread).  CREATE_SUSPENDED is not supported
 * (ERROR_NOT_SUPPORTED).  Errors: ERROR_INVALID_PARAMETER (NULL routine),
 * ERROR_NOT_ENOUGH_MEMORY.
 */
MMF_W32API HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes,
                                      SIZE_T dwStackSize, LPTHREAD_START_ROUTINE lpStartAddress,
                                      LPVOID lpParameter, DWORD dwCreationFlags,
                                      LPDWORD lpThreadId);
MMF_W32API BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
MMF_W32API void WINAPI ExitThread(DWORD dwExitCode);

/* ------------------------------------------------------------------ */
/* Processes                                                           */
/* ------------------------------------------------------------------ */

#define STILL_ACTIVE 259
#define DEBUG_PROCESS            0x00000001
#define CREATE_NEW_CONSOLE       0x00000010
#define NORMAL_PRIORITY_CLASS    0x00000020
#define CREATE_UNICODE_ENVIRONMENT 0x00000400
#define CREATE_NO_WINDOW         0x08000000
#define DETACHED_PROCESS         0x00000008
#define STARTF_USESHOWWINDOW     0x00000001
#define STARTF_USESTDHANDLES     0x00000100

typedef struct _STARTUPINFOA {
    DWORD  cb;
    LPSTR  lpReserved;
    LPSTR  lpDesktop;
    LPSTR  lpTitle;
    DWORD  dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute;
    DWORD  dwFlags;
    WORD   wShowWindow;
    WORD   cbReserved2;
    LPBYTE lpReserved2;
    HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOA, *LPSTARTUPINFOA;
typedef struct _STARTUPINFOW {
    DWORD  cb;
    LPWSTR lpReserved;
    LPWSTR lpDesktop;
    LPWSTR lpTitle;
    DWORD  dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute;
    DWORD  dwFlags;
    WORD   wShowWindow;
    WORD   cbReserved2;
    LPBYTE lpReserved2;
    HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOW, *LPSTARTUPINFOW;
typedef struct _PROCESS_INFORMATION {
    HANDLE hProcess;
    HANDLE hThread;
    DWORD  dwProcessId;
    DWORD  dwThreadId;
} PROCESS_INFORMATION, *PPROCESS_INFORMATION, *LPPROCESS_INFORMATION;

/*
 * CreateProcessA / W - run a program.  lpApplicationName (or, when NULL,
 * the first word of lpCommandLine) is the program; a name without '/'
 * is looked up in the directory of the current program, then in the
 * current directory, then in PATH, with ".exe" tried with and without.
 * The command line is split into argv by the Windows rules.  With
 * bInheritHandles, every inheritable handle reaches the child with the
 * same value.  lpEnvironment (NULL = ours) and lpCurrentDirectory are
 * honoured; dwCreationFlags other than CREATE_UNICODE_ENVIRONMENT and
 * the console/priority ones are refused (ERROR_INVALID_PARAMETER).
 * Errors: ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED, ERROR_BAD_EXE_FORMAT,
 * ERROR_INVALID_PARAMETER, ERROR_NOT_ENOUGH_MEMORY.
 */
MMF_W32API BOOL WINAPI CreateProcessA(LPCSTR lpApplicationName, LPSTR lpCommandLine,
                                      LPSECURITY_ATTRIBUTES lpProcessAttributes,
                                      LPSECURITY_ATTRIBUTES lpThreadAttributes,
                                      BOOL bInheritHandles, DWORD dwCreationFlags,
                                      LPVOID lpEnvironment, LPCSTR lpCurrentDirectory,
                                      LPSTARTUPINFOA lpStartupInfo,
                                      LPPROCESS_INFORMATION lpProcessInformation);
MMF_W32API BOOL WINAPI CreateProcessW(LPCWSTR lpApplicationName, LPWSTR lpCommandLine,
                                      LPSECURITY_ATTRIBUTES lpProcessAttributes,
                                      LPSECURITY_ATTRIBUTES lpThreadAttributes,
                                      BOOL bInheritHandles, DWORD dwCreationFlags,
                                      LPVOID lpEnvironment, LPCWSTR lpCurrentDirectory,
                                      LPSTARTUPINFOW lpStartupInfo,
                                      LPPROCESS_INFORMATION lpProcessInformation);
/* GetExitCodeProcess - STILL_ACTIVE while it runs, then its exit code (a
 * process killed by signal N reports 0xC0000000 | N, except SIGSEGV
 * 0xC0000005 and SIGBUS 0xC0000006). */
MMF_W32API BOOL WINAPI GetExitCodeProcess(HANDLE hProcess, LPDWORD lpExitCode);
/* TerminateProcess - kill the process (SIGKILL); its exit code becomes uExitCode. */
MMF_W32API BOOL WINAPI TerminateProcess(HANDLE hProcess, UINT uExitCode);
MMF_W32API void WINAPI ExitProcess(UINT uExitCode) __attribute__((noreturn));
MMF_W32API DWORD WINAPI GetProcessId(HANDLE Process);
/* OpenProcess - a handle to a running process by id (waitable). */
MMF_W32API HANDLE WINAPI OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId);
/* GetModuleFileNameA / W - hModule NULL: the path of the running program.
 * Returns the length copied (truncated with ERROR_INSUFFICIENT_BUFFER
 * when nSize is too small), or 0 with ERROR_MOD_NOT_FOUND for another module. */
MMF_W32API DWORD WINAPI GetModuleFileNameA(HMODULE hModule, LPSTR lpFilename, DWORD nSize);
MMF_W32API DWORD WINAPI GetModuleFileNameW(HMODULE hModule, LPWSTR lpFilename, DWORD nSize);
MMF_W32API LPSTR WINAPI GetCommandLineA(void);
MMF_W32API DWORD WINAPI GetEnvironmentVariableA(LPCSTR lpName, LPSTR lpBuffer, DWORD nSize);
MMF_W32API BOOL WINAPI SetEnvironmentVariableA(LPCSTR lpName, LPCSTR lpValue);

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

/* GetTickCount / GetTickCount64 - milliseconds since boot (CLOCK_MONOTONIC). */
MMF_W32API DWORD WINAPI GetTickCount(void);
MMF_W32API ULONGLONG WINAPI GetTickCount64(void);
/* QueryPerformanceCounter / Frequency - CLOCK_MONOTONIC in 100 ns units
 * (frequency 10,000,000, as on current Windows).  Errors:
 * ERROR_NOACCESS (NULL pointer). */
MMF_W32API BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount);
MMF_W32API BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency);

/* ------------------------------------------------------------------ */
/* Strings and the C runtime extras                                    */
/* ------------------------------------------------------------------ */

#define CP_ACP  0
#define CP_UTF8 65001
/* MultiByteToWideChar / WideCharToMultiByte - UTF-8 <-> UTF-16 (every code
 * page is read as UTF-8). */
MMF_W32API int WINAPI MultiByteToWideChar(UINT CodePage, DWORD dwFlags, LPCSTR lpMultiByteStr,
                                          int cbMultiByte, LPWSTR lpWideCharStr, int cchWideChar);
MMF_W32API int WINAPI WideCharToMultiByte(UINT CodePage, DWORD dwFlags, LPCWSTR lpWideCharStr,
                                          int cchWideChar, LPSTR lpMultiByteStr, int cbMultiByte,
                                          LPCSTR lpDefaultChar, LPBOOL lpUsedDefaultChar);
MMF_W32API int WINAPI lstrlenA(LPCSTR lpString);
MMF_W32API int WINAPI lstrlenW(LPCWSTR lpString);

/* _stricmp / _strnicmp - ASCII case-insensitive comparison. */
MMF_W32API int _stricmp(const char *a, const char *b);
MMF_W32API int _strnicmp(const char *a, const char *b, size_t n);
/* _strtoui64 - strtoull with the C runtime's name. */
MMF_W32API unsigned long long _strtoui64(const char *s, char **end, int base);
#define stricmp _stricmp
#define strnicmp _strnicmp

/* ------------------------------------------------------------------ */
/* UNICODE selection                                                   */
/* ------------------------------------------------------------------ */

#ifdef UNICODE
#define CreateFileMapping   CreateFileMappingW
#define OpenFileMapping     OpenFileMappingW
#define CreateFile          CreateFileW
#define DeleteFile          DeleteFileW
#define GetFileAttributes   GetFileAttributesW
#define GetTempPath         GetTempPathW
#define GetTempFileName     GetTempFileNameW
#define CreateMutex         CreateMutexW
#define OpenMutex           OpenMutexW
#define CreateSemaphore     CreateSemaphoreW
#define OpenSemaphore       OpenSemaphoreW
#define CreateEvent         CreateEventW
#define OpenEvent           OpenEventW
#define CreateProcess       CreateProcessW
#define STARTUPINFO         STARTUPINFOW
#define LPSTARTUPINFO       LPSTARTUPINFOW
#define GetModuleFileName   GetModuleFileNameW
#define lstrlen             lstrlenW
#else
#define CreateFileMapping   CreateFileMappingA
#define OpenFileMapping     OpenFileMappingA
#define CreateFile          CreateFileA
#define DeleteFile          DeleteFileA
#define GetFileAttributes   GetFileAttributesA
#define GetTempPath         GetTempPathA
#define GetTempFileName     GetTempFileNameA
#define CreateMutex         CreateMutexA
#define OpenMutex           OpenMutexA
#define CreateSemaphore     CreateSemaphoreA
#define OpenSemaphore       OpenSemaphoreA
#define CreateEvent         CreateEventA
#define OpenEvent           OpenEventA
#define CreateProcess       CreateProcessA
#define STARTUPINFO         STARTUPINFOA
#define LPSTARTUPINFO       LPSTARTUPINFOA
#define GetModuleFileName   GetModuleFileNameA
#define lstrlen             lstrlenA
#endif

#ifdef __cplusplus
}
#endif

#endif /* MMF_WIN32_WINDOWS_H */
