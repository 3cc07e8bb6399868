// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <gelf.h>
#include <elfutils/libdw.h>
#include "hashmap.h"
#include "maps_cache.h"
#include "unwind.h"

/* x86_64 DWARF register numbers (System V psABI, figure 3.36) */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* One ELF file and its .eh_frame, opened once whatever process maps it. */
struct module {
	char *path;
	int fd;
	Elf *elf;
	Dwarf_CFI *cfi; /* NULL: no CFI (stripped of .eh_frame, or not ELF) */
	GElf_Phdr *loads;
	size_t nloads;
	struct module *next;
};

struct unwinder {
	struct maps_cache *maps;
	struct module *modules;
};

struct regs {
	__u64 pc, sp, bp;
	bool bp_known;
};

/* The copied stack: [base, base + len) of the target's memory. */
struct ustack {
	const __u8 *bytes;
	__u64 base, len;
};

struct unwinder *unwinder__new(void)
{
	struct unwinder *u;

	elf_version(EV_CURRENT);
	u = calloc(1, sizeof(*u));
	if (u && !(u->maps = maps_cache__new())) {
		free(u);
		u = NULL;
	}
	return u;
}

static void module_free(struct module *m)
{
	if (m->cfi)
		dwarf_cfi_end(m->cfi);
	if (m->elf)
		elf_end(m->elf);
	if (m->fd >= 0)
		close(m->fd);
	free(m->loads);
	free(m->path);
	free(m);
}

void unwinder__free(struct unwinder *u)
{
	if (!u)
		return;
	maps_cache__free(u->maps);
	while (u->modules) {
		struct module *next = u->modules->next;

		module_free(u->modules);
		u->modules = next;
	}
	free(u);
}

void unwinder__forget_pid(struct unwinder *u, __u32 pid)
{
	maps_cache__forget_pid(u->maps, pid);
}

static struct module *module_get(struct unwinder *u, __u32 pid, const char *path)
{
	char file[4096 + 32];
	struct module *m;
	size_t nph;

	for (m = u->modules; m; m = m->next)
		if (!strcmp(m->path, path))
			return m;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fd = -1;
	m->path = strdup(path);
	m->next = u->modules;
	u->modules = m;
	/* through the process's root: it may run in another mount namespace */
	snprintf(file, sizeof(file), "/proc/%u/root%s", pid, path);
	m->fd = open(file, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return m;
	m->elf = elf_begin(m->fd, ELF_C_READ_MMAP, NULL);
	if (!m->elf || elf_getphdrnum(m->elf, &nph))
		return m;
	m->loads = calloc(nph ? nph : 1, sizeof(*m->loads));
	for (size_t i = 0; m->loads && i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(m->elf, i, &ph) && ph.p_type == PT_LOAD)
			m->loads[m->nloads++] = ph;
	}
	m->cfi = dwarf_getcfi_elf(m->elf);
	return m;
}

/* The module and ELF address of pc, or NULL (anonymous memory: V8's code, or no mapping). */
static struct module *locate(struct unwinder *u, __u32 pid, __u64 pc, __u64 *vaddr)
{
	const struct procmap_entry *e;
	struct module *m;
	__u64 off;

	/* a library loaded since the maps were read is found by reading them again */
	if (maps_cache__find(u->maps, pid, pc, &e) || !e || !e->path || procmap_entry__is_pseudo(e) || procmap_entry__is_anon(e))
		return NULL;
	m = module_get(u, pid, e->path);
	if (!m || !m->cfi)
		return NULL;
	off = pc - e->start + e->file_offset;
	for (size_t i = 0; i < m->nloads; i++) {
		const GElf_Phdr *ph = &m->loads[i];

		if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz) {
			*vaddr = off - ph->p_offset + ph->p_vaddr;
			return m;
		}
	}
	return NULL;
}

static int read_u64(const struct ustack *s, __u64 addr, __u64 *v)
{
	if (addr < s->base || addr + 8 > s->base + s->len)
		return -ERANGE;
	memcpy(v, s->bytes + (addr - s->base), 8);
	return 0;
}

static int reg_value(const struct regs *r, unsigned int reg, __u64 *v)
{
	switch (reg) {
	case REG_RSP: *v = r->sp; return 0;
	case REG_RBP: *v = r->bp; return r->bp_known ? 0 : -EINVAL;
	case REG_RA: *v = r->pc; return 0;
	}
	return -EINVAL; /* other registers are not in the event */
}

/*
 * A DWARF expression of CFI, as libdw hands them out: DW_OP_bregx for a CFA rule,
 * DW_OP_call_frame_cfa [+ offset] for a saved register, DW_OP_stack_value for a value rule.
 * The PLT's CFA expressions (DW_OP_breg7 ... DW_OP_ge ...) are not needed here: a PLT stub
 * never calls.  *is_value: the result is the register's value, not where it is saved.
 */
