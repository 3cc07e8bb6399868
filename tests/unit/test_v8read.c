// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// v8read against a fake V8 heap built in a buffer: strings of every representation, ScopeInfo
// of both layouts, and garbage that must give errors, never crashes or wrong names.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "v8read.h"

#define BASE 0x10000000ULL
static __u8 heap[1 << 16];
static size_t top;
static struct v8meta m;
static int reads;

static int fake_read(void *ctx, __u64 addr, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	if (addr < BASE || addr - BASE > sizeof(heap) || len > sizeof(heap) - (addr - BASE))
		return -EFAULT;
	memcpy(buf, heap + (addr - BASE), len);
	return 0;
}

static const struct v8_mem mem = { fake_read, NULL };

/* node 20 (V8 11.3) values, as its v8dbg_ symbols give them */
enum { T_SEQ_TWO = 32, T_CONS_TWO = 33, T_EXTERNAL = 34, T_SEQ_ONE = 40, T_CONS_ONE = 41,
       T_SLICED_ONE = 43, T_THIN_ONE = 45, T_ODDBALL = 131, T_SCRIPT = 167, T_SCOPE_INFO = 261,
       T_SFI = 262, T_JS_FUNCTION = 2066 };

static void meta_node20(void)
{
	memset(&m, 0, sizeof(m));
	m.heap_object_tag = 1;
	m.heap_object_tag_mask = 3;
	m.smi_tag_mask = 1;
	m.smi_shift = 32;
	m.type_js_function_first = T_JS_FUNCTION;
	m.type_js_function_end = 2097;
	m.type_shared_function_info = T_SFI;
	m.type_script = T_SCRIPT;
	m.type_scope_info = T_SCOPE_INFO;
	m.first_nonstring_type = 128;
	m.string_repr_mask = 7;
	m.string_enc_mask = 8;
	m.one_byte_tag = 8;
	m.seq_tag = 0;
	m.cons_tag = 1;
	m.external_tag = 2;
	m.sliced_tag = 3;
	m.thin_tag = 5;
	m.off_map = 0;
	m.off_map_instance_type = 12;
	m.off_function_shared = 24;
	m.off_sfi_name_or_scope_info = 16;
	m.off_sfi_script = 32;
	m.off_script_source = 8;
	m.off_script_name = 16;
	m.off_string_length = 12;
	m.off_seq_one_chars = 16;
	m.off_seq_two_chars = 16;
	m.off_cons_first = 16;
	m.off_cons_second = 24;
	m.off_sliced_parent = 16;
	m.off_sliced_offset = 24;
	m.off_thin_actual = 16;
	m.off_external_resource = 16;
	m.v8_major = 11;
}

static int setup(void **state)
{
	(void)state;
	memset(heap, 0, sizeof(heap));
	top = 64;
	reads = 0;
	meta_node20();
	return 0;
}

static __u64 smi(__s64 v) { return (__u64)v << 32; }

static void put(__u64 tagged_or_addr, __u32 off, const void *v, size_t n)
{
	memcpy(heap + ((tagged_or_addr & ~3ULL) - BASE) + off, v, n);
}

static void put64(__u64 obj, __u32 off, __u64 v) { put(obj, off, &v, 8); }

static __u64 alloc(size_t n)
{
	__u64 a = BASE + top;

	top += (n + 7) & ~(size_t)7;
	assert_true(top <= sizeof(heap));
	return a;
}

static __u64 new_map(__u16 type)
{
	__u64 map = alloc(80) + 1;

	put(map, 12, &type, 2);
	return map;
}

static __u64 new_obj(__u16 type, size_t size)
{
	__u64 o = alloc(size) + 1;

	put64(o, 0, new_map(type));
	return o;
}

static __u64 seq_one(const char *s)
{
	__s32 len = (__s32)strlen(s);
	__u64 o = new_obj(T_SEQ_ONE, 16 + len);

	put(o, 12, &len, 4);
	put(o, 16, s, len);
	return o;
}

