// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli.h"
#include "probes.h"
#include "record_opts.h"

/* p_err() lives in main.c, outside libleakscope.a: count what the parser reports instead. */
static int n_errors;
static char last_error[256];

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	n_errors++;
}

/* A writable, NULL-terminated argv as main() gets it ("record" first, as do_record sees it):
 * the parser tokenizes -p's argument in place. */
struct args {
	int argc;
	char *argv[32];
	char store[1024];
};

static void make_args(struct args *a, const char *const *words)
{
	size_t used = 0;

	memset(a, 0, sizeof(*a));
	a->argv[a->argc++] = strcpy(a->store, "record");
	used = strlen("record") + 1;
	for (; *words; words++) {
		size_t len = strlen(*words) + 1;

		assert_true(a->argc < 31 && used + len <= sizeof(a->store));
		a->argv[a->argc++] = memcpy(a->store + used, *words, len);
		used += len;
	}
	a->argv[a->argc] = NULL;
}

static int parse_words(struct record_opts *o, struct args *a, const char *const *words)
{
	make_args(a, words);
	n_errors = 0;
	last_error[0] = 0;
	return record_opts__parse(o, a->argc, a->argv);
}

#define PARSE(o, a, ...) parse_words((o), (a), (const char *const[]){ __VA_ARGS__, NULL })

static void expect_einval(const char *const *words)
{
	struct record_opts o;
	struct args a;
	int ret = parse_words(&o, &a, words);

	if (ret != -EINVAL) {
		print_message("record");
		for (const char *const *w = words; *w; w++)
			print_message(" '%s'", *w);
		print_message(": returned %d, not -EINVAL\n", ret);
	}
	assert_int_equal(ret, -EINVAL);
	/* one message per failure, and it says something */
	assert_int_equal(n_errors, 1);
	assert_true(strlen(last_error) > 0);
	assert_null(strchr(last_error, '\n'));
}

#define EXPECT_EINVAL(...) expect_einval((const char *const[]){ __VA_ARGS__, NULL })

static void record_opts__parse__all_options__parsed(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	assert_int_equal(PARSE(&o, &a, "-p", "1,2,3", "-d", "5", "--min-age", "0.5", "--format",
			       "json", "-o", "x.json"),
			 0);
	assert_int_equal(n_errors, 0);
	assert_int_equal(o.npids, 3);
	assert_int_equal(o.pids[0], 1);
	assert_int_equal(o.pids[1], 2);
	assert_int_equal(o.pids[2], 3);
	assert_float_equal(o.duration_s, 5.0, 0);
	assert_float_equal(o.min_age_s, 0.5, 0);
	assert_int_equal(o.format, FORMAT_JSON);
	assert_non_null(o.output);
	assert_string_equal(o.output, "x.json");
	assert_int_equal(o.buffer_mb, 16);
	assert_null(o.command);
}

static void record_opts__parse__pid_only__defaults(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--pid", "4242"), 0);
	assert_int_equal(o.npids, 1);
	assert_int_equal(o.pids[0], 4242);
	assert_float_equal(o.duration_s, 0, 0); /* until Ctrl-C */
	assert_float_equal(o.min_age_s, 1.0, 0);
	assert_int_equal(o.format, FORMAT_TEXT);
	assert_null(o.output);
	assert_int_equal(o.buffer_mb, 16);
	assert_null(o.command);
	assert_int_equal(o.no_heap_names, 0); /* JS frames named from the heap */
	/* the long forms, --buffer-mb and --no-heap-names */
	assert_int_equal(PARSE(&o, &a, "--duration", "2.5", "-f", "text", "--output", "r.txt",
			       "--buffer-mb", "64", "--no-heap-names", "-p", "7"),
			 0);
	assert_int_equal(o.no_heap_names, 1);
	assert_float_equal(o.duration_s, 2.5, 0);
	assert_int_equal(o.format, FORMAT_TEXT);
	assert_string_equal(o.output, "r.txt");
	assert_int_equal(o.buffer_mb, 64);
	assert_int_equal(o.pids[0], 7);
}

