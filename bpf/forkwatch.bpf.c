// SPDX-License-Identifier: GPL-2.0
/* forkwatch kernel half: reports every child created with vfork semantics (vfork(), clone/clone3 with
 * CLONE_VFORK), its parent's return, every exec of the child and, if it never exec'd, its exit.
 * Record layout: forkwatch.h.
 *
 * Why this shape: tp_btf/task_newtask receives the new task and the kernel's own copy of the clone flags, so
 * CLONE_VFORK there marks a vfork child whatever syscall made it, and no user memory (which another thread
 * could rewrite) is read. No syscall is hooked in tracepoint mode: the parent's return is derived when the
 * kernel releases it, i.e. when the child execs or exits (the kernel completes the vfork there). In kprobe
 * mode kretprobes on the three syscalls report the exact return instead. Exec and exit cost other processes
 * one hash lookup (plus one array lookup at exit). */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "forkwatch.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_VFORK 0x00004000ULL
#define PF_KTHREAD 0x00200000
/* x86_64 syscall numbers */
#define NR_CLONE 56
#define NR_VFORK 58
#define NR_CLONE3 435

/* A vfork child that has not exec'd or exited yet. */
struct child {
	__u64 start_ns;
	__u32 ppid;           /* parent tgid */
	__u32 return_at_exit; /* kprobe mode: the parent's syscall return reports vfork_return, not the child */
};

/* Vfork children before their first exec, by tid: never crowded out by children that already exec'd. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct child);
} children SEC(".maps");

/* Children that exec'd, by tid; value: execs so far. Least recently used ones give way when it is full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_FOLLOW_MAX);
	__type(key, __u32);
	__type(value, __u32);
} followed SEC(".maps");

/* One bit per pid: "in followed". A set bit without a followed entry means the LRU pushed the child out,
 * which is counted (overflow) when that child next execs or exits. 2^22 pids (PID_MAX_LIMIT). */
#define PID_WORDS (1 << 16)
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PID_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} followed_bits SEC(".maps");

/* kprobe mode: parent threads blocked in a vfork, by tid. */
struct pending {
	__u64 start_ns;
	__u32 child_pid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

/* Written by user space after attaching: FW_SET_* by index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_SET_MAX);
	__type(key, __u32);
	__type(value, __u32);
} settings SEC(".maps");

/* Size set from live.ring_size_bytes before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline __u32 setting(__u32 idx)
{
	__u32 *v = bpf_map_lookup_elem(&settings, &idx);
	return v ? *v : 0;
}

/* Reserves a record and fills the header; counts a loss when the ring is full. */
static __always_inline void *reserve(__u32 type, __u32 size)
{
	struct fw_hdr *h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		count(FW_CNT_LOST);
		return 0;
	}
	h->type = type;
	h->size = size;
	h->ts = bpf_ktime_get_boot_ns();
	return h;
}

/* No wake-up per record: user space drains on a timer (live.drain_interval). */
static __always_inline void submit(void *rec)
{
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	count(FW_CNT_SENT);
}

static __always_inline void vfork_return(__u32 ppid, __u32 child_pid, __u64 start_ns)
{
	struct fw_vfork_return *r = reserve(FW_REC_VFORK_RETURN, sizeof(*r));
	if (!r)
		return;
	r->pid = ppid;
	r->child_pid = child_pid;
	r->blocked_ns = r->hdr.ts - start_ns;
	submit(r);
}

static __always_inline __u64 *bit_word(__u32 pid, __u64 *mask)
{
	__u32 w = (pid >> 6) & (PID_WORDS - 1);
	*mask = 1ULL << (pid & 63);
	return bpf_map_lookup_elem(&followed_bits, &w);
}

static __always_inline void set_followed_bit(__u32 pid)
{
	__u64 mask;
	__u64 *w = bit_word(pid, &mask);
	if (w)
		__sync_fetch_and_or(w, mask);
}

/* Clears the pid's bit; true if it was set. */
static __always_inline bool clear_followed_bit(__u32 pid)
{
	__u64 mask;
	__u64 *w = bit_word(pid, &mask);
	if (!w || !(*w & mask))
		return false;
	__sync_fetch_and_and(w, ~mask);
	return true;
}

/* Starts or continues following a child that just exec'd. */
static __always_inline void follow(__u32 tid, __u32 execs)
{
	bpf_map_update_elem(&followed, &tid, &execs, BPF_ANY);
	set_followed_bit(tid);
}

/* Forgets a followed child; counts it when the LRU had already pushed it out. */
static __always_inline void unfollow(__u32 tid)
{
	if (clear_followed_bit(tid) && bpf_map_delete_elem(&followed, &tid) != 0)
		count(FW_CNT_OVERFLOW); /* the LRU dropped it: execs in between would have been missed */
}

