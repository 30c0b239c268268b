/* The table of writers, number formatting shared by the writers, atomic files (see out.h). */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct out_writer writers[] = {
	{ "text", "text/plain; charset=utf-8", out_text_write },
	{ "csv", "text/csv; charset=utf-8; header=present", out_csv_write },
	{ "json", "application/json", out_json_write },
	{ "html", "text/html; charset=utf-8", out_html_write },
	{ "email", "message/rfc822", out_email_write },
};

const struct out_writer *out_find(const char *name)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}

const char *out_names(void)
{
	return "text|csv|json|html|email";
}

int out_emit(const struct buf *data, const char *path, void *stream, struct buf *err)
{
	FILE *f = stream;
	if (path)
		return out_write_file(path, data, err);
	if ((data->len && fwrite(data->data, 1, data->len, f) != data->len) || fflush(f) != 0) {
		buf_printf(err, "cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void out_format_real(struct buf *out, double v)
{
	/* the shortest of %.15g..%.17g that reads back as the same double */
	char tmp[64];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_adds(out, tmp);
}

void out_format_number(struct buf *out, const struct report_column *col, const struct report_value *v)
{
	const char *unit = col->unit ? col->unit : "";
	if (v->kind == REPORT_NULL) {
		buf_addc(out, '-');
	} else if (v->kind == REPORT_INT) {
		buf_printf(out, "%lld", (long long)v->i);
		if (strcmp(unit, "percent") == 0 || strcmp(unit, "share") == 0)
			buf_addc(out, '%');
	} else if (v->kind == REPORT_REAL) {
		if (strcmp(unit, "usd_per_mtok") == 0)
			buf_printf(out, "%.4f", v->r);
		else if (strcmp(unit, "percent") == 0 || strcmp(unit, "share") == 0)
			buf_printf(out, "%.1f%%", v->r);
		else if (strcmp(unit, "ms") == 0 || strcmp(unit, "tokens") == 0 || strcmp(unit, "requests") == 0)
			buf_printf(out, "%.0f", v->r);
		else
			buf_printf(out, "%.2f", v->r);
	}
}

int out_write_file(const char *path, const struct buf *data, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	char *copy = xstrdup(path);
	int fd = -1, rc = -1;
	mode_t mask = umask(0);
	umask(mask);

	/* beside the target, so the rename stays on one file system */
	buf_printf(&tmp, "%s/.%s.XXXXXX", dirname(copy), strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		buf_printf(err, "%s: cannot create a temporary file: %s", buf_str(&tmp), strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < data->len;) {
		ssize_t n = write(fd, data->data + off, data->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "%s: cannot write: %s", buf_str(&tmp), strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	/* mkstemp makes 0600; the report gets what any new file would */
	if (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0) {
		buf_printf(err, "%s: cannot write: %s", buf_str(&tmp), strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		buf_printf(err, "%s: cannot write: %s", buf_str(&tmp), strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path) < 0) {
		buf_printf(err, "%s: cannot replace: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp.data)
		unlink(tmp.data);
	buf_free(&tmp);
	free(copy);
	return rc;
}
