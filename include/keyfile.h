/*
 * The credential key's file: the key that fingerprints credentials lives outside the
 * database, in a file only its owner can read, so that a copy of the database alone does not
 * let anyone test guesses of a secret against its fingerprints, and so that several hosts can
 * share one key (and fingerprint a secret alike). The file holds the key as 64 hex digits and
 * a newline. Used by store.c; holds no state.
 */
#ifndef TOKSTAT_KEYFILE_H
#define TOKSTAT_KEYFILE_H
#include <stdbool.h>

#include "buf.h"
#include "credential.h"

/*
 * The key file of the database at DB_PATH into OUT: KEY_FILE when given (the setting's
 * flag, environment or file: config_get_key_file), else DB_PATH followed by ".key".
 */
void keyfile_path(const char *db_path, const char *key_file, struct buf *out);

/*
 * Read the key from PATH. Returns 0, 1 when there is no such file, or -1 with ERR set: it
 * cannot be read, is not a regular file, group or others may read or write it ("chmod 600"
 * says the message), or does not hold a key.
 */
int keyfile_read(const char *path, unsigned char key[CREDENTIAL_KEY_BYTES], struct buf *err);

/*
 * Create PATH holding KEY, readable and writable by its owner only, and durably: written to a
 * temporary file beside it and synced, then linked to PATH (which fails when PATH exists, as
 * O_EXCL would), then the directory synced. So PATH is never seen half written, and never
 * replaces a key. Returns 0, 1 when PATH exists already (nothing written), or -1 with ERR.
 */
int keyfile_create(const char *path, const unsigned char key[CREDENTIAL_KEY_BYTES], struct buf *err);

#endif
