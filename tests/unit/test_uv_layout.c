// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The libuv numbers that bpf/handles.bpf.c hard-codes (include/leakscope/events.h), checked
 * against <uv.h> of the installed libuv1-dev.  Only the header is used: no -luv.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leakscope/events.h"

static void uv_layout__fs_req__offsets_match(void **state)
{
	(void)state;
	/* fs_work_enter: req = w - work_req offset, then reads req->fs_type */
	assert_int_equal(offsetof(uv_fs_t, fs_type), LS_UV_FS_TYPE_OFFSET);
	assert_int_equal(offsetof(uv_fs_t, work_req), LS_UV_FS_WORK_REQ_OFFSET);
	assert_int_equal(sizeof(((uv_fs_t *)0)->fs_type), sizeof(__s32));
	assert_int_equal(UV_FS_OPEN, LS_UV_FS_OPEN);
}

static void uv_layout__handle_type__at_16(void **state)
{
	(void)state;
	assert_int_equal(offsetof(uv_handle_t, type), 16);
	/* UV_HANDLE_FIELDS come first in every handle */
	assert_int_equal(offsetof(uv_tcp_t, type), 16);
	assert_int_equal(offsetof(uv_timer_t, type), 16);
	assert_int_equal(offsetof(uv_process_t, type), 16);
	assert_int_equal(sizeof(((uv_handle_t *)0)->type), sizeof(__u32));
}

static void uv_layout__handle_types__enum_values_match(void **state)
{
	(void)state;
	assert_int_equal(UV_ASYNC, LS_UV_ASYNC);
	assert_int_equal(UV_CHECK, LS_UV_CHECK);
	assert_int_equal(UV_FS_EVENT, LS_UV_FS_EVENT);
	assert_int_equal(UV_FS_POLL, LS_UV_FS_POLL);
	assert_int_equal(UV_HANDLE, LS_UV_HANDLE);
	assert_int_equal(UV_IDLE, LS_UV_IDLE);
	assert_int_equal(UV_NAMED_PIPE, LS_UV_NAMED_PIPE);
	assert_int_equal(UV_POLL, LS_UV_POLL);
	assert_int_equal(UV_PREPARE, LS_UV_PREPARE);
	assert_int_equal(UV_PROCESS, LS_UV_PROCESS);
	assert_int_equal(UV_STREAM, LS_UV_STREAM);
	assert_int_equal(UV_TCP, LS_UV_TCP);
	assert_int_equal(UV_TIMER, LS_UV_TIMER);
	assert_int_equal(UV_TTY, LS_UV_TTY);
	assert_int_equal(UV_UDP, LS_UV_UDP);
	assert_int_equal(UV_SIGNAL, LS_UV_SIGNAL);
	/* one past the last handle type; UV_FILE follows it in the enum but is no handle */
	assert_int_equal(UV_SIGNAL + 1, LS_UV_TYPE_MAX);
	assert_int_equal(UV_FILE, LS_UV_TYPE_MAX);
}

/* The offsets hold for libuv 1.x (its ABI is stable within a major version): the node that runs
 * here must use a 1.x libuv too, statically linked or not. */
static void uv_layout__node_libuv__same_major(void **state)
{
	char buf[64] = "";
	FILE *p;

	(void)state;
	if (access("/usr/bin/node", X_OK)) {
		skip();
		return;
	}
	p = popen("/usr/bin/node -p process.versions.uv 2>/dev/null", "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	assert_int_equal(pclose(p), 0);
	assert_int_equal(atoi(buf), UV_VERSION_MAJOR);
	assert_non_null(strchr(buf, '.'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uv_layout__fs_req__offsets_match),
		cmocka_unit_test(uv_layout__handle_type__at_16),
		cmocka_unit_test(uv_layout__handle_types__enum_values_match),
		cmocka_unit_test(uv_layout__node_libuv__same_major),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
