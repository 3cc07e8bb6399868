// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "hashmap.h"
#include "maps_cache.h"

/* How long a page that a fresh reading did not find is not looked for again. */
#define MISSED_PAGE_TTL_NS 5000000000ULL
/* Bounds the missed pages kept per process: past it they are forgotten together. */
#define MISSED_PAGES_MAX 4096

struct proc_maps {
	struct procmaps *maps;
	struct hashmap missed; /* page -> CLOCK_MONOTONIC ns of the reading that missed it */
};

struct maps_cache {
	struct hashmap procs; /* pid -> struct proc_maps */
	unsigned long reads;
};

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct maps_cache *maps_cache__new(void)
{
	return calloc(1, sizeof(struct maps_cache));
}

static void proc_maps_free(struct proc_maps *p)
{
	procmaps__free(p->maps);
	hashmap__clear(&p->missed);
	free(p);
}

void maps_cache__free(struct maps_cache *c)
{
	size_t i = 0;
	__u64 k;
	void *v;

	if (!c)
		return;
	while (hashmap__next(&c->procs, &i, &k, &v))
		proc_maps_free(v);
	hashmap__clear(&c->procs);
	free(c);
}

void maps_cache__forget_pid(struct maps_cache *c, __u32 pid)
{
	struct proc_maps *p = hashmap__remove(&c->procs, pid);

	if (p)
		proc_maps_free(p);
}

static struct proc_maps *proc_get(struct maps_cache *c, __u32 pid)
{
	struct proc_maps *p = hashmap__get(&c->procs, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (p && hashmap__set(&c->procs, pid, p, NULL)) {
		free(p);
		p = NULL;
	}
	return p;
}

static int reread(struct maps_cache *c, __u32 pid, struct proc_maps *p)
{
	struct procmaps *maps;
	int err = procmaps__load_pid(pid, &maps);

	if (err)
		return err;
	c->reads++;
	procmaps__free(p->maps);
	p->maps = maps;
	return 0;
}

int maps_cache__get(struct maps_cache *c, __u32 pid, const struct procmaps **out)
{
	struct proc_maps *p = proc_get(c, pid);
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (!p->maps && (err = reread(c, pid, p)))
		return err;
	*out = p->maps;
	return 0;
}

int maps_cache__find(struct maps_cache *c, __u32 pid, __u64 addr,
		     const struct procmap_entry **out)
{
	struct proc_maps *p = proc_get(c, pid);
	__u64 page = addr >> 12, now;
	void *missed_at;
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (p->maps && (*out = procmaps__find(p->maps, addr)))
		return 0;
	now = monotonic_ns();
	missed_at = hashmap__get(&p->missed, page);
	if (p->maps && missed_at && now - (uintptr_t)missed_at < MISSED_PAGE_TTL_NS)
		return 0;
	err = reread(c, pid, p);
	if (err)
		return err;
	*out = procmaps__find(p->maps, addr);
	if (*out) {
		hashmap__remove(&p->missed, page);
		return 0;
	}
	if (p->missed.len >= MISSED_PAGES_MAX)
		hashmap__clear(&p->missed);
	/* best effort: a failed insert only means reading the maps again next time */
	hashmap__set(&p->missed, page, (void *)(uintptr_t)now, NULL);
	return 0;
}

unsigned long maps_cache__reads(const struct maps_cache *c)
{
	return c->reads;
}
