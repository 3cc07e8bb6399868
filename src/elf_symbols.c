// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "elf_symbols.h"

/* While loading, `order` sorts aliases (GLOBAL before WEAK before LOCAL, then table order) and
 * flags symbols of size 0, whose `end` is their section's end until the next symbol trims it. */
#define ORDER_SIZE0 (1U << 31)
#define ORDER_RANK_SHIFT 29
#define ORDER_SEQ_MASK ((1U << ORDER_RANK_SHIFT) - 1)

struct elf_sym {
	__u64 start, end;
	__u32 name; /* offset into the file image */
	__u32 order;
};

struct elf_segment {
	__u64 vaddr, offset, filesz;
};

struct elf_symbols {
	struct elf_sym *syms;
	size_t nr_syms;
	/* names stay in the mapped file: copying node's 13 MB of string tables cost more than
	 * the rest of the load, and most names are never asked for */
	Elf *elf;
	const char *image;
	struct elf_segment *segs;
	size_t nr_segs;
	bool stripped;
};

struct elf_file {
	int fd;
	Elf *elf;
};

static void elf_file__close(struct elf_file *f)
{
	elf_end(f->elf);
	close(f->fd);
}

static int elf_file__open(const char *path, struct elf_file *f)
{
	struct stat st;
	GElf_Ehdr eh;
	int err;

	f->elf = NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st)) {
		err = -errno;
		goto close_fd;
	}
	err = -ENOEXEC;
	if (!S_ISREG(st.st_mode))
		goto close_fd;
	elf_version(EV_CURRENT);
	/* READ_MMAP: node is ~100 MB, of which only the symbol tables are touched */
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &eh))
		goto close_fd;
	/* a truncated copy: tables past the end of the file */
	if (eh.e_phoff + (__u64)eh.e_phnum * eh.e_phentsize > (__u64)st.st_size ||
	    eh.e_shoff + (__u64)eh.e_shnum * eh.e_shentsize > (__u64)st.st_size)
		goto close_fd;
	return 0;

close_fd:
	elf_file__close(f);
	return err;
}

static int load_segments(Elf *elf, struct elf_symbols *s)
{
	Elf_Scn *scn = NULL;
	size_t n, i;
	GElf_Shdr sh;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	s->segs = calloc(n ? n : 1, sizeof(*s->segs));
	if (!s->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		s->segs[s->nr_segs++] =
			(struct elf_segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	s->stripped = true;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			s->stripped = false;
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	__u32 xo = x->order & ~ORDER_SIZE0, yo = y->order & ~ORDER_SIZE0;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (xo > yo) - (xo < yo);
}

static bool is_wanted(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	/* NOTYPE is left out on purpose: in node 20 those are annobin markers and linker
	 * boundaries (__bss_start), which would split real functions. */
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_value;
}

static __u32 rank_of(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	default:
		return 2;
	}
}

/* Calls fn for each wanted symbol of each symbol table, and with sym NULL before each table;
 * names are pointers into the file image and strs_off is where the table's strings start. */
typedef int (*sym_fn)(void *ctx, const GElf_Sym *sym, const char *name, size_t strs_off);

static int for_each_sym(Elf *elf, sym_fn fn, void *ctx)
{
	const char *image;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh, str;
	size_t size;
	GElf_Sym sym;
	int err;

	bool has_symtab = false;

	image = elf_rawfile(elf, &size);
	if (!image)
		return -ENOEXEC;
	/* .symtab holds every symbol of .dynsym as well: reading both would read half of node's
	 * entries twice (and sort them twice as many); .dynsym alone is what a stripped file has */
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			has_symtab = true;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    (sh.sh_type == SHT_DYNSYM && has_symtab))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize || !gelf_getshdr(elf_getscn(elf, sh.sh_link), &str) ||
		    str.sh_type != SHT_STRTAB || str.sh_offset > size || !str.sh_size ||
		    str.sh_size > size - str.sh_offset || image[str.sh_offset + str.sh_size - 1])
			return -ENOEXEC;
		n = data->d_size / sh.sh_entsize;
		err = fn(ctx, NULL, NULL, str.sh_offset);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (!gelf_getsym(data, i, &sym) || !is_wanted(&sym) ||
			    sym.st_name >= str.sh_size)
				continue;
			err = fn(ctx, &sym, image + str.sh_offset + sym.st_name, str.sh_offset);
			if (err)
				return err;
		}
	}
	return 0;
}

