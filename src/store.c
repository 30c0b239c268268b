/* The SQLite store: open with the lock taken first, lookups, files, prices. See store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "keyfile.h"
#include "store_int.h"
#include "store_migrate.h"

/* How long a statement waits for another connection's lock (a batch commit takes < 1 s). */
#define STORE_BUSY_MS 60000

/* The directory PATH is in, into OUT. */
static void dir_of(const char *path, struct buf *out)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		buf_adds(out, ".");
	else if (slash == path)
		buf_adds(out, "/");
	else
		buf_add(out, path, (size_t)(slash - path));
}

/* Can files be created in the directory of PATH? (Root passes any mode, not a read-only mount.) */
static bool dir_is_writable(const char *path)
{
	struct buf dir = BUF_INIT;
	dir_of(path, &dir);
	bool ok = access(buf_str(&dir), W_OK) == 0;
	buf_free(&dir);
	return ok;
}

/* " (its directory D is read-only ...)" for a database in a directory where nothing can be created. */
static void explain_read_only_dir(const char *path, struct buf *err)
{
	buf_adds(err, " (its directory ");
	dir_of(path, err);
	buf_printf(err, " is read-only, and SQLite must create %s-wal and %s-shm beside the database: "
		   "copy it to a writable directory)", path, path);
}

/*
 * The errno behind a failed write of SQLite's: sqlite3_system_errno() gives errno as it was
 * when the error was recorded, which later calls may have changed; a file at a file size
 * limit, or a file system without free space, says it too.
 */
static int write_errno(const char *path, int sys)
{
	struct rlimit lim;
	struct statvfs vfs;
	struct stat st;
	struct buf wal = BUF_INIT;
	if (sys == EFBIG || sys == ENOSPC || sys == EDQUOT)
		return sys;
	buf_printf(&wal, "%s-wal", path);
	if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
		/* a page or a WAL frame more than the file has would pass the limit */
		for (int i = 0; i < 2 && sys != EFBIG; i++)
			if (stat(i ? buf_str(&wal) : path, &st) == 0 && (rlim_t)st.st_size + 65536 + 24 > lim.rlim_cur)
				sys = EFBIG;
	}
	if (sys != EFBIG && statvfs(path, &vfs) == 0 && vfs.f_bavail == 0)
		sys = ENOSPC;
	buf_free(&wal);
	return sys;
}

void store_explain(const char *path, sqlite3 *db, struct buf *err)
{
	int code = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_NOMEM;
	int sys = db ? sqlite3_system_errno(db) : 0;
	if (code == SQLITE_IOERR || code == SQLITE_FULL)
		sys = write_errno(path, sys);
	if (code == SQLITE_FULL || (code == SQLITE_IOERR && sys == ENOSPC))
		buf_adds(err, " (the disk is full: free some space and run again, which goes on from the last commit)");
	else if (code == SQLITE_IOERR && sys == EFBIG)
		buf_adds(err, " (the file size limit, ulimit -f, was reached: raise it and run again, which goes on from the "
			      "last commit)");
	else if (code == SQLITE_IOERR && sys == EDQUOT)
		buf_adds(err, " (the disk quota is used up: run again with room, which goes on from the last commit)");
	else if (code == SQLITE_BUSY)
		buf_adds(err, " (busy: another program holds a write lock on the database)");
	else if ((code == SQLITE_CANTOPEN || code == SQLITE_READONLY) && !dir_is_writable(path))
		explain_read_only_dir(path, err);
	else if (code == SQLITE_IOERR && sys)
		buf_printf(err, " (%s)", strerror(sys));
}

