// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "report.h"

#define NODE "/usr/bin/node"

/* A frame name with a quote, a backslash and a control character, as a perf map may hold. */
static char name0[] = "say \"hi\" \\ now\x01!";
static char name1[] = "uv_tcp_init";
static char module0[] = "/app/server.js";

static struct report_frame frames[] = {
	{ .name = name0, .module = module0, .line = 12, .column = 5, .kind = "js", .addr = 0x1234 },
	{ .name = name1, .module = NULL, .kind = "native", .addr = 0x7f00deadbeefULL },
};

static struct report_leak leaks[] = {
	{
		.kind = "fd",
		.type = "socket",
		.family = "inet",
		.count = 7,
		.oldest_age_s = 12.5,
		.rate_per_s = 0.56,
		.growing = true,
		.frames = frames,
		.nframes = 2,
	},
	{ .kind = "handle", .type = "tcp", .count = 1, .oldest_age_s = 3, .rate_per_s = 0.25 },
};

static struct report_process procs[] = {
	{
		.pid = 4242,
		.parent_pid = 1,
		.comm = "node",
		.exe = "/usr/bin/node",
		.exited = true,
		.exit_code = 1,
		.probe_fds = "attached",
		.probe_handles = "attached",
		.probe_gc = "not yet",
		.preexisting_fds = 3,
		.preexisting_fds_closed = 1,
		.open_fds = 9,
		.open_handles = 4,
		.leaks = leaks,
		.nleaks = 2,
	},
	{
		.pid = 4243,
		.comm = "tab\there",
		.exe = "",
		.probe_fds = "attached",
		.probe_handles = "not attached: no libuv symbols",
		.probe_gc = "not yet",
	},
};

static const struct report rep = {
	.duration_s = 30,
	.min_age_s = 1,
	.events = 1234,
	.stacks = 17,
	.procs = procs,
	.nprocs = 2,
};

