/*
 * The nightly job: the run lock, then ingest, prune, alerts, reports and mail, each through
 * its module, each step's result handed to the caller (see run.h).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "encode.h"
#include "format.h"
#include "out.h"
#include "report.h"
#include "store.h"
#include "timefmt.h"

/* The most of a lock file's "pid N since TIME" that is read back. */
#define RUN_HOLDER_MAX 200

const char *run_step_name(enum run_step_kind k)
{
	static const char *const names[] = { "lock", "ingest", "prune", "alerts", "report", "mail" };
	return k <= RUN_MAIL ? names[k] : "?";
}

static double clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the lock ---- */

int run_lock(const char *db_path, bool probe, int *fd, struct buf *holder, struct buf *err)
{
	struct buf path = BUF_INIT;
	char text[RUN_HOLDER_MAX + 1];
	int rc = -1;

	*fd = -1;
	buf_printf(&path, "%s.run.lock", db_path);
	*fd = open(buf_str(&path), probe ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		if (probe && errno == ENOENT) /* no run ever took it */
			rc = 0;
		else
			buf_printf(err, "%s: cannot open the run lock: %s", buf_str(&path), strerror(errno));
		goto out;
	}
	/* a probe asks for a shared lock, which any run's exclusive one refuses */
	if (flock(*fd, (probe ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			buf_printf(err, "%s: cannot lock: %s", buf_str(&path), strerror(errno));
			goto out;
		}
		ssize_t n = pread(*fd, text, RUN_HOLDER_MAX, 0);
		n = n < 0 ? 0 : n;
		text[n] = '\0';
		text[strcspn(text, "\n")] = '\0';
		buf_adds(holder, *text ? text : "pid unknown");
		rc = 1;
		goto out;
	}
	if (probe) {
		rc = 0;
		goto out;
	}
	/* Who holds it, for the message of a run that finds it taken. */
	char at[32];
	int64_t now = (int64_t)time(NULL);
	timefmt_format_iso(now, at);
	int len = snprintf(text, sizeof(text), "pid %ld since %s\n", (long)getpid(), at);
	if (ftruncate(*fd, 0) < 0 || pwrite(*fd, text, (size_t)len, 0) != len) {
		buf_printf(err, "%s: cannot write: %s", buf_str(&path), strerror(errno));
		goto out;
	}
	buf_free(&path);
	return 0;
out:
	if (rc != 0 || probe) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	buf_free(&path);
	return rc;
}

/* ---- the logs ---- */

int run_match_logs(const struct config *c, char ***paths, size_t *n, void (*on_error)(void *ctx, const char *msg),
		   void *ctx, struct buf *err)
{
	int rc = 0;
	for (size_t i = 0; i < c->n_logs && rc == 0; i++) {
		glob_t g;
		/* GLOB_MARK: a directory ends in '/', and is left out. No GLOB_ERR: a folder that is
		 * missing (or unreadable) matches nothing, which is said below. */
		int grc = glob(c->logs[i], GLOB_MARK, NULL, &g);
		size_t matched = 0;
		if (grc != 0 && grc != GLOB_NOMATCH) {
			buf_printf(err, "logs = %s: cannot expand (out of memory)", c->logs[i]);
			rc = -1;
		}
		for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++) {
			const char *p = g.gl_pathv[k];
			if (p[strlen(p) - 1] == '/')
				continue;
			matched++;
			bool dup = false;
			for (size_t j = 0; j < *n && !dup; j++)
				dup = strcmp((*paths)[j], p) == 0;
			if (dup)
				continue;
			*paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
			(*paths)[(*n)++] = xstrdup(p);
		}
		if (rc == 0 && !matched && on_error) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "logs = %s: no file matches (or its folder cannot be read)", c->logs[i]);
			on_error(ctx, buf_str(&msg));
			buf_free(&msg);
		}
		globfree(&g);
	}
	return rc;
}

/* ---- the mail ---- */

