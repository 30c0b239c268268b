/*
 * tokstat credential: from a full secret (a leaked key, say) to what tokstat stored for it, its
 * mask and fingerprint, and whether and when it was seen. The secret is never printed or
 * stored, and is wiped from memory as soon as its mask and fingerprints are made.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "credential.h"
#include "out.h"
#include "report.h"

/* A secret longer than this is no API credential. */
#define CREDENTIAL_MAX_SECRET 4096

/*
 * The secret from stdin into BUF (CAP bytes), with read(2), so that no stdio buffer keeps a
 * copy. On a terminal it asks for it without echo. The line's end is dropped. 0, or -1.
 */
static int read_secret(char *buf, size_t cap, size_t *n)
{
	struct termios old, quiet;
	bool is_tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t len = 0;
	int rc = -1;

	if (is_tty) {
		fputs("secret (not shown): ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	for (;;) {
		if (len == cap) {
			cmd_error("credential: the secret is longer than %d bytes: not a credential", CREDENTIAL_MAX_SECRET);
			goto out;
		}
		ssize_t got = read(STDIN_FILENO, buf + len, is_tty ? 1 : cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cmd_error("credential: cannot read stdin: %s", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (is_tty && buf[len - 1] == '\n')
			break;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (memchr(buf, '\n', len)) {
		cmd_error("credential: stdin holds more than one line: give one secret");
		goto out;
	}
	*n = len;
	rc = 0;
out:
	if (is_tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return rc;
}

/* ?1 the mask, ?2 the secret's fingerprint, ?3 the mask's (what a log that held the mask gave). */
static const char seen_sql[] =
	"WITH hit AS (SELECT 'yes' AS seen, * FROM credentials WHERE token_fp = substr(?2, 1, 12) "
	"UNION ALL SELECT 'as its mask only (the log held the mask, not the secret: it may be another "
	"secret with the same mask)', * FROM credentials WHERE token_fp = substr(?3, 1, 12) LIMIT 1) "
	"SELECT ?1 AS mask, coalesce(h.token_fp, substr(?2, 1, 12)) AS token_fp, coalesce(h.seen, 'no') AS seen, "
	"h.requests, h.errors, h.first_seen, h.last_seen, h.status, h.rl_remaining, h.rl_limit, "
	"strftime('%Y-%m-%dT%H:%M:%SZ', h.rl_reset, 'unixepoch') AS rl_reset "
	"FROM (SELECT 1) LEFT JOIN hit h";

static const char same_mask_sql[] =
	"SELECT token, token_fp, requests, first_seen, last_seen, status FROM credentials "
	"WHERE token = ?1 AND token_fp NOT IN (substr(?2, 1, 12), substr(?3, 1, 12)) ORDER BY first_seen";

int cmd_credential(int argc, char **argv, const struct global *g)
{
	struct store *st = NULL;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, mask = BUF_INIT;
	unsigned char key[CREDENTIAL_KEY_BYTES];
	char fp[CREDENTIAL_FP_HEX], mask_fp[CREDENTIAL_FP_HEX];
	char *secret = NULL;
	size_t n = 0;
	int status = EXIT_FAIL;

	const char *key_file = NULL;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cmd_option(g, 'h', argv);
	/* --key-file FILE (or --key-file=FILE) before the secret; a secret never starts with "--" */
	if (argc >= 2 && strncmp(argv[1], "--key-file", 10) == 0 && (argv[1][10] == '=' || argv[1][10] == '\0')) {
		if (argv[1][10] == '=') {
			key_file = argv[1] + 11;
			argv++, argc--;
		} else if (argc >= 3) {
			key_file = argv[2];
			argv += 2, argc -= 2;
		} else {
			return cmd_usage_error("credential", "a value is missing after --key-file");
		}
	}
	if (argc == 2 && strncmp(argv[1], "--", 2) == 0 && argv[1][2])
		return cmd_usage_error("credential", "unknown option %.*s", (int)strcspn(argv[1], "="), argv[1]);
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0'))
		return cmd_usage_error("credential", "give the secret, or - to read it from stdin");
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	/* the key of the database's fingerprints, from its file (never from the database) */
	if (store_key_load(st, config_get_key_file(g->config, key_file), &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	memcpy(key, store_credential_key(st), sizeof(key));
	secret = sodium_malloc(CREDENTIAL_MAX_SECRET); /* guarded, locked, wiped by sodium_free */
	if (!secret) {
		cmd_error("credential: out of memory");
		goto out;
	}
	if (strcmp(argv[1], "-") == 0) {
		if (read_secret(secret, CREDENTIAL_MAX_SECRET, &n) < 0)
			goto out;
	} else {
		n = strlen(argv[1]);
		if (n > CREDENTIAL_MAX_SECRET) {
			cmd_error("credential: the secret is longer than %d bytes: not a credential", CREDENTIAL_MAX_SECRET);
			goto out;
		}
		memcpy(secret, argv[1], n);
		sodium_memzero(argv[1], n); /* from now on ps and /proc/PID/cmdline no longer show it */
	}
	/* as ingest reads a token field: without "Bearer ", spaces and quotes */
	const char *p = secret;
	credential_strip_scheme(&p, &n);
	if (n == 0 || (n == 1 && *p == '-')) {
		cmd_error("credential: no secret given");
		goto out;
	}
	credential_mask(p, n, &mask);
	credential_fingerprint(key, p, n, fp);
	credential_fingerprint(key, mask.data, mask.len, mask_fp);
	sodium_free(secret);
	secret = NULL;

	sqlite3 *db = store_db(st);
	struct report_bind binds[3] = { { buf_str(&mask), 0 }, { fp, 0 }, { mask_fp, 0 } };
	struct report_table *t = report_add_query(&r, db, NULL, seen_sql, binds, 3, &err);
	if (!t || !report_add_query(&r, db, "Other secrets with the same mask", same_mask_sql, binds, 3, &err)) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	t->shape = REPORT_RECORD;
	const char *seen = report_text(t, report_cell(t, 0, 2));
	if (strcmp(seen, "no") != 0)
		report_table_note(t, REPORT_LEVEL_NONE, "Its events: tokstat query timeline -p credential=%s --from DAY --to DAY",
				report_text(t, report_cell(t, 0, 1)));
	report_set_title(&r, "tokstat credential (the secret itself is neither shown nor kept)");
	out_text_report(&out, &r);
	fputs(buf_str(&out), stdout);
	status = strcmp(seen, "no") != 0 ? EXIT_OK : EXIT_FAIL;
out:
	if (secret)
		sodium_free(secret);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(fp, sizeof(fp));
	sodium_memzero(mask_fp, sizeof(mask_fp));
	store_close(st);
	report_free(&r);
	buf_free(&mask);
	buf_free(&out);
	buf_free(&err);
	return status;
}
