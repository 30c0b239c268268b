/*
 * libFuzzer target: every built-in format parses every line of the input, then the event
 * is finished and the line scrubbed, as ingest does. Build and run: make fuzz (clang).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "format.h"

static struct format_set set;
static struct credential_scrubber *scrub;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct buf err = BUF_INIT, reason = BUF_INIT, out = BUF_INIT;
	if (!ready) {
		if (sodium_init() < 0 || format_set_load(&set, NULL, &err) < 0)
			abort();
		scrub = credential_scrubber_new();
		ready = 1;
	}
	struct slice lines[32];
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size && n < 32; i++)
		if (i == size || data[i] == '\n') {
			lines[n++] = (struct slice){ (const char *)data + start, i - start };
			start = i + 1;
		}
	size_t matched;
	format_detect(&set, lines, n, &matched);
	for (size_t f = 0; f < set.n; f++) {
		if (set.v[f]->ops->reset && format_compile(set.v[f], &err) == 0)
			set.v[f]->ops->reset(set.v[f]);
		for (size_t i = 0; i < n; i++) {
			struct event ev;
			event_clear(&ev);
			buf_reset(&reason);
			if (format_parse(set.v[f], lines[i].p, lines[i].n, &ev, &reason) == 0) {
				event_finish(&ev);
				if (ev.text[EV_TOKEN].p) {
					const char *p = ev.text[EV_TOKEN].p;
					size_t len = ev.text[EV_TOKEN].n;
					credential_strip_scheme(&p, &len);
					buf_reset(&out);
					credential_mask(p, len, &out);
				}
			}
		}
	}
	buf_reset(&out);
	credential_scrub(scrub, (const char *)data, size, &out);
	buf_free(&err);
	buf_free(&reason);
	buf_free(&out);
	return 0;
}