static int eval(const Dwarf_Op *ops, size_t n, const struct regs *r, __u64 cfa,
		const struct ustack *s, __u64 *out, bool *is_value)
{
	__u64 st[8];
	int sp = 0;

	*is_value = false;
	for (size_t i = 0; i < n; i++) {
		const Dwarf_Op *op = &ops[i];
		__u64 v;

		if (sp >= 7)
			return -EINVAL;
		if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
			if (reg_value(r, op->atom - DW_OP_breg0, &v))
				return -EINVAL;
			st[sp++] = v + (__s64)op->number;
			continue;
		}
		if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) {
			st[sp++] = op->atom - DW_OP_lit0;
			continue;
		}
		switch (op->atom) {
		case DW_OP_bregx:
			if (reg_value(r, op->number, &v))
				return -EINVAL;
			st[sp++] = v + (__s64)op->number2;
			break;
		case DW_OP_call_frame_cfa: st[sp++] = cfa; break;
		case DW_OP_consts:
		case DW_OP_constu:
		case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
		case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
			st[sp++] = op->number;
			break;
		case DW_OP_plus_uconst:
			if (!sp)
				return -EINVAL;
			st[sp - 1] += op->number;
			break;
		case DW_OP_plus:
		case DW_OP_minus:
			if (sp < 2)
				return -EINVAL;
			sp--;
			if (op->atom == DW_OP_plus)
				st[sp - 1] += st[sp];
			else
				st[sp - 1] -= st[sp];
			break;
		case DW_OP_deref:
			if (!sp || read_u64(s, st[sp - 1], &st[sp - 1]))
				return -EINVAL;
			break;
		case DW_OP_stack_value: *is_value = true; break;
		default: return -EINVAL;
		}
	}
	if (sp != 1)
		return -EINVAL;
	*out = st[0];
	return 0;
}

/* The caller's value of `reg` by the rule of this frame; -EINVAL when it cannot be known. */
static int recover(Dwarf_Frame *f, int reg, const struct regs *r, __u64 cfa,
		   const struct ustack *s, __u64 *out)
{
	Dwarf_Op mem[3], *ops;
	size_t n;
	__u64 v;
	bool is_value;

	if (dwarf_frame_register(f, reg, mem, &ops, &n))
		return -EINVAL;
	if (n == 0)
		return ops ? -EINVAL /* undefined */ : reg_value(r, reg, out) /* same value */;
	if (eval(ops, n, r, cfa, s, &v, &is_value))
		return -EINVAL;
	if (is_value) {
		*out = v;
		return 0;
	}
	return read_u64(s, v, out) ? -ERANGE : 0;
}

/* One CFI step; 0, -ENOENT (no CFI for pc), or another error. */
static int step_cfi(struct module *m, __u64 vaddr, struct regs *r, const struct ustack *s)
{
	Dwarf_Frame *f = NULL;
	Dwarf_Op *ops;
	size_t n;
	__u64 cfa, ra, bp;
	bool is_value;
	int err = -EINVAL;

	if (dwarf_cfi_addrframe(m->cfi, vaddr, &f))
		return -ENOENT;
	if (dwarf_frame_cfa(f, &ops, &n) || !n || eval(ops, n, r, 0, s, &cfa, &is_value))
		goto out;
	err = recover(f, REG_RA, r, cfa, s, &ra);
	if (err)
		goto out;
	r->bp_known = !recover(f, REG_RBP, r, cfa, s, &bp);
	if (r->bp_known)
		r->bp = bp;
	r->pc = ra;
	r->sp = cfa;
	err = 0;
out:
	free(f);
	return err;
}

/* One frame-pointer step: [bp] is the caller's bp, [bp+8] the return address. */
static int step_fp(struct regs *r, const struct ustack *s, __u64 *slot)
{
	__u64 next_bp, ra;

	if (!r->bp_known || r->bp < r->sp)
		return -EINVAL;
	if (read_u64(s, r->bp, &next_bp) || read_u64(s, r->bp + 8, &ra))
		return -ERANGE;
	/* V8 frames keep the JSFunction at fp-16 (see walk_user_stack in bpf/common.bpf.h) */
	if (read_u64(s, r->bp - 16, slot))
		*slot = 0;
	r->sp = r->bp + 16;
	r->pc = ra;
	r->bp = next_bp;
	return 0;
}

/* The copy ends here: go on with the frames BPF found from the same return address. */
static void splice_fp_walk(struct ls_stack *out, const struct ls_stack *fp)
{
	__u64 pc = out->frames[out->nframes - 1].ip;
	__u32 n = fp->nframes < LS_MAX_FRAMES ? fp->nframes : LS_MAX_FRAMES;

	for (__u32 k = 1; k < n; k++) {
		if (fp->frames[k].ip != pc)
			continue;
		for (k++; k < n && out->nframes < LS_MAX_FRAMES; k++)
			out->frames[out->nframes++] = fp->frames[k];
		return;
	}
}

int unwinder__unwind(struct unwinder *u, __u32 pid, const struct ls_mem_event *e,
		     size_t ustack_len, struct ls_stack *out)
{
	struct ustack s = { .bytes = e->ustack, .base = e->sp & ~4095ULL, .len = ustack_len };
	struct regs r = { .pc = e->ip, .sp = e->sp, .bp = e->bp, .bp_known = true };

	out->nframes = 0;
	out->flags = 0;
	while (out->nframes < LS_MAX_FRAMES) {
		struct module *m;
		__u64 vaddr, slot = 0, old_sp = r.sp;
		int err = -ENOENT;

		if (!r.pc)
			return out->nframes ? 0 : -EINVAL;
		out->frames[out->nframes].ip = r.pc;
		out->frames[out->nframes].slot = 0;
		out->nframes++;
		/* a return address points after the call: look up the call itself */
		m = locate(u, pid, out->nframes == 1 ? r.pc : r.pc - 1, &vaddr);
		if (m)
			err = step_cfi(m, vaddr, &r, &s);
		if (err == -ENOENT) {
			err = step_fp(&r, &s, &slot);
			out->frames[out->nframes - 1].slot = slot;
		}
		/* out of the copy, or a step that cannot be made (a register CFI needs that the
		 * event lacks): the BPF walk may still know the rest */
		if (err || r.sp <= old_sp) {
			splice_fp_walk(out, &e->stack);
			return out->nframes > 1 ? 0 : -EINVAL;
		}
	}
	out->flags |= LS_STACK_TRUNCATED;
	return 0;
}