int run_pipe_to(const char *command, const char *shown, const struct buf *msg, struct buf *err)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	int fds[2], status = 0, rc = -1;
	bool wrote = true;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		buf_printf(err, "mail_command: cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		buf_printf(err, "mail_command: cannot start: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* the message on stdin; whatever it prints to stderr, off the run's one line per step */
		if (dup2(fds[0], STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* A command that stops reading must not kill the run with SIGPIPE: EPIPE says it. */
	sigaction(SIGPIPE, &ignore, &old);
	for (size_t off = 0; off < msg->len;) {
		ssize_t w = write(fds[1], msg->data + off, msg->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			wrote = false;
			break;
		}
		off += (size_t)w;
	}
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			buf_printf(err, "mail_command '%s': cannot wait for it: %s", shown, strerror(errno));
			return -1;
		}
	}
	if (WIFSIGNALED(status))
		buf_printf(err, "mail_command '%s' was killed by signal %d", shown, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		buf_printf(err, "mail_command '%s' failed (exit status %d)", shown, WEXITSTATUS(status));
	else if (!wrote)
		buf_printf(err, "mail_command '%s' exited before it read the whole message", shown);
	else
		rc = 0;
	return rc;
}

/* ---- the job ---- */

struct job {
	const struct run_options *o;
	const struct config *c;
	struct store *st;
	bool failed;            /* a step failed: the exit status is RUN_FAILED */
	int alerts_status;      /* the alerts' exit status (0, 1, 2) */
	char day_text[16];
};

static void say(struct job *j, const char *msg)
{
	if (j->o->on_error)
		j->o->on_error(j->o->ctx, msg);
}

static void say_wait(void *ctx, const char *path, const char *who)
{
	struct job *j = ctx;
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%s: %s; waiting for it to finish", path, who);
	say(j, buf_str(&msg));
	buf_free(&msg);
}

/* Hand step S to the caller; a failed step's error is said first. */
static void step_done(struct job *j, struct run_step *s, double started)
{
	s->is_dry_run = j->o->is_dry_run;
	s->seconds = clock_now() - started;
	s->day_text = j->day_text;
	if (s->is_failed) {
		j->failed = true;
		if (s->error)
			say(j, s->error);
	}
	if (j->o->on_step)
		j->o->on_step(j->o->ctx, s);
}

static void file_done(void *ctx, const struct ingest_file_result *r)
{
	struct job *j = ctx;
	if (j->o->on_file)
		j->o->on_file(j->o->ctx, r);
}

static void glob_warning(void *ctx, const char *msg)
{
	say(ctx, msg);
}

static void step_ingest(struct job *j)
{
	struct run_step s = { .kind = RUN_INGEST, .is_new_db = !j->st };
	struct format_set set = { 0 };
	struct encode_estimate *estimates = NULL;
	struct ingest_totals totals = { 0 };
	struct buf err = BUF_INIT;
	char **files = NULL;
	size_t n_files = 0, n_estimates = 0;
	double t0 = clock_now();

	if (run_match_logs(j->c, &files, &n_files, glob_warning, j, &err) < 0)
		goto failed;
	s.files = (const char *const *)files;
	s.n_files = n_files;
	if (j->o->is_dry_run || !n_files)
		goto out;
	const char *spec = config_get_estimates(j->c, NULL);
	if (spec && encode_estimates_parse(spec, &estimates, &n_estimates, &err) < 0)
		goto failed;
	if (format_set_load(&set, config_get_parsers(j->c, NULL), &err) < 0)
		goto failed;
	struct ingest_options opt = { .max_reject_rate = -1, .estimates = estimates, .n_estimates = n_estimates,
				      .on_file = file_done, .ctx = j };
	int rc = ingest_run(j->st, &set, &opt, files, n_files, &totals, &err);
	s.ingest = &totals;
	if (rc != 0) {
		s.is_failed = true;
		/* each failed file was said with its result; ERR holds what no file's result said */
		if (!err.len)
			buf_printf(&err, "ingest: %llu of %llu files failed (see above)", (unsigned long long)totals.failed_files,
				   (unsigned long long)totals.files);
		s.error = buf_str(&err);
	}
	goto out;
failed:
	s.is_failed = true;
	s.error = buf_str(&err);
out:
	step_done(j, &s, t0);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	format_set_free(&set);
	encode_estimates_free(estimates, n_estimates);
	buf_free(&err);
}

static void step_prune(struct job *j)
{
	struct run_step s = { .kind = RUN_PRUNE, .keep_days = j->c->keep_days, .is_new_db = !j->st };
	struct store_prune_result r;
	struct buf err = BUF_INIT;
	double t0 = clock_now();
	int64_t before = j->o->now / 86400 - j->c->keep_days;

	memset(&r, 0, sizeof(r));
	s.prune = &r;
	if (j->c->keep_days == CONFIG_NO_LIMIT) {
		s.is_off = true;
	} else if (!j->st) {
		r.plan.before_day = before; /* a dry run on a database not made yet: nothing to prune */
	} else if (j->o->is_dry_run ? store_prune_plan(j->st, before, &r.plan, &err) < 0
				    : store_prune(j->st, before, 0, &r, &err) < 0) {
		s.is_failed = true;
		s.error = buf_str(&err);
	}
	step_done(j, &s, t0);
	buf_free(&err);
}

static void alerts_error(void *ctx, const char *msg)
{
	say(ctx, msg);
}

static void step_alerts(struct job *j)
{
	struct run_step s = { .kind = RUN_ALERTS, .is_new_db = !j->st };
	struct alerts_check ck = { 0 };
	struct buf err = BUF_INIT;
	double t0 = clock_now();

	if (!j->o->is_dry_run) {
		struct alerts_check_options co = { .on_error = alerts_error, .ctx = j };
		if (alerts_check(j->st, j->c, j->o->day, &co, &ck, &err) < 0) {
			s.is_failed = true;
			s.error = buf_str(&err);
		} else {
			s.alerts = &ck;
			/* a delivery that failed was said: the run says it failed too */
			s.is_failed = ck.status == ALERTS_UNKNOWN;
			j->alerts_status = ck.severity;
		}
	}
	step_done(j, &s, t0);
	alerts_check_free(&ck);
	buf_free(&err);
}

/* mkdir -p DIR (mode 0755). 0, or -1 with ERR. */
static int make_dirs(const char *dir, struct buf *err)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *q = p + 1; rc == 0; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char was = *q;
		*q = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			buf_printf(err, "%s: cannot make the folder: %s", p, strerror(errno));
			rc = -1;
		}
		*q = was;
		if (!was)
			break;
	}
	free(p);
	return rc;
}

