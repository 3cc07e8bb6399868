// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "perfmap.h"

struct slot {
	struct perfmap_entry e;
	__u64 max_end;	/* of this slot and every one before it, for lookup */
	size_t seq;	/* line number: later lines win */
};

struct perfmap {
	char *buf;	/* the file; entries point into it */
	struct slot *slots;
	size_t nr;
};

void perfmap__free(struct perfmap *map)
{
	if (!map)
		return;
	free(map->buf);
	free(map->slots);
	free(map);
}

static int read_all(const char *path, char **buf, size_t *len)
{
	size_t cap, n = 0;
	struct stat st;
	char *b = NULL;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	cap = fstat(fd, &st) || st.st_size <= 0 ? 4096 : (size_t)st.st_size + 1;
	for (;;) {
		/* node may append while we read: read to EOF, not to the size fstat saw */
		if (n + 1 >= cap || !b) {
			char *p;

			cap = b ? cap * 2 : cap;
			p = realloc(b, cap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			b = p;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Removes a trailing ":<digits>" from s and returns the number, or returns 0. */
static __u32 cut_number(char *s)
{
	char *c = strrchr(s, ':');

	if (!c || !c[1] || c[1 + strspn(c + 1, "0123456789")])
		return 0;
	*c = '\0';
	return strtoul(c + 1, NULL, 10);
}

static bool ends_with_position(const char *s)
{
	const char *c = strrchr(s, ':');

	return c && c[1] && !c[1 + strspn(c + 1, "0123456789")];
}

/*
 * The space between function name and script.  Names may hold spaces ("get x", "bound f") and
 * so may paths, so prefer the first space that starts something path- or URL-like; eval'd
 * code has no script name, only ":line:col".
 */
static char *find_script(char *s)
{
	char *sp, *last = NULL;

	for (sp = strchr(s, ' '); sp; sp = strchr(sp + 1, ' ')) {
		const char *t = sp + 1;

		if (*t == '/' || !strncmp(t, "node:", 5) || !strncmp(t, "file:", 5) ||
		    memmem(t, strcspn(t, " "), "://", 3))
			return sp;
		last = sp;
	}
	return last && ends_with_position(last + 1) ? last : NULL;
}

/*
 * Names as V8 writes them (checked on node 20.20 / V8 11.3, src/logging/log.cc, CodeEventLogger):
 *   "JS:" tier name " " script ":" line ":" column   tier: ~ ignition, ^ sparkplug, + maglev,
 *   "Eval:" ... likewise                                    * turbofan
 *   "Builtin:" name, "BytecodeHandler:" name, "RegExp:" source, ...
 * Older V8 releases wrote "LazyCompile:", "Function:" and "Script:", some with only a line
 * number.  Addresses are hex without 0x; V8 ends every line with '\n'.
 */
static const struct {
	const char *prefix;
	enum perfmap_kind kind;
	bool strip;
} prefixes[] = {
	{ "JS:", PERFMAP_JS, true },		 { "Eval:", PERFMAP_JS, true },
	{ "LazyCompile:", PERFMAP_JS, true },	 { "Function:", PERFMAP_JS, true },
	{ "Script:", PERFMAP_JS, true },	 { "Builtin:", PERFMAP_BUILTIN, true },
	{ "BytecodeHandler:", PERFMAP_BUILTIN, false },
};

static void parse_name(char *s, struct perfmap_entry *e)
{
	__u32 a, b;
	size_t i;
	char *sp;

	e->name = s;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t len = strlen(prefixes[i].prefix);

		if (strncmp(s, prefixes[i].prefix, len))
			continue;
		e->kind = prefixes[i].kind;
		if (prefixes[i].strip)
			e->name = s += len;
		break;
	}
	if (e->kind != PERFMAP_JS)
		return;
	if (*s && strchr("~^+*", *s))
		e->tier = *s++;
	e->name = s;
	sp = find_script(s);
	if (sp) {
		*sp = '\0';
		e->script = sp + 1;
		a = cut_number(sp + 1);
		b = a ? cut_number(sp + 1) : 0;
		e->line = b ? b : a;
		e->column = b ? a : 0;
		if (!*e->script)
			e->script = NULL;
	}
	if (!*e->name)
		e->name = "(anonymous)";
}

/* "<hex start> <hex size> <name>" */
static int parse_line(char *s, struct perfmap_entry *e)
{
	char *p, *q;

	memset(e, 0, sizeof(*e));
	e->start = strtoull(s, &p, 16);
	if (p == s || *p != ' ')
		return -EINVAL;
	e->size = strtoull(p + 1, &q, 16);
	if (q == p + 1 || *q != ' ' || !q[1])
		return -EINVAL;
	parse_name(q + 1, e);
	return 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->e.start != y->e.start)
		return x->e.start < y->e.start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int perfmap__load(const char *path, struct perfmap **out)
{
	struct perfmap *map;
	size_t len = 0, lines = 0, i;
	char *p, *nl, *end;
	__u64 max_end = 0;
	int err;

	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	err = read_all(path, &map->buf, &len);
	if (err)
		goto free_map;
	end = map->buf + len;
	for (p = map->buf; (nl = memchr(p, '\n', end - p)); p = nl + 1)
		lines++;
	err = -ENOMEM;
	map->slots = malloc((lines ? lines : 1) * sizeof(*map->slots));
	if (!map->slots)
		goto free_map;
	/* the text after the last newline is a line node has not finished: left out */
	for (p = map->buf; (nl = memchr(p, '\n', end - p)); p = nl + 1) {
		struct slot *s = &map->slots[map->nr];

		*nl = '\0';
		if (parse_line(p, &s->e))
			continue;
		s->seq = map->nr++;
	}
	qsort(map->slots, map->nr, sizeof(*map->slots), cmp_slot);
	for (i = 0; i < map->nr; i++) {
		struct slot *s = &map->slots[i];

		if (s->e.start + s->e.size > max_end)
			max_end = s->e.start + s->e.size;
		s->max_end = max_end;
	}
	*out = map;
	return 0;

free_map:
	perfmap__free(map);
	return err;
}

const struct perfmap_entry *perfmap__lookup(const struct perfmap *map, __u64 addr)
{
	const struct slot *best = NULL;
	size_t lo = 0, hi = map->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->slots[mid].e.start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* V8 reuses code space, so ranges overlap: walk back over every slot that may still
	 * cover addr and keep the newest line */
	while (lo-- > 0 && map->slots[lo].max_end > addr) {
		const struct slot *s = &map->slots[lo];

		if (addr - s->e.start < s->e.size && (!best || s->seq > best->seq))
			best = s;
	}
	return best ? &best->e : NULL;
}