static __u64 seq_two(const __u16 *s, __s32 len)
{
	__u64 o = new_obj(T_SEQ_TWO, 16 + 2 * len);

	put(o, 12, &len, 4);
	put(o, 16, s, 2 * len);
	return o;
}

static __s32 len_of(__u64 str)
{
	__s32 l;

	memcpy(&l, heap + ((str & ~3ULL) - BASE) + 12, 4);
	return l;
}

static __u64 cons(__u64 a, __u64 b)
{
	__u64 o = new_obj(T_CONS_ONE, 32);
	__s32 len = len_of(a) + len_of(b);

	put(o, 12, &len, 4);
	put64(o, 16, a);
	put64(o, 24, b);
	return o;
}

static __u64 sliced(__u64 parent, __s32 offset, __s32 len)
{
	__u64 o = new_obj(T_SLICED_ONE, 32);

	put(o, 12, &len, 4);
	put64(o, 16, parent);
	put64(o, 24, smi(offset));
	return o;
}

static __u64 thin(__u64 actual)
{
	__u64 o = new_obj(T_THIN_ONE, 24);
	__s32 len = len_of(actual);

	put(o, 12, &len, 4);
	put64(o, 16, actual);
	return o;
}

static void v8read__string__one_byte__decoded(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(v8read__string(&m, &mem, seq_one("processFile"), out, sizeof(out)), 0);
	assert_string_equal(out, "processFile");
}

static void v8read__string__latin1_one_byte__utf8(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(v8read__string(&m, &mem, seq_one("caf\xe9"), out, sizeof(out)), 0);
	assert_string_equal(out, "caf\xc3\xa9");
}

static void v8read__string__two_byte_with_surrogates__utf8(void **state)
{
	/* "héllo😀" and an unpaired low surrogate */
	const __u16 s[] = { 'h', 0xe9, 'l', 'l', 'o', 0xd83d, 0xde00, 0xdc00 };
	char out[64];

	(void)state;
	assert_int_equal(v8read__string(&m, &mem, seq_two(s, 8), out, sizeof(out)), 0);
	assert_string_equal(out, "h\xc3\xa9llo\xf0\x9f\x98\x80\xef\xbf\xbd");
}

static void v8read__string__cons_sliced_thin__followed(void **state)
{
	__u64 world = sliced(seq_one("hello world"), 6, 5);
	__u64 s = cons(cons(seq_one("Repo"), seq_one(".")), thin(cons(seq_one("open"), world)));
	char out[64];

	(void)state;
	assert_int_equal(v8read__string(&m, &mem, s, out, sizeof(out)), 0);
	assert_string_equal(out, "Repo.openworld");
}

static void v8read__string__longer_than_buffer__cut_whole_chars(void **state)
{
	const __u16 s[] = { 'a', 'b', 0xe9, 0xe9 };
	char out[5];

	(void)state;
	assert_int_equal(v8read__string(&m, &mem, seq_two(s, 4), out, sizeof(out)), 0);
	assert_string_equal(out, "ab\xc3\xa9"); /* the second é does not fit: not cut in half */
}

static void v8read__string__external_cached__chars_outside_heap(void **state)
{
	/* node's own module sources: static data, the address cached after `resource` */
	__u64 data = alloc(16), ext = new_obj(T_EXTERNAL | 8, 32);
	__u64 uncached = new_obj(T_EXTERNAL | 8 | 0x10, 32);
	__s32 len = 7;
	char out[16];

	(void)state;
	memcpy(heap + (data - BASE), "node:fs", 7);
	put(ext, 12, &len, 4);
	put64(ext, 16, 0x1234); /* the resource object: not read */
	put64(ext, 24, data);
	assert_int_equal(v8read__string(&m, &mem, ext, out, sizeof(out)), 0);
	assert_string_equal(out, "node:fs");
	put(uncached, 12, &len, 4);
	put64(uncached, 24, data);
	assert_int_equal(v8read__string(&m, &mem, uncached, out, sizeof(out)), -ENOTSUP);
	/* a cached pointer to nowhere */
	put64(ext, 24, 0x7f0000000000ULL);
	assert_int_equal(v8read__string(&m, &mem, ext, out, sizeof(out)), -EFAULT);
}

