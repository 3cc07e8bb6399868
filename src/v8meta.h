/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * V8's postmortem metadata: the v8dbg_* data symbols that V8's gen-postmortem-metadata.py
 * compiles into every node binary (tools/gen-postmortem-metadata.py, in node since 0.10, kept
 * in node 18-24).  They give object layouts and type numbers without debug info, so a reader
 * of another process's heap (v8read.c) follows the binary it runs instead of a table per
 * version.  Values live in .data, or in .bss when zero.
 */
#ifndef LEAKSCOPE_V8META_H
#define LEAKSCOPE_V8META_H

#include <stdbool.h>
#include <linux/types.h>

struct v8meta {
	/* tagging (V8 include/v8-internal.h): heap objects end in tag, Smis keep their value in
	 * the upper bits; node's x64 builds have no pointer compression: 8-byte tagged values */
	__u64 heap_object_tag, heap_object_tag_mask, smi_tag_mask;
	__u32 smi_shift;	/* SmiShiftSize + SmiTagSize: 32 on x64 */
	/* instance types (V8 src/objects/instance-type.h) */
	__u32 type_js_function_first, type_js_function_end; /* [first, end) */
	__u32 type_shared_function_info, type_script, type_scope_info, type_debug_info;
	__u32 type_uncompiled_first, type_uncompiled_last;
	__u32 first_nonstring_type;
	__u32 string_repr_mask, string_enc_mask, one_byte_tag;
	__u32 seq_tag, cons_tag, external_tag, sliced_tag, thin_tag;
	/* byte offsets into objects (from the untagged address) */
	__u32 off_map, off_map_instance_type;
	__u32 off_function_shared;
	__u32 off_sfi_name_or_scope_info, off_sfi_script, off_sfi_function_data;
	__u32 off_script_source, off_script_name;
	__u32 off_string_length, off_seq_one_chars, off_seq_two_chars;
	__u32 off_cons_first, off_cons_second, off_sliced_parent, off_sliced_offset;
	__u32 off_thin_actual, off_external_resource;
	__u32 off_uncompiled_inferred_name, off_uncompiled_start;
	/* frame slots, relative to fp (V8 src/execution/frame-constants.h) */
	__s32 fp_function, fp_context, fp_bytecode_array, fp_bytecode_offset;
	__u32 v8_major, v8_minor; /* v8::internal::Version, 0 if not found */
	bool has_sfi_debug_info; /* the script slot may hold a DebugInfo (V8 < 12) */
	int found, missing;	 /* symbols read / required ones absent */
	char first_missing[80];
};

/* Reads the metadata of the ELF file at path.  0; -ENODATA: no v8dbg_ symbol (stripped, or
 * not V8); -EPROTO: some required value is missing (m->first_missing names one); or an error
 * of elf_symbols__load(). */
int v8meta__load(const char *path, struct v8meta *m);

#endif
