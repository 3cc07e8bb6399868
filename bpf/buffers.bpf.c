// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ArrayBuffer memory, precisely (opt-in: --probes +buffers): every v8::internal::BackingStore
 * that BackingStore::Allocate makes and every ~BackingStore.  A uretprobe costs ~27 us and a
 * uprobe ~6 us here, per Buffer allocated and freed: a server making a Buffer per request
 * would lose throughput, so the family is off by default (the mem family sees the large ones
 * for the price of a syscall tracepoint).
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* std::unique_ptr<BackingStore> BackingStore::Allocate(Isolate*, size_t, SharedFlag,
 * InitializedFlag): the unique_ptr is returned in memory (it has a non-trivial destructor,
 * Itanium C++ ABI), rax holds its address at return.  At the uretprobe the registers are the
 * caller's, right after the call: the walk starts in ConstructBuffer, frame pointers all the
 * way (node's C++, V8 builtins and JS keep rbp). */
SEC("uretprobe")
int backing_store_allocate_exit(struct pt_regs *ctx)
{
	__u64 ret = UREGS(ctx)->ax;
	struct ls_buffer_event *e;
	__u64 store = 0, bytes = 0;

	count(LS_CNT_BUFFER_HITS);
	if (!ret || bpf_probe_read_user(&store, sizeof(store), (void *)ret) || !store)
		return 0;
	bpf_probe_read_user(&bytes, sizeof(bytes),
			    (void *)(store + LS_V8_BACKING_STORE_LENGTH_OFFSET));
	e = scratch_event();
	if (!e)
		return 0;
	fill_header(&e->h, LS_EV_BUFFER_ALLOC);
	e->store = store;
	e->bytes = bytes;
	walk_user_stack(&e->stack, UREGS(ctx)->ip, UREGS(ctx)->sp, UREGS(ctx)->bp, 0);
	emit_with_stack(e, offsetof(struct ls_buffer_event, stack), &e->stack);
	return 0;
}

SEC("uprobe")
int backing_store_free(struct pt_regs *ctx)
{
	__u64 store = UREGS(ctx)->di;
	struct ls_buffer_event *e = scratch_event();

	count(LS_CNT_BUFFER_HITS);
	if (!e)
		return 0;
	fill_header(&e->h, LS_EV_BUFFER_FREE);
	e->store = store;
	e->bytes = 0;
	emit(e, offsetof(struct ls_buffer_event, stack));
	return 0;
}
