/* The "json" parser kind: JSON lines mapped to event fields by paths (see parse_json in README). */
#include "format.h"

static int js_load(struct format *f, struct format_def *d, struct buf *err)
{
	(void)f;
	buf_printf(err, "%s: the json parser kind is not available yet", format_def_where(d));
	return -1;
}

const struct format_ops parse_json_ops = {
	.kind = "json",
	.load = js_load,
};
