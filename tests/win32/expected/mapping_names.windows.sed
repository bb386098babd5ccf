# mapping_names: where Wine's answer is not Windows'.
# spec/win32-file-mapping.md 3.4 (mapping protection x view access table,
# [D] MapViewOfFile: a FILE_MAP_WRITE view needs a PAGE_READWRITE or
# PAGE_EXECUTE_READWRITE mapping, a FILE_MAP_EXECUTE view a PAGE_EXECUTE_*
# mapping): ERROR_ACCESS_DENIED (5).  Wine checks only the handle's rights
# for memory-backed mappings, so a handle opened with FILE_MAP_ALL_ACCESS
# (which includes SECTION_MAP_EXECUTE) maps a write view of a PAGE_READONLY
# mapping and an execute view of a PAGE_READWRITE one.
s/^readonly_all_access map_write: view prot=0x4$/readonly_all_access map_write: NULL err=5/
s/^h_all map_exec: view prot=0x20$/h_all map_exec: NULL err=5/
