/* The "csv" parser kind: CSV records mapped to event fields by header names. */
#include "format.h"

static int csv_load(struct format *f, struct format_def *d, struct buf *err)
{
	(void)f;
	buf_printf(err, "%s: the csv parser kind is not available yet", format_def_where(d));
	return -1;
}

const struct format_ops parse_csv_ops = {
	.kind = "csv",
	.load = csv_load,
};
