// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Why: removing a uprobe waits for an RCU-tasks-trace and an SRCU grace period
 * (kernel/events/uprobes.c, uprobe_unregister_sync(), 6.12+), ~100 ms each on these VMs.  With
 * one perf event per probed function, under a mutex held across that wait, detaching node's
 * ~30 uprobes took 3 s, during which nothing drained the ring buffer.  A uprobe_multi link
 * (kernel 6.6) removes all its uprobes and then waits once; closing the few links from one
 * thread each overlaps those waits (grace periods are shared by whoever waits at the same
 * time), so a detach costs about one grace period.  Attaching is faster too: one syscall per
 * program instead of a perf_event_open per function.
 *
 * libbpf 1.1 (Debian 12) has no API for these links, so this speaks the bpf syscall itself;
 * the attribute layout is the kernel's (union bpf_attr, link_create.uprobe_multi, 6.6+).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "uprobe_links.h"

/* The BPF_LINK_CREATE part of union bpf_attr, as of kernel 6.6 (include/uapi/linux/bpf.h). */
struct link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 multi_flags; /* BPF_F_UPROBE_MULTI_RETURN */
	__u32 pid;
	__u32 pad;
};

#define LS_BPF_F_UPROBE_MULTI_RETURN 1

static int link_create(int prog_fd, const char *path, __u32 pid, const __u64 *offsets,
		       const __u64 *cookies, __u32 cnt, bool retprobe)
{
	union {
		union bpf_attr attr; /* the size the kernel checks trailing zeroes against */
		struct link_create_uprobe_multi lc;
	} a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.lc.prog_fd = prog_fd;
	a.lc.attach_type = LS_BPF_TRACE_UPROBE_MULTI;
	a.lc.path = (__u64)(unsigned long)path;
	a.lc.offsets = (__u64)(unsigned long)offsets;
	a.lc.cookies = (__u64)(unsigned long)cookies;
	a.lc.cnt = cnt;
	a.lc.multi_flags = retprobe ? LS_BPF_F_UPROBE_MULTI_RETURN : 0;
	a.lc.pid = pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

bool uprobe_links__multi_supported(void)
{
	static int supported = -1;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)LS_BPF_TRACE_UPROBE_MULTI);
	__u64 offset = 0;
	int prog, link;

	if (supported >= 0)
		return supported;
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	if (prog < 0) {
		supported = 0;
		return false;
	}
	/* "/" is no regular file: a kernel that knows these links says -EBADF before it would
	 * place any probe (libbpf's own feature probe does the same); one that does not, -EINVAL */
	link = link_create(prog, "/", 0, &offset, NULL, 1, false);
	supported = (link == -EBADF);
	if (link >= 0)
		close(link);
	close(prog);
	return supported;
}

int uprobe_links__attach_multi(int prog_fd, const char *path, __u32 pid, const __u64 *offsets,
			       const __u64 *cookies, __u32 cnt, bool retprobe)
{
	if (!cnt)
		return -EINVAL;
	return link_create(prog_fd, path, pid, offsets, cookies, cnt, retprobe);
}

static void *close_one(void *fd)
{
	close((int)(long)fd);
	return NULL;
}

void uprobe_links__close_all(const int *fds, int n)
{
	pthread_t threads[n > 0 ? n : 1];
	bool started[n > 0 ? n : 1];

	for (int i = 0; i < n; i++) {
		started[i] = false;
		if (fds[i] < 0)
			continue;
		/* no thread to be had: close it here, slowly but surely */
		if (n > 1 && !pthread_create(&threads[i], NULL, close_one, (void *)(long)fds[i]))
			started[i] = true;
		else
			close(fds[i]);
	}
	for (int i = 0; i < n; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
}
