// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * leakscope record: attach to processes (or start a command), pair opens with closes until the
 * duration ends, a signal comes or the targets exit, then report what was left open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include "cli.h"
#include "jsnames.h"
#include "leakscope/events.h"
#include "probes.h"
#include "procmaps.h"
#include "record_opts.h"
#include "report.h"
#include "symbolize.h"
#include "tracker.h"
#include "unwind.h"

struct record {
	struct record_opts o;
	FILE *out;
	struct probes *probes;
	struct tracker *tracker;
	struct symbolizer *sym;
	struct unwinder *unwinder;
	struct jsnames *js;
	pid_t child; /* the command we started, or 0 */
	int child_status;
	bool child_reaped;
	bool exited[RECORD_MAX_PIDS]; /* of o.pids[] */
	__u64 start_ns;
	struct timespec t0; /* when the verb started, for the attach time */
	bool announced;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: events and our clock compare directly */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void read_identity(struct proc_state *p)
{
	char path[64];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/exe", p->pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%u/comm", p->pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(p->comm, sizeof(p->comm), f))
			p->comm[strcspn(p->comm, "\n")] = 0;
		fclose(f);
	}
}

static __u64 count_open_fds(__u32 pid)
{
	char path[64];
	struct dirent *d;
	__u64 n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* The node families (libuv handles, V8 GC, Buffers) on whatever program the process runs now. */
static void attach_node(struct record *r, struct proc_state *p)
{
	probes__attach_node(r->probes, p->pid, r->o.probes, p->probe_handles, p->probe_gc,
			    p->probe_buffers, sizeof(p->probe_handles));
}

static void announce(struct record *r)
{
	size_t n = tracker__proc_count(r->tracker);

	if (r->announced)
		return;
	r->announced = true;
	/* one fixed line: scripts and the benchmark parse it */
	p_info("attached to %zu process(es) in %.0f ms", n, ms_since(&r->t0));
	p_info("%s", r->o.duration_s ? "recording" : "recording until Ctrl-C or the targets exit");
}

/* Locate each frame of a new stack now, while the process still has its mappings, and name
 * its JavaScript frames while their functions are still in its heap. */
static void on_new_stack(void *ctx, struct stack_entry *st)
{
	struct record *r = ctx;

	st->locs = calloc(st->nframes ? st->nframes : 1, sizeof(*st->locs));
	if (!st->locs)
		return;
	for (__u32 i = 0; i < st->nframes; i++)
		symbolizer__locate(r->sym, st->pid, st->frames[i].ip, &st->locs[i]);
	if (r->js)
		jsnames__resolve(r->js, st);
}

static int unwind_mem(void *ctx, __u32 pid, const struct ls_mem_event *e, size_t ustack_len,
		      struct ls_stack *out)
{
	struct record *r = ctx;

	return unwinder__unwind(r->unwinder, pid, e, ustack_len, out);
}

static void mark_exited(struct record *r, __u32 pid)
{
	for (int i = 0; i < r->o.npids; i++)
		if (r->o.pids[i] == pid)
			r->exited[i] = true;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct ls_event_header *h = data;
	struct record *r = ctx;
	struct proc_state *p;

	tracker__on_event(r->tracker, data, size);
	if (size < sizeof(*h))
		return 0;
	switch (h->type) {
	case LS_EV_EXEC:
		p = tracker__proc(r->tracker, h->pid, true);
		if (!p)
			break;
		read_identity(p);
		symbolizer__forget_pid(r->sym, h->pid);
		unwinder__forget_pid(r->unwinder, h->pid);
		if (r->js)
			jsnames__forget_pid(r->js, h->pid);
		attach_node(r, p);
		/* the BPF side stopped it before its first instruction: attached, let it run */
		if (((const struct ls_exec_event *)data)->stopped)
			kill(h->pid, SIGCONT);
		if (r->child && h->pid == (__u32)r->child)
			announce(r);
		break;
	case LS_EV_FORK: {
		const struct ls_proc_event *e = data;

		p = tracker__proc(r->tracker, e->child_pid, false);
		if (p)
			snprintf(p->probe_fds, sizeof(p->probe_fds), "attached (followed fork)");
		break;
	}
	case LS_EV_GC:
		/* a mark-compact moves old objects, where SharedFunctionInfos live (V8 allocates
		 * them old: Factory::NewSharedFunctionInfo); scavenges move only young ones */
		if (r->js && size >= sizeof(struct ls_gc_event) &&
		    ((const struct ls_gc_event *)data)->collector == LS_GC_MARK_COMPACTOR) {
			jsnames__forget_objects(r->js, h->pid);
			stack_table__expire_fn_keys(tracker__stacks(r->tracker), h->pid);
		}
		break;
	case LS_EV_EXIT:
		if (r->js)
			jsnames__forget_pid(r->js, h->pid);
		probes__detach_node(r->probes, h->pid);
		unwinder__forget_pid(r->unwinder, h->pid);
		mark_exited(r, h->pid);
		break;
	}
	return 0;
}

static bool targets_gone(struct record *r)
{
	if (r->child)
		return r->child_reaped;
	for (int i = 0; i < r->o.npids; i++) {
		/* the exit event normally says so; a process that ended before we attached
		 * never sends one */
		if (!r->exited[i] && kill(r->o.pids[i], 0) == 0)
			return false;
		r->exited[i] = true;
	}
	return true;
}

/*
 * What of a process's memory map the mem family must know before it attaches: where the brk
 * heap ends (the end of [heap]), so that its growth from here is counted (else the first brk
 * event sets it), and its anonymous PROT_NONE reservations, which mprotect may commit later
 * (glibc's thread arenas, V8's code range).
 */
static void read_memory_map(struct record *r, struct proc_state *p)
{
	const struct procmap_entry *e;
	struct procmaps *maps;
	size_t n;

	if (procmaps__load_pid(p->pid, &maps))
		return;
	e = procmaps__entries(maps, &n);
	for (size_t i = 0; i < n; i++) {
		if (e[i].path && !strcmp(e[i].path, "[heap]"))
			p->brk_top = e[i].end;
		else if (e[i].no_access && !e[i].shared && procmap_entry__is_anon(&e[i]))
			tracker__add_reservation(r->tracker, p->pid, e[i].start, e[i].end);
	}
	procmaps__free(maps);
}

static int attach_pids(struct record *r)
{
	for (int i = 0; i < r->o.npids; i++) {
		__u32 pid = r->o.pids[i];
		struct proc_state *p;
		int err;

		if (kill(pid, 0) && errno == ESRCH) {
			p_err("no process with PID %u", pid);
			return EXIT_NO_TARGET;
		}
		p = tracker__proc(r->tracker, pid, true);
		if (!p)
			return EXIT_FAILURE_OTHER;
		read_identity(p);
		p->preexisting_fds = count_open_fds(pid);
		read_memory_map(r, p);
		err = probes__add_target(r->probes, pid, LS_TARGET_TRACED);
		if (err) {
			p_err("cannot trace PID %u: %s", pid, strerror(-err));
			return EXIT_FAILURE_OTHER;
		}
		snprintf(p->probe_fds, sizeof(p->probe_fds), "attached");
		attach_node(r, p);
	}
	announce(r);
	return EXIT_OK;
}

/*
 * Start the command stopped at a pipe, register it as a target, then let it exec: the BPF side
 * sees the exec, stops the new image and we attach the uprobes before it runs (on_event).
 */
static int launch_command(struct record *r)
{
	int go[2], failed[2], child_errno = 0;
	struct proc_state *p;
	ssize_t n;
	char c = 1;
	int err;

	if (pipe2(go, O_CLOEXEC) || pipe2(failed, O_CLOEXEC)) {
		p_err("cannot start the command: %s", strerror(errno));
		return EXIT_FAILURE_OTHER;
	}
	r->child = fork();
	if (r->child < 0) {
		p_err("cannot start the command: %s", strerror(errno));
		return EXIT_FAILURE_OTHER;
	}
	if (r->child == 0) {
		close(go[1]);
		close(failed[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(r->o.command[0], r->o.command);
		child_errno = errno;
		n = write(failed[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(go[0]);
	close(failed[1]);
	p = tracker__proc(r->tracker, r->child, true);
	if (p)
		snprintf(p->probe_fds, sizeof(p->probe_fds), "attached");
	err = probes__add_target(r->probes, r->child,
				 LS_TARGET_TRACED | LS_TARGET_FOLLOW | LS_TARGET_STOP_ON_EXEC);
	if (err || write(go[1], &c, 1) != 1) {
		p_err("cannot trace the command: %s", strerror(err ? -err : errno));
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		return EXIT_FAILURE_OTHER;
	}
	close(go[1]);
	/* EOF: exec succeeded (the pipe was close-on-exec); an errno: it did not */
	n = read(failed[0], &child_errno, sizeof(child_errno));
	close(failed[0]);
	if (n == sizeof(child_errno)) {
		waitpid(r->child, NULL, 0);
		r->child = 0;
		p_err("cannot run '%s': %s", r->o.command[0],
		      child_errno == ENOENT ? "command not found" : strerror(child_errno));
		return EXIT_NO_TARGET;
	}
	return EXIT_OK;
}

static void reap_child(struct record *r)
{
	if (r->child && !r->child_reaped && waitpid(r->child, &r->child_status, WNOHANG) == r->child)
		r->child_reaped = true;
}

/* RSS of each live traced process from /proc/PID/statm (resident and shared pages): at
 * least once a second, so a report shows the memory curve beside the heap's, also for a
 * process that does not collect (each collection's end carries the RSS as BPF read it). */
static void sample_memory(struct record *r)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 now = now_ns();

	for (size_t i = 0; i < tracker__proc_count(r->tracker); i++) {
		struct proc_state *p = tracker__proc_at(r->tracker, i);
		unsigned long size, resident, shared;
		char path[64];
		FILE *f;

		if (p->exited)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/statm", p->pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lu %lu %lu", &size, &resident, &shared) == 3 && resident >= shared)
			tracker__add_rss(r->tracker, p->pid, now, (resident - shared) * page,
					 shared * page);
		fclose(f);
	}
}

static int run_loop(struct record *r)
{
	__u64 next_sample = 0;

	__u64 deadline = r->o.duration_s ? r->start_ns + (__u64)(r->o.duration_s * 1e9) : 0;

	while (!exiting) {
		int n = probes__poll(r->probes, 100);

		if (n < 0) {
			p_err("reading events failed: %s", strerror(-n));
			return EXIT_FAILURE_OTHER;
		}
		reap_child(r);
		if (now_ns() >= next_sample) {
			sample_memory(r);
			next_sample = now_ns() + 1000000000ULL;
		}
		if (deadline && now_ns() >= deadline)
			break;
		if (targets_gone(r))
			break;
	}
	/* what the kernel had already sent */
	while (probes__poll(r->probes, 0) > 0)
		;
	return EXIT_OK;
}

static void stop_child(struct record *r)
{
	if (!r->child || r->child_reaped)
		return;
	/* we started it: it ends with the recording, as with perf record */
	kill(r->child, SIGTERM);
	for (int i = 0; i < 50 && !r->child_reaped; i++) {
		usleep(20000);
		reap_child(r);
	}
	if (!r->child_reaped) {
		kill(r->child, SIGKILL);
		waitpid(r->child, &r->child_status, 0);
		r->child_reaped = true;
	}
}

static int write_report(struct record *r, __u64 end_ns)
{
	struct report_opts o = {
		.start_ns = r->start_ns,
		.end_ns = end_ns,
		.min_age_ns = (__u64)(r->o.min_age_s * 1e9),
		.duration_s = (end_ns - r->start_ns) / 1e9,
	};
	struct report rep;
	int err;

	probes__counters(r->probes, o.counters, LS_CNT_MAX);
	o.js = r->js ? jsnames__stats(r->js) : NULL;
	err = report__build(&rep, r->tracker, r->sym, &o);
	if (err) {
		report__free(&rep);
		p_err("cannot build the report: %s", strerror(-err));
		return EXIT_FAILURE_OTHER;
	}
	err = r->o.format == FORMAT_JSON ? output__json(r->out, &rep) : output__text(r->out, &rep);
	if (rep.lost_events)
		p_info("%llu events were lost (ring buffer full): try --buffer-mb",
		       (unsigned long long)rep.lost_events);
	report__free(&rep);
	if (err) {
		p_err("cannot write the report to %s: %s", r->o.output ? r->o.output : "stdout",
		      strerror(-err));
		return EXIT_OUTPUT;
	}
	return EXIT_OK;
}

int do_record(int argc, char **argv)
{
	struct record r = { .out = stdout };
	struct sigaction sa = { .sa_handler = on_signal };
	struct probes_opts po = {};
	const char *why = NULL;
	int ret, err;

	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	err = record_opts__parse(&r.o, argc, argv);
	if (err)
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	if (!has_tracing_privileges()) {
		p_err("tracing needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE): "
		      "run it with sudo");
		return EXIT_NO_PRIVILEGE;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		p_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): leakscope needs a kernel "
		      "built with CONFIG_DEBUG_INFO_BTF=y");
		return EXIT_FAILURE_OTHER;
	}
	for (int i = 0; i < r.o.npids; i++) {
		if (kill(r.o.pids[i], 0) && errno == ESRCH) {
			p_err("no process with PID %u", r.o.pids[i]);
			return EXIT_NO_TARGET;
		}
	}
	if (r.o.output) {
		r.out = fopen(r.o.output, "w");
		if (!r.out) {
			p_err("cannot write %s: %s", r.o.output, strerror(errno));
			return EXIT_OUTPUT;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = EXIT_FAILURE_OTHER;
	r.tracker = tracker__new(on_new_stack, &r);
	r.sym = symbolizer__new();
	r.unwinder = unwinder__new();
	if (!r.tracker || !r.sym || !r.unwinder) {
		p_err("out of memory");
		goto out;
	}
	tracker__set_unwinder(r.tracker, unwind_mem, &r);
	po.trace_mem = !!(r.o.probes & PROBE_MEM);
	r.js = r.sym && !r.o.no_heap_names ? jsnames__new(r.sym) : NULL;
	if (!r.tracker || !r.sym || (!r.js && !r.o.no_heap_names)) {
		p_err("out of memory");
		goto out;
	}
	if (r.js)
		stack_table__set_key_fn(tracker__stacks(r.tracker), jsnames__function_key, r.js);
	po.ringbuf_bytes = r.o.buffer_mb << 20;
	po.on_event = on_event;
	po.ctx = &r;
	err = probes__open(&po, &r.probes, &why);
	if (err) {
		p_err("%s: %s (leakscope check tells what is missing)", why, strerror(-err));
		ret = err == -EPERM ? EXIT_NO_PRIVILEGE : EXIT_FAILURE_OTHER;
		goto out;
	}
	r.start_ns = now_ns();
	ret = r.o.command ? launch_command(&r) : attach_pids(&r);
	if (ret)
		goto out;
	ret = run_loop(&r);
	if (ret)
		goto out;
	ret = write_report(&r, now_ns());
out:
	stop_child(&r);
	probes__close(r.probes);
	jsnames__free(r.js);
	symbolizer__free(r.sym);
	tracker__free(r.tracker);
	unwinder__free(r.unwinder);
	if (r.out && r.out != stdout && fclose(r.out) && ret == EXIT_OK) {
		p_err("cannot write %s: %s", r.o.output, strerror(errno));
		ret = EXIT_OUTPUT;
	}
	return ret;
}
