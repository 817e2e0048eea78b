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

/* Variable-length records are built here, then copied into the ring (a reserve needs a constant size). */
#define SCRATCH (2 * FW_RECORD_MAX)
struct scratch {
	char b[SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Offsets and lengths stay below FW_RECORD_MAX by the caps; the mask only proves it to the verifier, so
 * that any offset plus any length stays inside the scratch buffer of twice that. */
#define M(x) ((x) & (FW_RECORD_MAX - 1))

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


/* ---- variable parts (layouts in forkwatch.h) ---- */

/* Appends one path component and its '/'; 0 when unreadable or when it would pass cap (leaving room for
 * ".../" and the NUL). */
static __always_inline __u32 put_name(char *b, __u32 off, __u32 used, __u32 cap, const void *name)
{
	long n = bpf_probe_read_kernel_str(b + M(off), FW_NAME_LEN, name);
	if (n <= 1 || used + n + 5 > cap)
		return 0;
	b[M(off + n - 1)] = '/';
	return n;
}

/* Ends a path: ".../" when the walk was cut short, then the NUL. Returns the new offset. */
static __always_inline __u32 end_path(char *b, __u32 off, bool complete)
{
	if (!complete) {
		b[M(off)] = '.';
		b[M(off + 1)] = '.';
		b[M(off + 2)] = '.';
		b[M(off + 3)] = '/';
		off += 4;
	}
	b[M(off)] = 0;
	return off + 1;
}

#define PATH_MEMFD (1U << 31)

/* The file's path, by a bounded dentry walk that crosses mount points up to the root of its mount
 * namespace (bpf_d_path is not allowed in tp_btf). A memfd's dentry is its own parent on an internal mount:
 * the walk ends there, and PATH_MEMFD is or'ed into the result when its name starts with "memfd:". Returns
 * the bytes written. A global function, so the verifier checks the walk once, not at every call site;
 * offsets and lengths are kept masked so that the loop's states converge. */
__noinline __u32 fw_put_path(struct scratch *s, __u32 off, __u64 file)
{
	struct file *f = (struct file *)file;
	if (!s || !f)
		return 0;
	char *b = s->b;
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	if (!d || !vm)
		return 0;
	struct mount *m = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	struct dentry *root = BPF_CORE_READ(vm, mnt_root);
	__u32 start = M(off), used = 0, memfd = 0;
	off = start;
	bool complete = false;
	for (int i = 0; i < FW_PATH_DEPTH; i++) {
		if (d == root) {
			struct mount *pm = BPF_CORE_READ(m, mnt_parent);
			if (pm == m || !pm) {
				complete = true;
				break;
			}
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = pm;
			root = BPF_CORE_READ(m, mnt.mnt_root);
			continue;
		}
		struct dentry *p = BPF_CORE_READ(d, d_parent);
		__u32 n = put_name(b, off, used, FW_PATH_LEN, BPF_CORE_READ(d, d_name.name));
		if (!n)
			break;
		if (p == d) {
			char c[6];
			bpf_probe_read_kernel(c, sizeof(c), b + M(off));
			if (n > 6 && c[0] == 'm' && c[1] == 'e' && c[2] == 'm' && c[3] == 'f' && c[4] == 'd' && c[5] == ':')
				memfd = PATH_MEMFD;
			complete = true;
			off = M(off + n);
			break;
		}
		off = M(off + n);
		used = M(used + n);
		d = p;
	}
	return M(end_path(b, off, complete) - start) | memfd;
}

/* The argument vector from the mm's arg_start..arg_end (the current task's memory). */
static __always_inline __u32 put_args(char *b, __u32 off, struct mm_struct *mm, __u32 *flags)
{
	unsigned long s = BPF_CORE_READ(mm, arg_start), e = BPF_CORE_READ(mm, arg_end);
	if (!mm || !s || e <= s)
		return 0;
	unsigned long len = e - s;
	if (len > FW_ARGS_LEN) {
		len = FW_ARGS_LEN;
		*flags |= FW_F_ARGS_TRUNCATED;
	}
	len = M(len);
	if (bpf_probe_read_user(b + M(off), len, (void *)s))
		return 0;
	return len;
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(((struct kernfs_node___new *)0)->__parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* A cgroup's path, leaf first, up to FW_CGROUP_DEPTH names. Global, like fw_put_path. */
__noinline __u32 fw_put_cgroup(struct scratch *s, __u32 off, __u64 node)
{
	struct kernfs_node *kn = (struct kernfs_node *)node;
	if (!s || !kn)
		return 0;
	char *b = s->b;
	__u32 start = M(off), used = 0;
	off = start;
	bool complete = false;
	for (int i = 0; i < FW_CGROUP_DEPTH; i++) {
		struct kernfs_node *p = kn_parent(kn);
		if (!p) {
			complete = true; /* kn is the hierarchy's root: it has no name of its own */
			break;
		}
		__u32 n = put_name(b, off, used, FW_CGROUP_LEN, BPF_CORE_READ(kn, name));
		if (!n)
			break;
		off = M(off + n);
		used = M(used + n);
		kn = p;
	}
	return M(end_path(b, off, complete) - start);
}

/* The v2 cgroup, then up to FW_CGROUP_PATHS - 1 distinct non-root v1 cgroups (by controller). */
static __always_inline __u32 put_cgroups(struct scratch *s, __u32 off, struct task_struct *t)
{
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	if (!cs)
		return 0;
	__u32 start = off;
	off += fw_put_cgroup(s, off, (__u64)BPF_CORE_READ(cs, dfl_cgrp, kn));
	void *subsys = (void *)cs + bpf_core_field_offset(cs->subsys);
	__u32 nsub = bpf_core_field_size(cs->subsys) / sizeof(void *);
	struct kernfs_node *seen1 = 0, *seen2 = 0;
	__u32 found = 0;
	for (__u32 i = 0; i < 16 && i < nsub && found < FW_CGROUP_PATHS - 1; i++) {
		struct cgroup_subsys_state *css = 0;
		bpf_probe_read_kernel(&css, sizeof(css), subsys + i * sizeof(void *));
		if (!css)
			continue;
		struct cgroup *cg = BPF_CORE_READ(css, cgroup);
		if (BPF_CORE_READ(cg, root, hierarchy_id) == 0)
			continue; /* a controller on the v2 hierarchy */
		struct kernfs_node *kn = BPF_CORE_READ(cg, kn);
		if (!kn || !kn_parent(kn) || kn == seen1 || kn == seen2)
			continue; /* a root cgroup, or a hierarchy already written (co-mounted controllers) */
		off += fw_put_cgroup(s, off, (__u64)kn);
		if (found == 0)
			seen1 = kn;
		else
			seen2 = kn;
		found++;
	}
	return off - start;
}

/* Up to FW_ANCESTORS comms above the task, nearest first, stopping below the idle task (pid 0). */
static __always_inline __u32 put_ancestors(char *b, __u32 off, struct task_struct *t)
{
	__u32 start = off;
	t = BPF_CORE_READ(t, real_parent);
	for (int i = 0; i < FW_ANCESTORS; i++) {
		if (!t || BPF_CORE_READ(t, pid) == 0)
			break;
		long n = bpf_probe_read_kernel_str(b + M(off), FW_COMM_LEN, __builtin_preserve_access_index(&t->comm));
		if (n <= 0)
			break;
		off += n;
		t = BPF_CORE_READ(t, real_parent);
	}
	return off - start;
}

/* Copies the record built in b into the ring. */
static __always_inline void output(char *b, __u32 type, __u32 size)
{
	struct fw_hdr *h = (struct fw_hdr *)b;
	h->type = type;
	h->size = size;
	h->ts = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_output(&events, b, size & (SCRATCH - 1), BPF_RB_NO_WAKEUP)) {
		count(FW_CNT_LOST);
		return;
	}
	count(FW_CNT_SENT);
}

static __always_inline struct scratch *scratch_buf(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
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
	struct scratch *s = scratch_buf();
	if (!s)
		return 0;
	char *b = s->b;
	struct fw_vfork *r = (struct fw_vfork *)b;
	r->pid = child->tgid;
	r->ppid = c.ppid;
	r->uid = BPF_CORE_READ(parent, real_cred, uid.val);
	r->via = via;
	BPF_CORE_READ_STR_INTO(&r->comm, parent, comm);
	r->login_uid = bpf_core_field_exists(parent->loginuid) ? BPF_CORE_READ(parent, loginuid.val) : -1;
	r->flags = 0;
	/* The parent is blocked until the child execs or exits: its memory holds still while it is read. */
	struct mm_struct *mm = BPF_CORE_READ(parent, mm);
	__u32 off = sizeof(*r);
	r->exe_len = fw_put_path(s, off, (__u64)BPF_CORE_READ(mm, exe_file)) & ~PATH_MEMFD;
	off += r->exe_len;
	r->args_len = setting(FW_SET_NO_ARGS) ? 0 : put_args(b, off, mm, &r->flags);
	off += r->args_len;
	r->ancestors_len = put_ancestors(b, off, parent);
	off += r->ancestors_len;
	r->cgroups_len = put_cgroups(s, off, child);
	off += r->cgroups_len;
	output(b, FW_REC_VFORK, off);
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
	struct scratch *s = scratch_buf();
	if (!s)
		return 0;
	char *b = s->b;
	struct fw_exec *r = (struct fw_exec *)b;
	r->pid = task->tgid;
	r->exec_index = index;
	r->euid = BPF_CORE_READ(task, cred, euid.val); /* committed by the exec: setuid applied */
	r->flags = 0;
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	__u32 off = sizeof(*r);
	long n = bpf_probe_read_kernel_str(b + M(off), FW_FILENAME_LEN, BPF_CORE_READ(bprm, filename));
	r->filename_len = n > 0 ? n : 0;
	off += r->filename_len;
	struct file *f = BPF_CORE_READ(bprm, file);
	__u32 path = fw_put_path(s, off, (__u64)f);
	r->exe_len = path & ~PATH_MEMFD;
	off += r->exe_len;
	if (path & PATH_MEMFD)
		r->flags |= FW_F_EXE_FROM_MEMFD;
	if (r->exe_len && BPF_CORE_READ(f, f_inode, i_nlink) == 0)
		r->flags |= FW_F_EXE_DELETED;
	r->args_len = setting(FW_SET_NO_ARGS) ? 0 : put_args(b, off, BPF_CORE_READ(task, mm), &r->flags);
	off += r->args_len;
	output(b, FW_REC_EXEC, off);
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
