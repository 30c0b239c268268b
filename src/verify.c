/* The aggregates against the raw events: runs sql/verify.sql. See verify.h. */
#include "verify.h"

#include <stdlib.h>

#include "embedded.h"

/* Run Q; each row is a finding: "first column: the others". Returns how many, or -1. */
static int findings(sqlite3_stmt *q, struct buf *out)
{
	int problems = 0, rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int n = sqlite3_column_count(q);
		for (int i = 0; i < n; i++) {
			const unsigned char *v = sqlite3_column_text(q, i);
			buf_printf(out, "%s%s", i == 0 ? "" : i == 1 ? ": " : " ", v ? (const char *)v : "NULL");
		}
		buf_addc(out, '\n');
		problems++;
	}
	return rc == SQLITE_DONE ? problems : -1;
}

int verify_database(struct store *st, struct buf *out, struct buf *err)
{
	const struct embedded_file *sql = embedded_find("sql/verify.sql");
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q = NULL;
	const char *next = sql->data;
	int problems = 0, n;

	if (!db) {
		buf_printf(err, "%s: cannot open the database for reading", store_path(st));
		return -1;
	}
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) /* one snapshot for every check */
		goto fail;
	while (*next) {
		if (sqlite3_prepare_v2(db, next, -1, &q, &next) != SQLITE_OK)
			goto fail;
		if (!q) /* only white space or comments left */
			break;
		int line_bits = sqlite3_bind_parameter_index(q, ":line_bits");
		if (line_bits)
			sqlite3_bind_int(q, line_bits, STORE_LINE_BITS);
		if ((n = findings(q, out)) < 0)
			goto fail;
		problems += n;
		sqlite3_finalize(q);
		q = NULL;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return problems;
fail:
	buf_printf(err, "%s: cannot verify: %s", store_path(st), sqlite3_errmsg(db));
	sqlite3_finalize(q);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
