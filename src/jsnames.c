// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hashmap.h"
#include "jsnames.h"
#include "stacks.h"
#include "symbolize.h"
#include "v8read.h"

/* A SharedFunctionInfo already read. */
struct js_fn {
	char *name, *script;
	__u32 line, column;
};

struct js_lines {
	__u32 *starts; /* NULL: the source could not be read */
	size_t n;
};

/* The metadata of one binary, shared by the processes that run it. */
struct js_binary {
	struct v8meta meta;
	int err; /* 0: usable */
};

struct js_proc {
	struct v8meta meta;
	int meta_err;	      /* 0: meta usable */
	struct hashmap fns;   /* SharedFunctionInfo address -> struct js_fn */
	struct hashmap lines; /* Script address -> struct js_lines */
	bool resolved_one;
	__u32 unread_keys; /* frames keyed STACK_KEY_NEVER */
};

#define MAX_UNREAD_KEYS 1024

struct jsnames {
	struct symbolizer *sym;
	struct hashmap procs; /* pid -> struct js_proc */
	struct hashmap binaries; /* device and inode of the executable -> struct js_binary */
	struct jsnames_stats stats;
};

static const char *const reason_names[JS_UNNAMED_MAX] = {
	[JS_UNNAMED_NO_METADATA] = "no_metadata",
	[JS_UNNAMED_NOT_FUNCTION] = "not_a_function",
	[JS_UNNAMED_UNREADABLE] = "unreadable",
	[JS_UNNAMED_BAD_OBJECT] = "bad_object",
	[JS_UNNAMED_UNSUPPORTED] = "unsupported",
};

const char *jsnames__reason_name(enum js_unnamed_reason r)
{
	return r < JS_UNNAMED_MAX ? reason_names[r] : "unknown";
}

struct jsnames *jsnames__new(struct symbolizer *sym)
{
	struct jsnames *j = calloc(1, sizeof(*j));

	if (j)
		j->sym = sym;
	return j;
}

static void drop_objects(struct js_proc *p)
{
	size_t i;
	void *v;
	__u64 k;

	for (i = 0; hashmap__next(&p->fns, &i, &k, &v);) {
		struct js_fn *f = v;

		free(f->name);
		free(f->script);
		free(f);
	}
	for (i = 0; hashmap__next(&p->lines, &i, &k, &v);) {
		free(((struct js_lines *)v)->starts);
		free(v);
	}
	hashmap__clear(&p->fns);
	hashmap__clear(&p->lines);
}

void jsnames__free(struct jsnames *j)
{
	size_t i;
	void *v;
	__u64 k;

	if (!j)
		return;
	for (i = 0; hashmap__next(&j->procs, &i, &k, &v);) {
		drop_objects(v);
		free(v);
	}
	hashmap__clear(&j->procs);
	for (i = 0; hashmap__next(&j->binaries, &i, &k, &v);)
		free(v);
	hashmap__clear(&j->binaries);
	free(j);
}

void jsnames__forget_objects(struct jsnames *j, __u32 pid)
{
	struct js_proc *p = hashmap__get(&j->procs, pid);

	if (p && (p->fns.len || p->lines.len)) {
		drop_objects(p);
		j->stats.cache_drops++;
	}
}

void jsnames__forget_pid(struct jsnames *j, __u32 pid)
{
	struct js_proc *p = hashmap__remove(&j->procs, pid);

	if (p) {
		drop_objects(p);
		free(p);
	}
}

const struct jsnames_stats *jsnames__stats(const struct jsnames *j)
{
	return &j->stats;
}

