// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "demangle.h"

static void check(const char *mangled, const char *want)
{
	char *got = demangle(mangled);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void demangle__cxx_method__full_signature(void **state)
{
	(void)state;
	check("_ZN4node10HandleWrap7OnCloseEP11uv_handle_s",
	      "node::HandleWrap::OnClose(uv_handle_s*)");
}

static void demangle__c_name__unchanged(void **state)
{
	(void)state;
	check("uv_tcp_init", "uv_tcp_init");
	/* a bare type code would demangle as a type: "f" is not "float" here */
	check("f", "f");
	check("", "");
}

static void demangle__gcc_clone_suffix__kept(void **state)
{
	(void)state;
	check("_ZN2v88internal4Heap7CollectEv.cold", "v8::internal::Heap::Collect() [clone .cold]");
}

static void demangle__invalid_mangling__copied(void **state)
{
	(void)state;
	check("_Z", "_Z");
	check("_ZN4node", "_ZN4node");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demangle__cxx_method__full_signature),
		cmocka_unit_test(demangle__c_name__unchanged),
		cmocka_unit_test(demangle__gcc_clone_suffix__kept),
		cmocka_unit_test(demangle__invalid_mangling__copied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
