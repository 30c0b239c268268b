/*
 * Settings: the INI file (libinih), the user-tier CSV (libcsv), the environment, and the
 * getters that apply "flag, else environment, else file, else default" (see config.h).
 */
#include "config.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest line of a config file; longer ones are an error, never cut (libinih would cut). */
#define CONFIG_MAX_LINE 65536

enum key_type {
	K_INT,       /* an integer in [min, max] */
	K_NUM,       /* a number in [min, max] */
	K_LIMIT,     /* an integer in [min, max], or "none" */
	K_LIMIT_NUM, /* a number in [min, max], or "none" */
	K_STR,       /* any text but empty */
	K_LIST,      /* text; the key may repeat, each line adds one item */
	K_WORDS,     /* names separated by spaces or commas; the key may repeat */
	K_REPORTS,   /* K_WORDS, each one of config_report_formats */
	K_ASCII,     /* K_STR in printable ASCII (a mail address: a header of its own) */
	K_VARIABLE,  /* an nginx variable: $ and letters, digits, '_' */
};

/* Where a key's value goes: in struct config, or in the section's struct config_override. */
enum key_where { IN_CONFIG, IN_OVERRIDE };

struct key {
	const char *section; /* "limits", ...; "user:" and "credential:" match [user:NAME] etc. */
	const char *name;
	enum key_type type;
	enum key_where where;
	size_t offset;
	double min, max;
	unsigned bit;        /* IN_OVERRIDE: which enum config_limit_bit it sets */
};

#define C(f) IN_CONFIG, offsetof(struct config, f)
#define O(f) IN_OVERRIDE, offsetof(struct config_override, f)
#define BIG 1e15 /* the largest count tokstat stores (see README, Bad input) */

