/* Record layout shared by the BPF programs (forkwatch.bpf.c) and the Java decoder
 * (dev.forkwatch.live.RecordLayout). RecordLayoutSyncTest parses this file and fails when the two disagree:
 * change both together. Only fixed-size fields (__u32, __s32, __u64, char[N]) with natural alignment.
 *
 * Records are variable-length: the fixed struct, then its variable parts in the order of their *_len fields,
 * each exactly that many bytes. hdr.size = sizeof(struct) + the *_len fields; the decoder checks it against
 * the ring's own length and every *_len against its cap, it does not trust them.
 *
 * Variable parts:
 * - a string: bytes up to and including one NUL (len 0: not read).
 * - a path (exe, cgroups): the components leaf first, each followed by '/', then a NUL. "dash/bin/usr/" is
 *   /usr/bin/dash; "" is "/". A walk cut short by FW_PATH_DEPTH or a length cap ends with the component
 *   "..." ("true/.../" is /.../true).
 * - args: the argument vector as the kernel keeps it, each argument NUL-terminated, at most FW_ARGS_LEN bytes
 *   (FW_F_ARGS_TRUNCATED when cut; the last argument may then lack its NUL).
 * - ancestors: comms, each NUL-terminated, nearest first.
 * - cgroups: paths, each NUL-terminated: the v2 (default hierarchy) one first, then the distinct non-root
 *   v1 ones. */
#ifndef FORKWATCH_H
#define FORKWATCH_H

#define FW_COMM_LEN 16
#define FW_FILENAME_LEN 256

/* Caps on the variable parts, in bytes unless said. */
#define FW_ARGS_LEN 4096
#define FW_PATH_LEN 1024
#define FW_PATH_DEPTH 32
#define FW_NAME_LEN 256
#define FW_ANCESTORS 4
#define FW_CGROUP_PATHS 4
#define FW_CGROUP_LEN 512
#define FW_CGROUP_DEPTH 12
/* No record is larger; records are built in a per-CPU scratch buffer of twice that. */
#define FW_RECORD_MAX 8192

/* Record types: the first field of every record. */
#define FW_REC_VFORK 1
#define FW_REC_VFORK_RETURN 2
#define FW_REC_EXEC 3
#define FW_REC_EXIT 4

/* How the vfork-semantics child was created (fw_vfork.via). */
#define FW_VIA_VFORK 0
#define FW_VIA_CLONE 1
#define FW_VIA_CLONE3 2

/* fw_vfork.flags and fw_exec.flags */
#define FW_F_ARGS_TRUNCATED 1
#define FW_F_EXE_FROM_MEMFD 2
#define FW_F_EXE_DELETED 4

/* Children that exec'd and are still followed (an LRU map); execs reported per child (exec_index 1..). */
#define FW_FOLLOW_MAX 16384
#define FW_EXEC_MAX 16

/* The "settings" ARRAY, by index, written by user space. RETURN_AT_SYSCALL_EXIT is 1 in kprobe mode (set
 * after the kretprobes attached): they report vfork_return, not the child's exec or exit. NO_ARGS is 1 when
 * argument vectors are not to be read (live.capture_args: false; set before attaching). */
#define FW_SET_RETURN_AT_SYSCALL_EXIT 0
#define FW_SET_NO_ARGS 1
#define FW_SET_MAX 2

/* Per-CPU counters (the "counters" PERCPU_ARRAY), by index. */
#define FW_CNT_SENT 0
#define FW_CNT_LOST 1
#define FW_CNT_OVERFLOW 2
#define FW_CNT_MAX 3

/* Every record starts with this header; ts is bpf_ktime_get_boot_ns() (CLOCK_BOOTTIME). */
struct fw_hdr {
	__u32 type;
	__u32 size;
	__u64 ts;
};

/* Then: exe (path), args, ancestors, cgroups. */
struct fw_vfork {
	struct fw_hdr hdr;
	__u32 pid;   /* child tgid */
	__u32 ppid;  /* parent tgid */
	__u32 uid;   /* parent real uid */
	__u32 via;   /* FW_VIA_* */
	char comm[FW_COMM_LEN]; /* parent comm */
	__s32 login_uid; /* parent's audit login uid; -1 unset */
	__u32 flags;     /* FW_F_ARGS_TRUNCATED for the parent's args */
	__u32 exe_len;   /* the parent's executable */
	__u32 args_len;  /* the parent's argument vector */
	__u32 ancestors_len;
	__u32 cgroups_len; /* the child's cgroups */
};

struct fw_vfork_return {
	struct fw_hdr hdr;
	__u32 pid;       /* parent tgid */
	__u32 child_pid; /* child tgid */
	__u64 blocked_ns;
};

/* Then: filename (string, as passed to execve), exe (path), args. */
struct fw_exec {
	struct fw_hdr hdr;
	__u32 pid;
	__u32 exec_index; /* 1 for the child's first exec after the vfork, 2 for the next ... */
	__u32 euid;       /* effective uid after the exec */
	__u32 flags;      /* FW_F_* */
	char comm[FW_COMM_LEN]; /* new comm */
	__u32 filename_len;
	__u32 exe_len;
	__u32 args_len;
};

struct fw_exit {
	struct fw_hdr hdr;
	__u32 pid;
	__s32 exit_code; /* raw task->exit_code: status << 8 | signal */
};

#endif