/* The day's report as Q asks (TOP rows), on the store's read-only connection. 0, or -1 with ERR. */
static int build_report(struct job *j, int64_t top, struct report *r, struct buf *err)
{
	struct report_request q = { .preset = REPORT_FULL, .from_day = j->o->day, .to_day = j->o->day, .top = top,
				    .config = j->c, .now = j->o->now };
	sqlite3 *db = store_db(j->st);
	if (!db) {
		buf_printf(err, "%s: cannot open the database for reading", j->o->db_path);
		return -1;
	}
	return report_build(r, db, &q, err);
}

static void step_report(struct job *j)
{
	struct run_step s = { .kind = RUN_REPORT, .is_new_db = !j->st };
	struct report people = { 0 }, every = { 0 }; /* top 10 for html and text; every row for csv, json */
	struct buf dir = BUF_INIT, err = BUF_INIT, data = BUF_INIT;
	char **paths = xcalloc(j->c->n_reports ? j->c->n_reports : 1, sizeof(*paths));
	bool built_people = false, built_every = false;
	double t0 = clock_now();
	char host[256] = "localhost";

	if (!j->c->n_reports) {
		s.is_off = true;
		goto out;
	}
	buf_printf(&dir, "%s/%s", j->c->output_dir, j->day_text);
	s.path = buf_str(&dir);
	for (size_t i = 0; i < j->c->n_reports; i++) {
		const char *name = j->c->reports[i];
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/report.%s", buf_str(&dir), config_report_ext(name, strlen(name)));
		paths[i] = xstrdup(buf_str(&p));
		buf_free(&p);
	}
	s.reports = (const char *const *)paths;
	s.n_reports = j->c->n_reports;
	if (j->o->is_dry_run)
		goto out;
	if (make_dirs(buf_str(&dir), &err) < 0)
		goto failed;
	gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; i < j->c->n_reports; i++) {
		const char *name = j->c->reports[i];
		bool all_rows = strcmp(name, "csv") == 0 || strcmp(name, "json") == 0;
		struct report *r = all_rows ? &every : &people;
		bool *built = all_rows ? &built_every : &built_people;
		static const char *const daily[] = { "daily" };
		struct out_options oo = { .now = j->o->now, .hostname = host, .csv_tables = daily, .n_csv_tables = 1 };
		if (!*built) {
			if (build_report(j, all_rows ? -1 : 10, r, &err) < 0)
				goto failed;
			*built = true;
		}
		buf_reset(&data);
		if (out_find(name)->write(&data, r, &oo, &err) < 0 || out_write_file(paths[i], &data, &err) < 0)
			goto failed;
	}
	goto out;