static void record_opts__parse__command_after_dashes__argv_of_command(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	assert_int_equal(PARSE(&o, &a, "-d", "3", "--", "node", "app.js", "--inspect"), 0);
	assert_int_equal(n_errors, 0);
	assert_int_equal(o.npids, 0);
	assert_float_equal(o.duration_s, 3.0, 0);
	assert_non_null(o.command);
	assert_ptr_equal(o.command, &a.argv[4]); /* inside argv: execvp() takes it as is */
	assert_string_equal(o.command[0], "node");
	assert_string_equal(o.command[1], "app.js");
	assert_string_equal(o.command[2], "--inspect");
	assert_null(o.command[3]);
}

static void record_opts__parse__command_without_dashes__its_options_kept(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	assert_int_equal(PARSE(&o, &a, "node", "app.js", "--inspect"), 0);
	assert_non_null(o.command);
	assert_string_equal(o.command[0], "node");
	assert_string_equal(o.command[1], "app.js");
	assert_string_equal(o.command[2], "--inspect");
	assert_null(o.command[3]);
	/* the command's own -p and -d are not ours */
	assert_int_equal(PARSE(&o, &a, "--min-age", "2", "node", "-p", "1", "-d", "x"), 0);
	assert_int_equal(o.npids, 0);
	assert_float_equal(o.duration_s, 0, 0);
	assert_float_equal(o.min_age_s, 2.0, 0);
	assert_string_equal(o.command[0], "node");
	assert_string_equal(o.command[1], "-p");
	assert_string_equal(o.command[4], "x");
	assert_null(o.command[5]);
}

static void record_opts__parse__bad_duration__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-p", "1", "-d", "0");
	EXPECT_EINVAL("-p", "1", "-d", "-1");
	EXPECT_EINVAL("-p", "1", "-d", "abc");
	EXPECT_EINVAL("-p", "1", "-d", "5s");
	EXPECT_EINVAL("-p", "1", "-d", "");
	EXPECT_EINVAL("-p", "1", "-d"); /* no value */
	EXPECT_EINVAL("-p", "1", "--min-age", "-0.5");
	EXPECT_EINVAL("-p", "1", "--min-age", "x");
}

/* strtod() reads "nan" and "inf" as numbers; neither is a number of seconds, and record.c
 * converts both to nanoseconds with (__u64)(s * 1e9), undefined for them: "--min-age nan"
 * ends as a huge min_age that silently hides every leak. */
static void record_opts__parse__duration_not_finite__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-p", "1", "-d", "nan");
	EXPECT_EINVAL("-p", "1", "-d", "inf");
	EXPECT_EINVAL("-p", "1", "--min-age", "nan");
	EXPECT_EINVAL("-p", "1", "--min-age", "inf");
}

static void record_opts__parse__bad_pid__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-p", "0");
	EXPECT_EINVAL("-p", "abc");
	EXPECT_EINVAL("-p", "-5");
	EXPECT_EINVAL("-p", "12,x");
	EXPECT_EINVAL("-p", "1.5");
	EXPECT_EINVAL("-p", "99999999999");
}

static void record_opts__parse__bad_format__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-p", "1", "--format", "xml");
	EXPECT_EINVAL("-p", "1", "-f", "JSON");
}

static void record_opts__parse__no_target__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-d", "5");
	EXPECT_EINVAL("--format", "json");
	EXPECT_EINVAL("--");
}

static void record_opts__parse__pid_and_command__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("-p", "1", "node", "app.js");
	EXPECT_EINVAL("-p", "1", "--", "node", "app.js");
}

static void record_opts__parse__probes__families_and_plus(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	assert_int_equal(PARSE(&o, &a, "-p", "1"), 0);
	assert_int_equal(o.probes, PROBE_DEFAULT);
	assert_true(o.probes & PROBE_MEM);
	assert_false(o.probes & PROBE_BUFFERS); /* opt-in: a uprobe per Buffer */
	assert_int_equal(PARSE(&o, &a, "--probes", "fds,gc", "-p", "1"), 0);
	assert_int_equal(o.probes, PROBE_FDS | PROBE_GC);
	assert_int_equal(PARSE(&o, &a, "--probes", "+buffers", "-p", "1"), 0);
	assert_int_equal(o.probes, PROBE_DEFAULT | PROBE_BUFFERS);
	assert_int_equal(PARSE(&o, &a, "--probes", "handles,mem", "-p", "1"), 0);
	assert_int_equal(o.probes, PROBE_FDS | PROBE_HANDLES | PROBE_MEM);
	EXPECT_EINVAL("--probes", "+heapdump", "-p", "1");
}

