/*
 * Unit tests of run.c's parts: the run lock (taken, refused with its holder, probed without a
 * trace), the mail command's pipe (what it reads, its failures), and the logs' globs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"
#include "testlib.h"

struct fixture {
	char dir[256], db[300];
	struct buf said; /* what run_match_logs said, one line each */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("run", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	testlib_path(fx->dir, "t.db", fx->db, sizeof(fx->db));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	testlib_rmtree(fx->dir);
	buf_free(&fx->said);
	free(fx);
	return 0;
}

static void test_lock_is_taken_once_and_names_its_holder(void **state)
{
	struct fixture *fx = *state;
	struct buf holder = BUF_INIT, err = BUF_INIT, want = BUF_INIT;
	int fd, fd2;
	assert_int_equal(run_lock(fx->db, false, &fd, &holder, &err), 0);
	assert_true(fd >= 0);
	/* flock locks belong to the open file: a second open, as by another run, is refused */
	assert_int_equal(run_lock(fx->db, false, &fd2, &holder, &err), 1);
	assert_int_equal(fd2, -1);
	buf_printf(&want, "pid %ld since ", (long)getpid());
	assert_memory_equal(buf_str(&holder), buf_str(&want), want.len);
	assert_int_equal(strlen(buf_str(&holder)), want.len + 20); /* YYYY-MM-DDTHH:MM:SSZ */
	/* a probe sees it held too, and leaves it */
	buf_reset(&holder);
	assert_int_equal(run_lock(fx->db, true, &fd2, &holder, &err), 1);
	assert_non_null(strstr(buf_str(&holder), want.data));
	close(fd);
	assert_int_equal(run_lock(fx->db, true, &fd2, &holder, &err), 0);
	assert_int_equal(fd2, -1);
	assert_int_equal(run_lock(fx->db, false, &fd, &holder, &err), 0);
	close(fd);
	buf_free(&holder);
	buf_free(&err);
	buf_free(&want);
}

static void test_probe_creates_nothing(void **state)
{
	struct fixture *fx = *state;
	struct buf holder = BUF_INIT, err = BUF_INIT, path = BUF_INIT;
	struct stat sb;
	int fd;
	assert_int_equal(run_lock(fx->db, true, &fd, &holder, &err), 0);
	buf_printf(&path, "%s.run.lock", fx->db);
	assert_int_equal(stat(buf_str(&path), &sb), -1);
	buf_free(&holder);
	buf_free(&err);
	buf_free(&path);
}

static void test_lock_in_a_missing_folder_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct buf holder = BUF_INIT, err = BUF_INIT, db = BUF_INIT;
	int fd;
	buf_printf(&db, "%s/no/such/t.db", fx->dir);
	assert_int_equal(run_lock(buf_str(&db), false, &fd, &holder, &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.db.run.lock: cannot open the run lock"));
	buf_free(&holder);
	buf_free(&err);
	buf_free(&db);
}

static void test_pipe_gives_the_command_the_whole_message(void **state)
{
	struct fixture *fx = *state;
	struct buf msg = BUF_INIT, err = BUF_INIT, cmd = BUF_INIT, got = BUF_INIT;
	char out[300];
	testlib_path(fx->dir, "mail.out", out, sizeof(out));
	for (int i = 0; i < 20000; i++) /* more than a pipe holds */
		buf_printf(&msg, "line %d\n", i);
	buf_printf(&cmd, "cat > '%s'", out);
	assert_int_equal(run_pipe_to(buf_str(&cmd), "cat", &msg, &err), 0);
	assert_true(testlib_read_file(out, &got));
	assert_int_equal(got.len, msg.len);
	assert_memory_equal(got.data, msg.data, msg.len);
	buf_free(&msg);
	buf_free(&err);
	buf_free(&cmd);
	buf_free(&got);
}

static void test_pipe_reports_the_exit_status(void **state)
{
	struct buf msg = BUF_INIT, err = BUF_INIT;
	(void)state;
	buf_adds(&msg, "To: x\n\nhello\n");
	assert_int_equal(run_pipe_to("cat >/dev/null; exit 75", "cat >/dev/null; exit 75", &msg, &err), -1);
	assert_string_equal(buf_str(&err), "mail_command 'cat >/dev/null; exit 75' failed (exit status 75)");
	buf_reset(&err);
	assert_int_equal(run_pipe_to("/nonexistent/sendmail -t", "/nonexistent/sendmail -t", &msg, &err), -1);
	assert_non_null(strstr(buf_str(&err), "failed (exit status 127)"));
	buf_free(&msg);
	buf_free(&err);
}

static void test_pipe_survives_a_command_that_stops_reading(void **state)
{
	struct buf msg = BUF_INIT, err = BUF_INIT;
	(void)state;
	for (int i = 0; i < 100000; i++)
		buf_adds(&msg, "0123456789\n");
	/* exits 0 without reading: the run must not die of SIGPIPE, and must not call it sent */
	assert_int_equal(run_pipe_to("exit 0", "exit 0", &msg, &err), -1);
	assert_non_null(strstr(buf_str(&err), "exited before it read the whole message"));
	buf_free(&msg);
	buf_free(&err);
}

static void note(void *ctx, const char *msg)
{
	struct fixture *fx = ctx;
	buf_printf(&fx->said, "%s\n", msg);
}

static void test_globs_match_files_once_and_skip_folders(void **state)
{
	struct fixture *fx = *state;
	struct config c;
	struct buf err = BUF_INIT, glob1 = BUF_INIT, glob2 = BUF_INIT, glob3 = BUF_INIT, p = BUF_INIT;
	char **paths = NULL;
	size_t n = 0;
	const char *names[] = { "access.log", "access.log.1", "access.log.2.gz" };
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", fx->dir, names[i]);
		testlib_write_file(buf_str(&p), "x\n", 2);
	}
	buf_reset(&p);
	buf_printf(&p, "%s/access.log.d", fx->dir);
	assert_int_equal(mkdir(buf_str(&p), 0755), 0);
	config_init(&c);
	buf_printf(&glob1, "%s/access.log*", fx->dir);
	buf_printf(&glob2, "%s/access.log.1", fx->dir);
	buf_printf(&glob3, "%s/none-*.gz", fx->dir);
	c.logs = calloc(3, sizeof(*c.logs));
	c.logs[0] = strdup(glob1.data);
	c.logs[1] = strdup(glob2.data);
	c.logs[2] = strdup(glob3.data);
	c.n_logs = 3;
	assert_int_equal(run_match_logs(&c, &paths, &n, note, fx, &err), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", fx->dir, names[i]);
		assert_string_equal(paths[i], buf_str(&p));
		free(paths[i]);
	}
	free(paths);
	buf_reset(&p);
	buf_printf(&p, "logs = %s: no file matches (or its folder cannot be read)\n", glob3.data);
	assert_string_equal(buf_str(&fx->said), buf_str(&p));
	config_free(&c);
	buf_free(&err);
	buf_free(&glob1);
	buf_free(&glob2);
	buf_free(&glob3);
	buf_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_is_taken_once_and_names_its_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_in_a_missing_folder_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_gives_the_command_the_whole_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_reports_the_exit_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_survives_a_command_that_stops_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_globs_match_files_once_and_skip_folders, setup, teardown),
	};
	if (testlib_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
