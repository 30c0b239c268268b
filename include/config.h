/*
 * Settings: one place for every setting tokstat reads. An INI file (read with libinih; see
 * samples/tokstat.conf for every key), then the environment, then command-line flags: a later
 * source overrides an earlier one. Unknown sections and keys are errors naming the file and
 * line, so a typo never silently leaves a default in force.
 *
 * To add a setting: a field in struct config, a row in the key table in config.c (section,
 * key, type, range) and its documentation in samples/tokstat.conf.
 */
#ifndef TOKSTAT_CONFIG_H
#define TOKSTAT_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hashmap.h"

/* A limit that is not set (or set to "none"): no rule compares against it. */
#define CONFIG_NO_LIMIT (-1)

/* Default limits, per user. Source: the source design (its DAILY_TOKEN_LIMIT,
 * MONTHLY_TOKEN_LIMIT, BURST_TOKEN_LIMIT and COST_ALERT_THRESHOLD defaults). */
#define CONFIG_DEFAULT_DAILY_TOKENS 1000000
#define CONFIG_DEFAULT_MONTHLY_TOKENS 30000000
#define CONFIG_DEFAULT_BURST_TOKENS 10000 /* tokens in one minute */
#define CONFIG_DEFAULT_DAILY_COST_USD 10.0

/* [run] mail_command's default: what every MTA installs (postfix, exim, msmtp-mta, ...). */
#define CONFIG_DEFAULT_MAIL_COMMAND "/usr/sbin/sendmail -t"

/* The limits that apply to one user or credential. Tokens and USD; CONFIG_NO_LIMIT: none. */
struct config_limits {
	int64_t daily_tokens;
	int64_t monthly_tokens;
	int64_t burst_tokens;     /* tokens summed over one UTC minute */
	double daily_cost_usd;
	int64_t rate_limit_warning; /* remaining under this warns; credentials only */
};

/* Which fields of a [user:...] or [credential:...] section were set. */
enum config_limit_bit {
	CONFIG_SET_DAILY = 1u << 0,
	CONFIG_SET_MONTHLY = 1u << 1,
	CONFIG_SET_BURST = 1u << 2,
	CONFIG_SET_COST = 1u << 3,
	CONFIG_SET_RATE_LIMIT = 1u << 4,
};

/* A [user:NAME] or [credential:NAME] section. */
struct config_override {
	char *name;        /* the user, or the credential's mask or fingerprint prefix */
	bool is_fp;        /* credentials: NAME is a fingerprint prefix (hex), else a mask */
	char *tier;        /* users: the tier named in the section, or NULL */
	struct config_limits lim;
	unsigned set;      /* enum config_limit_bit */
	int line;          /* where the section starts, for messages */
};

struct config_tier {
	char *name;
	int64_t monthly_tokens;
};

struct config {
	char *file;                /* the file read, or NULL when none */

	/* [limits]: the defaults per user, after the environment */
	struct config_limits limits;
	double warning_pct;        /* of a limit: warning at or above */
	double critical_pct;       /* of a limit: critical at or above */
	char *user_tiers;          /* CSV file of user,tier, or NULL */

	/* [tiers]: monthly token limits by tier name */
	struct config_tier *tiers;
	size_t n_tiers;

	/* [user:NAME] and [credential:MASK-or-FINGERPRINT] */
	struct config_override *users, *credentials;
	size_t n_users, n_credentials;

	/* [alerts] */
	double error_rate_pct;
	int64_t error_rate_min_requests;
	int64_t rate_limit_critical;   /* remaining at or under this is critical */
	int64_t invalid_after;         /* this many 401s end a credential's day: invalid */
	double anomaly_factor;
	int64_t anomaly_days;
	int64_t anomaly_min_tokens;
	double anomaly_min_cost_usd;
	double worse_pct;              /* an alert is worse when its value moved this much */
	char *webhook;                 /* URL, or NULL */
	double webhook_timeout;        /* seconds */
	char *prometheus;              /* textfile-collector file, or NULL */
	char *blocklist;               /* nginx map include, or NULL */
	char *blocklist_token_variable, *blocklist_user_variable;

	/* [ingest] */
	char *parsers, *estimates;

	/* [query] */
	char *queries;                 /* dir: more named queries */
	char *key_file;                /* [ingest] key_file: the credential key (keyfile.h) */

