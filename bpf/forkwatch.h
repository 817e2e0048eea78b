/* Record layout shared by the BPF programs (forkwatch.bpf.c) and the Java decoder
 * (dev.forkwatch.live.RecordLayout). RecordLayoutSyncTest parses this file and fails when the two disagree:
 * change both together. Only fixed-size fields (__u32, __s32, __u64, char[N]) with natural alignment. */
#ifndef FORKWATCH_H
#define FORKWATCH_H

#define FW_COMM_LEN 16
#define FW_FILENAME_LEN 256

/* Record types: the first field of every record. */
#define FW_REC_VFORK 1
#define FW_REC_VFORK_RETURN 2
#define FW_REC_EXEC 3
#define FW_REC_EXIT 4

/* How the vfork-semantics child was created (fw_vfork.via). */
#define FW_VIA_VFORK 0
#define FW_VIA_CLONE 1
#define FW_VIA_CLONE3 2

/* Children that exec'd and are still followed (an LRU map); execs reported per child (exec_index 1..). */
#define FW_FOLLOW_MAX 16384
#define FW_EXEC_MAX 16

/* The "settings" ARRAY, by index, written by user space after attaching. RETURN_AT_SYSCALL_EXIT is 1 in
 * kprobe mode: the kretprobes report vfork_return, not the child's exec or exit. */
#define FW_SET_RETURN_AT_SYSCALL_EXIT 0
#define FW_SET_MAX 1

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

struct fw_vfork {
	struct fw_hdr hdr;
	__u32 pid;   /* child tgid */
	__u32 ppid;  /* parent tgid */
	__u32 uid;   /* parent real uid */
	__u32 via;   /* FW_VIA_* */
	char comm[FW_COMM_LEN]; /* parent comm */
};

struct fw_vfork_return {
	struct fw_hdr hdr;
	__u32 pid;       /* parent tgid */
	__u32 child_pid; /* child tgid */
	__u64 blocked_ns;
};

struct fw_exec {
	struct fw_hdr hdr;
	__u32 pid;
	__u32 exec_index;   /* 1 for the child's first exec after the vfork, 2 for the next ... */
	__u32 filename_len; /* bytes copied including the NUL; 0 if the read failed */
	char comm[FW_COMM_LEN]; /* new comm */
	char filename[FW_FILENAME_LEN];
};

struct fw_exit {
	struct fw_hdr hdr;
	__u32 pid;
	__s32 exit_code; /* raw task->exit_code: status << 8 | signal */
};

#endif
