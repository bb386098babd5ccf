# mmf — GNU Makefile.  Targets: all (default), check, bench, demo, install,
# uninstall, clean.  Variables: CC, PREFIX, SANITIZE (e.g. address,undefined
# or thread), O (optimisation level).
#
# Sanitized builds go to their own directory so objects never mix.

CC       ?= cc
PREFIX   ?= /usr/local
O        ?= 2
SANITIZE ?=
comma    := ,

VERSION  := 0.1.0
SOMAJOR  := 0

ifeq ($(SANITIZE),)
BUILD    := build
SANFLAGS :=
else
BUILD    := build/san-$(subst $(comma),-,$(SANITIZE))
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O$(O) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -Isrc
LIB_CFLAGS := $(ALL_CFLAGS) -fPIC -fvisibility=hidden
LDLIBS   := -lpthread

LIB_SRC  := $(wildcard src/*.c) $(wildcard src/win32/*.c)
LIB_OBJ  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
# Flags a Win32 program is built with against the layer (mmf-win32.pc says
# the same for an installed mmf).
W32_CFLAGS := -Iinclude/win32 -Iinclude -fshort-wchar
LIB_A    := $(BUILD)/libmmf.a
LIB_SO   := $(BUILD)/libmmf.so.$(VERSION)

TEST_SRC := $(wildcard tests/*.c)
TEST_BIN := $(BUILD)/tests/mmf-tests

EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
BENCHES  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

.PHONY: all check bench demo install uninstall clean deps-build deps-test fuzz soak

all: $(LIB_A) $(LIB_SO) $(EXAMPLES) $(BUILD)/examples/flatdb $(BUILD)/mmf

# The CLI links the static library and may use its internal headers.
$(BUILD)/mmf: tools/mmf.c $(LIB_A) $(wildcard src/*.h)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) include/mmf.h | $(BUILD)/obj
	$(CC) $(LIB_CFLAGS) -MMD -c $< -o $@

# The Win32 layer is built like the library (no -fshort-wchar: WCHAR is
# uint16_t there, the same type the programs see as wchar_t).
$(BUILD)/obj/win32/%.o: src/win32/%.c $(wildcard src/win32/*.h) $(wildcard include/win32/*.h) include/mmf.h | $(BUILD)/obj/win32
	$(CC) $(LIB_CFLAGS) -Iinclude/win32 -MMD -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) $(SANFLAGS) -shared -Wl,-soname,libmmf.so.$(SOMAJOR) -o $@ $^ $(LDLIBS)
	ln -sf libmmf.so.$(VERSION) $(BUILD)/libmmf.so.$(SOMAJOR)
	ln -sf libmmf.so.$(VERSION) $(BUILD)/libmmf.so

$(BUILD)/obj $(BUILD)/obj/win32 $(BUILD)/tests $(BUILD)/examples $(BUILD)/bench:
	mkdir -p $@

# Programs link the static library so they run from the build tree as is.
$(BUILD)/examples/%: examples/%.c $(LIB_A) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS)

# The flat-file database: a small library and its command, the main demo.
$(BUILD)/examples/flatdb: examples/flatdb/flatdb.c examples/flatdb/main.c examples/flatdb/flatdb.h $(LIB_A) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) examples/flatdb/flatdb.c examples/flatdb/main.c -o $@ $(LIB_A) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(wildcard bench/*.h) $(LIB_A) | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS) -lm

# The Win32 benchmark is a Win32 program: the layer's flags.
$(BUILD)/bench/bench_win32: bench/bench_win32.c $(wildcard bench/*.h) $(LIB_A) | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $(W32_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS) -lm

$(TEST_BIN): $(TEST_SRC) $(wildcard tests/*.h) $(LIB_A) | $(BUILD)/tests deps-test
	$(CC) $(ALL_CFLAGS) -Itests $(TEST_SRC) -o $@ $(LIB_A) -lcriterion $(LDLIBS)

# Installs what the build and the tests need when it is missing (Debian).
deps-test:
	@sh scripts/deps.sh test

deps-build:
	@sh scripts/deps.sh build

# Criterion cannot start under ThreadSanitizer (Snaipe/Criterion#274): the
# TSan variant runs the threaded scenarios as a plain program instead.
ifneq ($(findstring thread,$(SANITIZE)),)
check: $(BUILD)/tests/threads $(BUILD)/tests/threads_win32
	$(BUILD)/tests/threads
	$(BUILD)/tests/threads_win32
else
check: $(TEST_BIN) $(BUILD)/tests/threads $(BUILD)/tests/threads_win32 $(BUILD)/tests/mmf-child $(BUILD)/tests/handle-child $(BUILD)/tests/sync-child $(BUILD)/tests/stress-child $(BUILD)/mmf
	$(BUILD)/tests/threads
	$(BUILD)/tests/threads_win32
	MMF_TEST_CHILD=$(abspath $(BUILD)/tests/mmf-child) \
	MMF_HANDLE_CHILD=$(abspath $(BUILD)/tests/handle-child) \
	MMF_CLI=$(abspath $(BUILD)/mmf) $(TEST_BIN)
	CC="$(CC)" EXTRA_CFLAGS="$(SANFLAGS)" sh tests/extra.sh $(BUILD)
endif

# A helper program the multi-process tests spawn (fork+exec, so it inherits
# only what a real unrelated process would).
$(BUILD)/tests/%-child: tests/child/%-child.c $(wildcard tests/child/*.h) $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS)

$(BUILD)/tests/threads: tests/standalone/threads.c $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS)

$(BUILD)/tests/threads_win32: tests/standalone/threads_win32.c $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(W32_CFLAGS) $< -o $@ $(LIB_A) $(LDLIBS)

# libFuzzer harnesses: the library built into each with clang's fuzzer,
# address and undefined-behaviour sanitizers.  `make fuzz FUZZ_SECONDS=N`.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fshort-wchar -Iinclude -Iinclude/win32 -Isrc

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC) $(wildcard src/*.h src/win32/*.h include/*.h include/win32/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(LIB_SRC) -o $@ -lpthread

fuzz: build/fuzz/fuzz_native build/fuzz/fuzz_win32
	sh fuzz/run.sh $(FUZZ_SECONDS)

# The kill -9 soak: SOAK_KILLS SIGKILLs of processes holding names,
# mutexes and events at random moments, then a check that nothing is left.
SOAK_KILLS ?= 1000
$(BUILD)/soak/soak: soak/soak.c include/mmf.h $(LIB_A)
	@mkdir -p $(BUILD)/soak
	$(CC) $(ALL_CFLAGS) soak/soak.c $(LIB_A) $(LDLIBS) -o $@

soak: $(BUILD)/soak/soak
	sh soak/run.sh -b $(BUILD) --kills $(SOAK_KILLS)

demo: $(BUILD)/examples/flatdb
	$(BUILD)/examples/flatdb demo

bench: $(BENCHES)
	@sh scripts/deps.sh bench
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done
	@echo "== bench/suite: mmf, mmf-win32, linux, boost, wine side by side"
	@BUILD=$(BUILD) CC="$(CC) $(SANFLAGS)" sh bench/suite/run.sh

install: $(LIB_A) $(LIB_SO) $(BUILD)/mmf
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/mmf $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmmf.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libmmf.so.$(SOMAJOR)
	ln -sf libmmf.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libmmf.so
	install -m 644 include/mmf.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' mmf.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf.pc
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/man3/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -d $(DESTDIR)$(PREFIX)/include/mmf-win32
	install -m 644 include/win32/windows.h include/win32/psapi.h $(DESTDIR)$(PREFIX)/include/mmf-win32/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' mmf-win32.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf-win32.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mmf $(DESTDIR)$(PREFIX)/lib/libmmf.a $(DESTDIR)$(PREFIX)/lib/libmmf.so* \
	      $(DESTDIR)$(PREFIX)/include/mmf.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf.pc \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf-win32.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/mmf-win32
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/,$(patsubst man/%,%,$(wildcard man/man1/*.1 man/man3/*.3 man/man7/*.7)))

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d)