/* The metadata of the binary pid runs now (/proc/PID/exe: node links V8 statically). */
static struct js_proc *proc__get(struct jsnames *j, __u32 pid)
{
	struct js_proc *p = hashmap__get(&j->procs, pid);
	struct js_binary *b;
	char path[64];
	struct stat st;
	__u64 key;

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	/* a node that forks node children: read its ~100 MB binary's symbols once */
	if (stat(path, &st)) {
		p->meta_err = -errno;
	} else {
		key = (__u64)st.st_dev << 40 ^ st.st_ino;
		b = hashmap__get(&j->binaries, key);
		if (!b) {
			b = calloc(1, sizeof(*b));
			if (!b || hashmap__set(&j->binaries, key, b, NULL)) {
				free(b);
				free(p);
				return NULL;
			}
			b->err = v8meta__load(path, &b->meta);
		}
		p->meta = b->meta;
		p->meta_err = b->err;
	}
	/* runs_js() needs the binary's symbols: load them now, with the metadata, rather than
	 * inside the first stack that happens to reach a builtin */
	if (!p->meta_err) {
		struct sym_location loc = { .kind = SYM_NATIVE };
		struct sym_frame f;
		char exe[PATH_MAX];
		ssize_t n = readlink(path, exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = 0;
			loc.module = exe;
			symbolizer__name(j->sym, pid, &loc, &f);
		}
	}
	if (hashmap__set(&j->procs, pid, p, NULL)) {
		free(p);
		return NULL;
	}
	return p;
}

static enum js_unnamed_reason reason_of(int err)
{
	switch (err) {
	case -EFAULT:
	case -ESRCH:
	case -EPERM:
	case -EIO:
		return JS_UNNAMED_UNREADABLE;
	case -ENOTSUP:
	case -E2BIG:
		return JS_UNNAMED_UNSUPPORTED;
	default:
		return JS_UNNAMED_BAD_OBJECT;
	}
}

static const struct js_lines *lines__get(struct js_proc *p, const struct v8_mem *mem,
					 __u64 script)
{
	struct js_lines *l = hashmap__get(&p->lines, script);

	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (v8read__line_starts(&p->meta, mem, script, &l->starts, &l->n))
		l->starts = NULL;
	if (hashmap__set(&p->lines, script, l, NULL)) {
		free(l->starts);
		free(l);
		return NULL;
	}
	return l;
}

int jsnames__function_key(void *ctx, __u32 pid, __u64 slot, __u64 *key)
{
	struct jsnames *j = ctx;
	struct js_proc *p = hashmap__get(&j->procs, pid);

	if (!p || p->meta_err)
		return -ENOENT;
	if ((slot & p->meta.heap_object_tag_mask) != p->meta.heap_object_tag)
		return -EINVAL;
	return v8_mem__read_pid((void *)(uintptr_t)pid,
				slot - p->meta.heap_object_tag + p->meta.off_function_shared, key,
				sizeof(*key));
}

/* 0, -ENOMEM, or a positive enum js_unnamed_reason + 1. */
static int resolve_function(struct jsnames *j, struct js_proc *p, __u32 pid, __u64 function,
			    const struct js_fn **out, __u64 *shared_out)
{
	struct v8_mem mem = { v8_mem__read_pid, (void *)(uintptr_t)pid };
	struct v8_function_info info;
	const struct js_lines *l;
	struct js_fn *f;
	__u64 shared;
	int err;

	err = v8read__function_shared(&p->meta, &mem, function, &shared);
	if (err)
		return 1 + (err == -EINVAL ? JS_UNNAMED_NOT_FUNCTION : reason_of(err));
	*shared_out = shared;
	f = hashmap__get(&p->fns, shared);
	if (f) {
		j->stats.cache_hits++;
		*out = f;
		return 0;
	}
	err = v8read__shared_info(&p->meta, &mem, shared, &info);
	if (err)
		return 1 + reason_of(err);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->name = strdup(info.name[0] ? info.name : "(anonymous)");
	f->script = info.script_name[0] ? strdup(info.script_name) : NULL;
	if (!f->name || (info.script_name[0] && !f->script))
		goto nomem;
	if (info.script && info.start_pos >= 0) {
		l = lines__get(p, &mem, info.script);
		if (!l)
			goto nomem;
		if (l->starts)
			v8read__line_column(l->starts, l->n, (__u32)info.start_pos, &f->line,
					    &f->column);
	}
	if (hashmap__set(&p->fns, shared, f, NULL))
		goto nomem;
	*out = f;
	return 0;
nomem:
	free(f->name);
	free(f->script);
	free(f);
	return -ENOMEM;
}

