#include "out.h"
int out_csv_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	(void)out; (void)r; (void)o;
	buf_printf(err, "not yet");
	return -1;
}