struct collect_ctx {
	struct elf_symbols *s;
	__u64 *sec_end;
	size_t nr_sec, cap, strs_off;
};

static int collect_sym(void *arg, const GElf_Sym *sym, const char *name, size_t strs_off)
{
	struct collect_ctx *c = arg;
	struct elf_sym *e;

	(void)name;
	if (!sym) {
		c->strs_off = strs_off;
		return 0;
	}
	if (!sym->st_name || c->s->nr_syms == c->cap || c->s->nr_syms > ORDER_SEQ_MASK)
		return 0;
	e = &c->s->syms[c->s->nr_syms];
	e->start = sym->st_value;
	e->name = c->strs_off + sym->st_name;
	e->order = rank_of(sym) << ORDER_RANK_SHIFT | (__u32)c->s->nr_syms;
	if (sym->st_size) {
		e->end = sym->st_value + sym->st_size;
	} else {
		e->end = sym->st_shndx < c->nr_sec ? c->sec_end[sym->st_shndx] : UINT64_MAX;
		e->order |= ORDER_SIZE0;
	}
	c->s->nr_syms++;
	return 0;
}

/* Sorted, one entry per address (the best-ranked alias), sizes of 0 extended to the next one. */
static void finish_syms(struct elf_symbols *s)
{
	struct elf_sym *v = s->syms, *shrunk;
	size_t i, j = 0;

	qsort(v, s->nr_syms, sizeof(*v), cmp_sym);
	for (i = 0; i < s->nr_syms; i++) {
		struct elf_sym *k = j ? &v[j - 1] : NULL;

		if (k && k->start == v[i].start) {
			if (!(v[i].order & ORDER_SIZE0) &&
			    ((k->order & ORDER_SIZE0) || v[i].end > k->end)) {
				k->end = v[i].end;
				k->order &= ~ORDER_SIZE0;
			}
			continue;
		}
		v[j++] = v[i];
	}
	s->nr_syms = j;
	for (i = 0; i + 1 < j; i++)
		if ((v[i].order & ORDER_SIZE0) && v[i + 1].start < v[i].end)
			v[i].end = v[i + 1].start;
	/* aliases: several names at one address */
	shrunk = realloc(v, (j ? j : 1) * sizeof(*v));
	if (shrunk)
		s->syms = shrunk;
}

static int load_symbols(Elf *elf, struct elf_symbols *s)
{
	struct collect_ctx c = { .s = s };
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t size;
	int err;

	s->image = elf_rawfile(elf, &size);
	if (!s->image || elf_getshdrnum(elf, &c.nr_sec))
		return -ENOEXEC;
	/* names are 32-bit offsets into the file */
	if (size > UINT32_MAX)
		return -EFBIG;
	c.sec_end = calloc(c.nr_sec ? c.nr_sec : 1, sizeof(*c.sec_end));
	if (!c.sec_end)
		return -ENOMEM;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		c.sec_end[elf_ndxscn(scn)] = sh.sh_addr + sh.sh_size;
		if ((sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) && sh.sh_entsize)
			c.cap += sh.sh_size / sh.sh_entsize;
	}
	err = -ENOMEM;
	s->syms = malloc((c.cap ? c.cap : 1) * sizeof(*s->syms));
	if (!s->syms)
		goto free_sec_end;
	err = for_each_sym(elf, collect_sym, &c);
	if (err)
		goto free_sec_end;
	err = -ENODATA;
	if (!s->nr_syms)
		goto free_sec_end;
	finish_syms(s);
	err = 0;

free_sec_end:
	free(c.sec_end);
	return err;
}

void elf_symbols__free(struct elf_symbols *syms)
{
	if (!syms)
		return;
	elf_end(syms->elf);
	free(syms->syms);
	free(syms->segs);
	free(syms);
}

