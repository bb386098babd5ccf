# views_protect_query: where Wine's answer is not Windows'.
# spec/win32-file-mapping.md 3.4 (copy-on-write views) [D; W]: the first write
# to a page of a FILE_MAP_COPY view makes that page PAGE_READWRITE and splits
# the region (4096 bytes); spec/wine-behaviours.md A.11 and A.12: Wine keeps
# PAGE_WRITECOPY and does not split (todo_wine in Wine's test_mappings).
s/^q_cow_written page0: \(.*\) region=12288 state=0x1000 prot=0x8 /q_cow_written page0: \1 region=4096 state=0x1000 prot=0x4 /
# spec/win32-file-mapping.md 3.10: VirtualProtect needs committed pages of a
# view, otherwise ERROR_INVALID_ADDRESS (487); Wine reports 87 for an address
# whose view was unmapped (MEM_FREE).
s/^vp_unmapped: ok=0 err=87$/vp_unmapped: ok=0 err=487/