/* Every key of every section. Ranges keep out values no one means (a negative limit). */
static const struct key keys[] = {
	{ "limits", "daily_tokens", K_LIMIT, C(limits.daily_tokens), 0, BIG, 0 },
	{ "limits", "monthly_tokens", K_LIMIT, C(limits.monthly_tokens), 0, BIG, 0 },
	{ "limits", "burst_tokens_per_minute", K_LIMIT, C(limits.burst_tokens), 0, BIG, 0 },
	{ "limits", "daily_cost_usd", K_LIMIT_NUM, C(limits.daily_cost_usd), 0, 1e12, 0 },
	{ "limits", "warning_pct", K_NUM, C(warning_pct), 1, 1000, 0 },
	{ "limits", "critical_pct", K_NUM, C(critical_pct), 1, 1000, 0 },
	{ "limits", "user_tiers", K_STR, C(user_tiers), 0, 0, 0 },

	{ "alerts", "error_rate_pct", K_NUM, C(error_rate_pct), 0, 100, 0 },
	{ "alerts", "error_rate_min_requests", K_INT, C(error_rate_min_requests), 1, BIG, 0 },
	{ "alerts", "rate_limit_warning", K_INT, C(limits.rate_limit_warning), 0, BIG, 0 },
	{ "alerts", "rate_limit_critical", K_INT, C(rate_limit_critical), 0, BIG, 0 },
	{ "alerts", "invalid_after", K_INT, C(invalid_after), 1, 1000000, 0 },
	{ "alerts", "anomaly_factor", K_NUM, C(anomaly_factor), 1, 1000000, 0 },
	{ "alerts", "anomaly_days", K_INT, C(anomaly_days), 1, 28, 0 },
	{ "alerts", "anomaly_min_tokens", K_INT, C(anomaly_min_tokens), 0, BIG, 0 },
	{ "alerts", "anomaly_min_cost_usd", K_NUM, C(anomaly_min_cost_usd), 0, 1e12, 0 },
	{ "alerts", "worse_pct", K_NUM, C(worse_pct), 0, 1000, 0 },
	{ "alerts", "webhook", K_STR, C(webhook), 0, 0, 0 },
	{ "alerts", "webhook_timeout", K_NUM, C(webhook_timeout), 0.1, 600, 0 },
	{ "alerts", "prometheus", K_STR, C(prometheus), 0, 0, 0 },
	{ "alerts", "blocklist", K_STR, C(blocklist), 0, 0, 0 },
	{ "alerts", "blocklist_token_variable", K_VARIABLE, C(blocklist_token_variable), 0, 0, 0 },
	{ "alerts", "blocklist_user_variable", K_VARIABLE, C(blocklist_user_variable), 0, 0, 0 },

	{ "ingest", "parsers", K_STR, C(parsers), 0, 0, 0 },
	{ "ingest", "estimates", K_STR, C(estimates), 0, 0, 0 },
	{ "ingest", "key_file", K_STR, C(key_file), 0, 0, 0 },

	{ "query", "dir", K_STR, C(queries), 0, 0, 0 },

	{ "run", "logs", K_LIST, C(logs), 0, 0, 0 },
	{ "run", "database", K_STR, C(database), 0, 0, 0 },
	{ "run", "keep_days", K_LIMIT, C(keep_days), 1, 1000000, 0 },
	{ "run", "reports", K_REPORTS, C(reports), 0, 0, 0 },
	{ "run", "output_dir", K_STR, C(output_dir), 0, 0, 0 },
	{ "run", "mail_to", K_ASCII, C(mail_to), 0, 0, 0 },
	{ "run", "mail_command", K_STR, C(mail_command), 0, 0, 0 },

	{ "user:", "tier", K_STR, O(tier), 0, 0, 0 },
	{ "user:", "daily_tokens", K_LIMIT, O(lim.daily_tokens), 0, BIG, CONFIG_SET_DAILY },
	{ "user:", "monthly_tokens", K_LIMIT, O(lim.monthly_tokens), 0, BIG, CONFIG_SET_MONTHLY },
	{ "user:", "burst_tokens_per_minute", K_LIMIT, O(lim.burst_tokens), 0, BIG, CONFIG_SET_BURST },
	{ "user:", "daily_cost_usd", K_LIMIT_NUM, O(lim.daily_cost_usd), 0, 1e12, CONFIG_SET_COST },

	{ "credential:", "daily_tokens", K_LIMIT, O(lim.daily_tokens), 0, BIG, CONFIG_SET_DAILY },
	{ "credential:", "monthly_tokens", K_LIMIT, O(lim.monthly_tokens), 0, BIG, CONFIG_SET_MONTHLY },
	{ "credential:", "burst_tokens_per_minute", K_LIMIT, O(lim.burst_tokens), 0, BIG, CONFIG_SET_BURST },
	{ "credential:", "daily_cost_usd", K_LIMIT_NUM, O(lim.daily_cost_usd), 0, 1e12, CONFIG_SET_COST },
	{ "credential:", "rate_limit_warning", K_INT, O(lim.rate_limit_warning), 0, BIG, CONFIG_SET_RATE_LIMIT },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* store_value finds a list's count right after the list. */
_Static_assert(offsetof(struct config, n_logs) == offsetof(struct config, logs) + sizeof(char **), "logs, n_logs");
_Static_assert(offsetof(struct config, n_reports) == offsetof(struct config, reports) + sizeof(char **),
	       "reports, n_reports");

/* Sections whose keys are all in the table; [tiers] takes any name. */
static const char *const plain_sections[] = { "limits", "alerts", "ingest", "query", "run", "tiers" };

/* Monthly token limits per tier. Source: the source design (free, basic, pro, enterprise). */
static const struct { const char *name; int64_t monthly; } default_tiers[] = {
	{ "free", 10000 }, { "basic", 50000 }, { "pro", 200000 }, { "enterprise", 1000000 },
};

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->limits.daily_tokens = CONFIG_DEFAULT_DAILY_TOKENS;
	c->limits.monthly_tokens = CONFIG_DEFAULT_MONTHLY_TOKENS;
	c->limits.burst_tokens = CONFIG_DEFAULT_BURST_TOKENS;
	c->limits.daily_cost_usd = CONFIG_DEFAULT_DAILY_COST_USD;
	/* Source: the issue ("rate-limit remaining under 100 (warning) or 0 (critical)"). */
	c->limits.rate_limit_warning = 100;
	c->rate_limit_critical = 0;
	/* Source: the issue ("warning at 80% of a limit, critical at 90% or over"). */
	c->warning_pct = 80;
	c->critical_pct = 90;
	/* Source: the issue ("error rate above 5% (warning), over at least 20 requests"). */
	c->error_rate_pct = 5;
	c->error_rate_min_requests = 20;
	/* Source: the credentials view, whose status is 'invalid' once the latest response is a 401. */
	c->invalid_after = 1;
	/* Source: the issue ("k times (default 3) the median of the 7 days before"). */
	c->anomaly_factor = 3;
	c->anomaly_days = 7;
	/* Our choice: a tenth of the default daily token limit and of the daily cost threshold,
	 * so a user too small to matter pages no one. */
	c->anomaly_min_tokens = CONFIG_DEFAULT_DAILY_TOKENS / 10;
	c->anomaly_min_cost_usd = CONFIG_DEFAULT_DAILY_COST_USD / 10;
	/* Our choice: a value must move 10% past the worst one reported to be reported again. */
	c->worse_pct = 10;
	/* Our choice: a webhook that has not answered in 10 s is down; the next run retries. */
	c->webhook_timeout = 10;
	/* The variables of README's nginx snippet: the masked token and the user header. */
	c->blocklist_token_variable = xstrdup("$tokstat_token");
	c->blocklist_user_variable = xstrdup("$http_x_user_id");
	c->keep_days = CONFIG_NO_LIMIT;
	c->mail_command = xstrdup(CONFIG_DEFAULT_MAIL_COMMAND);
	c->tiers = xcalloc(sizeof(default_tiers) / sizeof(default_tiers[0]), sizeof(*c->tiers));
	for (size_t i = 0; i < sizeof(default_tiers) / sizeof(default_tiers[0]); i++) {
		c->tiers[i].name = xstrdup(default_tiers[i].name);
		c->tiers[i].monthly_tokens = default_tiers[i].monthly;
	}
	c->n_tiers = sizeof(default_tiers) / sizeof(default_tiers[0]);
	hashmap_init(&c->user_index);
	hashmap_init(&c->user_tier);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_overrides(struct config_override *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].tier);
	}
	free(v);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->file);
	free(c->user_tiers);
	for (size_t i = 0; i < c->n_tiers; i++)
		free(c->tiers[i].name);
	free(c->tiers);
	free_overrides(c->users, c->n_users);
	free_overrides(c->credentials, c->n_credentials);
	free(c->webhook);
	free(c->prometheus);
	free(c->blocklist);
	free(c->blocklist_token_variable);
	free(c->blocklist_user_variable);
	free(c->parsers);
	free(c->estimates);
	free(c->queries);
	free_list(c->logs, c->n_logs);
	free(c->database);
	free_list(c->reports, c->n_reports);
	free(c->output_dir);
	free(c->mail_to);
	free(c->mail_command);
	free(c->env_db);
	free(c->env_parsers);
	free(c->env_estimates);
	free(c->env_queries);
	free(c->env_key_file);
	free(c->key_file);
	hashmap_free(&c->user_index);
	hashmap_free(&c->user_tier);
	memset(c, 0, sizeof(*c));
}

