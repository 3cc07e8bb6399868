// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * V8 garbage collections: a uprobe and a uretprobe on Heap::PerformGarbageCollection.  A
 * uretprobe costs ~27 us here; collections come tens of times a second at most, each pausing
 * the process for far longer than that.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct gc_start {
	__u64 ts;
	__u64 heap_size; /* the last Heap::SizeOfObjects() inside this collection */
	__u32 collector;
	__u32 reason;
};

/* GCs do not nest on one thread; LRU in case a thread dies inside one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct gc_start);
} gc_inflight SEC(".maps");

/* Heap::PerformGarbageCollection(Heap *this, GarbageCollector collector,
 *                                GarbageCollectionReason reason, const char *msg): on node 20
 * (V8 11.3) the collector is in esi and the reason in edx. */
SEC("uprobe")
int gc_enter(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct gc_start v = {
		.ts = bpf_ktime_get_ns(),
		.collector = (int)UREGS(ctx)->si,
		.reason = (int)UREGS(ctx)->dx,
	};

	count(LS_CNT_GC_HITS);
	bpf_map_update_elem(&gc_inflight, &tid, &v, BPF_ANY);
	return 0;
}

/* Where the kernel keeps the RSS counters, and the page size: set by userspace before load
 * (src/probes.c, from the fds object's rss_layout).  stride 0: not known, rss stays 0. */
const volatile struct ls_rss_offsets rss = {};
const volatile __u64 page_size = 4096;

/* One mm counter, in pages; negative reads as 0, as the kernel's get_mm_counter() does. */
static __always_inline __u64 mm_counter(__u64 mm, __u32 i, int *err)
{
	__s64 v = 0;

	*err |= bpf_probe_read_kernel(&v, sizeof(v),
				      (void *)(mm + rss.rss_stat + i * rss.stride + rss.count));
	return v > 0 ? v : 0;
}

/* The process's resident memory, split as /proc statm splits it: anon, and file + shmem
 * (MM_* from include/linux/mm_types_task.h, numbered so since 4.5).  Read at fixed offsets
 * through bpf_get_current_task(): no CO-RE, no BTF parse for this object. */
static __always_inline void read_rss(struct ls_gc_event *e)
{
	__u64 task = bpf_get_current_task(), mm = 0, anon, file;
	int err = 0;

	if (!rss.stride ||
	    bpf_probe_read_kernel(&mm, sizeof(mm), (void *)(task + rss.task_mm)) || !mm)
		return;
	anon = mm_counter(mm, MM_ANONPAGES, &err);
	file = mm_counter(mm, MM_FILEPAGES, &err) + mm_counter(mm, MM_SHMEMPAGES, &err);
	if (err)
		return;
	e->rss_anon = anon * page_size;
	e->rss_file = file * page_size;
}

SEC("uretprobe")
int gc_exit(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct gc_start *v = bpf_map_lookup_elem(&gc_inflight, &tid);
	struct ls_gc_event e = {};

	count(LS_CNT_GC_HITS);
	if (!v)
		return 0;
	fill_header(&e.h, LS_EV_GC);
	e.start_ns = v->ts;
	e.pause_ns = e.h.ts_ns - v->ts;
	e.collector = v->collector;
	e.reason = v->reason;
	e.heap_after = v->heap_size;
	bpf_map_delete_elem(&gc_inflight, &tid);
	read_rss(&e);
	emit(&e, sizeof(e));
	return 0;
}

/* Heap::SizeOfObjects() returns the bytes of live objects.  V8's GC tracer calls it twice
 * inside PerformGarbageCollection (GCTracer::StartInSafepoint and StopInSafepoint, V8 11.3):
 * the last value is the heap after the collection.  Calls outside a collection are ignored. */
SEC("uretprobe")
int heap_size_exit(struct pt_regs *ctx)
{
	__u64 size = UREGS(ctx)->ax;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct gc_start *v = bpf_map_lookup_elem(&gc_inflight, &tid);

	count(LS_CNT_GC_HITS);
	if (v)
		v->heap_size = size;
	return 0;
}
