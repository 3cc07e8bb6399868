// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "v8read.h"

/* Bounds on what garbage could make us do. */
#define MAX_STRING_DEPTH 64	       /* nesting of cons/sliced/thin strings followed */
#define MAX_STRING_PIECES 4096	       /* leaves of one cons tree */
#define MAX_SOURCE_LEN (64u << 20)     /* a script source longer than this is not scanned */
#define CHUNK 4096

/*
 * ScopeInfo (V8 src/objects/scope-info.tq), which the metadata does not describe.  Two layouts,
 * checked in the heap of node 18.20 (V8 10.2), 20.20 (11.3), 22.23 (12.4) and 24.21 (13.6):
 *
 *   V8 <= 12: flags (Smi), parameter_count, context_local_count, [module_variable_count],
 *             local names (inlined below 75 locals, else one hash table), local infos,
 *             [saved_class_variable_info], [function_variable_info {name, slot}],
 *             [inferred_function_name], [position_info {start, end}: function, script, eval
 *             and module scopes], [outer_scope_info], ...
 *   V8 >= 13: flags (raw uint32 + 4 bytes of padding), parameter_count, context_local_count,
 *             position_info {start, end} always, then as above from module_variable_count.
 *
 * The flag bits used here (saved class variable: bit 10, function variable: bits 12-13,
 * inferred name: bit 14) did not move; the ScopeType enum was reordered in V8 13.
 */
#define SI_FLAGS 8
#define SI_CONTEXT_LOCAL_COUNT 24
#define SI_VARIABLES_V12 32
#define SI_POSITION_V13 32
#define SI_VARIABLES_V13 48
#define SI_MAX_INLINED_LOCAL_NAMES 75 /* kScopeInfoMaxInlinedLocalNamesSize, src/common/globals.h */
#define SI_SCOPE_TYPE(f) ((f) & 0xf)
/* enum ScopeType: V8 <= 12: CLASS, EVAL, FUNCTION, MODULE, SCRIPT, ...;
 * V8 >= 13: SCRIPT, REPL_MODE, CLASS, EVAL, FUNCTION, MODULE, ... */
#define SI_V12_EVAL 1
#define SI_V12_FUNCTION 2
#define SI_V12_MODULE 3
#define SI_V12_SCRIPT 4
#define SI_V13_MODULE 5
#define SI_HAS_SAVED_CLASS_VARIABLE(f) (((f) >> 10) & 1)
#define SI_FUNCTION_VARIABLE(f) (((f) >> 12) & 3) /* VariableAllocationInfo, NONE = 0 */
#define SI_HAS_INFERRED_NAME(f) (((f) >> 14) & 1)

int v8_mem__read_pid(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv((pid_t)(uintptr_t)ctx, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static bool is_heap_object(const struct v8meta *m, __u64 v)
{
	return (v & m->heap_object_tag_mask) == m->heap_object_tag && v > 4096;
}

static bool is_smi(const struct v8meta *m, __u64 v)
{
	return (v & m->smi_tag_mask) == 0;
}

static __s64 smi_value(const struct v8meta *m, __u64 v)
{
	return (__s64)v >> m->smi_shift;
}

static int read_word(const struct v8_mem *mem, __u64 addr, __u64 *v)
{
	return mem->read(mem->ctx, addr, v, sizeof(*v));
}

/* A tagged field of a heap object. */
static int read_field(const struct v8meta *m, const struct v8_mem *mem, __u64 obj, __u32 off,
		      __u64 *v)
{
	return read_word(mem, obj - m->heap_object_tag + off, v);
}

static int instance_type(const struct v8meta *m, const struct v8_mem *mem, __u64 obj,
			 __u32 *type)
{
	__u64 map;
	__u16 t;
	int err;

	if (!is_heap_object(m, obj))
		return -EINVAL;
	err = read_field(m, mem, obj, m->off_map, &map);
	if (err)
		return err;
	if (!is_heap_object(m, map))
		return -EINVAL;
	err = mem->read(mem->ctx, map - m->heap_object_tag + m->off_map_instance_type, &t,
			sizeof(t));
	if (err)
		return err;
	*type = t;
	return 0;
}

static int expect_type(const struct v8meta *m, const struct v8_mem *mem, __u64 obj, __u32 want)
{
	__u32 t;
	int err = instance_type(m, mem, obj, &t);

	return err ? err : t == want ? 0 : -EINVAL;
}

int v8read__function_shared(const struct v8meta *m, const struct v8_mem *mem, __u64 function,
			    __u64 *shared)
{
	__u32 t;
	int err = instance_type(m, mem, function, &t);

	if (err)
		return err;
	if (t < m->type_js_function_first || t >= m->type_js_function_end)
		return -EINVAL;
	err = read_field(m, mem, function, m->off_function_shared, shared);
	if (err)
		return err;
	return expect_type(m, mem, *shared, m->type_shared_function_info);
}

/* Strings: chars [from, from + len) of str, piece by piece, to fn. */
typedef int (*chars_fn)(void *ctx, const void *chars, size_t n, bool two_byte);

struct visit {
	const struct v8meta *m;
	const struct v8_mem *mem;
	chars_fn fn;
	void *ctx;
	int pieces;
};

static int string_length(const struct v8meta *m, const struct v8_mem *mem, __u64 str,
			 __u32 *len)
{
	__s32 l;
	int err = mem->read(mem->ctx, str - m->heap_object_tag + m->off_string_length, &l,
			    sizeof(l));

	if (err)
		return err;
	if (l < 0)
		return -EINVAL;
	*len = (__u32)l;
	return 0;
}

/* The length of str, after checking that it is a string at all. */
static int checked_string_length(const struct v8meta *m, const struct v8_mem *mem, __u64 str,
				 __u32 *len)
{
	__u32 type;
	int err = instance_type(m, mem, str, &type);

	if (err)
		return err;
	if (type >= m->first_nonstring_type)
		return -EINVAL;
	return string_length(m, mem, str, len);
}

/* Chars [from, from + len) of a flat run of chars at `base`, to v->fn a chunk at a time. */
static int visit_chars(struct visit *v, __u64 base, __u32 from, __u32 len, bool two_byte)
{
	__u32 unit = two_byte ? 2 : 1;
	char buf[CHUNK];

	while (len) {
		__u32 n = len * unit > CHUNK ? CHUNK / unit : len;
		int err = v->mem->read(v->mem->ctx, base + (__u64)from * unit, buf, (size_t)n * unit);

		if (err)
			return err;
		err = v->fn(v->ctx, buf, n, two_byte);
		if (err)
			return err;
		from += n;
		len -= n;
	}
	return 0;
}

static int visit_seq(struct visit *v, __u64 str, __u32 from, __u32 len, bool two_byte)
{
	return visit_chars(v, str - v->m->heap_object_tag +
				      (two_byte ? v->m->off_seq_two_chars : v->m->off_seq_one_chars),
			   from, len, two_byte);
}

/*
 * An external string keeps its chars outside the heap (node's own modules since node 20: their
 * sources are static data of the binary).  Unless V8 marked it uncached
 * (kUncachedExternalStringMask, bit 4 of the type, src/objects/instance-type.h), the address of
 * those chars is cached in the word after `resource` (ExternalString::kResourceDataOffset,
 * src/objects/string.h; checked in node 18 to 24).
 */
#define UNCACHED_EXTERNAL_STRING_BIT 0x10

static int visit_external(struct visit *v, __u64 str, __u32 type, __u32 from, __u32 len)
{
	bool two_byte = (type & v->m->string_enc_mask) != v->m->one_byte_tag;
	__u64 data;
	int err;

	if (!v->m->off_external_resource || (type & UNCACHED_EXTERNAL_STRING_BIT))
		return -ENOTSUP;
	err = read_field(v->m, v->mem, str, v->m->off_external_resource + 8, &data);
	if (err)
		return err;
	if (!data)
		return -EINVAL;
	return visit_chars(v, data, from, len, two_byte);
}

static int visit_string(struct visit *v, __u64 str, __u32 from, __u32 len, int depth)
{
	const struct v8meta *m = v->m;

	/* the right spine of a cons tree (a += b += c...) is followed in this loop, not by
	 * recursion; the depth bounds the rest */
	while (len) {
		__u32 type, slen, repr;
		__u64 a, b;
		int err;

		if (depth > MAX_STRING_DEPTH || ++v->pieces > MAX_STRING_PIECES)
			return -ELOOP;
		err = instance_type(m, v->mem, str, &type);
		if (err)
			return err;
		if (type >= m->first_nonstring_type)
			return -EINVAL;
		err = string_length(m, v->mem, str, &slen);
		if (err)
			return err;
		if (from > slen || len > slen - from)
			return -EINVAL;
		repr = type & m->string_repr_mask;
		if (repr == m->seq_tag)
			return visit_seq(v, str, from, len,
					 (type & m->string_enc_mask) != m->one_byte_tag);
		if (repr == m->thin_tag) {
			err = read_field(m, v->mem, str, m->off_thin_actual, &a);
			if (err)
				return err;
			str = a;
			depth++;
			continue;
		}
		if (repr == m->sliced_tag) {
			err = read_field(m, v->mem, str, m->off_sliced_parent, &a);
			if (!err)
				err = read_field(m, v->mem, str, m->off_sliced_offset, &b);
			if (err)
				return err;
			if (!is_smi(m, b) || smi_value(m, b) < 0 || smi_value(m, b) > UINT32_MAX - from)
				return -EINVAL;
			str = a;
			from += (__u32)smi_value(m, b);
			depth++;
			continue;
		}
		if (repr == m->cons_tag) {
			__u32 first_len;

			err = read_field(m, v->mem, str, m->off_cons_first, &a);
			if (!err)
				err = read_field(m, v->mem, str, m->off_cons_second, &b);
			if (!err)
				err = string_length(m, v->mem, a, &first_len);
			if (err)
				return err;
			if (first_len > slen)
				return -EINVAL;
			if (from < first_len) {
				__u32 n = len < first_len - from ? len : first_len - from;

				err = visit_string(v, a, from, n, depth + 1);
				if (err)
					return err;
				len -= n;
				from = 0;
			} else {
				from -= first_len;
			}
			str = b;
			depth++;
			continue;
		}
		if (repr == m->external_tag)
			return visit_external(v, str, type, from, len);
		return -ENOTSUP;
	}
	return 0;
}

struct utf8_out {
	char *buf;
	size_t cap, len;
	__u32 high; /* a high surrogate waiting for its pair, or 0 */
};

static void put_byte(struct utf8_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
}

static void put_code_point(struct utf8_out *o, __u32 c)
{
	/* a whole sequence or nothing: never cut a character at the end */
	size_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;

	if (o->len + need >= o->cap) {
		o->cap = o->len + 1; /* full: drop the rest */
		return;
	}
	if (c == 0)
		c = '?';
	if (need == 1) {
		put_byte(o, (char)c);
	} else if (need == 2) {
		put_byte(o, (char)(0xc0 | c >> 6));
		put_byte(o, (char)(0x80 | (c & 0x3f)));
	} else if (need == 3) {
		put_byte(o, (char)(0xe0 | c >> 12));
		put_byte(o, (char)(0x80 | ((c >> 6) & 0x3f)));
		put_byte(o, (char)(0x80 | (c & 0x3f)));
	} else {
		put_byte(o, (char)(0xf0 | c >> 18));
		put_byte(o, (char)(0x80 | ((c >> 12) & 0x3f)));
		put_byte(o, (char)(0x80 | ((c >> 6) & 0x3f)));
		put_byte(o, (char)(0x80 | (c & 0x3f)));
	}
}

static int utf8_chars(void *ctx, const void *chars, size_t n, bool two_byte)
{
	struct utf8_out *o = ctx;

	for (size_t i = 0; i < n; i++) {
		__u32 c;

		if (!two_byte) {
			put_code_point(o, ((const __u8 *)chars)[i]); /* Latin-1 */
			continue;
		}
		c = (__u32)((const __u8 *)chars)[2 * i] | (__u32)((const __u8 *)chars)[2 * i + 1] << 8;
		if (o->high) {
			if (c >= 0xdc00 && c <= 0xdfff) {
				put_code_point(o, 0x10000 + ((o->high - 0xd800) << 10) + (c - 0xdc00));
				o->high = 0;
				continue;
			}
			put_code_point(o, 0xfffd);
			o->high = 0;
		}
		if (c >= 0xd800 && c <= 0xdbff)
			o->high = c;
		else
			put_code_point(o, c >= 0xdc00 && c <= 0xdfff ? 0xfffd : c);
	}
	return 0;
}

int v8read__string(const struct v8meta *m, const struct v8_mem *mem, __u64 str, char *out,
		   size_t cap)
{
	struct utf8_out o = { out, cap, 0, 0 };
	struct visit v = { m, mem, utf8_chars, &o, 0 };
	__u32 len;
	int err;

	if (!cap)
		return -EINVAL;
	out[0] = 0;
	err = checked_string_length(m, mem, str, &len);
	if (err)
		return err;
	/* a name longer than cap is cut: read no more than could be printed */
	if (len > cap)
		len = (__u32)cap;
	err = visit_string(&v, str, 0, len, 0);
	if (!err && o.high)
		put_code_point(&o, 0xfffd);
	out[o.len < cap ? o.len : cap - 1] = 0;
	return err;
}

struct lines {
	__u32 *starts;
	size_t n, cap;
	__u32 pos;
};

static int line_chars(void *ctx, const void *chars, size_t n, bool two_byte)
{
	struct lines *l = ctx;

	for (size_t i = 0; i < n; i++, l->pos++) {
		bool nl = two_byte ? ((const __u8 *)chars)[2 * i] == '\n' &&
					     ((const __u8 *)chars)[2 * i + 1] == 0
				   : ((const char *)chars)[i] == '\n';

		if (!nl)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap * 2;
			__u32 *s = realloc(l->starts, cap * sizeof(*s));

			if (!s)
				return -ENOMEM;
			l->starts = s;
			l->cap = cap;
		}
		l->starts[l->n++] = l->pos + 1;
	}
	return 0;
}

int v8read__line_starts(const struct v8meta *m, const struct v8_mem *mem, __u64 script,
			__u32 **starts, size_t *n)
{
	struct lines l = { .cap = 256 };
	struct visit v = { m, mem, line_chars, &l, 0 };
	__u64 source;
	__u32 len;
	int err;

	err = expect_type(m, mem, script, m->type_script);
	if (!err)
		err = read_field(m, mem, script, m->off_script_source, &source);
	if (!err)
		err = checked_string_length(m, mem, source, &len);
	if (err)
		return err;
	if (len > MAX_SOURCE_LEN)
		return -E2BIG;
	l.starts = malloc(l.cap * sizeof(*l.starts));
	if (!l.starts)
		return -ENOMEM;
	l.starts[l.n++] = 0;
	err = visit_string(&v, source, 0, len, 0);
	if (err) {
		free(l.starts);
		return err;
	}
	*starts = l.starts;
	*n = l.n;
	return 0;
}

void v8read__line_column(const __u32 *starts, size_t n, __u32 pos, __u32 *line, __u32 *column)
{
	size_t lo = 0, hi = n;

	/* the last start <= pos */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (starts[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	*line = (__u32)lo + 1;
	*column = pos - starts[lo] + 1;
}

/* A name field: a String, or Smi zero / undefined for none.  0 or -errno. */
static int read_name(const struct v8meta *m, const struct v8_mem *mem, __u64 v, char *out,
		     size_t cap)
{
	__u32 type;
	int err;

	out[0] = 0;
	if (is_smi(m, v))
		return v ? -EINVAL : 0;
	err = instance_type(m, mem, v, &type);
	if (err)
		return err;
	/* undefined, or the hole */
	if (type >= m->first_nonstring_type)
		return 0;
	return v8read__string(m, mem, v, out, cap);
}

static int read_position(const struct v8meta *m, const struct v8_mem *mem, __u64 si, __u32 off,
			 struct v8_function_info *out)
{
	__u64 start, end;
	int err = read_field(m, mem, si, off, &start);

	if (!err)
		err = read_field(m, mem, si, off + 8, &end);
	if (err)
		return err;
	if (!is_smi(m, start) || !is_smi(m, end) || smi_value(m, start) < 0 ||
	    smi_value(m, end) < smi_value(m, start) || smi_value(m, end) > INT32_MAX)
		return -EINVAL;
	out->start_pos = (__s32)smi_value(m, start);
	return 0;
}

/* The name and inferred name a ScopeInfo keeps for its function (SharedFunctionInfo::SetScopeInfo
 * moves them there when the function is compiled), and its start position. */
static int read_scope_info(const struct v8meta *m, const struct v8_mem *mem, __u64 si,
			   struct v8_function_info *out, char *inferred, size_t cap)
{
	bool v13 = m->v8_major >= 13;
	__u64 w, count, slot, name;
	__u32 flags, type;
	__s64 n;
	int err;

	err = read_field(m, mem, si, SI_FLAGS, &w);
	if (err)
		return err;
	/* a Smi up to V8 12 (value in the upper half), a uint32 and zero padding since */
	if (!v13 && (w & 0xffffffffu) == 0)
		flags = (__u32)(w >> 32);
	else if (v13 && (w >> 32) == 0)
		flags = (__u32)w;
	else
		return m->v8_major ? -EINVAL : -ENOTSUP;
	type = SI_SCOPE_TYPE(flags);
	err = read_field(m, mem, si, SI_CONTEXT_LOCAL_COUNT, &count);
	if (err)
		return err;
	if (!is_smi(m, count))
		return -EINVAL;
	n = smi_value(m, count);
	if (n < 0 || n > 1 << 20)
		return -EINVAL;
	slot = v13 ? SI_VARIABLES_V13 : SI_VARIABLES_V12;
	if (v13) {
		err = read_position(m, mem, si, SI_POSITION_V13, out);
		if (err)
			return err;
	}
	if (type == (v13 ? SI_V13_MODULE : SI_V12_MODULE))
		slot += 8;
	slot += 8 * (n < SI_MAX_INLINED_LOCAL_NAMES ? n : 1); /* names */
	slot += 8 * n;					      /* infos */
	if (SI_HAS_SAVED_CLASS_VARIABLE(flags))
		slot += 8;
	if (SI_FUNCTION_VARIABLE(flags)) {
		err = read_field(m, mem, si, (__u32)slot, &name);
		if (err)
			return err;
		err = read_name(m, mem, name, out->name, sizeof(out->name));
		if (err)
			return err;
		slot += 16;
	}
	if (SI_HAS_INFERRED_NAME(flags)) {
		err = read_field(m, mem, si, (__u32)slot, &name);
		if (err)
			return err;
		err = read_name(m, mem, name, inferred, cap);
		if (err)
			return err;
		slot += 8;
	}
	if (!v13 && (type == SI_V12_FUNCTION || type == SI_V12_SCRIPT || type == SI_V12_EVAL ||
		     type == SI_V12_MODULE))
		return read_position(m, mem, si, (__u32)slot, out);
	return 0;
}

int v8read__shared_info(const struct v8meta *m, const struct v8_mem *mem, __u64 shared,
			struct v8_function_info *out)
{
	char inferred[V8_NAME_MAX] = "";
	__u64 nsi, script, name, data;
	__u32 type;
	int err;

	memset(out, 0, sizeof(*out));
	out->start_pos = -1;
	err = expect_type(m, mem, shared, m->type_shared_function_info);
	if (!err)
		err = read_field(m, mem, shared, m->off_sfi_name_or_scope_info, &nsi);
	if (err)
		return err;
	/* SharedFunctionInfo::Name(): a String before compilation, then in the ScopeInfo */
	if (is_smi(m, nsi)) {
		if (nsi)
			return -EINVAL;
	} else {
		err = instance_type(m, mem, nsi, &type);
		if (err)
			return err;
		if (type == m->type_scope_info)
			err = read_scope_info(m, mem, nsi, out, inferred, sizeof(inferred));
		else if (type < m->first_nonstring_type)
			err = v8read__string(m, mem, nsi, out->name, sizeof(out->name));
		else
			err = -EINVAL;
		if (err)
			return err;
	}
	/* not compiled yet (lazy): UncompiledData has the inferred name and the start */
	if (m->off_sfi_function_data && m->type_uncompiled_first &&
	    !read_field(m, mem, shared, m->off_sfi_function_data, &data) &&
	    !instance_type(m, mem, data, &type) && type >= m->type_uncompiled_first &&
	    type <= m->type_uncompiled_last) {
		__s32 start;

		if (m->off_uncompiled_inferred_name && !inferred[0] &&
		    !read_field(m, mem, data, m->off_uncompiled_inferred_name, &name))
			read_name(m, mem, name, inferred, sizeof(inferred));
		if (m->off_uncompiled_start && out->start_pos < 0 &&
		    !mem->read(mem->ctx, data - m->heap_object_tag + m->off_uncompiled_start, &start,
			       sizeof(start)) && start >= 0)
			out->start_pos = start;
	}
	/* SharedFunctionInfo::DebugName(): the name, else what V8 inferred from the context */
	if (!out->name[0])
		memcpy(out->name, inferred, sizeof(out->name));
	err = read_field(m, mem, shared, m->off_sfi_script, &script);
	if (err)
		return err;
	if (is_smi(m, script) || instance_type(m, mem, script, &type) || type != m->type_script)
		return 0; /* undefined (builtins, API functions) or a DebugInfo: no script */
	out->script = script;
	if (!read_field(m, mem, script, m->off_script_name, &name) && !is_smi(m, name))
		read_name(m, mem, name, out->script_name, sizeof(out->script_name));
	return 0;
}