SEC("tp_btf/task_newtask")
int BPF_PROG(fw_newtask, struct task_struct *child, __u64 clone_flags)
{
	if (!(clone_flags & CLONE_VFORK))
		return 0;
	struct task_struct *parent = bpf_get_current_task_btf();
	/* The kernel's own user-mode helpers (kworkers) use CLONE_VFORK too: not a program's vfork. */
	if (parent->flags & PF_KTHREAD)
		return 0;
	/* The syscall that is running: the parent's saved syscall number. */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(parent);
	long nr = regs ? BPF_CORE_READ(regs, orig_ax) : -1;
	__u32 via = nr == NR_VFORK ? FW_VIA_VFORK : nr == NR_CLONE3 ? FW_VIA_CLONE3 : FW_VIA_CLONE;

	__u32 ctid = child->pid;
	__u32 ptid = parent->pid;
	struct child c = { .start_ns = bpf_ktime_get_boot_ns(), .ppid = parent->tgid,
			   .return_at_exit = setting(FW_SET_RETURN_AT_SYSCALL_EXIT) };
	if (bpf_map_update_elem(&children, &ctid, &c, BPF_ANY))
		count(FW_CNT_OVERFLOW); /* the child's exec/exit will be missed */
	if (c.return_at_exit) {
		struct pending p = { .start_ns = c.start_ns, .child_pid = child->tgid };
		if (bpf_map_update_elem(&pending, &ptid, &p, BPF_ANY))
			count(FW_CNT_OVERFLOW);
	}
	struct fw_vfork *r = reserve(FW_REC_VFORK, sizeof(*r));
	if (!r)
		return 0;
	r->pid = child->tgid;
	r->ppid = c.ppid;
	r->uid = BPF_CORE_READ(parent, real_cred, uid.val);
	r->via = via;
	BPF_CORE_READ_STR_INTO(&r->comm, parent, comm);
	submit(r);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(fw_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 key = old_pid;
	__u32 tid = task->pid; /* differs from old_pid when a non-leader thread exec'd */
	__u32 index;
	struct child *c = bpf_map_lookup_elem(&children, &key);
	if (c) {
		/* The first exec: the kernel has just released the parent. */
		if (!c->return_at_exit)
			vfork_return(c->ppid, task->tgid, c->start_ns);
		bpf_map_delete_elem(&children, &key);
		index = 1;
	} else {
		__u32 *n = bpf_map_lookup_elem(&followed, &key);
		if (!n) {
			if (clear_followed_bit(key))
				count(FW_CNT_OVERFLOW); /* pushed out of the LRU: this exec is missed */
			return 0;
		}
		index = *n + 1;
		if (key != tid)
			unfollow(key);
	}
	if (index >= FW_EXEC_MAX)
		unfollow(tid); /* the last exec reported for this child */
	else
		follow(tid, index);
	struct fw_exec *r = reserve(FW_REC_EXEC, sizeof(*r));
	if (!r)
		return 0;
	r->pid = task->tgid;
	r->exec_index = index;
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	const char *fn = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), fn);
	r->filename_len = n > 0 ? n : 0;
	submit(r);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(fw_exit, struct task_struct *task)
{
	__u32 tid = task->pid;
	struct child *c = bpf_map_lookup_elem(&children, &tid);
	if (!c) {
		/* A child that exec'd: its exit is not reported, it only stops being followed. */
		unfollow(tid);
		if (setting(FW_SET_RETURN_AT_SYSCALL_EXIT))
			bpf_map_delete_elem(&pending, &tid); /* a parent killed while blocked */
		return 0;
	}
	if (!c->return_at_exit)
		vfork_return(c->ppid, task->tgid, c->start_ns);
	bpf_map_delete_elem(&children, &tid);
	struct fw_exit *r = reserve(FW_REC_EXIT, sizeof(*r));
	if (!r)
		return 0;
	r->pid = task->tgid;
	r->exit_code = task->exit_code;
	submit(r);
	return 0;
}

/* ---- kprobe mode: the parent's syscall return is the exact end of the vfork ---- */

static __always_inline void on_syscall_return(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return;
	vfork_return(id >> 32, p->child_pid, p->start_ns);
	bpf_map_delete_elem(&pending, &tid);
}

SEC("kretprobe/__x64_sys_vfork")
int fw_krp_vfork(struct pt_regs *ctx)
{
	on_syscall_return();
	return 0;
}

SEC("kretprobe/__x64_sys_clone")
int fw_krp_clone(struct pt_regs *ctx)
{
	on_syscall_return();
	return 0;
}

SEC("kretprobe/__x64_sys_clone3")
int fw_krp_clone3(struct pt_regs *ctx)
{
	on_syscall_return();
	return 0;
}
