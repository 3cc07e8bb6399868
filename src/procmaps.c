// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "procmaps.h"

struct procmaps {
	struct procmap_entry *entries;
	size_t cnt, cap;
};

void procmaps__free(struct procmaps *maps)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < maps->cnt; i++)
		free(maps->entries[i].path);
	free(maps->entries);
	free(maps);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct procmap_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Line format (fs/proc/task_mmu.c, show_map_vma()):
 *   start-end perms offset major:minor inode [path]
 * The path is padded to a column, may contain spaces, and ends with " (deleted)" once unlinked.
 * Every mapping is kept, not only executable ones: V8 may flip its code pages to rw- while it
 * patches them (W^X), and a reader that catches that moment must still see JIT memory.
 */
static int parse_line(char *line, struct procmap_entry *e)
{
	unsigned long long start, end, off;
	char perms[5], *path;
	size_t len;
	int n = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %*x:%*x %*u %n", &start, &end, perms, &off, &n) < 4 ||
	    !n || end <= start)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->start = start;
	e->end = end;
	e->file_offset = off;
	e->exec = perms[2] == 'x';
	e->no_access = !strncmp(perms, "---", 3);
	e->shared = perms[3] == 's';

	path = line + n;
	len = strcspn(path, "\n");
	if (!len)
		return 0;
	if (len > 10 && !strncmp(path + len - 10, " (deleted)", 10)) {
		e->deleted = true;
		len -= 10;
	}
	e->path = strndup(path, len);
	return e->path ? 0 : -ENOMEM;
}

static int push(struct procmaps *maps, const struct procmap_entry *e)
{
	if (maps->cnt == maps->cap) {
		size_t cap = maps->cap ? maps->cap * 2 : 64;
		struct procmap_entry *p = realloc(maps->entries, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		maps->entries = p;
		maps->cap = cap;
	}
	maps->entries[maps->cnt++] = *e;
	return 0;
}

int procmaps__load_file(const char *path, struct procmaps **out)
{
	struct procmap_entry e;
	struct procmaps *maps;
	char *line = NULL;
	size_t sz = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	maps = calloc(1, sizeof(*maps));
	if (!maps) {
		err = -ENOMEM;
		goto close_file;
	}
	while (getline(&line, &sz, f) > 0) {
		err = parse_line(line, &e);
		if (err == -EINVAL) {
			err = 0;
			continue;
		}
		if (!err)
			err = push(maps, &e);
		if (err) {
			free(e.path);
			goto free_maps;
		}
	}
	/* the kernel emits them sorted; files written by hand need not be */
	qsort(maps->entries, maps->cnt, sizeof(*maps->entries), cmp_entry);
	*out = maps;
	goto free_line;

free_maps:
	procmaps__free(maps);
free_line:
	free(line);
close_file:
	fclose(f);
	return err;
}

int procmaps__load_pid(__u32 pid, struct procmaps **out)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	return procmaps__load_file(path, out);
}

const struct procmap_entry *procmaps__find(const struct procmaps *maps, __u64 addr)
{
	size_t lo = 0, hi = maps->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct procmap_entry *e = &maps->entries[mid];

		if (addr < e->start)
			hi = mid;
		else if (addr >= e->end)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

const struct procmap_entry *procmaps__entries(const struct procmaps *maps, size_t *cnt)
{
	*cnt = maps->cnt;
	return maps->entries;
}