/* The whole output of one writer, NUL-terminated; free() it. */
static char *render(int (*writer)(FILE *, const struct report *), const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(writer(f, r), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static bool has_node(void)
{
	return access(NODE, X_OK) == 0;
}

/* Exit status of `script` run by node with `input` on stdin; its stdout into out (if given). */
static int run_node(const char *script, const char *input, char *out, size_t outlen)
{
	char path[] = "/tmp/test_json_output.XXXXXX", *cmd = NULL;
	FILE *in, *p;
	size_t got = 0;
	int fd, status;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	in = fdopen(fd, "w");
	assert_non_null(in);
	assert_int_equal(fputs(input, in) >= 0, 1);
	assert_int_equal(fclose(in), 0);
	assert_true(asprintf(&cmd, NODE " -e '%s' < %s 2>/dev/null", script, path) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (out) {
		got = fread(out, 1, outlen - 1, p);
		out[got] = 0;
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	unlink(path);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char parse_script[] = "JSON.parse(require(\"fs\").readFileSync(0,\"utf8\"))";

static void output__json__report__schema_first(void **state)
{
	char *s = render(output__json, &rep);

	(void)state;
	assert_non_null(strstr(s, "\"schema\": \"leakscope-report/1\""));
	assert_true(strstr(s, "\"schema\"") < strstr(s, "\"processes\""));
	assert_non_null(strstr(s, "\"count\": 7"));
	assert_non_null(strstr(s, "\"family\": \"inet\""));
	assert_non_null(strstr(s, "\"growing\": true"));
	assert_non_null(strstr(s, "\"exit_code\": 1"));
	assert_non_null(strstr(s, "\"addr\": \"0x7f00deadbeef\""));
	assert_non_null(strstr(s, "\"module\": null"));
	assert_non_null(strstr(s, "\"exe\": null")); /* an empty exe is unknown, not "" */
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
}

static void output__json__special_chars__escaped(void **state)
{
	char *s = render(output__json, &rep);

	(void)state;
	assert_non_null(strstr(s, "\"frame\": \"say \\\"hi\\\" \\\\ now\\u0001!\""));
	assert_non_null(strstr(s, "\"comm\": \"tab\\there\""));
	/* no raw control character anywhere: only the layout's newlines */
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20)
			assert_int_equal(*c, '\n');
	free(s);
}

static void output__json__whole_output__node_parses(void **state)
{
	char *s = render(output__json, &rep);

	(void)state;
	if (!has_node()) {
		free(s);
		skip();
		return;
	}
	assert_int_equal(run_node(parse_script, s, NULL, 0), 0);
	/* the check can fail: a truncated report does not parse */
	s[strlen(s) / 2] = 0;
	assert_int_not_equal(run_node(parse_script, s, NULL, 0), 0);
	free(s);
}

static void output__json__values__round_trip(void **state)
{
	static const char script[] =
		"const j = JSON.parse(require(\"fs\").readFileSync(0, \"utf8\"));"
		"const p = j.processes[0], l = p.leaks[0], q = j.processes[1];"
		"process.stdout.write(JSON.stringify([l.stack[0].frame === \"say \\\"hi\\\" \\\\ "
		"now\\u0001!\", l.count, l.kind, l.type, l.stack.length, l.stack[0].line, "
		"l.stack[0].column, l.stack[1].module, p.leaks[1].stack.length, p.parent_pid, "
		"\"parent_pid\" in q, q.comm, q.exited, \"exit_code\" in q, j.stats.events, "
		"j.processes.length]));";
	char out[512];
	char *s = render(output__json, &rep);

	(void)state;
	if (!has_node()) {
		free(s);
		skip();
		return;
	}
	assert_int_equal(run_node(script, s, out, sizeof(out)), 0);
	assert_string_equal(out, "[true,7,\"fd\",\"socket\",2,12,5,null,0,1,false,\"tab\\there\","
				 "false,false,1234,2]");
	free(s);
}

/* RFC 3629 well-formedness: no stray continuation bytes, overlong forms or surrogates. */
static bool is_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned int c = *s++, n, cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned int i = 0; i < n; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*s & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* Paths (and comm) are bytes, not text: a Latin-1 file name reaches the report as is.  JSON
 * must be UTF-8 (RFC 8259, 8.1); strict readers (Python's json.load, for one) reject the
 * report otherwise.  node's JSON.parse does not notice: it decodes with replacement. */
static void output__json__non_utf8_path__valid_utf8(void **state)
{
	static char module[] = "/srv/r\xe9sum\xe9/addon.node";
	static char name[] = "caf\xc3\xa9"; /* valid UTF-8 stays */
	struct report_frame fr = { .name = name, .module = module, .kind = "native", .addr = 1 };
	struct report_leak l = { .kind = "fd", .type = "file", .count = 2, .frames = &fr,
				 .nframes = 1 };
	struct report_process p = { .pid = 1, .comm = "node", .exe = "/opt/\xff/node",
				    .probe_gc = "not yet", .leaks = &l, .nleaks = 1 };
	struct report r = { .procs = &p, .nprocs = 1 };
	char *s;
	bool kept, valid;

	(void)state;
	assert_true(is_utf8((const unsigned char *)"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d"));
	assert_false(is_utf8((const unsigned char *)"r\xe9sum\xe9"));
	s = render(output__json, &r);
	kept = strstr(s, "caf\xc3\xa9") != NULL;
	valid = is_utf8((const unsigned char *)s);
	free(s);
	assert_true(kept);
	assert_true(valid);
}

static void output__text__report__count_and_frame(void **state)
{
	char *s = render(output__text, &rep);
	const char *line;

	(void)state;
	line = strstr(s, "      7 fd     socket/inet");
	assert_non_null(line);
	assert_non_null(strstr(line, "GROWING"));
	/* names come from the traced program: control characters never reach the terminal */
	assert_non_null(strstr(s, "say \"hi\" \\ now?!"));
	assert_null(strchr(s, '\x01'));
	assert_non_null(strstr(s, "(/app/server.js:12:5)"));
	assert_non_null(strstr(s, "uv_tcp_init"));
	assert_non_null(strstr(s, "pid 4242 node (/usr/bin/node) exited with code 1, child of 1"));
	/* the one-off handle is summarized, not listed */
	assert_null(strstr(s, "handle tcp"));
	assert_non_null(strstr(s, "and 1 more"));
	assert_non_null(strstr(s, "pid 4243"));
	free(s);
}

static struct report_leak mem_leaks[] = {
	{ .kind = "mmap", .type = "anon", .count = 146, .bytes = 153690112, .oldest_age_s = 9,
	  .rate_per_s = 16.2, .growing = true, .frames = frames, .nframes = 2 },
	{ .kind = "brk", .type = "heap", .count = 1, .bytes = 65536, .oldest_age_s = 9 },
};

static struct report_process mem_procs[] = {
	{ .pid = 77, .comm = "node", .exe = "/usr/bin/node", .probe_fds = "attached",
	  .probe_handles = "attached", .probe_gc = "attached", .mapped_bytes = 160 << 20,
	  .brk_bytes = 65536, .leaks = mem_leaks, .nleaks = 2 },
};

static const struct report mem_rep = { .duration_s = 11, .min_age_s = 1, .procs = mem_procs,
				       .nprocs = 1 };

static void output__memory_groups__bytes_in_json_human_in_text(void **state)
{
	char *t = render(output__text, &mem_rep), *j = render(output__json, &mem_rep);

	(void)state;
	assert_non_null(strstr(t, "146.6 MiB mmap in 146 ranges"));
	assert_non_null(strstr(t, "GROWING"));
	assert_non_null(strstr(t, "160.0 MiB anonymous, 64.0 KiB of brk heap"));
	/* under 1 MiB: summed up, the JSON has it */
	assert_non_null(strstr(t, "and 1 more memory groups under 1 MiB"));
	assert_non_null(strstr(j, "\"kind\": \"mmap\""));
	assert_non_null(strstr(j, "\"bytes\": 153690112"));
	assert_non_null(strstr(j, "\"kind\": \"brk\""));
	assert_non_null(strstr(j, "\"mapped_bytes\": 167772160"));
	free(t);
	free(j);
}

static void output__writers__full_disk__eio(void **state)
{
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f) {
		skip();
		return;
	}
	assert_int_equal(output__json(f, &rep), -EIO);
	clearerr(f);
	assert_int_equal(output__text(f, &rep), -EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(output__json__report__schema_first),
		cmocka_unit_test(output__json__special_chars__escaped),
		cmocka_unit_test(output__json__whole_output__node_parses),
		cmocka_unit_test(output__json__values__round_trip),
		cmocka_unit_test(output__json__non_utf8_path__valid_utf8),
		cmocka_unit_test(output__text__report__count_and_frame),
		cmocka_unit_test(output__memory_groups__bytes_in_json_human_in_text),
		cmocka_unit_test(output__writers__full_disk__eio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
