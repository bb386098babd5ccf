# views_protect_query: where mmf knowingly differs from Windows (and Wine),
# each also in docs/porting.md.  Applied by record.sh after the .windows.sed.
# SEC_RESERVE: mmf has no VirtualAlloc(MEM_COMMIT); a reserve-only section's
# views are usable at once (only the commit charge is skipped), so their
# pages are committed (MEM_COMMIT, the view's protection) and VirtualProtect
# works on them.  Windows: MEM_RESERVE, Protect 0, and 487 until committed.
s/^q_anon_reserve: \(.*\) state=0x2000 prot=0x0 /q_anon_reserve: \1 state=0x1000 prot=0x4 /
s/^vp_reserve_uncommitted: ok=0 err=487$/vp_reserve_uncommitted: ok=1 err=3735928559/
