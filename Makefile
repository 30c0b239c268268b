# tokstat: build, test, benchmark, install.  Plain make; read top to bottom.

PREFIX   ?= /usr/local
CC       ?= cc
VERSION  := 0.1.0

PKGS     := libpcre2-8 sqlite3 zlib libsodium
# libcsv ships no pkg-config file on Debian: link it by name.
CSV_LIBS := -lcsv

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -D_GNU_SOURCE -DTOKSTAT_VERSION='"$(VERSION)"' -Iinclude -Ibuild \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) $(CSV_LIBS) -lpthread -lm
DEPFLAGS  = -MMD -MP

SRC      := $(wildcard src/*.c)
OBJ      := $(SRC:src/%.c=build/%.o) build/embedded.o
LIB_OBJ  := $(filter-out build/main.o build/cmd_%.o,$(OBJ))
EMBED    := $(sort $(wildcard sql/*.sql sql/queries/*.sql parsers/*.json))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)

all: tokstat

tokstat: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: src/%.c | build
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# SQL and built-in parser definitions are compiled into the binary.
build/embedded.c: tools/embed.sh $(EMBED) | build
	sh tools/embed.sh $(EMBED) > $@

build/embedded.o: build/embedded.c
	$(CC) $(CFLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(LIB_OBJ) | build
	@mkdir -p build/tests
	$(CC) $(CFLAGS) $(DEPFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) $(shell pkg-config --libs cmocka)

build:
	@mkdir -p build

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

e2e: tokstat
	@sh tests/e2e/run.sh

check: unit e2e

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer, in a separate tree.
asan:
	$(MAKE) BUILD_ASAN=1 CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" clean-objects check

bench: tokstat
	@sh tests/bench/run.sh

install: tokstat
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tokstat/parsers
	install -m 755 tokstat $(DESTDIR)$(PREFIX)/bin/tokstat
	install -m 644 parsers/*.json $(DESTDIR)$(PREFIX)/share/tokstat/parsers/

clean-objects:
	rm -rf build tokstat

clean: clean-objects
	rm -rf tests/e2e/tmp bench-out

.PHONY: all unit e2e check asan bench install clean clean-objects

-include $(wildcard build/*.d build/tests/*.d)
