// SPDX-License-Identifier: GPL-2.0
/* forkwatch kernel half: reports every child created with vfork semantics (vfork(), clone/clone3 with
 * CLONE_VFORK), its parent's return, and the child's exec or exit. Record layout: forkwatch.h.
 *
 * Why this shape: in kernel_clone() sched_process_fork fires before p->vfork_done is set, so the child
 * cannot be recognised there. Instead the parent's syscall entry (sys_enter, or a kprobe on the syscall in
 * kprobe mode) marks the thread "pending"; sched_process_fork turns a pending parent's child into a tracked
 * child; the parent's syscall exit closes the vfork (vfork_return); exec/exit are reported only for tracked
 * children, filtered here so untracked processes cost one hash lookup. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "forkwatch.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_VFORK 0x00004000ULL
/* x86_64 syscall numbers */
#define NR_CLONE 56
#define NR_VFORK 58
#define NR_CLONE3 435

struct pending {
	__u64 start_ns;
	__u32 via;
	__u32 child_pid; /* 0 until sched_process_fork saw the child */
};

/* Parent threads inside a vfork-semantics syscall, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

/* Children created with vfork semantics that have not exec'd or exited yet, by tid; value: parent tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} tracked SEC(".maps");

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

static __always_inline void mark_pending(__u32 via)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = { .start_ns = bpf_ktime_get_boot_ns(), .via = via, .child_pid = 0 };
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY))
		count(FW_CNT_OVERFLOW);
}

/* Shared by sys_enter and the kprobes: is this syscall (nr, first argument) a vfork-semantics one? */
static __always_inline void on_syscall_enter(long nr, unsigned long arg0)
{
	if (nr == NR_VFORK) {
		mark_pending(FW_VIA_VFORK);
	} else if (nr == NR_CLONE) {
		if (arg0 & CLONE_VFORK)
			mark_pending(FW_VIA_CLONE);
	} else if (nr == NR_CLONE3) {
		/* clone3's flags live in the user's struct clone_args. */
		__u64 flags = 0;
		if (bpf_probe_read_user(&flags, sizeof(flags), (void *)arg0) == 0 && (flags & CLONE_VFORK))
			mark_pending(FW_VIA_CLONE3);
	}
}

static __always_inline void on_syscall_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return;
	if (p->child_pid) {
		struct fw_vfork_return *r = reserve(FW_REC_VFORK_RETURN, sizeof(*r));
		if (r) {
			r->pid = id >> 32;
			r->child_pid = p->child_pid;
			r->blocked_ns = r->hdr.ts - p->start_ns;
			submit(r);
		}
	}
	bpf_map_delete_elem(&pending, &tid);
}

/* ---- tracepoint mode: raw syscall tracepoints (no tracefs needed) ---- */

SEC("tp_btf/sys_enter")
int BPF_PROG(fw_sys_enter, struct pt_regs *regs, long id)
{
	if (id != NR_VFORK && id != NR_CLONE && id != NR_CLONE3)
		return 0;
	on_syscall_enter(id, BPF_CORE_READ(regs, di));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(fw_sys_exit, struct pt_regs *regs, long ret)
{
	/* Runs for every syscall on the host: a direct (BTF-checked, CO-RE relocated) load, no helper call. */
	long id = regs->orig_ax;
	if (id != NR_VFORK && id != NR_CLONE && id != NR_CLONE3)
		return 0;
	on_syscall_exit();
	return 0;
}

/* ---- kprobe mode: only the three syscalls are hooked, other syscalls pay nothing ---- */

/* x86_64 syscall wrappers take the user's pt_regs as their only argument. */
static __always_inline unsigned long user_arg0(struct pt_regs *ctx)
{
	struct pt_regs *uregs = (struct pt_regs *)ctx->di; /* first argument register */
	return BPF_CORE_READ(uregs, di);
}

SEC("kprobe/__x64_sys_vfork")
int fw_kp_vfork(struct pt_regs *ctx)
{
	on_syscall_enter(NR_VFORK, 0);
	return 0;
}

SEC("kprobe/__x64_sys_clone")
int fw_kp_clone(struct pt_regs *ctx)
{
	on_syscall_enter(NR_CLONE, user_arg0(ctx));
	return 0;
}

SEC("kprobe/__x64_sys_clone3")
int fw_kp_clone3(struct pt_regs *ctx)
{
	on_syscall_enter(NR_CLONE3, user_arg0(ctx));
	return 0;
}

SEC("kretprobe/__x64_sys_vfork")
int fw_krp_vfork(struct pt_regs *ctx)
{
	on_syscall_exit();
	return 0;
}

SEC("kretprobe/__x64_sys_clone")
int fw_krp_clone(struct pt_regs *ctx)
{
	on_syscall_exit();
	return 0;
}

SEC("kretprobe/__x64_sys_clone3")
int fw_krp_clone3(struct pt_regs *ctx)
{
	on_syscall_exit();
	return 0;
}

/* ---- both modes ---- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fw_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptid = BPF_CORE_READ(parent, pid);
	struct pending *p = bpf_map_lookup_elem(&pending, &ptid);
	if (!p)
		return 0;
	__u32 ctid = BPF_CORE_READ(child, pid);
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	p->child_pid = BPF_CORE_READ(child, tgid);
	if (bpf_map_update_elem(&tracked, &ctid, &ptgid, BPF_ANY))
		count(FW_CNT_OVERFLOW); /* the child's exec/exit will be missed */
	struct fw_vfork *r = reserve(FW_REC_VFORK, sizeof(*r));
	if (!r)
		return 0;
	r->pid = p->child_pid;
	r->ppid = ptgid;
	r->uid = BPF_CORE_READ(parent, real_cred, uid.val);
	r->via = p->via;
	BPF_CORE_READ_STR_INTO(&r->comm, parent, comm);
	submit(r);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(fw_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 key = old_pid;
	if (!bpf_map_lookup_elem(&tracked, &key))
		return 0;
	/* The vfork relationship ends at exec (the parent is released): stop following the child. */
	bpf_map_delete_elem(&tracked, &key);
	struct fw_exec *r = reserve(FW_REC_EXEC, sizeof(*r));
	if (!r)
		return 0;
	r->pid = BPF_CORE_READ(task, tgid);
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
	__u32 tid = BPF_CORE_READ(task, pid);
	/* A parent thread that dies inside vfork never reaches its syscall exit. */
	bpf_map_delete_elem(&pending, &tid);
	if (!bpf_map_lookup_elem(&tracked, &tid))
		return 0;
	bpf_map_delete_elem(&tracked, &tid);
	struct fw_exit *r = reserve(FW_REC_EXIT, sizeof(*r));
	if (!r)
		return 0;
	r->pid = BPF_CORE_READ(task, tgid);
	r->exit_code = BPF_CORE_READ(task, exit_code);
	submit(r);
	return 0;
}