	/* [run]: the nightly job (tokstat run) */
	char **logs;                   /* globs, one per `logs =` line */
	size_t n_logs;
	char *database;
	int64_t keep_days;             /* days of raw events kept; CONFIG_NO_LIMIT: all */
	char **reports;                /* report formats: html, json, csv, text (config_report_ext) */
	size_t n_reports;
	char *output_dir;              /* reports go to OUTPUT_DIR/YYYY-MM-DD/; set when reports are */
	char *mail_to;                 /* the email report's recipient (ASCII); NULL: no mail */
	char *mail_command;            /* run by /bin/sh with the message on its stdin */

	/* the environment, read once by config_load */
	char *env_db, *env_parsers, *env_estimates, *env_queries, *env_key_file;

	/* private: lookups built by config_load */
	struct hashmap user_index;     /* user name -> index into users */
	struct hashmap user_tier;      /* user name (from user_tiers) -> index into tiers */
};

/* Defaults everywhere, nothing read. */
void config_init(struct config *c);

/*
 * Read the settings: the file FLAG_PATH (--config), else $TOKSTAT_CONFIG, else none; then the
 * user-tier CSV it names (libcsv); then the environment ($DAILY_TOKEN_LIMIT,
 * $MONTHLY_TOKEN_LIMIT, $BURST_TOKEN_LIMIT, $COST_ALERT_THRESHOLD override the [limits]
 * defaults; $TOKSTAT_DB, $TOKSTAT_PARSERS, $TOKSTAT_ESTIMATES, $TOKSTAT_QUERIES are kept for
 * the getters below).
 * C must be fresh from config_init. Returns 0, or -1 with ERR naming the file and line (or the
 * variable) and what is wrong; C is then to be freed.
 */
int config_load(struct config *c, const char *flag_path, struct buf *err);

/* Read one INI file into C (what config_load does with the file). Returns 0/-1 with ERR. */
int config_read_file(struct config *c, const char *path, struct buf *err);

/* Apply the limit variables of the environment to C. Returns 0/-1 with ERR. */
int config_read_env(struct config *c, struct buf *err);

void config_free(struct config *c);

/*
 * Settings other modules take from here, each the flag when given (non-NULL), else the
 * environment, else the file, else the default. The strings belong to C (or are FLAG).
 */
/* --db, $TOKSTAT_DB, [run] database, "tokstat.db" */
const char *config_get_db_path(const struct config *c, const char *flag);
/* --parsers, $TOKSTAT_PARSERS, [ingest] parsers; NULL: built-in formats only */
const char *config_get_parsers(const struct config *c, const char *flag);
/* --estimate, $TOKSTAT_ESTIMATES, [ingest] estimates; NULL: none */
const char *config_get_estimates(const struct config *c, const char *flag);
/* --queries, $TOKSTAT_QUERIES, [query] dir; NULL: built-in named queries only */
const char *config_get_queries(const struct config *c, const char *flag);
/* --key-file, $TOKSTAT_KEY_FILE, [ingest] key_file; NULL: DB.key beside the database */
const char *config_get_key_file(const struct config *c, const char *flag);

/* The settings those getters give, for config_origin. */
enum config_setting { CONFIG_DATABASE, CONFIG_PARSERS, CONFIG_ESTIMATES, CONFIG_QUERIES, CONFIG_KEY_FILE };

/*
 * Where setting S comes from when no flag gives it, for a message about its value:
 * "$TOKSTAT_ESTIMATES", "FILE: [ingest] estimates", or "the default" (static, or C's).
 * Appended to OUT.
 */
void config_origin(const struct config *c, enum config_setting s, struct buf *out);

/*
 * The limits of user NAME: the [limits] defaults, then the monthly limit of its tier ([user:NAME]
 * tier, else the user_tiers file), then what its own section sets.
 */
void config_user_limits(const struct config *c, const char *name, struct config_limits *out);

/*
 * The limits of the credential with masked DISPLAY and fingerprint FP (hex, any length): only
 * what the first [credential:...] section naming it (by exact mask or fingerprint prefix) sets,
 * every other limit CONFIG_NO_LIMIT; its rate_limit_warning is the section's, else [alerts]'.
 * Returns whether a section names it.
 */
bool config_credential_limits(const struct config *c, const char *display, const char *fp,
			      struct config_limits *out);

/* Does any [credential:...] section set this limit (enum config_limit_bit)? */
bool config_any_credential_sets(const struct config *c, unsigned bit);

/* The file extension of [run] report format NAME (its first N bytes): "html", "json", "csv",
 * "txt" for text; NULL when it is no such format. */
const char *config_report_ext(const char *name, size_t n);

/* The tier named NAME, or NULL. */
const struct config_tier *config_find_tier(const struct config *c, const char *name);

#endif