failed:
	s.is_failed = true;
	s.error = buf_str(&err);
out:
	step_done(j, &s, t0);
	for (size_t i = 0; i < j->c->n_reports; i++)
		free(paths[i]);
	free(paths);
	report_free(&people);
	report_free(&every);
	buf_free(&dir);
	buf_free(&err);
	buf_free(&data);
}

static void step_mail(struct job *j)
{
	struct run_step s = { .kind = RUN_MAIL, .is_new_db = !j->st, .path = j->c->mail_to };
	struct report r = { 0 };
	struct buf msg = BUF_INIT, err = BUF_INIT, shown = BUF_INIT;
	struct credential_scrubber *scrub = credential_scrubber_new();
	double t0 = clock_now();
	char host[256] = "localhost";

	/* The command as said in messages: an SMTP password in its arguments is masked. */
	credential_scrub(scrub, j->c->mail_command, strlen(j->c->mail_command), &shown);
	s.command = buf_str(&shown);

	if (!j->c->mail_to) {
		s.is_off = true;
		goto out;
	}
	if (!j->st) /* a dry run before the first: no database to report on yet */
		goto out;
	gethostname(host, sizeof(host) - 1);
	struct out_options oo = { .mail_to = j->c->mail_to, .now = j->o->now, .hostname = host };
	if (build_report(j, 10, &r, &err) < 0 || out_email_write(&msg, &r, &oo, &err) < 0)
		goto failed;
	s.bytes = msg.len;
	if (!j->o->is_dry_run && run_pipe_to(j->c->mail_command, buf_str(&shown), &msg, &err) < 0)
		goto failed;
	goto out;
failed:
	s.is_failed = true;
	s.error = buf_str(&err);
out:
	step_done(j, &s, t0);
	report_free(&r);
	credential_scrubber_free(scrub);
	buf_free(&msg);
	buf_free(&err);
	buf_free(&shown);
}

int run_job(const struct run_options *o)
{
	struct job j = { .o = o, .c = o->cfg };
	struct run_step lock = { .kind = RUN_LOCK };
	struct buf err = BUF_INIT, holder = BUF_INIT, lock_path = BUF_INIT;
	int fd = -1, status = RUN_FAILED, rc;
	double t0 = clock_now();

	timefmt_format_day(o->day, j.day_text);
	buf_printf(&lock_path, "%s.run.lock", o->db_path);
	lock.path = buf_str(&lock_path);
	rc = run_lock(o->db_path, o->is_dry_run, &fd, &holder, &err);
	if (rc != 0) {
		if (rc > 0)
			buf_printf(&err, "another tokstat run holds %s (%s)", buf_str(&lock_path), buf_str(&holder));
		lock.is_failed = true;
		lock.error = buf_str(&err);
		step_done(&j, &lock, t0);
		goto out;
	}
	step_done(&j, &lock, t0);

	/* One store for every step: opened for ingest, its lock held to the end, so no ingest
	 * interleaves with the prune; a dry run reads, and finds no database before the first run. */
	if (o->is_dry_run) {
		if (access(o->db_path, F_OK) == 0 && store_open(&j.st, o->db_path, STORE_READ_ONLY, &err) < 0)
			goto cannot_open;
	} else {
		struct store_lock sl = { .wait = true, .on_wait = say_wait, .ctx = &j,
					  .key_file = config_get_key_file(j.c, NULL) };
		if (store_open_ingest(&j.st, o->db_path, &sl, &err) < 0)
			goto cannot_open;
	}
	step_ingest(&j);
	step_prune(&j);
	step_alerts(&j);
	step_report(&j);
	step_mail(&j);
	status = 0;
	goto out;
cannot_open:
	say(&j, buf_str(&err));
	j.failed = true;
out:
	if (!j.failed && !o->is_dry_run)
		status = j.alerts_status;
	else if (j.failed)
		status = RUN_FAILED;
	store_close(j.st);
	if (fd >= 0)
		close(fd);
	buf_free(&err);
	buf_free(&holder);
	buf_free(&lock_path);
	return status;
}
