# mapping_create: where Wine accepts what Windows refuses.
# spec/wine-behaviours.md A.3 and A.12, B.1 item 12 (todo_wine in Wine's own
# tests); spec/win32-file-mapping.md 2.1: PAGE_EXECUTE_* mappings need a file
# opened with GENERIC_EXECUTE; Windows gives ERROR_ACCESS_DENIED (5), Wine
# does not check FILE_EXECUTE and creates the mapping.
s/^access_r EXECUTE_READ: handle err=0$/access_r EXECUTE_READ: NULL err=5/
s/^access_r EXECUTE_WRITECOPY: handle err=0$/access_r EXECUTE_WRITECOPY: NULL err=5/
s/^access_rw EXECUTE_READ: handle err=0$/access_rw EXECUTE_READ: NULL err=5/
s/^access_rw EXECUTE_READWRITE: handle err=0$/access_rw EXECUTE_READWRITE: NULL err=5/
s/^access_rw EXECUTE_WRITECOPY: handle err=0$/access_rw EXECUTE_WRITECOPY: NULL err=5/