static int load(const char *path, bool with_symbols, struct elf_symbols **out)
{
	struct elf_symbols *s;
	struct elf_file f;
	int err;

	err = elf_file__open(path, &f);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto close_file;
	}
	err = load_segments(f.elf, s);
	if (!err && with_symbols)
		err = load_symbols(f.elf, s);
	if (err) {
		elf_symbols__free(s);
		goto close_file;
	}
	if (with_symbols) {
		/* keep the mapping, not the descriptor */
		elf_cntl(f.elf, ELF_C_FDDONE);
		s->elf = f.elf;
		f.elf = NULL;
	}
	*out = s;
close_file:
	elf_file__close(&f);
	return err;
}

int elf_symbols__load(const char *path, struct elf_symbols **out)
{
	return load(path, true, out);
}

int elf_symbols__load_segments(const char *path, struct elf_symbols **out)
{
	return load(path, false, out);
}

const char *elf_symbols__lookup(const struct elf_symbols *syms, __u64 vaddr, __u64 *offset_in_sym)
{
	size_t lo = 0, hi = syms->nr_syms;
	const struct elf_sym *e;

	/* the last symbol that starts at or before vaddr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	e = &syms->syms[lo - 1];
	if (vaddr >= e->end)
		return NULL;
	if (offset_in_sym)
		*offset_in_sym = vaddr - e->start;
	return syms->image + e->name;
}

int elf_symbols__vaddr_of_file_offset(const struct elf_symbols *syms, __u64 file_offset,
				      __u64 *vaddr)
{
	size_t i;

	for (i = 0; i < syms->nr_segs; i++) {
		const struct elf_segment *g = &syms->segs[i];

		if (file_offset >= g->offset && file_offset - g->offset < g->filesz) {
			*vaddr = file_offset - g->offset + g->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

bool elf_symbols__is_stripped(const struct elf_symbols *syms)
{
	return syms->stripped;
}

static int file_offset_of_vaddr(const struct elf_symbols *syms, __u64 vaddr, __u64 *file_offset)
{
	size_t i;

	for (i = 0; i < syms->nr_segs; i++) {
		const struct elf_segment *g = &syms->segs[i];

		if (vaddr >= g->vaddr && vaddr - g->vaddr < g->filesz) {
			*file_offset = vaddr - g->vaddr + g->offset;
			return 0;
		}
	}
	return -ENOENT;
}

struct find_ctx {
	const char *const *names;
	int n;
	__u64 *heads;	 /* per name: its first 8 bytes, zero-padded, */
	__u64 *masks;	 /* and which of them must match (fewer for a short "prefix*") */
	__u64 *vaddrs;
	__u32 *ranks;
	bool any; /* a function symbol at all: else the file is stripped */
};

/* The first 8 bytes of s, zero-padded: a name can only match a wanted name whose head, under
 * that name's mask, is the same.  node's .symtab has ~150k symbols and we look for ~30, many
 * of them _ZN...: one compare of integers per pair instead of a strcmp. */
static __u64 head_of(const char *s, size_t max)
{
	__u64 h = 0;

	for (size_t i = 0; i < max && i < 8 && s[i]; i++)
		h |= (__u64)(unsigned char)s[i] << (8 * i);
	return h;
}

/* "prefix*" matches every name that starts with prefix: V8 methods whose argument list (the
 * mangled suffix) changes between versions are found by their mangled class and name. */
static bool name_matches(const char *name, const char *wanted)
{
	size_t len = strlen(wanted);

	if (len && wanted[len - 1] == '*')
		return !strncmp(name, wanted, len - 1);
	return !strcmp(name, wanted);
}

static int find_sym(void *arg, const GElf_Sym *sym, const char *name, size_t strs_off)
{
	struct find_ctx *c = arg;
	__u64 head;
	int i;

	(void)strs_off;
	if (sym)
		c->any = true;
	if (!sym || GELF_ST_TYPE(sym->st_info) != STT_FUNC)
		return 0;
	head = head_of(name, 8);
	for (i = 0; i < c->n; i++) {
		if ((head & c->masks[i]) != c->heads[i])
			continue;
		/* a LOCAL function of the same name in another object file loses to the global */
		if (!name_matches(name, c->names[i]) || rank_of(sym) >= c->ranks[i])
			continue;
		c->vaddrs[i] = sym->st_value;
		c->ranks[i] = rank_of(sym);
	}
	return 0;
}