static void v8read__string__garbage__errors(void **state)
{
	__u64 ext = new_obj(T_EXTERNAL | 8 | 0x10, 32), loop = new_obj(T_CONS_ONE, 32), s;
	__s32 len = 4;
	char out[16];

	(void)state;
	put(ext, 12, &len, 4);
	assert_int_equal(v8read__string(&m, &mem, ext, out, sizeof(out)), -ENOTSUP);
	/* a cons string that contains itself */
	put(loop, 12, &len, 4);
	put64(loop, 16, loop);
	put64(loop, 24, loop);
	assert_int_equal(v8read__string(&m, &mem, loop, out, sizeof(out)), -ELOOP);
	/* not a heap object, a Smi, unmapped memory, not a string */
	assert_int_equal(v8read__string(&m, &mem, BASE + 64, out, sizeof(out)), -EINVAL);
	assert_int_equal(v8read__string(&m, &mem, smi(3), out, sizeof(out)), -EINVAL);
	assert_int_equal(v8read__string(&m, &mem, 0x7f0000000001ULL, out, sizeof(out)), -EFAULT);
	assert_int_equal(v8read__string(&m, &mem, new_obj(T_SCRIPT, 64), out, sizeof(out)),
			 -EINVAL);
	/* a slice past its parent's end; a negative length */
	s = sliced(seq_one("abc"), 2, 5);
	assert_int_equal(v8read__string(&m, &mem, s, out, sizeof(out)), -EINVAL);
	s = seq_one("abc");
	len = -1;
	put(s, 12, &len, 4);
	assert_int_equal(v8read__string(&m, &mem, s, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
}

static __u64 script(const char *name, __u64 source)
{
	__u64 o = new_obj(T_SCRIPT, 64);

	put64(o, m.off_script_source, source);
	put64(o, m.off_script_name, name ? seq_one(name) : new_obj(T_ODDBALL, 48));
	return o;
}

static void v8read__line_starts__cons_source__lines_and_columns(void **state)
{
	__u64 src = cons(seq_one("'use strict';\n\nfunction f() {\n"), seq_one("  open();\n}\n"));
	__u32 *starts, line, col;
	size_t n;

	(void)state;
	assert_int_equal(v8read__line_starts(&m, &mem, script("/a.js", src), &starts, &n), 0);
	assert_int_equal(n, 6);
	v8read__line_column(starts, n, 15, &line, &col); /* the 'f' of function */
	assert_int_equal(line, 3);
	assert_int_equal(col, 1);
	v8read__line_column(starts, n, 32, &line, &col); /* "open" */
	assert_int_equal(line, 4);
	assert_int_equal(col, 3);
	v8read__line_column(starts, n, 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
	free(starts);
}

/* A ScopeInfo of a function scope with `locals` context locals, in the V8 <= 12 or >= 13
 * layout, whose function variable is `name` and inferred name `inferred` (0: none). */
static __u64 scope_info(bool v13, int locals, __u64 name, __u64 inferred, __s64 start)
{
	__u64 si = new_obj(T_SCOPE_INFO, 64 + 16 * (locals + 8));
	/* function scope, function variable UNUSED (3), has inferred name */
	__u32 flags = (v13 ? 4 : 2) | 3u << 12 | (inferred ? 1u << 14 : 0);
	__u32 slot;

	if (v13)
		put(si, 8, &flags, 4);
	else
		put64(si, 8, smi(flags));
	put64(si, 16, smi(1));
	put64(si, 24, smi(locals));
	slot = v13 ? 48 : 32;
	if (v13) {
		put64(si, 32, smi(start));
		put64(si, 40, smi(start + 50));
	}
	/* names inlined below 75 locals, else one hash table */
	int names = locals < 75 ? locals : 1;

	for (int i = 0; i < names; i++)
		put64(si, slot + 8 * i, seq_one("local"));
	for (int i = 0; i < locals; i++)
		put64(si, slot + 8 * (names + i), smi(0));
	slot += 8 * (names + locals);
	put64(si, slot, name);
	put64(si, slot + 8, smi(-1));
	slot += 16;
	if (inferred) {
		put64(si, slot, inferred);
		slot += 8;
	}
	if (!v13) {
		put64(si, slot, smi(start));
		put64(si, slot + 8, smi(start + 50));
	}
	return si;
}

static __u64 sfi(__u64 name_or_scope_info, __u64 script_obj)
{
	__u64 o = new_obj(T_SFI, 64);

	put64(o, m.off_sfi_name_or_scope_info, name_or_scope_info);
	put64(o, m.off_sfi_script, script_obj);
	return o;
}

static __u64 function(__u64 shared)
{
	__u64 o = new_obj(T_JS_FUNCTION + 15, 64); /* a subtype: JS_CLASS_CONSTRUCTOR_TYPE */

	put64(o, m.off_function_shared, shared);
	return o;
}

static void check_scope_layout(bool v13)
{
	__u64 scr = script("/srv/app.js", seq_one("x\nfunction processFile() {}\n"));
	struct v8_function_info info;
	__u64 shared;

	m.v8_major = v13 ? 13 : 11;
	/* named, two context locals */
	assert_int_equal(v8read__function_shared(&m, &mem,
						 function(sfi(scope_info(v13, 2, seq_one("processFile"), 0, 11), scr)),
						 &shared), 0);
	assert_int_equal(v8read__shared_info(&m, &mem, shared, &info), 0);
	assert_string_equal(info.name, "processFile");
	assert_string_equal(info.script_name, "/srv/app.js");
	assert_int_equal(info.start_pos, 11);
	assert_int_equal(info.script, scr);
	/* anonymous, V8 inferred a name from the assignment */
	assert_int_equal(v8read__shared_info(&m, &mem,
					     sfi(scope_info(v13, 0, smi(0), seq_one("obj.handler"), 7), scr),
					     &info), 0);
	assert_string_equal(info.name, "obj.handler");
	assert_int_equal(info.start_pos, 7);
	/* 80 locals: names are a hash table, one slot */
	assert_int_equal(v8read__shared_info(&m, &mem,
					     sfi(scope_info(v13, 80, seq_one("big"), 0, 3), scr), &info), 0);
	assert_string_equal(info.name, "big");
	assert_int_equal(info.start_pos, 3);
}

static void v8read__shared_info__scope_info_v11__name_inferred_start(void **state)
{
	(void)state;
	check_scope_layout(false);
}

static void v8read__shared_info__scope_info_v13__name_inferred_start(void **state)
{
	(void)state;
	check_scope_layout(true);
}

static void v8read__shared_info__uncompiled_string_name__no_script(void **state)
{
	struct v8_function_info info;

	(void)state;
	assert_int_equal(v8read__shared_info(&m, &mem, sfi(seq_one("lazy"), smi(0)), &info), 0);
	assert_string_equal(info.name, "lazy");
	assert_string_equal(info.script_name, "");
	assert_int_equal(info.script, 0);
	assert_int_equal(info.start_pos, -1);
}

static void v8read__function_shared__not_a_function__einval(void **state)
{
	__u64 shared, scr = script("/a.js", seq_one(""));

	(void)state;
	/* a plain object, a function whose shared is no SFI, garbage, a Smi */
	assert_int_equal(v8read__function_shared(&m, &mem, new_obj(2058, 64), &shared), -EINVAL);
	assert_int_equal(v8read__function_shared(&m, &mem, function(scr), &shared), -EINVAL);
	assert_int_equal(v8read__function_shared(&m, &mem, 0x5555555555555555ULL, &shared), -EFAULT);
	assert_int_equal(v8read__function_shared(&m, &mem, smi(1), &shared), -EINVAL);
	assert_int_equal(v8read__function_shared(&m, &mem, 0, &shared), -EINVAL);
}

static void v8read__shared_info__garbage_scope_info__error_not_name(void **state)
{
	struct v8_function_info info;
	__u64 si = scope_info(false, 1, seq_one("x"), 0, 1);

	(void)state;
	/* flags in the wrong form for this V8 version */
	m.v8_major = 13;
	assert_int_not_equal(v8read__shared_info(&m, &mem, sfi(si, smi(0)), &info), 0);
	/* a name slot that holds a Smi other than zero */
	m.v8_major = 11;
	put64(si, 32 + 16, smi(5));
	assert_int_equal(v8read__shared_info(&m, &mem, sfi(si, smi(0)), &info), -EINVAL);
	/* a local count that does not fit */
	put64(si, 24, smi(-4));
	assert_int_equal(v8read__shared_info(&m, &mem, sfi(si, smi(0)), &info), -EINVAL);
}

/* Random words, many of them tagged pointers into the heap or small type numbers: whatever
 * the reader follows, it must return, in bounded reads, with a terminated string. */
static void v8read__random_heap__no_crash_bounded(void **state)
{
	__u64 seed = 42;

	(void)state;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(heap) / 8; i++) {
			__u64 r, w;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			r = seed >> 33;
			switch (r & 3) {
			case 0: w = BASE + (r % sizeof(heap) & ~7ULL) + 1; break; /* tagged */
			case 1: w = (r % 300) | (r % 2200) << 16; break; /* types, lengths */
			case 2: w = smi((__s64)(r % 200)); break;
			default: w = r * 0x9e3779b97f4a7c15ULL; break;
			}
			memcpy(heap + 8 * i, &w, 8);
		}
		for (int k = 0; k < 50; k++) {
			struct v8_function_info info;
			__u64 obj, shared, r;
			char out[64];
			__u32 *starts;
			size_t n;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			r = seed >> 33;
			obj = BASE + (r % sizeof(heap) & ~7ULL) + 1;
			m.v8_major = r & 1 ? 11 : 13;
			reads = 0;
			v8read__string(&m, &mem, obj, out, sizeof(out));
			assert_true(memchr(out, 0, sizeof(out)) != NULL);
			v8read__function_shared(&m, &mem, obj, &shared);
			if (!v8read__shared_info(&m, &mem, obj, &info)) {
				assert_true(memchr(info.name, 0, sizeof(info.name)) != NULL);
				assert_true(memchr(info.script_name, 0, sizeof(info.script_name)));
			}
			if (!v8read__line_starts(&m, &mem, obj, &starts, &n))
				free(starts);
			/* bounded: cons trees are cut at 4096 pieces, sources at 64 MiB */
			assert_true(reads < 200000);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(v8read__string__one_byte__decoded, setup),
		cmocka_unit_test_setup(v8read__string__latin1_one_byte__utf8, setup),
		cmocka_unit_test_setup(v8read__string__two_byte_with_surrogates__utf8, setup),
		cmocka_unit_test_setup(v8read__string__cons_sliced_thin__followed, setup),
		cmocka_unit_test_setup(v8read__string__longer_than_buffer__cut_whole_chars, setup),
		cmocka_unit_test_setup(v8read__string__external_cached__chars_outside_heap, setup),
		cmocka_unit_test_setup(v8read__string__garbage__errors, setup),
		cmocka_unit_test_setup(v8read__line_starts__cons_source__lines_and_columns, setup),
		cmocka_unit_test_setup(v8read__shared_info__scope_info_v11__name_inferred_start, setup),
		cmocka_unit_test_setup(v8read__shared_info__scope_info_v13__name_inferred_start, setup),
		cmocka_unit_test_setup(v8read__shared_info__uncompiled_string_name__no_script, setup),
		cmocka_unit_test_setup(v8read__function_shared__not_a_function__einval, setup),
		cmocka_unit_test_setup(v8read__shared_info__garbage_scope_info__error_not_name, setup),
		cmocka_unit_test_setup(v8read__random_heap__no_crash_bounded, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