/* The report formats of [run] reports and the file each is written to (OUTPUT_DIR/DAY/report.EXT). */
static const struct { const char *name, *ext; } report_formats[] = {
	{ "html", "html" }, { "json", "json" }, { "csv", "csv" }, { "text", "txt" },
};

const char *config_report_ext(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(report_formats) / sizeof(report_formats[0]); i++)
		if (strlen(report_formats[i].name) == n && strncmp(report_formats[i].name, name, n) == 0)
			return report_formats[i].ext;
	return NULL;
}

/* ---- values ---- */

/*
 * A number as people write it: digits, one optional '.', '_' between digits for grouping
 * (30_000_000). No sign, exponent, hex, inf or nan: nothing here is meant negative. 0/-1.
 */
static int parse_number(const char *s, double *out, bool *is_integer)
{
	char tmp[64];
	size_t n = 0;
	bool dot = false, digit = false;
	for (const char *p = s; *p; p++) {
		if (*p == '_' && p > s && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1]))
			continue;
		if (*p == '.' && !dot) {
			dot = true;
		} else if (isdigit((unsigned char)*p)) {
			digit = true;
		} else {
			return -1;
		}
		if (n + 1 >= sizeof(tmp))
			return -1;
		tmp[n++] = *p;
	}
	if (!digit)
		return -1;
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, NULL);
	*is_integer = !dot;
	return errno || !isfinite(*out) ? -1 : 0;
}

/* Parse VALUE for key K into *num (K_INT/K_NUM/K_LIMIT*). Returns 0 or -1 with ERR (no position). */
static int parse_value(const struct key *k, const char *value, double *num, struct buf *err)
{
	bool is_integer;
	bool is_limit = k->type == K_LIMIT || k->type == K_LIMIT_NUM;
	bool wants_integer = k->type == K_INT || k->type == K_LIMIT;
	if (is_limit && strcmp(value, "none") == 0) {
		*num = CONFIG_NO_LIMIT;
		return 0;
	}
	if (parse_number(value, num, &is_integer) < 0 || (wants_integer && !is_integer)) {
		buf_printf(err, "%s wants %s%s, not '%s'", k->name, wants_integer ? "a whole number" : "a number",
			   is_limit ? " or 'none'" : "", value);
		return -1;
	}
	if (*num < k->min || *num > k->max) {
		buf_printf(err, "%s must be from %g to %g, not %s", k->name, k->min, k->max, value);
		return -1;
	}
	return 0;
}

