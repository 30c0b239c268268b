-- Migration 1: tokstat's physical tables as first released (schema version 1).
-- Run by src/store_migrate.c, in order with the later files of sql/migrate/, on a new
-- database and on any database whose PRAGMA user_version is lower than this file's number.
-- These tables are private to the store (src/store*.c, src/verify.c): everyone else reads
-- the views in sql/views.sql. A released migration never changes: a change is a new file.
-- Text dimensions are dictionary-encoded (dict ids; 0 in aggregate keys means NULL),
-- times are integers (epoch seconds, day and hour numbers since 1970-01-01 UTC).

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value
) WITHOUT ROWID;

-- Every distinct text value of a dimension (user, endpoint, method, model, provider, ...).
CREATE TABLE dict (
	id    INTEGER PRIMARY KEY,
	value TEXT NOT NULL UNIQUE
);

-- One row per credential: masked display form, keyed fingerprint, and the state that
-- decides its status (kept up to date in the same transaction as its events).
CREATE TABLE credential (
	id                INTEGER PRIMARY KEY,
	fingerprint       TEXT NOT NULL UNIQUE,  -- keyed BLAKE2b of the secret, 32 hex digits
	display           TEXT NOT NULL,         -- e.g. ghp_abc1...xyz1
	first_seen        INTEGER,               -- epoch seconds
	last_seen         INTEGER,
	requests          INTEGER NOT NULL DEFAULT 0,
	errors            INTEGER NOT NULL DEFAULT 0,
	last_status       INTEGER,               -- status of the latest response (by time)
	last_status_at    INTEGER,
	rl_remaining      INTEGER,               -- latest rate-limit reading (by time)
	rl_limit          INTEGER,
	rl_reset          INTEGER,
	rl_at             INTEGER,
	last_429_at       INTEGER
);

-- One row per input file, identified by the content of its first bytes, not its name.
CREATE TABLE file (
	id            INTEGER PRIMARY KEY,
	fingerprint   TEXT NOT NULL,     -- BLAKE2b of the first head_len bytes of content
	head_len      INTEGER NOT NULL,  -- at most 4096
	name          TEXT NOT NULL,     -- the path it was last read from
	format        TEXT,
	bytes         INTEGER NOT NULL DEFAULT 0,  -- checkpoint: decompressed bytes consumed
	lines         INTEGER NOT NULL DEFAULT 0,  -- checkpoint: lines consumed
	events        INTEGER NOT NULL DEFAULT 0,
	rejected      INTEGER NOT NULL DEFAULT 0,
	skipped       INTEGER NOT NULL DEFAULT 0,
	duplicates    INTEGER NOT NULL DEFAULT 0,
	last_ingested INTEGER                     -- epoch seconds
	-- tail_offset, tail_hash: added by 002-file-tail.sql
);
CREATE INDEX file_by_head ON file(head_len, fingerprint);

-- Raw events. id = file id << 40 | line number (the 40 is STORE_LINE_BITS in include/store.h),
-- so a line can never be stored twice and file/line cost no columns. Rare fields sit at the end where NULLs cost one byte.
CREATE TABLE event (
	id                 INTEGER PRIMARY KEY,
	epoch              INTEGER NOT NULL,
	token              INTEGER,   -- credential.id
	user               INTEGER,   -- dict ids from here to provider
	endpoint           INTEGER,
	method             INTEGER,
	status             INTEGER,
	model              INTEGER,
	provider           INTEGER,
	input_tokens       INTEGER,
	output_tokens      INTEGER,
	cache_read_tokens  INTEGER,
	cache_write_tokens INTEGER,
	total_tokens       INTEGER,
	latency_ms         INTEGER,
	bytes              INTEGER,
	rl_remaining       INTEGER,
	rl_limit           INTEGER,
	rl_reset           INTEGER,
	request_id         TEXT,
	operation          INTEGER,   -- dict ids
	project            INTEGER,
	session            INTEGER,
	error              TEXT,
	failed             INTEGER,   -- 1 when the log said the call failed
	estimated          INTEGER    -- 1 when token counts were estimated
);

-- Daily aggregates, summed in memory per batch and written in the batch's transaction.
-- Token sums are NULL while no event of the group logged that kind.
CREATE TABLE daily (
	day                INTEGER NOT NULL,   -- days since 1970-01-01 (UTC)
	token              INTEGER NOT NULL,   -- 0: none
	user               INTEGER NOT NULL,
	endpoint           INTEGER NOT NULL,
	model              INTEGER NOT NULL,
	provider           INTEGER NOT NULL,
	operation          INTEGER NOT NULL,
	project            INTEGER NOT NULL,
	requests           INTEGER NOT NULL,
	errors             INTEGER NOT NULL,
	input_tokens       INTEGER,
	output_tokens      INTEGER,
	cache_read_tokens  INTEGER,
	cache_write_tokens INTEGER,
	total_tokens       INTEGER,
	estimated          INTEGER NOT NULL DEFAULT 0,  -- requests whose tokens were estimated
	PRIMARY KEY (day, token, user, endpoint, model, provider, operation, project)
) WITHOUT ROWID;

CREATE TABLE hourly (
	hour               INTEGER NOT NULL,   -- hours since 1970-01-01T00 (UTC)
	token              INTEGER NOT NULL,
	user               INTEGER NOT NULL,
	model              INTEGER NOT NULL,
	requests           INTEGER NOT NULL,
	errors             INTEGER NOT NULL,
	input_tokens       INTEGER,
	output_tokens      INTEGER,
	cache_read_tokens  INTEGER,
	cache_write_tokens INTEGER,
	total_tokens       INTEGER,
	PRIMARY KEY (hour, token, user, model)
) WITHOUT ROWID;

-- The first 1000 rejected lines per file, credentials masked.
CREATE TABLE reject (
	file   INTEGER NOT NULL,
	line   INTEGER NOT NULL,
	reason TEXT NOT NULL,
	text   TEXT,
	PRIMARY KEY (file, line)
) WITHOUT ROWID;

-- De-duplication keys (BLAKE2b of a format's dedup key) of events already counted.
CREATE TABLE seen (
	key BLOB PRIMARY KEY
) WITHOUT ROWID;
