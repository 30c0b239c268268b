# tokstat: build, test, benchmark, install.  Plain make; read top to bottom.
#
#   make            build ./tokstat
#   make test       unit + end-to-end tests, then the same under ASan+UBSan (what CI runs)
#   make check      unit + end-to-end tests
#   make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make bench      speed as ratios measured in one run, and memory (not a test; BENCH_QUICK=1: smaller)
#   make report-shots  screenshots of samples/report.html at 375 and 1280 px (chromium)
#   make install PREFIX=/usr/local

PREFIX   ?= /usr/local
CC       ?= cc
VERSION  := 0.1.0
BUILD    ?= build
BIN      ?= tokstat

PKGS     := libpcre2-8 sqlite3 libisal libsodium inih
# libcurl's headers only: src/webhook.c loads the library when it posts (dlopen).
DL_PKGS  := libcurl
# libcsv ships no pkg-config file on Debian: link it by name.
CSV_LIBS := -lcsv

# pkg-config runs once per make, not once per compile (:= expands here).
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) $(DL_PKGS))
PKG_LIBS    := $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

# CFLAGS/LDFLAGS are yours to set (make CFLAGS=-O0); what the build needs is added apart.
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -D_GNU_SOURCE -DTOKSTAT_VERSION='"$(VERSION)"' -Iinclude $(PKG_CFLAGS)
LIBS      = $(PKG_LIBS) $(CSV_LIBS) -lpthread -lm
DEPFLAGS  = -MMD -MP

SRC      := $(wildcard src/*.c)
OBJ      := $(SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/embedded.o
LIB_OBJ  := $(filter-out $(BUILD)/main.o $(BUILD)/cmd_%.o,$(OBJ))
# Every file here is compiled into the binary; a new migration is a new sql/migrate/NNN-name.sql.
EMBED    := $(sort $(wildcard sql/*.sql sql/migrate/*.sql sql/queries/*.sql sql/reports/*.sql parsers/*.json))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Fixtures shared by every unit test (temporary databases and stores, SQL assertions).
TESTLIB  := $(BUILD)/tests/testlib.o

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_FLAGS := -O1 -g -fsanitize=thread
# The runs that use the writer thread and the parser pool most, for ThreadSanitizer: chunk
# boundaries, many files ending while the next is read, copies, small shared batches,
# concurrent runs. (Under TSan a whole e2e suite would take longer than it tells.)
TSAN_E2E := test_json_threads test_json_many_files test_json_claude_code test_once_small_files \
	    test_once_copy test_once_concurrent
E2E_TESTS :=

# A recipe that fails leaves no half-written target behind (embedded.c, a test binary).
.DELETE_ON_ERROR:

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# SQL and built-in parser definitions are compiled into the binary (the Makefile is a
# prerequisite too: it holds the list, and a file added to it must regenerate the table).
# The list of embedded files, rewritten only when it changes: a file removed from sql/ or
# parsers/ (a renumbered migration) remakes embedded.c too, not only an added or edited one.
$(BUILD)/embed.list: FORCE | $(BUILD)
	@echo '$(EMBED)' | cmp -s - $@ || echo '$(EMBED)' > $@

$(BUILD)/embedded.c: tools/embed.sh $(EMBED) $(BUILD)/embed.list Makefile | $(BUILD)
	sh tools/embed.sh $(EMBED) > $@

$(BUILD)/embedded.o: $(BUILD)/embedded.c
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(TESTLIB): tests/unit/testlib.c | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(DEPFLAGS) -Itests/unit -o $@ $< $(TESTLIB) $(LIB_OBJ) $(LIBS) $(CMOCKA_LIBS)

$(BUILD) $(BUILD)/tests:
	@mkdir -p $@

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Each build keeps the e2e scratch directories apart ($(BUILD)/e2e), so `make -j test` (check
# and asan at once) never shares one between the two runs.
e2e: $(BIN)
	@rm -rf $(BUILD)/e2e && mkdir -p $(BUILD)/e2e
	@TOKSTAT=$(CURDIR)/$(BIN) CORPUS=$(CURDIR)/../shared/corpus E2E_TMP=$(CURDIR)/$(BUILD)/e2e sh tests/e2e/run.sh \
		$(E2E_TESTS:%=tests/e2e/%.sh)

check: unit e2e

asan:
	$(MAKE) BUILD=build-asan BIN=tokstat-asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" check

# A race report makes the program exit 66, so the test that ran it fails.
tsan:
	$(MAKE) BUILD=build-tsan BIN=tokstat-tsan CFLAGS="$(TSAN_FLAGS)" LDFLAGS="-fsanitize=thread" \
		E2E_TESTS="$(TSAN_E2E)" build-tsan/tests/test_ingest e2e
	build-tsan/tests/test_ingest

test: check asan tsan

# SQLite's own ceiling for the event row, against which the ingest is measured (see the file).
bench-out/ceiling: tests/bench/ceiling.c include/ingest.h include/store.h
	@mkdir -p bench-out
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS)

bench: $(BIN) bench-out/ceiling
	@sh tests/bench/run.sh

# Screenshots of samples/report.html (made by tools/demo.sh) for a person to look at.
report-shots: $(BIN)
	@sh tools/demo.sh shots

# Coverage-guided fuzzing with clang's libFuzzer: FUZZ_SECONDS per target (not part of test).
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) BUILD=build-fuzz BIN=tokstat-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/embedded.o $(patsubst %,build-fuzz/%.o,$(basename $(notdir $(filter-out src/main.c src/cmd_%.c,$(SRC)))))
	@set -e; for t in parse source; do \
		clang -O1 -g -fsanitize=fuzzer,address,undefined -std=c17 -D_GNU_SOURCE -Iinclude -o build-fuzz/fuzz_$$t \
			tests/fuzz/fuzz_$$t.c $(filter-out build-fuzz/main.o build-fuzz/cmd_%.o,$(patsubst build/%,build-fuzz/%,$(OBJ))) $(LIBS); \
		mkdir -p build-fuzz/corpus_$$t; \
		build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus_$$t tests/fuzz/seeds_$$t; \
	done

# The proxy recipes go beside the parsers: README, "Logging from nginx" and "from Caddy".
install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tokstat/parsers \
		$(DESTDIR)$(PREFIX)/share/tokstat/nginx $(DESTDIR)$(PREFIX)/share/tokstat/caddy
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tokstat
	install -m 644 parsers/*.json $(DESTDIR)$(PREFIX)/share/tokstat/parsers/
	install -m 644 samples/nginx/tokstat.conf samples/nginx/tokstat.js $(DESTDIR)$(PREFIX)/share/tokstat/nginx/
	install -m 644 samples/caddy/tokstat.caddy $(DESTDIR)$(PREFIX)/share/tokstat/caddy/

clean:
	rm -rf build build-asan build-tsan build-fuzz tokstat tokstat-asan tokstat-tsan tests/e2e/tmp bench-out

clean-objects:
	rm -rf $(BUILD) $(BIN)

.PHONY: all unit e2e check asan tsan test bench report-shots fuzz install clean clean-objects

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d)

FORCE:
