// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elf_symbols.h"
#include "v8meta.h"

enum kind { U32, S32, U64 };

/* A value and the names V8 versions gave it, first match wins.  Names as in node 20 (V8 11.3);
 * alternatives from node 22 (V8 12.4) and 24 (V8 13.6), where fields were renamed.  Class
 * fields match whatever type suffix follows ("__shared__SharedFunctionInfo" in V8 11,
 * "__shared__Tagged_SharedFunctionInfo_" later). */
struct field {
	const char *names[3];
	size_t off;
	enum kind kind;
	bool optional;
};

#define F(field, kind) offsetof(struct v8meta, field), kind, false
#define O(field, kind) offsetof(struct v8meta, field), kind, true
static const struct field fields[] = {
	{ { "v8dbg_HeapObjectTag" }, F(heap_object_tag, U64) },
	{ { "v8dbg_HeapObjectTagMask" }, F(heap_object_tag_mask, U64) },
	{ { "v8dbg_SmiTagMask" }, F(smi_tag_mask, U64) },
	{ { "v8dbg_type_JSFunction__JS_FUNCTION_TYPE" }, F(type_js_function_first, U32) },
	{ { "v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE" },
	  F(type_shared_function_info, U32) },
	{ { "v8dbg_type_Script__SCRIPT_TYPE" }, F(type_script, U32) },
	{ { "v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE" }, F(type_scope_info, U32) },
	{ { "v8dbg_type_DebugInfo__DEBUG_INFO_TYPE" }, O(type_debug_info, U32) },
	{ { "v8dbg_FirstNonstringType" }, F(first_nonstring_type, U32) },
	{ { "v8dbg_StringRepresentationMask" }, F(string_repr_mask, U32) },
	{ { "v8dbg_StringEncodingMask" }, F(string_enc_mask, U32) },
	{ { "v8dbg_OneByteStringTag" }, F(one_byte_tag, U32) },
	{ { "v8dbg_SeqStringTag" }, F(seq_tag, U32) },
	{ { "v8dbg_ConsStringTag" }, F(cons_tag, U32) },
	{ { "v8dbg_ExternalStringTag" }, F(external_tag, U32) },
	{ { "v8dbg_SlicedStringTag" }, F(sliced_tag, U32) },
	{ { "v8dbg_ThinStringTag" }, F(thin_tag, U32) },
	{ { "v8dbg_class_HeapObject__map" }, F(off_map, U32) },
	{ { "v8dbg_class_Map__instance_type" }, F(off_map_instance_type, U32) },
	{ { "v8dbg_class_JSFunction__shared" }, F(off_function_shared, U32) },
	{ { "v8dbg_class_SharedFunctionInfo__name_or_scope_info" },
	  F(off_sfi_name_or_scope_info, U32) },
	{ { "v8dbg_class_SharedFunctionInfo__script_or_debug_info",
	    "v8dbg_class_SharedFunctionInfo__script" },
	  F(off_sfi_script, U32) },
	{ { "v8dbg_class_SharedFunctionInfo__function_data",
	    "v8dbg_class_SharedFunctionInfo__trusted_function_data",
	    "v8dbg_class_SharedFunctionInfo__untrusted_function_data" },
	  O(off_sfi_function_data, U32) },
	{ { "v8dbg_class_Script__source" }, F(off_script_source, U32) },
	{ { "v8dbg_class_Script__name" }, F(off_script_name, U32) },
	{ { "v8dbg_class_String__length" },
	  F(off_string_length, U32) },
	{ { "v8dbg_class_SeqOneByteString__chars" }, F(off_seq_one_chars, U32) },
	{ { "v8dbg_class_SeqTwoByteString__chars" }, F(off_seq_two_chars, U32) },
	{ { "v8dbg_class_ConsString__first" }, F(off_cons_first, U32) },
	{ { "v8dbg_class_ConsString__second" }, F(off_cons_second, U32) },
	{ { "v8dbg_class_SlicedString__parent" }, F(off_sliced_parent, U32) },
	{ { "v8dbg_class_SlicedString__offset" }, F(off_sliced_offset, U32) },
	{ { "v8dbg_class_ThinString__actual" }, F(off_thin_actual, U32) },
	{ { "v8dbg_class_ExternalString__resource" }, O(off_external_resource, U32) },
	{ { "v8dbg_class_UncompiledData__inferred_name" },
	  O(off_uncompiled_inferred_name, U32) },
	{ { "v8dbg_class_UncompiledData__start_position" }, O(off_uncompiled_start, U32) },
	{ { "v8dbg_off_fp_function" }, F(fp_function, S32) },
	{ { "v8dbg_off_fp_context", "v8dbg_off_fp_context_or_frame_type" }, F(fp_context, S32) },
	{ { "v8dbg_off_fp_bytecode_array" }, O(fp_bytecode_array, S32) },
	{ { "v8dbg_off_fp_bytecode_offset" }, O(fp_bytecode_offset, S32) },
};
#undef F
#undef O

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

struct load_ctx {
	struct v8meta *m;
	bool seen[NFIELDS];
	int rank[NFIELDS];
	__s64 smi_shift_size, smi_tag_size;
	bool has_smi_shift_size, has_smi_tag_size;
	__u32 types_above_function; /* smallest type number above JS_FUNCTION_TYPE, or 0 */
	__u32 all_types[1024];
	int ntypes;
	__u32 uncompiled_min, uncompiled_max;
};

static __s64 value_of(const void *bytes, __u64 size)
{
	__s64 v = 0;

	if (!bytes)
		return 0;
	/* gen-postmortem-metadata.py emits `int` for most values, some are 8 bytes */
	if (size == 4) {
		__s32 x;

		memcpy(&x, bytes, 4);
		v = x;
	} else if (size == 8) {
		memcpy(&v, bytes, 8);
	} else if (size == 2) {
		__s16 x;

		memcpy(&x, bytes, 2);
		v = x;
	} else if (size == 1) {
		v = *(const __s8 *)bytes;
	}
	return v;
}

static void store(struct v8meta *m, const struct field *f, __s64 v)
{
	char *p = (char *)m + f->off;

	switch (f->kind) {
	case U32: *(__u32 *)p = (__u32)v; break;
	case S32: *(__s32 *)p = (__s32)v; break;
	case U64: *(__u64 *)p = (__u64)v; break;
	}
}

static int on_symbol(void *arg, const char *name, const void *bytes, __u64 size)
{
	struct load_ctx *c = arg;
	__s64 v = value_of(bytes, size);

	c->m->found++;
	if (!strcmp(name, "v8dbg_SmiShiftSize")) {
		c->smi_shift_size = v;
		c->has_smi_shift_size = true;
	} else if (!strcmp(name, "v8dbg_SmiValueShift")) {
		c->smi_tag_size = v;
		c->has_smi_tag_size = true;
	}
	if (!strncmp(name, "v8dbg_type_", 11) && v > 0) {
		if (c->ntypes < (int)(sizeof(c->all_types) / sizeof(c->all_types[0])))
			c->all_types[c->ntypes++] = (__u32)v;
		if (!strncmp(name, "v8dbg_type_UncompiledData", 25)) {
			if (!c->uncompiled_min || (__u32)v < c->uncompiled_min)
				c->uncompiled_min = (__u32)v;
			if ((__u32)v > c->uncompiled_max)
				c->uncompiled_max = (__u32)v;
		}
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		for (int k = 0; k < 3 && fields[i].names[k]; k++) {
			const char *want = fields[i].names[k];
			size_t wl = strlen(want);

			if (strncmp(name, want, wl) ||
			    (name[wl] && (strncmp(want, "v8dbg_class_", 12) ||
					  strncmp(name + wl, "__", 2))))
				continue;
			if (c->seen[i] && c->rank[i] <= k)
				break;
			c->seen[i] = true;
			c->rank[i] = k;
			store(c->m, &fields[i], v);
			break;
		}
	}
	return 0;
}

/* v8::internal::Version::major_ / minor_ (src/utils/version.cc): the one layout the metadata
 * does not describe, ScopeInfo's, is chosen by version. */
static int on_version(void *arg, const char *name, const void *bytes, __u64 size)
{
	struct v8meta *m = arg;

	if (!strcmp(name, "_ZN2v88internal7Version6major_E"))
		m->v8_major = (__u32)value_of(bytes, size);
	else if (!strcmp(name, "_ZN2v88internal7Version6minor_E"))
		m->v8_minor = (__u32)value_of(bytes, size);
	return 0;
}

static void missing(struct v8meta *m, const char *name)
{
	if (!m->missing++)
		snprintf(m->first_missing, sizeof(m->first_missing), "%s", name);
}

int v8meta__load(const char *path, struct v8meta *m)
{
	struct load_ctx *c;
	int err;

	memset(m, 0, sizeof(*m));
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->m = m;
	err = elf_symbols__for_each_object(path, "v8dbg_", on_symbol, c);
	if (err)
		goto out;
	elf_symbols__for_each_object(path, "_ZN2v88internal7Version6", on_version, m);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!c->seen[i] && !fields[i].optional)
			missing(m, fields[i].names[0]);
	if (!c->has_smi_shift_size || !c->has_smi_tag_size)
		missing(m, "v8dbg_SmiShiftSize");
	m->smi_shift = (__u32)(c->smi_shift_size + c->smi_tag_size);
	m->has_sfi_debug_info = m->type_debug_info != 0;
	/*
	 * JSFunction has subtypes for its well-known maps (V8 >= 9.x: JS_CLASS_CONSTRUCTOR_TYPE,
	 * JS_PROMISE_CONSTRUCTOR_TYPE, the typed-array constructors...: 2066-2081 in node 20),
	 * which the metadata does not list.  They sit right above JS_FUNCTION_TYPE, before the
	 * next type the metadata names; v8read then also checks that `shared` is an SFI.
	 */
	m->type_js_function_end = 0;
	for (int i = 0; i < c->ntypes; i++)
		if (c->all_types[i] > m->type_js_function_first &&
		    (!m->type_js_function_end || c->all_types[i] < m->type_js_function_end))
			m->type_js_function_end = c->all_types[i];
	if (!m->type_js_function_end)
		m->type_js_function_end = m->type_js_function_first + 1;
	m->type_uncompiled_first = c->uncompiled_min;
	m->type_uncompiled_last = c->uncompiled_max;
	/* layouts this reader knows: tagged values of 8 bytes, Smis in the upper half */
	if (!m->missing && (m->heap_object_tag != 1 || m->heap_object_tag_mask != 3 ||
			    m->smi_shift != 32))
		missing(m, "x64 tagging without pointer compression");
	err = m->missing ? -EPROTO : 0;
out:
	free(c);
	return err;
}
