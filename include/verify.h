/*
 * `tokstat verify`: every daily and hourly aggregate, credential counter and file event count
 * against the raw events it covers, and SQLite's integrity check (sql/verify.sql).
 */
#ifndef TOKSTAT_VERIFY_H
#define TOKSTAT_VERIFY_H

#include "buf.h"
#include "store.h"

/*
 * Run every check of sql/verify.sql in one read snapshot of ST (read-only is enough) and
 * append one line per finding to OUT. Returns the number of findings, or -1 with ERR set.
 */
int verify_database(struct store *st, struct buf *out, struct buf *err);

#endif
