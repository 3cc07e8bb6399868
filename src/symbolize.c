// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "demangle.h"
#include "elf_symbols.h"
#include "hashmap.h"
#include "perfmap.h"
#include "maps_cache.h"
#include "symbolize.h"

struct module {
	const char *path;		/* interned; "... (deleted)" for unlinked files */
	struct elf_symbols *segs;	/* PT_LOAD headers, read at locate time */
	struct elf_symbols *syms;	/* read at the first name */
	int segs_err, syms_err;		/* nonzero once tried and failed */
};

struct proc {
	struct perfmap *perfmap;
	struct stat perfmap_st;		/* of the file perfmap was read from */
};

struct symbolizer {
	struct hashmap strings;		/* FNV-1a hash (+1 per collision) -> string */
	struct hashmap modules;		/* interned path -> struct module */
	struct hashmap procs;		/* pid -> struct proc */
	struct hashmap demangled;	/* raw name in an elf_symbols -> interned demangled */
	struct maps_cache *maps;
	char *perfmap_dir;
};

static __u64 hash_str(const char *s)
{
	__u64 h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static const char *intern(struct symbolizer *sym, const char *s)
{
	__u64 key = hash_str(s);
	char *v;

	for (; (v = hashmap__get(&sym->strings, key)); key++)
		if (!strcmp(v, s))
			return v;
	v = strdup(s);
	if (v && hashmap__set(&sym->strings, key, v, NULL)) {
		free(v);
		v = NULL;
	}
	return v;
}

struct symbolizer *symbolizer__new(void)
{
	struct symbolizer *sym = calloc(1, sizeof(*sym));

	if (!sym)
		return NULL;
	sym->perfmap_dir = strdup("/tmp");
	sym->maps = maps_cache__new();
	if (!sym->perfmap_dir || !sym->maps) {
		free(sym->perfmap_dir);
		maps_cache__free(sym->maps);
		free(sym);
		errno = ENOMEM;
		return NULL;
	}
	return sym;
}

void symbolizer__free(struct symbolizer *sym)
{
	size_t i;
	void *v;
	__u64 k;

	if (!sym)
		return;
	for (i = 0; hashmap__next(&sym->modules, &i, &k, &v);) {
		struct module *m = v;

		elf_symbols__free(m->segs);
		elf_symbols__free(m->syms);
		free(m);
	}
	for (i = 0; hashmap__next(&sym->procs, &i, &k, &v);) {
		struct proc *p = v;

		perfmap__free(p->perfmap);
		free(p);
	}
	for (i = 0; hashmap__next(&sym->strings, &i, &k, &v);)
		free(v);
	hashmap__clear(&sym->modules);
	hashmap__clear(&sym->procs);
	hashmap__clear(&sym->strings);
	hashmap__clear(&sym->demangled);
	maps_cache__free(sym->maps);
	free(sym->perfmap_dir);
	free(sym);
}

int symbolizer__set_perfmap_dir(struct symbolizer *sym, const char *dir)
{
	char *d = strdup(dir);

	if (!d)
		return -ENOMEM;
	free(sym->perfmap_dir);
	sym->perfmap_dir = d;
	return 0;
}

static struct proc *proc__get(struct symbolizer *sym, __u32 pid)
{
	struct proc *p = hashmap__get(&sym->procs, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (p && hashmap__set(&sym->procs, pid, p, NULL)) {
		free(p);
		p = NULL;
	}
	return p;
}

void symbolizer__forget_pid(struct symbolizer *sym, __u32 pid)
{
	maps_cache__forget_pid(sym->maps, pid);
}

static bool is_readable(const char *path)
{
	size_t len = strlen(path);

	return path[0] == '/' && (len < 10 || strcmp(path + len - 10, " (deleted)"));
}

/* path as locate names it: an unlinked file is "... (deleted)", and not read, since another
 * binary may now sit at its path; pseudo paths ("[vdso]") have no file either. */
static struct module *module__get(struct symbolizer *sym, const char *path)
{
	struct module *m;

	path = intern(sym, path);
	if (!path)
		return NULL;
	m = hashmap__get(&sym->modules, (uintptr_t)path);
	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->path = path;
	if (!is_readable(path))
		m->segs_err = m->syms_err = -ENOENT;
	if (hashmap__set(&sym->modules, (uintptr_t)path, m, NULL)) {
		free(m);
		return NULL;
	}
	return m;
}

unsigned long symbolizer__maps_reads(const struct symbolizer *sym)
{
	return maps_cache__reads(sym->maps);
}

int symbolizer__locate(struct symbolizer *sym, __u32 pid, __u64 addr, struct sym_location *loc)
{
	const struct procmap_entry *e;
	struct module *m;
	__u64 file_off;
	int err;

	memset(loc, 0, sizeof(*loc));
	loc->vaddr = addr;
	/* x86-64 and arm64 kernels live in the upper half */
	if (addr >> 63) {
		loc->kind = SYM_KERNEL;
		return 0;
	}
	err = maps_cache__find(sym->maps, pid, addr, &e);
	if (err || !e)
		return err;
	if (procmap_entry__is_anon(e)) {
		loc->kind = SYM_JS;
		return 0;
	}
	if (procmap_entry__is_pseudo(e) && strcmp(e->path, "[vdso]") &&
	    strcmp(e->path, "[vsyscall]"))
		return 0;
	if (e->deleted) {
		char *name;

		if (asprintf(&name, "%s (deleted)", e->path) < 0)
			return -ENOMEM;
		m = module__get(sym, name);
		free(name);
	} else {
		m = module__get(sym, e->path);
	}
	if (!m)
		return -ENOMEM;
	loc->kind = SYM_NATIVE;
	loc->module = m->path;
	file_off = addr - e->start + e->file_offset;
	loc->vaddr = file_off;
	if (!m->segs && !m->segs_err) {
		m->segs_err = elf_symbols__load_segments(m->path, &m->segs);
		if (m->segs_err == -ENOMEM) {
			m->segs_err = 0;
			return -ENOMEM;
		}
	}
	/* unreadable module: keep the file offset, the report prints module+offset */
	if (m->segs)
		elf_symbols__vaddr_of_file_offset(m->segs, file_off, &loc->vaddr);
	return 0;
}

static int name_native(struct symbolizer *sym, const struct sym_location *loc,
		       struct sym_frame *out)
{
	const char *raw, *name;
	struct module *m;
	char *d;
	__u64 off;

	if (!loc->module)
		return 0;
	/* also for locations of an earlier run, read back from a recording */
	m = module__get(sym, loc->module);
	if (!m)
		return -ENOMEM;
	out->module = m->path;
	if (!m->syms && !m->syms_err) {
		m->syms_err = elf_symbols__load(m->path, &m->syms);
		if (m->syms_err == -ENOMEM) {
			m->syms_err = 0;
			return -ENOMEM;
		}
	}
	raw = m->syms ? elf_symbols__lookup(m->syms, loc->vaddr, &off) : NULL;
	if (!raw)
		return 0;
	name = hashmap__get(&sym->demangled, (uintptr_t)raw);
	if (!name) {
		d = demangle(raw);
		name = d ? intern(sym, d) : NULL;
		free(d);
		if (!name || hashmap__set(&sym->demangled, (uintptr_t)raw, (void *)name, NULL))
			return -ENOMEM;
	}
	out->name = name;
	out->offset = off;
	return 0;
}

/* Reads /tmp/perf-PID.map again if it changed since last time.  0 or -errno. */
static int proc__refresh_perfmap(struct symbolizer *sym, struct proc *p, __u32 pid)
{
	struct perfmap *map;
	struct stat st;
	char *path;
	int err;

	if (asprintf(&path, "%s/perf-%u.map", sym->perfmap_dir, pid) < 0)
		return -ENOMEM;
	err = stat(path, &st) ? -errno : 0;
	if (err || (p->perfmap && st.st_size == p->perfmap_st.st_size &&
		    st.st_mtim.tv_sec == p->perfmap_st.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == p->perfmap_st.st_mtim.tv_nsec))
		goto free_path;
	err = perfmap__load(path, &map);
	if (err)
		goto free_path;
	perfmap__free(p->perfmap);
	p->perfmap = map;
	p->perfmap_st = st;
free_path:
	free(path);
	return err;
}

static int name_jit(struct symbolizer *sym, __u32 pid, const struct sym_location *loc,
		    struct sym_frame *out)
{
	const struct perfmap_entry *e = NULL;
	bool refreshed = false;
	struct proc *p;
	int err;

	p = proc__get(sym, pid);
	if (!p)
		return -ENOMEM;
	if (!p->perfmap) {
		err = proc__refresh_perfmap(sym, p, pid);
		if (err == -ENOMEM)
			return err;
		refreshed = true;
	}
	e = p->perfmap ? perfmap__lookup(p->perfmap, loc->vaddr) : NULL;
	/* node appends as it compiles: the code may be newer than our copy */
	if (!e && !refreshed) {
		err = proc__refresh_perfmap(sym, p, pid);
		if (err == -ENOMEM)
			return err;
		e = p->perfmap ? perfmap__lookup(p->perfmap, loc->vaddr) : NULL;
	}
	if (!e)
		return 0;
	out->name = intern(sym, e->name);
	out->module = e->script ? intern(sym, e->script) : NULL;
	if (!out->name || (e->script && !out->module))
		return -ENOMEM;
	out->offset = loc->vaddr - e->start;
	out->line = e->line;
	out->column = e->column;
	out->kind = e->kind == PERFMAP_JS ? SYM_JS : SYM_NATIVE;
	return 0;
}

int symbolizer__set_js(struct symbolizer *sym, struct sym_location *loc, const char *name,
		       const char *script, __u32 line, __u32 column)
{
	const char *n = intern(sym, name), *s = script ? intern(sym, script) : NULL;

	if (!n || (script && !s))
		return -ENOMEM;
	loc->js_name = n;
	loc->js_script = s;
	loc->js_line = line;
	loc->js_column = column;
	return 0;
}

int symbolizer__name(struct symbolizer *sym, __u32 pid, const struct sym_location *loc,
		     struct sym_frame *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = loc->kind;
	out->offset = loc->vaddr;
	/* read from the heap: it wins over the perf map, which stays the fallback */
	if (loc->js_name) {
		out->kind = SYM_JS;
		out->name = loc->js_name;
		out->module = loc->js_script;
		out->line = loc->js_line;
		out->column = loc->js_column;
		out->offset = 0;
		return 0;
	}
	switch (loc->kind) {
	case SYM_NATIVE:
		return name_native(sym, loc, out);
	case SYM_JS:
		return name_jit(sym, pid, loc, out);
	default:
		return 0;
	}
}
