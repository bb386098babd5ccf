/*
 * psapi.h — mmf's Win32 compatibility header for the process-status calls
 * that file-mapping programs use.  Include <windows.h> first.
 */
#ifndef MMF_WIN32_PSAPI_H
#define MMF_WIN32_PSAPI_H

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * K32GetMappedFileNameA / W (GetMappedFileName) - the name of the file
 * behind a view.  hProcess must be GetCurrentProcess() or a handle to this
 * process.  The name is the file's Linux path as the kernel names it now
 * (Windows gives an NT device path such as "\Device\HarddiskVolume1\dir\f";
 * Linux has no such thing: see docs/porting.md).  Returns the length copied
 * (without the NUL; a short buffer gets a truncated string, as Windows).
 * Errors: ERROR_INVALID_HANDLE (bad process handle), ERROR_UNEXP_NET_ERR
 * (address in no view), ERROR_FILE_INVALID (a memory-backed view),
 * ERROR_INVALID_PARAMETER (NULL buffer or nSize 0).
 */
MMF_W32API DWORD WINAPI K32GetMappedFileNameA(HANDLE hProcess, LPVOID lpv, LPSTR lpFilename,
                                              DWORD nSize);
MMF_W32API DWORD WINAPI K32GetMappedFileNameW(HANDLE hProcess, LPVOID lpv, LPWSTR lpFilename,
                                              DWORD nSize);
MMF_W32API DWORD WINAPI GetMappedFileNameA(HANDLE hProcess, LPVOID lpv, LPSTR lpFilename,
                                           DWORD nSize);
MMF_W32API DWORD WINAPI GetMappedFileNameW(HANDLE hProcess, LPVOID lpv, LPWSTR lpFilename,
                                           DWORD nSize);

#ifdef UNICODE
#define GetMappedFileName GetMappedFileNameW
#else
#define GetMappedFileName GetMappedFileNameA
#endif

#ifdef __cplusplus
}
#endif

#endif /* MMF_WIN32_PSAPI_H */