int store_sql_error(const char *path, sqlite3 *db, struct buf *err, const char *what)
{
	buf_printf(err, "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "out of memory");
	store_explain(path, db, err);
	return -1;
}

int store_exec(const char *path, sqlite3 *db, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, msg ? msg : "SQL error");
		store_explain(path, db, err);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void store_library_init(void)
{
	/* SQLite's allocation statistics take a global mutex on every malloc: off. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Take the ingest lock on PATH (creating the file when it does not exist yet, so the lock
 * comes before SQLite writes anything). flock() locks are separate from the POSIX locks
 * SQLite takes, so they do not interfere. WAIT as in struct store_lock. 0, or -1 with ERR.
 */
static int take_lock(struct store *st, const struct store_lock *lock, struct buf *err)
{
	if (st->lock_fd < 0)
		st->lock_fd = open(st->path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (st->lock_fd < 0) {
		int e = errno;
		if ((e == EROFS || e == EACCES) && !dir_is_writable(st->path)) {
			buf_printf(err, "%s: cannot create the database: its directory ", st->path);
			dir_of(st->path, err);
			buf_printf(err, " is read-only (%s)", strerror(e));
		} else {
			buf_printf(err, "%s: cannot open for locking: %s", st->path, strerror(e));
		}
		return -1;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		buf_printf(err, "%s: cannot lock: %s", st->path, strerror(errno));
		return -1;
	}
	if (!lock->wait) {
		buf_printf(err, "%s: busy: another tokstat ingest is writing to it", st->path);
		return -1;
	}
	if (lock->on_wait)
		lock->on_wait(lock->ctx, st->path, "another tokstat ingest is writing to it");
	while (flock(st->lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			buf_printf(err, "%s: cannot lock: %s", st->path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * An ingest waits for another program's write lock on the database (a sqlite3 shell inside a
 * transaction, say) as it waits for another ingest: it says so once and waits as long as it
 * takes; under --no-wait it fails at once (SQLITE_BUSY, explained by store_explain).
 */
static int busy_wait(void *arg, int count)
{
	struct store *st = arg;
	if (!st->lock.wait)
		return 0;
	if (!st->said_busy && st->lock.on_wait) {
		st->said_busy = true;
		st->lock.on_wait(st->lock.ctx, st->path, "another program holds a write lock on it");
	}
	usleep(count < 50 ? 2000 : 50000); /* short sleeps first: most locks are brief */
	return 1;
}

/* The read-only connection (opened on first use) with its lookup statements. 0, or -1 with ERR. */
static int reader(struct store *st, struct buf *err)
{
	if (st->rdb)
		return 0;
	if (sqlite3_open_v2(st->path, &st->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_sql_error(st->path, st->rdb, err, "cannot open the database for reading");
		sqlite3_close(st->rdb);
		st->rdb = NULL;
		return -1;
	}
	sqlite3_busy_timeout(st->rdb, STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->rdb, 1);
	return 0;
}

/* ---- the credential key (see keyfile.h) ---- */

enum key_use {
	KEY_IF_THERE, /* load it when it can be: a command that does not fingerprint */
	KEY_MAKE,     /* ... and make one for a database that has none and no credentials */
	KEY_INGEST,   /* ... and move an old database's key out of meta; fail without a key */
};

/* What a database records of its key: an id (a keyed hash of a constant, no secret). */
static void key_id(const unsigned char key[CREDENTIAL_KEY_BYTES], unsigned char id[16])
{
	static const char what[] = "tokstat credential key id";
	crypto_generichash(id, 16, (const unsigned char *)what, sizeof(what) - 1, key, CREDENTIAL_KEY_BYTES);
}

/* Record KEY's id and drop a key kept in meta by an older tokstat, in one transaction. 0/-1. */
static int key_record(struct store *st, const unsigned char key[CREDENTIAL_KEY_BYTES], struct buf *err)
{
	unsigned char id[16];
	key_id(key, id);
	if (store_exec(st->path, st->db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (store_meta_set(st->db, "credential_key_id", id, sizeof(id)) < 0 ||
	    store_meta_set(st->db, "credential_key", NULL, 0) < 0) {
		store_sql_error(st->path, st->db, err, "cannot record the credential key");
		store_rollback(st);
		return -1;
	}
	return store_exec(st->path, st->db, "COMMIT", err);
}

/* 1 when the database holds credentials, 0 when not, -1 with ERR. */
static int has_credentials(struct store *st, sqlite3 *db, struct buf *err)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM credential)", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		rc = sqlite3_column_int(q, 0);
	else
		store_sql_error(st->path, db, err, "cannot read the credentials");
	sqlite3_finalize(q);
	return rc;
}

/*
 * The key from its file, checked against the id the database records (a wrong key file would
 * split every credential in two, so it is refused). A database of an older tokstat keeps its
 * key in meta: an ingest moves it to the file (written durably first, then meta changed in a
 * transaction), anything else uses it from meta meanwhile. A database with credentials whose
 * key file is missing gets no new key: that is an error naming the file. Returns 0 (ST's key
 * is loaded, or for KEY_IF_THERE possibly not), or -1 with ERR set.
 */
static int key_setup(struct store *st, const char *key_file, enum key_use use, struct buf *err)
{
	struct buf path = BUF_INIT;
	unsigned char key[CREDENTIAL_KEY_BYTES], legacy[CREDENTIAL_KEY_BYTES], id[16], stored_id[16];
	sqlite3 *db = st->db ? st->db : st->rdb;
	int rc = -1, has_legacy, has_id, in_file, creds;

	keyfile_path(st->path, key_file, &path);
	if ((has_legacy = store_meta_get(db, "credential_key", legacy, sizeof(legacy))) < 0 ||
	    (has_id = store_meta_get(db, "credential_key_id", stored_id, sizeof(stored_id))) < 0) {
		store_sql_error(st->path, db, err, "cannot read the credential key's record");
		goto out;
	}
	has_legacy = has_legacy == 0;
	has_id = has_id == 0;
	if ((in_file = keyfile_read(buf_str(&path), key, err)) < 0)
		goto out;
	if (in_file == 0) {
		key_id(key, id);
		if ((has_legacy && sodium_memcmp(legacy, key, sizeof(key)) != 0) ||
		    (has_id && sodium_memcmp(id, stored_id, sizeof(id)) != 0)) {
			buf_printf(err, "%s: not the credential key of %s: its credentials were fingerprinted with "
					"another key (name the right key file with --key-file or $TOKSTAT_KEY_FILE)",
				   buf_str(&path), st->path);
			goto out;
		}
		if (!has_legacy && !has_id && use != KEY_IF_THERE) {
			if ((creds = has_credentials(st, db, err)) < 0)
				goto out;
			if (creds) {
				buf_printf(err, "%s: records no credential key, yet holds credentials: %s cannot be "
						"checked against them", st->path, buf_str(&path));
				goto out;
			}
		}
		if (use != KEY_IF_THERE && (has_legacy || !has_id) && key_record(st, key, err) < 0)
			goto out;
	} else if (has_legacy) {
		memcpy(key, legacy, sizeof(key));
		if (use == KEY_INGEST) { /* out of the database: the file first, durably */
			int made = keyfile_create(buf_str(&path), key, err);
			if (made < 0)
				goto out;
			if (made > 0) { /* made meanwhile: it must be this key */
				rc = key_setup(st, key_file, use, err);
				goto out;
			}
			if (key_record(st, key, err) < 0)
				goto out;
		}
	} else {
		if ((creds = has_id ? 1 : has_credentials(st, db, err)) < 0)
			goto out;
		if (creds) {
			buf_printf(err, "%s: its credential key file %s is missing, so no credential can be fingerprinted "
					"as its credentials were (restore the file, or name it with --key-file or "
					"$TOKSTAT_KEY_FILE)", st->path, buf_str(&path));
			goto out;
		}
		if (use == KEY_IF_THERE) { /* nothing was ever fingerprinted: no key to load */
			rc = 0;
			goto out;
		}
		randombytes_buf(key, sizeof(key));
		int made = keyfile_create(buf_str(&path), key, err);
		if (made < 0)
			goto out;
		if (made > 0) { /* another database's shared key appeared meanwhile: use it */
			rc = key_setup(st, key_file, use, err);
			goto out;
		}
		if (key_record(st, key, err) < 0)
			goto out;
	}
	memcpy(st->cred_key, key, sizeof(key));
	st->has_key = true;
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(legacy, sizeof(legacy));
	buf_free(&path);
	return rc;
}

int store_key_load(struct store *st, const char *key_file, struct buf *err)
{
	struct buf path = BUF_INIT;
	int rc = -1;
	if (!st->db && reader(st, err) < 0)
		goto out;
	if (key_setup(st, key_file, KEY_IF_THERE, err) < 0)
		goto out;
	if (!st->has_key) {
		keyfile_path(st->path, key_file, &path);
		buf_printf(err, "%s: no credential key: %s does not exist, and the database holds no credentials",
			   st->path, buf_str(&path));
		goto out;
	}
	rc = 0;
out:
	buf_free(&path);
	return rc;
}

/*
 * Open the writer connection and bring the database up to this binary. LOCK (an ingest) is
 * taken first and kept; without it the lock is taken only when something must be set up, and
 * dropped after, so a writing command does not wait for a running ingest for nothing. An
 * ingest loads the credential key (making it for a new database); another writer makes it
 * for a new database and loads it when it can.
 */
static int open_writer(struct store *st, const struct store_lock *lock, struct buf *err)
{
	static const struct store_lock wait = { .wait = true };
	bool is_current = false, is_new = false;
	struct buf ignored = BUF_INIT;
	int rc = -1;

	if (lock && take_lock(st, lock, err) < 0)
		return -1;
	/* No per-call mutex: see struct store. */
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return store_sql_error(st->path, st->db, err, "cannot open database");
	if (lock) {
		st->lock = *lock;
		sqlite3_busy_handler(st->db, busy_wait, st);
	} else {
		sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* synchronous = NORMAL: in WAL mode a commit then writes the WAL without fsync, which
	 * only checkpoints do; a killed process loses nothing committed (the WAL is in the OS
	 * cache), a power loss may lose the last commits, never consistency (SQLite's docs,
	 * "WAL mode"). FULL, the default, cost an fsync per commit: two per file of a run. */
	if (store_exec(st->path, st->db, "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384; "
			"PRAGMA synchronous = NORMAL", err) < 0)
		goto out;
	/* A current database is not written at all: a run that finds nothing new commits nothing. */
	if (store_migrate_is_current(st->db, st->path, &is_current, err) < 0)
		goto out;
	if (!lock && !is_current && take_lock(st, &wait, err) < 0)
		goto out;
	if (!is_current && store_migrate(st->db, st->path, &is_new, err) < 0)
		goto out;
	if (lock) {
		rc = key_setup(st, lock->key_file, KEY_INGEST, err);
	} else if (is_new) {
		rc = key_setup(st, NULL, KEY_MAKE, err);
	} else {
		/* writing prices needs no key: one that cannot be loaded is no error here */
		(void)key_setup(st, NULL, KEY_IF_THERE, &ignored);
		rc = 0;
	}
out:
	if (!lock && st->lock_fd >= 0)
		flock(st->lock_fd, LOCK_UN); /* the descriptor stays open: see store_close */
	buf_free(&ignored);
	return rc;
}

/*
 * Can every view of DB be read over an older schema's tables? A view over a table the
 * database does not have yet (alerts before migration 3) is left to the commands, which say
 * so; a column it lacks is not. 0, or -1 with ERR naming the view.
 */
static int views_read(sqlite3 *db, struct buf *err)
{
	sqlite3_stmt *list, *q;
	int rc = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_temp_master WHERE type = 'view' UNION "
			       "SELECT name FROM sqlite_master WHERE type = 'view'", -1, &list, NULL) != SQLITE_OK)
		return -1;
	while (rc == 0 && sqlite3_step(list) == SQLITE_ROW) {
		char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" LIMIT 0", (const char *)sqlite3_column_text(list, 0));
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK &&
		    strncmp(sqlite3_errmsg(db), "no such table", 13) != 0) {
			buf_printf(err, "its view %s cannot be read: %s", (const char *)sqlite3_column_text(list, 0),
				   sqlite3_errmsg(db));
			rc = -1;
		}
		sqlite3_finalize(q);
		sqlite3_free(sql);
	}
	sqlite3_finalize(list);
	return rc;
}

static int open_store(struct store **out, const char *path, enum store_mode mode, const struct store_lock *lock,
		      struct buf *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int rc = -1;

	st->path = xstrdup(path);
	st->mode = mode;
	st->lock_fd = -1;
	if (mode == STORE_READ_ONLY) {
		if (access(path, F_OK) != 0) {
			buf_printf(err, "%s: no such database (run 'tokstat ingest' first)", path);
			goto out;
		}
		int r = reader(st, err) < 0 ? -1 : store_migrate_read_only(st->rdb, path, false, err);
		if (r == 1) {
			/* A database an older tokstat wrote: its tables may lack what the views read, so
			 * a reading command brings it up to date once, as a writing one would (under the
			 * lock, in one transaction per migration), then reads it. Where it cannot be
			 * written, it is read as it is: the views work over what it has, or say what
			 * is missing. */
			struct buf why = BUF_INIT, older = BUF_INIT;
			buf_adds(&older, buf_str(err));
			buf_reset(err);
			sqlite3_close(st->rdb);
			st->rdb = NULL;
			bool is_upgraded = open_writer(st, NULL, &why) == 0;
			sqlite3_close(st->db);
			st->db = NULL;
			struct buf fault = BUF_INIT;
			r = reader(st, &fault) < 0 ? -1 : store_migrate_read_only(st->rdb, path, !is_upgraded, &fault);
			if (r == 0 && !is_upgraded)
				r = views_read(st->rdb, &fault);
			if (r != 0 && !is_upgraded)
				buf_printf(err, "%s, and it cannot be brought up to date here (%s): %s", buf_str(&older),
					   buf_str(&why), buf_str(&fault));
			else if (r != 0)
				buf_adds(err, buf_str(&fault));
			buf_free(&fault);
			buf_free(&why);
			buf_free(&older);
		}
		if (r != 0)
			goto out;
	} else if (open_writer(st, lock, err) < 0) {
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		store_close(st);
		st = NULL;
	}
	*out = st;
	return rc;
}

int store_open(struct store **out, const char *path, enum store_mode mode, struct buf *err)
{
	return open_store(out, path, mode, NULL, err);
}

int store_open_ingest(struct store **out, const char *path, const struct store_lock *lock, struct buf *err)
{
	return open_store(out, path, STORE_READ_WRITE, lock, err);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	store_write_free(st->writer);
	sqlite3_finalize(st->dict_find);
	sqlite3_finalize(st->cred_find);
	sqlite3_finalize(st->seen_find);
	sqlite3_finalize(st->file_find);
	sqlite3_finalize(st->format_find);
	sqlite3_finalize(st->price_find);
	sqlite3_finalize(st->price_insert);
	sqlite3_finalize(st->price_update);
	sqlite3_close(st->rdb);
	sqlite3_close(st->db);
	/* Only now: closing any descriptor of the file drops SQLite's POSIX locks on it. */
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	sodium_memzero(st->cred_key, sizeof(st->cred_key));
	free(st->path);
	free(st);
}

sqlite3 *store_db(struct store *st)
{
	struct buf err = BUF_INIT;
	int rc = reader(st, &err);
	buf_free(&err);
	return rc == 0 ? st->rdb : NULL;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

const unsigned char *store_credential_key(const struct store *st)
{
	return st->has_key ? st->cred_key : NULL;
}

/* ---- the producer's lookups, on the read-only connection ---- */

/* *Q prepared from SQL on the read-only connection, once. 0, or -1 with ERR. */
static int lookup(struct store *st, sqlite3_stmt **q, const char *sql, struct buf *err)
{
	if (*q)
		return 0;
	if (reader(st, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->rdb, sql, -1, q, NULL) != SQLITE_OK)
		return store_sql_error(st->path, st->rdb, err, "cannot look up");
	return 0;
}

/* The first one or two integer columns of SQL's row. 0, or -1 with ERR ("cannot read WHAT"). */
static int scalar_pair(struct store *st, const char *sql, int64_t *a, int64_t *b, const char *what,
		       struct buf *err)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	if (reader(st, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->rdb, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		*a = sqlite3_column_int64(q, 0);
		if (b)
			*b = sqlite3_column_int64(q, 1);
		rc = 0;
	} else {
		store_sql_error(st->path, st->rdb, err, what);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_dict_max_id(struct store *st, int64_t *max_id, int64_t *count, struct buf *err)
{
	return scalar_pair(st, "SELECT coalesce(max(id), 0), count(*) FROM dict", max_id, count,
			   "cannot read the dictionary", err);
}

int store_dict_bytes(struct store *st, int64_t *bytes, struct buf *err)
{
	return scalar_pair(st, "SELECT coalesce(sum(length(CAST(value AS BLOB))), 0) FROM dict", bytes, NULL,
			   "cannot read the dictionary", err);
}

int store_seen_any(struct store *st, int64_t *any, struct buf *err)
{
	return scalar_pair(st, "SELECT EXISTS (SELECT 1 FROM seen)", any, NULL, "cannot read the de-duplication keys",
			   err);
}

int store_cred_max_id(struct store *st, int64_t *max_id, struct buf *err)
{
	return scalar_pair(st, "SELECT coalesce(max(id), 0) FROM credential", max_id, NULL,
			   "cannot read the credentials", err);
}

int store_dict_load(struct store *st, void (*add)(void *ctx, const char *p, size_t n, int64_t id), void *ctx,
		    struct buf *err)
{
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_ERROR;
	if (reader(st, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->rdb, "SELECT id, value FROM dict", -1, &q, NULL) == SQLITE_OK)
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			add(ctx, (const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1),
			    sqlite3_column_int64(q, 0));
	if (rc != SQLITE_DONE)
		store_sql_error(st->path, st->rdb, err, "cannot read the dictionary");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step lookup Q: 1 a row (*ID from its first column), 0 none, -1 with ERR ("cannot look up WHAT"). */
static int find_id(struct store *st, sqlite3_stmt *q, int64_t *id, const char *what, struct buf *err)
{
	int rc = sqlite3_step(q);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		*id = sqlite3_column_int64(q, 0);
	if (ret < 0)
		buf_printf(err, "%s: cannot look up %s: %s", st->path, what, sqlite3_errmsg(st->rdb));
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return ret;
}

int store_dict_find(struct store *st, const char *p, size_t n, int64_t *id, struct buf *err)
{
	if (lookup(st, &st->dict_find, "SELECT id FROM dict WHERE value = ?", err) < 0)
		return -1;
	sqlite3_bind_text(st->dict_find, 1, p, (int)n, SQLITE_STATIC);
	return find_id(st, st->dict_find, id, "a value", err);
}

int store_cred_find(struct store *st, const char *fingerprint, int64_t *id, struct buf *err)
{
	if (lookup(st, &st->cred_find, "SELECT id FROM credential WHERE fingerprint = ?", err) < 0)
		return -1;
	sqlite3_bind_text(st->cred_find, 1, fingerprint, -1, SQLITE_STATIC);
	return find_id(st, st->cred_find, id, "a credential", err);
}

static int64_t column_or_none(sqlite3_stmt *q, int col, int64_t none)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? none : sqlite3_column_int64(q, col);
}

int store_seen(struct store *st, const unsigned char key[16], struct store_seen *out, struct buf *err)
{
	if (lookup(st, &st->seen_find, "SELECT event, output_tokens, total_tokens FROM seen WHERE key = ?", err) < 0)
		return -1;
	sqlite3_stmt *q = st->seen_find;
	sqlite3_bind_blob(q, 1, key, 16, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1) {
		out->event = column_or_none(q, 0, 0);
		out->output_tokens = column_or_none(q, 1, STORE_SEEN_NONE);
		out->total_tokens = column_or_none(q, 2, STORE_SEEN_NONE);
	}
	if (ret < 0)
		buf_printf(err, "%s: cannot look up a de-duplication key: %s", st->path, sqlite3_errmsg(st->rdb));
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return ret;
}

/* ---- files: lookups on the read-only connection, and a direct record for tools and tests ---- */

int store_file_candidates(struct store *st, uint64_t head_n, const char *fp, const char *name,
			  struct store_file **list, size_t *n, struct buf *err)
{
	int step = SQLITE_ERROR;

	*list = NULL;
	*n = 0;
	/*
	 * Two searches of file_by_head, not one OR: SQLite plans "(head_len = ?1 AND fingerprint
	 * = ?2) OR head_len < ?1" as the range head_len <= ?1, which visits every file with a
	 * full head (nearly all of them) for each file opened: a run over many small files (Claude
	 * Code sessions) got slower with every file the database had ever read. Prepared once
	 * per run: compiling it took most of the time of a file that gives nothing new.
	 */
	if (lookup(st, &st->file_find,
		   "SELECT id, head_len, fingerprint, bytes, lines, rejected, tail_offset, tail_hash, "
		   "name = ?3, failure IS NOT NULL, failure_rate "
		   "FROM file WHERE head_len = ?1 AND fingerprint = ?2 UNION ALL "
		   "SELECT id, head_len, fingerprint, bytes, lines, rejected, tail_offset, tail_hash, "
		   "name = ?3, failure IS NOT NULL, failure_rate "
		   "FROM file WHERE head_len < ?1 "
		   "ORDER BY head_len DESC, id", err) < 0)
		return -1;
	sqlite3_stmt *q = st->file_find;
	sqlite3_bind_int64(q, 1, (int64_t)head_n);
	sqlite3_bind_text(q, 2, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		*list = xrealloc(*list, (*n + 1) * sizeof(**list));
		struct store_file *f = &(*list)[(*n)++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(q, 0);
		f->head_len = (uint64_t)sqlite3_column_int64(q, 1);
		snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", (const char *)sqlite3_column_text(q, 2));
		f->bytes = (uint64_t)sqlite3_column_int64(q, 3);
		f->lines = (uint64_t)sqlite3_column_int64(q, 4);
		f->rejected = sqlite3_column_int64(q, 5);
		if (sqlite3_column_type(q, 7) == SQLITE_TEXT) {
			f->tail_offset = (uint64_t)sqlite3_column_int64(q, 6);
			snprintf(f->tail_hash, sizeof(f->tail_hash), "%s", (const char *)sqlite3_column_text(q, 7));
		}
		f->is_same_name = sqlite3_column_int(q, 8) == 1;
		f->has_failure = sqlite3_column_int(q, 9) == 1;
		f->failure_rate = sqlite3_column_double(q, 10);
	}
	if (step != SQLITE_DONE) {
		store_sql_error(st->path, st->rdb, err, "cannot look up the file");
		free(*list);
		*list = NULL;
		*n = 0;
	}
	/* reset ends the read transaction: the writer's later commits are seen by the next file */
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return step == SQLITE_DONE ? 0 : -1;
}

int store_file_max_id(struct store *st, int64_t *max_id, struct buf *err)
{
	return scalar_pair(st, "SELECT coalesce(max(id), 0) FROM file", max_id, NULL, "cannot read the files", err);
}

int store_file_create(struct store *st, const char *name, uint64_t head_n, const char *fp, struct store_file *f,
		      struct buf *err)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	memset(f, 0, sizeof(*f));
	f->is_new = true;
	f->head_len = head_n;
	snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", fp);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO file(fingerprint, head_len, name) VALUES (?, ?, ?)", -1, &q,
			       NULL) != SQLITE_OK)
		goto sql_fail;
	sqlite3_bind_text(q, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)head_n);
	sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto sql_fail;
	f->id = sqlite3_last_insert_rowid(st->db);
	/* the file id takes the bits of an event id above the line number: see store_event_id */
	if (f->id >= ((int64_t)1 << (63 - STORE_LINE_BITS))) {
		buf_printf(err, "%s: too many files for one database", st->path);
		goto out;
	}
	rc = 0;
	goto out;
sql_fail:
	store_sql_error(st->path, st->db, err, "cannot record the file");
out:
	sqlite3_finalize(q);
	return rc;
}

int store_file_format(struct store *st, int64_t file_id, char **name, struct buf *err)
{
	int step = SQLITE_ERROR;
	*name = NULL;
	if (lookup(st, &st->format_find, "SELECT format FROM file WHERE id = ?", err) < 0)
		return -1;
	sqlite3_stmt *q = st->format_find;
	sqlite3_bind_int64(q, 1, file_id);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
		*name = xstrdup((const char *)sqlite3_column_text(q, 0));
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		store_sql_error(st->path, st->rdb, err, "cannot read the file's format");
	sqlite3_reset(q);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/* ---- transactions and prices, on the writer ---- */

int store_begin(struct store *st, struct buf *err)
{
	return store_exec(st->path, st->db, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct buf *err)
{
	return store_exec(st->path, st->db, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int prepare_once(struct store *st, sqlite3_stmt **q, const char *sql, struct buf *err)
{
	if (!*q && sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return store_sql_error(st->path, st->db, err, "cannot store the price");
	return 0;
}

static bool same_rates(sqlite3_stmt *q, int col, const struct store_price *p)
{
	for (int k = 0; k < STORE_PRICE_RATES; k++) {
		bool is_null = sqlite3_column_type(q, col + k) == SQLITE_NULL;
		if (is_null != !p->has_rate[k] || (!is_null && sqlite3_column_double(q, col + k) != p->rate[k]))
			return false;
	}
	return true;
}

int store_price_upsert(struct store *st, const struct store_price *p, enum store_price_result *result,
		       struct buf *err)
{
	sqlite3_stmt *q;
	bool found = false, same_day = false, same = false;
	int step, rc = -1;

	const char *tier = p->tier ? p->tier : "";
	if (prepare_once(st, &st->price_find, "SELECT effective_from, input_per_mtok, output_per_mtok, "
			 "cache_read_per_mtok, cache_write_per_mtok, cache_write_1h_per_mtok FROM price "
			 "WHERE provider = ?1 AND model = ?2 AND tier = ?4 "
			 "AND effective_from <= ?3 ORDER BY effective_from DESC LIMIT 1", err) < 0 ||
	    prepare_once(st, &st->price_insert, "INSERT INTO price(provider, model, effective_from, input_per_mtok, "
			 "output_per_mtok, cache_read_per_mtok, cache_write_per_mtok, cache_write_1h_per_mtok, source, "
			 "tier) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", err) < 0 ||
	    prepare_once(st, &st->price_update, "UPDATE price SET input_per_mtok = ?4, output_per_mtok = ?5, "
			 "cache_read_per_mtok = ?6, cache_write_per_mtok = ?7, cache_write_1h_per_mtok = ?8, "
			 "source = ?9 WHERE provider = ?1 AND model = ?2 AND effective_from = ?3 AND tier = ?10",
			 err) < 0)
		return -1;
	/* the price in force on its day, for the same provider and model */
	q = st->price_find;
	sqlite3_bind_text(q, 1, p->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->effective_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, tier, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		found = true;
		same_day = strcmp((const char *)sqlite3_column_text(q, 0), p->effective_from) == 0;
		same = same_rates(q, 1, p);
	}
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_sql_error(st->path, st->db, err, "cannot store the price");
	if (found && same) {
		*result = STORE_PRICE_UNCHANGED;
		return 0;
	}
	q = same_day ? st->price_update : st->price_insert;
	sqlite3_bind_text(q, 1, p->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->effective_from, -1, SQLITE_STATIC);
	for (int k = 0; k < STORE_PRICE_RATES; k++) {
		if (p->has_rate[k])
			sqlite3_bind_double(q, 4 + k, p->rate[k]);
		else
			sqlite3_bind_null(q, 4 + k);
	}
	sqlite3_bind_text(q, 4 + STORE_PRICE_RATES, p->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5 + STORE_PRICE_RATES, tier, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_DONE) {
		*result = same_day ? STORE_PRICE_CHANGED : STORE_PRICE_ADDED;
		rc = 0;
	} else {
		store_sql_error(st->path, st->db, err, "cannot store the price");
	}
	sqlite3_reset(q);
	return rc;
}
