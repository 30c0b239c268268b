/*
 * The JSON writer: one document with stable keys (README "JSON report"; the schema is
 * sql/reports/report.schema.json). Numbers are numbers, NULL is null. Strings are escaped so
 * that the document is plain ASCII where it matters: controls, bidirectional and invisible
 * format characters, '<', '>' and '&' (safe inside HTML) become \uXXXX; the value a parser
 * reads back is the stored text, unchanged.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "out.h"

static void json_string(struct buf *out, const char *s)
{
	if (!s)
		buf_adds(out, "null");
	else
		escape_json(out, s, strlen(s));
}

static void json_value(struct buf *out, const struct report_table *t, const struct report_value *v)
{
	switch (v->kind) {
	case REPORT_NULL:
		buf_adds(out, "null");
		break;
	case REPORT_INT:
		buf_printf(out, "%lld", (long long)v->i);
		break;
	case REPORT_REAL:
		if (isfinite(v->r))
			out_format_real(out, v->r);
		else
			buf_adds(out, "null");
		break;
	case REPORT_TEXT:
		escape_json(out, report_text(t, v), v->len);
		break;
	}
}

static const char *type_name(enum report_type t)
{
	static const char *const names[] = { "text", "int", "real", "date", "time", "badge" };
	return names[t];
}

static const char *shape_name(enum report_shape s)
{
	static const char *const names[] = { "list", "record", "series" };
	return names[s];
}

static void json_notes(struct buf *out, const struct report_note *notes, size_t n)
{
	buf_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, i ? ", {\"level\": " : "{\"level\": ");
		json_string(out, report_level_name(notes[i].level));
		buf_adds(out, ", \"text\": ");
		json_string(out, notes[i].text);
		buf_addc(out, '}');
	}
	buf_addc(out, ']');
}

static void json_table(struct buf *out, const struct report_table *t)
{
	buf_adds(out, "{\n      \"title\": ");
	json_string(out, t->title);
	buf_adds(out, ",\n      \"shape\": ");
	json_string(out, shape_name(t->shape));
	buf_adds(out, ",\n      \"columns\": [");
	for (size_t c = 0; c < t->ncols; c++) {
		const struct report_column *col = &t->cols[c];
		buf_adds(out, c ? ",\n        {\"key\": " : "\n        {\"key\": ");
		json_string(out, col->key);
		buf_adds(out, ", \"label\": ");
		json_string(out, col->label);
		buf_adds(out, ", \"type\": ");
		json_string(out, type_name(col->type));
		buf_adds(out, ", \"unit\": ");
		json_string(out, col->unit);
		buf_addc(out, '}');
	}
	buf_adds(out, "],\n      \"rows\": [");
	for (size_t row = 0; row < t->nrows; row++) {
		buf_adds(out, row ? ",\n        {" : "\n        {");
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				buf_adds(out, ", ");
			json_string(out, t->cols[c].key);
			buf_adds(out, ": ");
			json_value(out, t, report_cell(t, row, c));
		}
		buf_addc(out, '}');
	}
	buf_printf(out, "],\n      \"total_rows\": %lld,\n      \"notes\": ", (long long)t->total_rows);
	json_notes(out, t->notes, t->nnotes);
	buf_adds(out, "\n    }");
}

int out_json_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	(void)o;
	(void)err;
	buf_adds(out, "{\n  \"tokstat_report\": 1,\n  \"report\": ");
	json_string(out, r->key ? r->key : "report");
	buf_adds(out, ",\n  \"title\": ");
	json_string(out, r->title);
	buf_adds(out, ",\n  \"generated\": ");
	json_string(out, r->generated[0] ? r->generated : NULL);
	buf_adds(out, ",\n  \"period\": ");
	if (r->has_period) {
		buf_adds(out, "{\"from\": ");
		json_string(out, r->from);
		buf_adds(out, ", \"to\": ");
		json_string(out, r->to);
		buf_printf(out, ", \"days\": %lld}", (long long)r->days);
	} else {
		buf_adds(out, "null");
	}
	buf_printf(out, ",\n  \"empty\": %s,\n  \"latest_day\": ", r->is_empty ? "true" : "false");
	json_string(out, r->latest[0] ? r->latest : NULL);
	buf_adds(out, ",\n  \"worst_level\": ");
	json_string(out, report_level_name(report_worst_level(r)));
	buf_adds(out, ",\n  \"notes\": ");
	json_notes(out, r->notes, r->nnotes);
	buf_adds(out, ",\n  \"sections\": {");
	size_t shown = 0;
	for (size_t i = 0; i < r->ntables; i++) {
		const struct report_table *t = r->tables[i];
		buf_adds(out, shown++ ? ",\n    " : "\n    ");
		json_string(out, t->key ? t->key : "table");
		buf_adds(out, ": ");
		json_table(out, t);
	}
	buf_adds(out, shown ? "\n  }\n}\n" : "}\n}\n");
	return 0;
}
