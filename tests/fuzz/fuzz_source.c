/*
 * libFuzzer target: the input is a file (plain or gzip); source reads every line and
 * must return lines or a clean error, never crash. Build and run: make fuzz (clang).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/tokstat-fuzz-XXXXXX";
	static int fd = -1;
	if (fd < 0 && (fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct source *s;
	struct buf err = BUF_INIT;
	struct source_line l;
	if (source_open(&s, path, 4096, &err) == 0) {
		size_t head_n;
		source_head(s, &head_n);
		while (source_next_line(s, &l, &err) > 0)
			if (l.n > 4096)
				abort();
		source_close(s);
	}
	buf_free(&err);
	return 0;
}
