/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Function symbols and load segments of an ELF file, for symbolization and uprobes. */
#ifndef LEAKSCOPE_ELF_SYMBOLS_H
#define LEAKSCOPE_ELF_SYMBOLS_H

#include <stdbool.h>
#include <linux/types.h>

struct elf_symbols;

/*
 * Loads the STT_FUNC symbols of .symtab and .dynsym plus the PT_LOAD headers.
 * 0, -ENOENT (no file), -ENOEXEC (not ELF, or truncated), -ENODATA (no function symbol in
 * either table: a stripped executable), -ENOMEM.
 */
int elf_symbols__load(const char *path, struct elf_symbols **out);
/* Only the PT_LOAD headers, for elf_symbols__vaddr_of_file_offset(): cheap, and works on
 * stripped files.  Lookups on such an object find nothing. */
int elf_symbols__load_segments(const char *path, struct elf_symbols **out);
void elf_symbols__free(struct elf_symbols *syms);

/* The raw (mangled) name of the function that contains vaddr, or NULL; the string lives as
 * long as syms. */
const char *elf_symbols__lookup(const struct elf_symbols *syms, __u64 vaddr, __u64 *offset_in_sym);
/* Converts an offset into the file (a mapping's offset plus addr - start) into the ELF virtual
 * address, through the PT_LOAD header that holds it.  0 or -ENOENT. */
int elf_symbols__vaddr_of_file_offset(const struct elf_symbols *syms, __u64 file_offset,
				      __u64 *vaddr);
/* No .symtab: only the exported names of .dynsym, if any, are known. */
bool elf_symbols__is_stripped(const struct elf_symbols *syms);

/*
 * One pass over .symtab and .dynsym for the functions called names[0..n): file_offsets[i]
 * receives the offset in the file of names[i] (what a uprobe attaches to), or 0 when the file
 * has no such function.  A name ending in '*' is a prefix ("_ZN2v88internal4Heap24Perform*":
 * V8 methods whose mangled argument list changes between versions).  Returns how many were
 * found, or -errno as elf_symbols__load()
 * (-ENODATA: stripped, no function symbol at all).
 */
int elf_symbols__find_offsets(const char *path, const char *const *names, int n,
			      __u64 *file_offsets);

/*
 * Calls fn for each data object of .symtab whose name starts with prefix, with its bytes in the
 * file (NULL for .bss objects, whose value is zero).  0, -ENODATA (none), or as
 * elf_symbols__load(); a nonzero return of fn stops the walk and is returned.
 */
typedef int (*elf_object_fn)(void *ctx, const char *name, const void *bytes, __u64 size);
int elf_symbols__for_each_object(const char *path, const char *prefix, elf_object_fn fn,
				 void *ctx);

#endif
