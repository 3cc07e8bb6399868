/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Uprobes as few kernel objects as possible: one uprobe_multi link per BPF program and
 * process instead of one perf event per probed function, and closing many at once.
 */
#ifndef LEAKSCOPE_UPROBE_LINKS_H
#define LEAKSCOPE_UPROBE_LINKS_H

#include <stdbool.h>
#include <linux/types.h>

/* BPF_TRACE_UPROBE_MULTI of enum bpf_attach_type (kernel 6.6, include/uapi/linux/bpf.h):
 * Debian 12's headers (6.1) predate it. */
#define LS_BPF_TRACE_UPROBE_MULTI 48

/* Does this kernel have uprobe_multi links (6.6+)?  Asks it, once; loads no probe. */
bool uprobe_links__multi_supported(void);

/*
 * One link: `prog_fd` (loaded with expected_attach_type LS_BPF_TRACE_UPROBE_MULTI) on `cnt`
 * file offsets of `path`, in process `pid` only, each with its attach cookie (cookies may be
 * NULL).  retprobe: at the functions' returns.  Returns the link's fd, or -errno.
 */
int uprobe_links__attach_multi(int prog_fd, const char *path, __u32 pid, const __u64 *offsets,
			       const __u64 *cookies, __u32 cnt, bool retprobe);

/* Closes fds[0..n) (negative entries skipped), concurrently, and returns when all are. */
void uprobe_links__close_all(const int *fds, int n);

#endif