/*
 * Which frames to read: JIT code (anonymous memory), and the frames of node's own builtins
 * that run JavaScript functions: an interpreted function's frame returns into
 * Builtins_InterpreterEntryTrampoline (or InterpreterEnterAt*Bytecode after a deopt),
 * Sparkplug's into Builtins_Baseline*.  Other builtins (CallFunction, JSEntry, ArrayForEach...)
 * stay named as builtins.
 */
static bool runs_js(struct symbolizer *sym, __u32 pid, const struct sym_location *loc)
{
	struct sym_frame f;

	if (loc->kind == SYM_JS)
		return true;
	if (loc->kind != SYM_NATIVE || symbolizer__name(sym, pid, loc, &f) || !f.name)
		return false;
	return !strncmp(f.name, "Builtins_InterpreterEntryTrampoline", 35) ||
	       !strncmp(f.name, "Builtins_InterpreterEnterAt", 27) ||
	       !strncmp(f.name, "Builtins_Baseline", 17);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int jsnames__resolve(struct jsnames *j, struct stack_entry *st)
{
	__u64 t0 = now_ns(), dt;
	struct js_proc *p;
	int err = 0;

	if (!st->locs)
		return 0;
	p = proc__get(j, st->pid);
	if (!p)
		return -ENOMEM;
	for (__u32 i = 0; i < st->nframes && !err; i++) {
		struct sym_location *loc = &st->locs[i];
		const struct js_fn *f;
		__u64 shared = 0;
		int r;

		/* not node, or a V8 we cannot read: count its JIT frames, look up nothing */
		if (p->meta_err) {
			if (loc->kind == SYM_JS)
				j->stats.unnamed[JS_UNNAMED_NO_METADATA]++;
			continue;
		}
		if (!runs_js(j->sym, st->pid, loc))
			continue;
		r = resolve_function(j, p, st->pid, st->frames[i].slot, &f, &shared);
		/* the trampoline's address says nothing of the function: it is the function that
		 * tells this stack from another one of the same addresses */
		if (loc->kind != SYM_JS && r >= 0) {
			if (!st->fn_keys)
				st->fn_keys = calloc(st->nframes, sizeof(*st->fn_keys));
			if (!st->fn_keys)
				return -ENOMEM;
			/* unread: match nothing, rather than lend this stack to every function;
			 * but a process whose functions can never be read would then make a stack
			 * per event: past a bound, its unread frames match by address only */
			if (shared)
				st->fn_keys[i] = shared;
			else if (p->unread_keys < MAX_UNREAD_KEYS && ++p->unread_keys)
				st->fn_keys[i] = STACK_KEY_NEVER;
		}
		if (r < 0) {
			err = r;
		} else if (r > 0) {
			/* e.g. not_a_function: a collection moved the JSFunction between the event
			 * and now; the key above makes the next such event a new stack, read again */
			j->stats.unnamed[r - 1]++;
		} else {
			err = symbolizer__set_js(j->sym, loc, f->name, f->script, f->line,
						 f->column);
			j->stats.named++;
		}
	}
	dt = now_ns() - t0;
	if (!p->resolved_one) {
		p->resolved_one = true;
		if (dt > j->stats.ns_first_max)
			j->stats.ns_first_max = dt;
		return err;
	}
	j->stats.stacks++;
	j->stats.ns_total += dt;
	if (dt > j->stats.ns_max)
		j->stats.ns_max = dt;
	return err;
}