static bool is_variable(const char *s)
{
	if (s[0] != '$' || !s[1])
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* Store VALUE (already checked) of key K at DST. */
static void store_value(const struct key *k, char *dst, const char *value, double num)
{
	switch (k->type) {
	case K_INT:
	case K_LIMIT:
		*(int64_t *)dst = (int64_t)num;
		break;
	case K_NUM:
	case K_LIMIT_NUM:
		*(double *)dst = num;
		break;
	case K_STR:
	case K_ASCII:
	case K_VARIABLE:
		free(*(char **)dst);
		*(char **)dst = xstrdup(value);
		break;
	case K_LIST:
	case K_WORDS:
	case K_REPORTS: {
		/* the count follows the array in struct config (logs, n_logs; reports, n_reports) */
		char ***list = (char ***)dst;
		size_t *n = (size_t *)(dst + sizeof(char **));
		const char *p = value;
		while (*p) {
			size_t len;
			if (k->type != K_LIST) {
				p += strspn(p, " \t,");
				len = strcspn(p, " \t,");
			} else {
				len = strlen(p);
			}
			if (!len)
				break;
			*list = xrealloc(*list, (*n + 1) * sizeof(**list));
			(*list)[(*n)++] = xstrndup(p, len);
			p += len;
		}
		break;
	}
	}
}

/* ---- the INI file ---- */

/* What the libinih callbacks share: the file, the line being read and the first error. */
struct reading {
	struct config *c;
	FILE *f;
	const char *path;
	int line;              /* the line libinih is parsing (1-based) */
	bool at_line_start;    /* the next chunk read starts a new line */
	size_t line_len;
	struct buf *err;
	bool failed;           /* ERR holds a message with its position */
	struct hashmap seen;   /* "section\nkey" -> line, for keys set twice */
	char section_seen[256];
};

/*
 * libinih's reader: fgets, counting lines. libinih reads a long line in several calls (it
 * grows its buffer), so a line ends only where a chunk ends in '\n'.
 */
static char *read_chunk(char *s, int num, void *stream)
{
	struct reading *r = stream;
	if (r->failed)
		return NULL;
	char *got = fgets(s, num, r->f);
	if (!got)
		return NULL;
	if (r->at_line_start) {
		r->line++;
		r->line_len = 0;
	}
	size_t n = strlen(s);
	r->line_len += n;
	r->at_line_start = n > 0 && s[n - 1] == '\n';
	if (r->line_len >= CONFIG_MAX_LINE - 2) {
		buf_printf(r->err, "%s:%d: line longer than %d bytes", r->path, r->line, CONFIG_MAX_LINE - 3);
		r->failed = true;
		return NULL;
	}
	return got;
}

__attribute__((format(printf, 2, 3))) static int fail_at(struct reading *r, const char *fmt, ...)
{
	va_list ap;
	if (r->failed)
		return 0;
	buf_printf(r->err, "%s:%d: ", r->path, r->line);
	va_start(ap, fmt);
	buf_vprintf(r->err, fmt, ap);
	va_end(ap);
	r->failed = true;
	return 0; /* libinih: stop */
}

/* The override for [KIND:NAME], added when new. */
static struct config_override *override_for(struct reading *r, bool is_user, const char *name)
{
	struct config *c = r->c;
	struct config_override **v = is_user ? &c->users : &c->credentials;
	size_t *n = is_user ? &c->n_users : &c->n_credentials;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct config_override *o = &(*v)[(*n)++];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(name);
	o->line = r->line;
	o->lim = (struct config_limits){ CONFIG_NO_LIMIT, CONFIG_NO_LIMIT, CONFIG_NO_LIMIT, CONFIG_NO_LIMIT,
					 CONFIG_NO_LIMIT };
	return o;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

/* The [tiers] section: NAME = monthly tokens, adding a tier or changing a default one. */
static int set_tier(struct reading *r, const char *name, const char *value)
{
	struct config *c = r->c;
	struct key k = { "tiers", name, K_LIMIT, IN_CONFIG, 0, 0, BIG, 0 };
	struct buf msg = BUF_INIT;
	double num;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			buf_free(&msg);
			return fail_at(r, "tier name '%s' may hold only letters, digits, '_' and '-'", name);
		}
	if (parse_value(&k, value, &num, &msg) < 0) {
		int rc = fail_at(r, "[tiers] %s", buf_str(&msg));
		buf_free(&msg);
		return rc;
	}
	buf_free(&msg);
	for (size_t i = 0; i < c->n_tiers; i++)
		if (strcmp(c->tiers[i].name, name) == 0) {
			c->tiers[i].monthly_tokens = (int64_t)num;
			return 1;
		}
	c->tiers = xrealloc(c->tiers, (c->n_tiers + 1) * sizeof(*c->tiers));
	c->tiers[c->n_tiers].name = xstrdup(name);
	c->tiers[c->n_tiers].monthly_tokens = (int64_t)num;
	c->n_tiers++;
	return 1;
}

/* libinih's handler: one key = value. Returns 1 to go on, 0 to stop (error set). */
static int on_key(void *user, const char *section, const char *name, const char *raw)
{
	struct reading *r = user;
	const char *colon = strchr(section, ':');
	bool is_user = strncmp(section, "user:", 5) == 0, is_cred = strncmp(section, "credential:", 11) == 0;
	const struct key *k = NULL;
	char *value = NULL;
	struct buf msg = BUF_INIT;
	int rc = 0;

	if (!*section) {
		rc = fail_at(r, "'%s' comes before any [section]", name);
		goto out;
	}
	if (!is_user && !is_cred) {
		size_t i;
		for (i = 0; i < sizeof(plain_sections) / sizeof(plain_sections[0]); i++)
			if (strcmp(section, plain_sections[i]) == 0)
				break;
		if (i == sizeof(plain_sections) / sizeof(plain_sections[0])) {
			rc = fail_at(r, "unknown section [%s] (known: [limits], [tiers], [alerts], [ingest], [run], "
				     "[user:NAME], [credential:MASK-or-FINGERPRINT])", section);
			goto out;
		}
	} else if (!colon[1]) {
		rc = fail_at(r, "[%s] names no %s", section, is_user ? "user" : "credential");
		goto out;
	}

	/* A matching pair of double quotes around a value is not part of it. */
	size_t n = strlen(raw);
	value = n >= 2 && raw[0] == '"' && raw[n - 1] == '"' ? xstrndup(raw + 1, n - 2) : xstrdup(raw);
	if (!*value) {
		rc = fail_at(r, "%s has no value", name);
		goto out;
	}

	/* A key set twice in one section is a mistake: which one was meant? Lists may repeat. */
	struct buf id = BUF_INIT;
	bool is_new;
	buf_printf(&id, "%s\n%s", section, name);
	uint64_t *line = hashmap_put(&r->seen, id.data, id.len, &is_new);
	buf_free(&id);

	if (strcmp(section, "tiers") == 0) {
		if (!is_new) {
			rc = fail_at(r, "tier %s is set twice (first on line %llu)", name, (unsigned long long)*line);
			goto out;
		}
		*line = (uint64_t)r->line;
		rc = set_tier(r, name, value);
		goto out;
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *ks = keys[i].section;
		bool section_matches = (is_user || is_cred) ? strncmp(section, ks, strlen(ks)) == 0 && ks[strlen(ks) - 1] == ':'
							     : strcmp(section, ks) == 0;
		if (section_matches && strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		struct buf known = BUF_INIT;
		for (size_t i = 0; i < N_KEYS; i++) {
			const char *ks = keys[i].section;
			bool same = (is_user || is_cred) ? strncmp(section, ks, strlen(ks)) == 0 : strcmp(section, ks) == 0;
			if (same)
				buf_printf(&known, "%s%s", known.len ? ", " : "", keys[i].name);
		}
		rc = fail_at(r, "unknown key '%s' in [%s] (known: %s)", name, section, buf_str(&known));
		buf_free(&known);
		goto out;
	}
	if (!is_new && k->type != K_LIST && k->type != K_WORDS && k->type != K_REPORTS) {
		rc = fail_at(r, "%s is set twice in [%s] (first on line %llu)", name, section, (unsigned long long)*line);
		goto out;
	}
	*line = (uint64_t)r->line;

	double num = 0;
	if ((k->type == K_INT || k->type == K_NUM || k->type == K_LIMIT || k->type == K_LIMIT_NUM) &&
	    parse_value(k, value, &num, &msg) < 0) {
		rc = fail_at(r, "%s", buf_str(&msg));
		goto out;
	}
	if (k->type == K_REPORTS) {
		for (const char *p = value; *(p += strspn(p, " \t,"));) {
			size_t len = strcspn(p, " \t,");
			if (!config_report_ext(p, len)) {
				rc = fail_at(r, "%s: no report format '%.*s' (formats: html, json, csv, text)", name, (int)len, p);
				goto out;
			}
			p += len;
		}
	}
	if (k->type == K_ASCII)
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
				rc = fail_at(r, "%s wants a mail address in ASCII, not '%s'", name, value);
				goto out;
			}
	if (k->type == K_VARIABLE && !is_variable(value)) {
		rc = fail_at(r, "%s wants an nginx variable such as $tokstat_token, not '%s'", name, value);
		goto out;
	}

	char *base;
	if (k->where == IN_CONFIG) {
		base = (char *)r->c;
	} else {
		const char *subject = colon + 1;
		if (is_cred && !strstr(subject, "...") && !strstr(subject, "***") &&
		    !(is_hex(subject) && strlen(subject) >= 6 && strlen(subject) <= 32)) {
			rc = fail_at(r, "[%s]: a credential is named by its mask (as tokstat shows it, "
				     "e.g. sk-proj-...dmuY) or by 6 to 32 hex digits of its fingerprint", section);
			goto out;
		}
		bool is_fp = is_cred && !strstr(subject, "...") && !strstr(subject, "***");
		char *key_name = xstrdup(subject);
		if (is_fp) /* fingerprints are stored in lower case */
			for (char *p = key_name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		struct config_override *o = override_for(r, is_user, key_name);
		free(key_name);
		o->is_fp = is_fp;
		o->set |= k->bit;
		if (k->offset == offsetof(struct config_override, tier))
			o->line = r->line; /* a missing tier is reported where it is named */
		base = (char *)o;
	}
	store_value(k, base + k->offset, value, num);
	rc = 1;
out:
	free(value);
	buf_free(&msg);
	return rc;
}

int config_read_file(struct config *c, const char *path, struct buf *err)
{
	struct reading r = { .c = c, .path = path, .at_line_start = true, .err = err };
	int rc = -1;

	/* libinih's behaviour is set by globals: one value per line (no continuation lines, no
	 * inline comments, so a ';' in a URL or a command stays), a buffer that grows to our
	 * longest line, and a stop at the first error so its line is the one reported. */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFIG_MAX_LINE;
	ini_stop_on_first_error = true;

	hashmap_init(&r.seen);
	r.f = fopen(path, "r");
	if (!r.f) {
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	int line = ini_parse_stream(read_chunk, &r, on_key, &r);
	if (r.failed)
		goto out;
	if (ferror(r.f)) {
		buf_printf(err, "%s: read error", path);
		goto out;
	}
	if (line > 0) {
		buf_printf(err, "%s:%d: not a [section], a 'key = value' line or a comment", path, line);
		goto out;
	}
	if (line < 0) {
		buf_printf(err, "%s: cannot read (out of memory)", path);
		goto out;
	}
	free(c->file);
	c->file = xstrdup(path);
	rc = 0;
out:
	if (r.f)
		fclose(r.f);
	hashmap_free(&r.seen);
	return rc;
}

/* ---- the user-tier CSV ---- */

struct tier_csv {
	struct config *c;
	const char *path;
	long line, record;
	char *field[2];
	int nfields;
	struct buf *err;
	bool failed;
};

static void tier_field(void *s, size_t n, void *data)
{
	struct tier_csv *t = data;
	if (t->nfields < 2) {
		const char *p = s ? s : "";
		while (n && isspace((unsigned char)*p))
			p++, n--;
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		t->field[t->nfields] = xstrndup(p, n);
	}
	t->nfields++;
}

static void tier_record(int term, void *data)
{
	struct tier_csv *t = data;
	(void)term;
	t->record++;
	if (t->failed)
		goto out;
	if (t->nfields == 1 && !*t->field[0])
		goto out; /* a blank line */
	if (t->nfields != 2) {
		buf_printf(t->err, "%s:%ld: wants 2 fields (user,tier), not %d", t->path, t->line, t->nfields);
		t->failed = true;
		goto out;
	}
	if (t->record == 1 && strcasecmp(t->field[0], "user") == 0 && strcasecmp(t->field[1], "tier") == 0)
		goto out; /* the header */
	if (!*t->field[0]) {
		buf_printf(t->err, "%s:%ld: the user is empty", t->path, t->line);
		t->failed = true;
		goto out;
	}
	size_t i;
	for (i = 0; i < t->c->n_tiers; i++)
		if (strcmp(t->c->tiers[i].name, t->field[1]) == 0)
			break;
	if (i == t->c->n_tiers) {
		buf_printf(t->err, "%s:%ld: unknown tier '%s' (tiers:", t->path, t->line, t->field[1]);
		for (size_t j = 0; j < t->c->n_tiers; j++)
			buf_printf(t->err, " %s", t->c->tiers[j].name);
		buf_adds(t->err, ")");
		t->failed = true;
		goto out;
	}
	bool is_new;
	uint64_t *slot = hashmap_put(&t->c->user_tier, t->field[0], strlen(t->field[0]), &is_new);
	if (!is_new && *slot != i) {
		buf_printf(t->err, "%s:%ld: user '%s' has a tier already, on an earlier line", t->path, t->line,
			   t->field[0]);
		t->failed = true;
		goto out;
	}
	*slot = i;
out:
	free(t->field[0]);
	free(t->field[1]);
	t->field[0] = t->field[1] = NULL;
	t->nfields = 0;
}

/* Read the user,tier CSV at PATH (a path relative to the config file's directory). */
static int read_user_tiers(struct config *c, const char *name, struct buf *err)
{
	struct tier_csv t = { .c = c, .err = err };
	struct csv_parser p;
	struct buf path = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = NULL;
	int rc = -1;

	const char *slash = c->file ? strrchr(c->file, '/') : NULL;
	if (name[0] != '/' && slash)
		buf_printf(&path, "%.*s/%s", (int)(slash - c->file), c->file, name);
	else
		buf_adds(&path, name);
	t.path = buf_str(&path);
	csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI);
	f = fopen(t.path, "r");
	if (!f) {
		buf_printf(err, "%s: cannot open: %s (user_tiers in %s)", t.path, strerror(errno),
			   c->file ? c->file : "the config");
		goto out;
	}
	/* Fed line by line, so a record's line is the one being fed when it ends. */
	while ((n = getline(&line, &cap, f)) > 0 && !t.failed) {
		t.line++;
		if (csv_parse(&p, line, (size_t)n, tier_field, tier_record, &t) != (size_t)n) {
			buf_printf(err, "%s:%ld: %s", t.path, t.line, csv_strerror(csv_error(&p)));
			goto out;
		}
	}
	if (!t.failed && csv_fini(&p, tier_field, tier_record, &t) != 0) {
		buf_printf(err, "%s:%ld: %s", t.path, t.line, csv_strerror(csv_error(&p)));
		goto out;
	}
	if (t.failed)
		goto out;
	if (ferror(f)) {
		buf_printf(err, "%s: read error", t.path);
		goto out;
	}
	rc = 0;
out:
	free(t.field[0]);
	free(t.field[1]);
	csv_free(&p);
	free(line);
	if (f)
		fclose(f);
	buf_free(&path);
	return rc;
}

/* ---- the environment ---- */

static const struct {
	const char *var;
	size_t offset;
	bool is_cost;
} env_limits[] = {
	/* The variables of the source design. */
	{ "DAILY_TOKEN_LIMIT", offsetof(struct config_limits, daily_tokens), false },
	{ "MONTHLY_TOKEN_LIMIT", offsetof(struct config_limits, monthly_tokens), false },
	{ "BURST_TOKEN_LIMIT", offsetof(struct config_limits, burst_tokens), false },
	{ "COST_ALERT_THRESHOLD", offsetof(struct config_limits, daily_cost_usd), true },
};

/* The settings with a variable of their own and a key in the file (config_get_*). */
static const struct {
	const char *var;     /* the environment variable */
	const char *where;   /* its key in the file, "[section] key" */
	size_t env, file;    /* offsets of the char * fields in struct config */
	const char *fallback; /* the default, or NULL */
} settings[] = {
	[CONFIG_DATABASE] = { "TOKSTAT_DB", "[run] database", offsetof(struct config, env_db),
			      offsetof(struct config, database), "tokstat.db" },
	[CONFIG_PARSERS] = { "TOKSTAT_PARSERS", "[ingest] parsers", offsetof(struct config, env_parsers),
			     offsetof(struct config, parsers), NULL },
	[CONFIG_ESTIMATES] = { "TOKSTAT_ESTIMATES", "[ingest] estimates", offsetof(struct config, env_estimates),
			       offsetof(struct config, estimates), NULL },
	[CONFIG_QUERIES] = { "TOKSTAT_QUERIES", "[query] dir", offsetof(struct config, env_queries),
			     offsetof(struct config, queries), NULL },
	[CONFIG_KEY_FILE] = { "TOKSTAT_KEY_FILE", "[ingest] key_file", offsetof(struct config, env_key_file),
			      offsetof(struct config, key_file), NULL },
};

static const char *field(const struct config *c, size_t offset)
{
	return *(char *const *)((const char *)c + offset);
}

int config_read_env(struct config *c, struct buf *err)
{
	for (size_t i = 0; i < sizeof(env_limits) / sizeof(env_limits[0]); i++) {
		const char *v = getenv(env_limits[i].var);
		if (!v || !*v)
			continue; /* empty is unset, as for $TOKSTAT_DB */
		struct key k = { "environment", env_limits[i].var, env_limits[i].is_cost ? K_LIMIT_NUM : K_LIMIT,
				 IN_CONFIG, 0, 0, env_limits[i].is_cost ? 1e12 : BIG, 0 };
		double num;
		if (parse_value(&k, v, &num, err) < 0)
			return -1;
		char *dst = (char *)&c->limits + env_limits[i].offset;
		if (env_limits[i].is_cost)
			*(double *)dst = num;
		else
			*(int64_t *)dst = (int64_t)num;
	}
	/* empty is unset, as above */
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		char **dst = (char **)((char *)c + settings[i].env);
		const char *v = getenv(settings[i].var);
		free(*dst);
		*dst = v && *v ? xstrdup(v) : NULL;
	}
	return 0;
}

/* Checks that need the whole file: tiers named by users exist, levels are in order. */
static int check(struct config *c, struct buf *err)
{
	const char *where = c->file ? c->file : "config";
	if (c->warning_pct >= c->critical_pct) {
		buf_printf(err, "%s: [limits] warning_pct (%g) must be below critical_pct (%g)", where, c->warning_pct,
			   c->critical_pct);
		return -1;
	}
	if (c->rate_limit_critical >= c->limits.rate_limit_warning) {
		buf_printf(err, "%s: [alerts] rate_limit_critical (%lld) must be below rate_limit_warning (%lld)", where,
			   (long long)c->rate_limit_critical, (long long)c->limits.rate_limit_warning);
		return -1;
	}
	for (size_t i = 0; i < c->n_credentials; i++) {
		const struct config_override *o = &c->credentials[i];
		if ((o->set & CONFIG_SET_RATE_LIMIT) && o->lim.rate_limit_warning <= c->rate_limit_critical) {
			buf_printf(err, "%s:%d: [credential:%s] rate_limit_warning must be above rate_limit_critical (%lld)",
				   where, o->line, o->name, (long long)c->rate_limit_critical);
			return -1;
		}
	}
	if (c->n_reports && !c->output_dir) {
		buf_printf(err, "%s: [run] reports wants an output_dir to write them to", where);
		return -1;
	}
	for (size_t i = 0; i < c->n_users; i++) {
		const struct config_override *o = &c->users[i];
		if (o->tier && !config_find_tier(c, o->tier)) {
			buf_printf(err, "%s:%d: [user:%s] unknown tier '%s' (tiers:", where, o->line, o->name, o->tier);
			for (size_t j = 0; j < c->n_tiers; j++)
				buf_printf(err, " %s", c->tiers[j].name);
			buf_adds(err, ")");
			return -1;
		}
		bool is_new;
		hashmap_put(&c->user_index, o->name, strlen(o->name), &is_new)[0] = i;
	}
	return 0;
}

int config_load(struct config *c, const char *flag_path, struct buf *err)
{
	const char *path = flag_path;
	if (!path) {
		path = getenv("TOKSTAT_CONFIG");
		if (path && !*path)
			path = NULL;
	}
	if (path && config_read_file(c, path, err) < 0)
		return -1;
	if (check(c, err) < 0)
		return -1;
	if (c->user_tiers && read_user_tiers(c, c->user_tiers, err) < 0)
		return -1;
	return config_read_env(c, err);
}

/* ---- getters ---- */

/* Flag, else environment, else file, else default. */
static const char *get(const struct config *c, enum config_setting which, const char *flag)
{
	const char *env = field(c, settings[which].env), *file = field(c, settings[which].file);
	if (flag && *flag)
		return flag;
	if (env)
		return env;
	return file ? file : settings[which].fallback;
}

const char *config_get_db_path(const struct config *c, const char *flag)
{
	return get(c, CONFIG_DATABASE, flag);
}

const char *config_get_parsers(const struct config *c, const char *flag)
{
	return get(c, CONFIG_PARSERS, flag);
}

const char *config_get_estimates(const struct config *c, const char *flag)
{
	return get(c, CONFIG_ESTIMATES, flag);
}

const char *config_get_queries(const struct config *c, const char *flag)
{
	return get(c, CONFIG_QUERIES, flag);
}

const char *config_get_key_file(const struct config *c, const char *flag)
{
	return get(c, CONFIG_KEY_FILE, flag);
}

void config_origin(const struct config *c, enum config_setting which, struct buf *out)
{
	if (field(c, settings[which].env))
		buf_printf(out, "$%s", settings[which].var);
	else if (field(c, settings[which].file))
		buf_printf(out, "%s: %s", c->file ? c->file : "the config", settings[which].where);
	else
		buf_adds(out, "the default");
}

const struct config_tier *config_find_tier(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_tiers; i++)
		if (strcmp(c->tiers[i].name, name) == 0)
			return &c->tiers[i];
	return NULL;
}