static void record_opts__parse__unknown_option__einval(void **state)
{
	(void)state;
	EXPECT_EINVAL("--bogus", "-p", "1");
	EXPECT_EINVAL("-x", "-p", "1");
	EXPECT_EINVAL("-p", "1", "--pid");
}

static void record_opts__parse__buffer_not_power_of_two__einval(void **state)
{
	struct record_opts o;
	struct args a;

	(void)state;
	EXPECT_EINVAL("-p", "1", "--buffer-mb", "3");
	EXPECT_EINVAL("-p", "1", "--buffer-mb", "0");
	EXPECT_EINVAL("-p", "1", "--buffer-mb", "2048");
	EXPECT_EINVAL("-p", "1", "--buffer-mb", "8x");
	EXPECT_EINVAL("-p", "1", "--buffer-mb", "");
	assert_int_equal(PARSE(&o, &a, "-p", "1", "--buffer-mb", "1"), 0);
	assert_int_equal(o.buffer_mb, 1);
	assert_int_equal(PARSE(&o, &a, "-p", "1", "--buffer-mb", "1024"), 0);
	assert_int_equal(o.buffer_mb, 1024);
}

static void record_opts__parse__help__returns_one(void **state)
{
	struct record_opts o;
	struct args a;
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	int ret;

	(void)state;
	assert_true(saved >= 0 && null >= 0);
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	ret = PARSE(&o, &a, "-h");
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	assert_int_equal(ret, 1);
	assert_int_equal(n_errors, 0);
}

static void record_opts__parse__twice__fresh_state(void **state)
{
	struct record_opts o;
	struct args a;
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	int ret;

	(void)state;
	/* stop in the middle of a cluster of short options: getopt keeps its place in "-hx" */
	assert_true(saved >= 0 && null >= 0);
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	ret = PARSE(&o, &a, "-hx");
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	assert_int_equal(ret, 1);

	assert_int_equal(PARSE(&o, &a, "-p", "9", "-d", "1"), 0);
	assert_int_equal(n_errors, 0);
	assert_int_equal(o.npids, 1);
	assert_int_equal(o.pids[0], 9);

	/* after an error, after a command: nothing carries over */
	assert_int_equal(PARSE(&o, &a, "-d", "abc", "-p", "1"), -EINVAL);
	assert_int_equal(PARSE(&o, &a, "--", "node", "a.js"), 0);
	assert_string_equal(o.command[0], "node");
	assert_int_equal(PARSE(&o, &a, "-p", "5,6"), 0);
	assert_int_equal(n_errors, 0);
	assert_null(o.command);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[1], 6);
	assert_float_equal(o.duration_s, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_opts__parse__all_options__parsed),
		cmocka_unit_test(record_opts__parse__pid_only__defaults),
		cmocka_unit_test(record_opts__parse__command_after_dashes__argv_of_command),
		cmocka_unit_test(record_opts__parse__command_without_dashes__its_options_kept),
		cmocka_unit_test(record_opts__parse__bad_duration__einval),
		cmocka_unit_test(record_opts__parse__duration_not_finite__einval),
		cmocka_unit_test(record_opts__parse__bad_pid__einval),
		cmocka_unit_test(record_opts__parse__bad_format__einval),
		cmocka_unit_test(record_opts__parse__no_target__einval),
		cmocka_unit_test(record_opts__parse__pid_and_command__einval),
		cmocka_unit_test(record_opts__parse__probes__families_and_plus),
		cmocka_unit_test(record_opts__parse__unknown_option__einval),
		cmocka_unit_test(record_opts__parse__buffer_not_power_of_two__einval),
		cmocka_unit_test(record_opts__parse__help__returns_one),
		cmocka_unit_test(record_opts__parse__twice__fresh_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