int elf_symbols__find_offsets(const char *path, const char *const *names, int n,
			      __u64 *file_offsets)
{
	struct elf_symbols segs = {};
	struct find_ctx c = { .names = names, .n = n };
	struct elf_file f;
	int err, i, found = 0;

	if (n <= 0)
		return n ? -EINVAL : 0;
	err = elf_file__open(path, &f);
	if (err)
		return err;
	c.vaddrs = calloc(n, sizeof(*c.vaddrs));
	c.ranks = malloc(n * sizeof(*c.ranks));
	c.heads = malloc(n * sizeof(*c.heads));
	c.masks = malloc(n * sizeof(*c.masks));
	err = -ENOMEM;
	if (!c.vaddrs || !c.ranks || !c.heads || !c.masks)
		goto free_ctx;
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		/* an exact name also matches its terminating NUL when shorter than 8 bytes */
		if (len && names[i][len - 1] == '*')
			len--;
		else
			len++;
		c.ranks[i] = 3;
		c.masks[i] = len >= 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
		c.heads[i] = head_of(names[i], len) & c.masks[i];
	}
	err = load_segments(f.elf, &segs);
	if (!err)
		err = for_each_sym(f.elf, find_sym, &c);
	if (!err && !c.any)
		err = -ENODATA;
	if (err)
		goto free_ctx;
	for (i = 0; i < n; i++) {
		file_offsets[i] = 0;
		if (c.vaddrs[i] && !file_offset_of_vaddr(&segs, c.vaddrs[i], &file_offsets[i]))
			found++;
	}
	err = found;

free_ctx:
	free(segs.segs);
	free(c.vaddrs);
	free(c.ranks);
	free(c.heads);
	free(c.masks);
	elf_file__close(&f);
	return err;
}

/* The section that holds vaddr, for a data symbol's value. */
static Elf_Scn *section_of(Elf *elf, __u16 shndx)
{
	return shndx == SHN_UNDEF || shndx >= SHN_LORESERVE ? NULL : elf_getscn(elf, shndx);
}

int elf_symbols__for_each_object(const char *path, const char *prefix, elf_object_fn fn,
				 void *ctx)
{
	size_t plen = strlen(prefix), size;
	Elf_Scn *scn = NULL;
	const char *image;
	struct elf_file f;
	int err, found = 0;

	err = elf_file__open(path, &f);
	if (err)
		return err;
	image = elf_rawfile(f.elf, &size);
	err = -ENOEXEC;
	if (!image)
		goto close;
	/* .symtab only: V8's postmortem symbols are local data, never exported */
	while ((scn = elf_nextscn(f.elf, scn))) {
		GElf_Shdr sh, str, dsh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize || !gelf_getshdr(elf_getscn(f.elf, sh.sh_link), &str) ||
		    str.sh_type != SHT_STRTAB || str.sh_offset > size || !str.sh_size ||
		    str.sh_size > size - str.sh_offset || image[str.sh_offset + str.sh_size - 1])
			goto close;
		n = data->d_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			const char *name, *bytes = NULL;
			Elf_Scn *ds;
			GElf_Sym sym;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
			    sym.st_name >= str.sh_size)
				continue;
			name = image + str.sh_offset + sym.st_name;
			if (strncmp(name, prefix, plen))
				continue;
			ds = section_of(f.elf, sym.st_shndx);
			if (!ds || !gelf_getshdr(ds, &dsh) || sym.st_value < dsh.sh_addr ||
			    sym.st_size > dsh.sh_size || sym.st_value - dsh.sh_addr > dsh.sh_size - sym.st_size)
				continue;
			/* .bss: the value is zero and not in the file */
			if (dsh.sh_type != SHT_NOBITS) {
				__u64 off = dsh.sh_offset + (sym.st_value - dsh.sh_addr);

				if (off > size || sym.st_size > size - off)
					continue;
				bytes = image + off;
			}
			found++;
			err = fn(ctx, name, bytes, sym.st_size);
			if (err)
				goto close;
		}
	}
	err = found ? 0 : -ENODATA;
close:
	elf_file__close(&f);
	return err;
}