/* Copy the limits O sets over OUT. */
static void apply(const struct config_override *o, struct config_limits *out)
{
	if (o->set & CONFIG_SET_DAILY)
		out->daily_tokens = o->lim.daily_tokens;
	if (o->set & CONFIG_SET_MONTHLY)
		out->monthly_tokens = o->lim.monthly_tokens;
	if (o->set & CONFIG_SET_BURST)
		out->burst_tokens = o->lim.burst_tokens;
	if (o->set & CONFIG_SET_COST)
		out->daily_cost_usd = o->lim.daily_cost_usd;
	if (o->set & CONFIG_SET_RATE_LIMIT)
		out->rate_limit_warning = o->lim.rate_limit_warning;
}

void config_user_limits(const struct config *c, const char *name, struct config_limits *out)
{
	*out = c->limits;
	size_t n = strlen(name);
	const uint64_t *ui = hashmap_get((struct hashmap *)&c->user_index, name, n);
	const struct config_override *o = ui ? &c->users[*ui] : NULL;
	const struct config_tier *tier = NULL;
	if (o && o->tier) {
		tier = config_find_tier(c, o->tier);
	} else {
		const uint64_t *ti = hashmap_get((struct hashmap *)&c->user_tier, name, n);
		if (ti)
			tier = &c->tiers[*ti];
	}
	if (tier)
		out->monthly_tokens = tier->monthly_tokens;
	if (o)
		apply(o, out);
}

static bool credential_matches(const struct config_override *o, const char *display, const char *fp)
{
	if (!o->is_fp)
		return display && strcmp(o->name, display) == 0;
	if (!fp)
		return false;
	size_t n = strlen(o->name);
	if (strlen(fp) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)fp[i]) != o->name[i])
			return false;
	return true;
}

bool config_credential_limits(const struct config *c, const char *display, const char *fp,
			      struct config_limits *out)
{
	*out = (struct config_limits){ CONFIG_NO_LIMIT, CONFIG_NO_LIMIT, CONFIG_NO_LIMIT, CONFIG_NO_LIMIT,
				       c->limits.rate_limit_warning };
	for (size_t i = 0; i < c->n_credentials; i++)
		if (credential_matches(&c->credentials[i], display, fp)) {
			apply(&c->credentials[i], out);
			return true;
		}
	return false;
}

bool config_any_credential_sets(const struct config *c, unsigned bit)
{
	for (size_t i = 0; i < c->n_credentials; i++)
		if (c->credentials[i].set & bit)
			return true;
	return false;
}
