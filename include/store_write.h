/*
 * The commit of one ingest batch (see batch.h): new dictionary entries and credentials, the
 * raw events (one INSERT ... SELECT over a virtual table showing the batch), the daily and
 * hourly aggregates and credential state merged with what is stored, the rejects and the
 * file checkpoint, all in one transaction, so a run killed at any moment resumes with
 * nothing lost and nothing counted twice.
 */
#ifndef TOKSTAT_STORE_WRITE_H
#define TOKSTAT_STORE_WRITE_H

#include "batch.h"
#include "buf.h"
#include "store.h"

/* Commit B in one transaction on ST's writer. Returns 0, or -1 with ERR set (nothing written). */
int store_write_batch(struct store *st, struct batch *b, struct buf *err);

#endif
