/* Trigger for forkwatch's live tests and demos: creates children with vfork semantics and prints their pids.
 *
 *   vforker VIA ACTION [COUNT]
 *     VIA     vfork | clone | clone3   (clone/clone3 with CLONE_VFORK, without CLONE_VM: the child gets a copy
 *                                       of the stack like fork, so plain C is safe in it)
 *     ACTION  exec:PATH    the child execs PATH (a well-behaved vfork+exec)
 *             exit:N       the child calls _exit(N) without exec
 *             sleep:MS     the child sleeps MS milliseconds, then _exit(0) (a stalled child, parent blocked)
 *     COUNT   how many children, one after another (default 1; e.g. 150 for a storm)
 *
 * Output: "parent PID", then "child PID" for each child, on stdout (flushed before the first child).
 * Examples: vforker vfork exec:/bin/true; vforker vfork exit:127; vforker vfork sleep:1500;
 * vforker vfork exec:/bin/true 150 (storm). Exit status: 0, or 1 on a usage/system error. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* clone/clone3 without CLONE_VM only: the child has its own copy of this frame, so returning from here is
 * safe. vfork() itself must be called directly in main(): a vfork child returning from a helper would
 * clobber the parent's stack frame. */
static pid_t spawn_clone(const char *via)
{
	if (strcmp(via, "clone") == 0)
		/* x86_64 raw clone: flags, newsp, parent_tid, child_tid, tls */
		return syscall(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
	if (strcmp(via, "clone3") == 0) {
		struct clone_args a;
		memset(&a, 0, sizeof(a));
		a.flags = CLONE_VFORK;
		a.exit_signal = SIGCHLD;
		return syscall(SYS_clone3, &a, sizeof(a));
	}
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vforker vfork|clone|clone3 exec:PATH|exit:N|sleep:MS [COUNT]\n");
		return 1;
	}
	const char *via = argv[1], *action = argv[2];
	int count = argc > 3 ? atoi(argv[3]) : 1;
	int mode; /* 0 exec, 1 exit, 2 sleep */
	const char *arg;
	if (strncmp(action, "exec:", 5) == 0)
		mode = 0, arg = action + 5;
	else if (strncmp(action, "exit:", 5) == 0)
		mode = 1, arg = action + 5;
	else if (strncmp(action, "sleep:", 6) == 0)
		mode = 2, arg = action + 6;
	else {
		fprintf(stderr, "vforker: bad action '%s'\n", action);
		return 1;
	}
	int n = atoi(arg);
	printf("parent %d\n", getpid());
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		pid_t c = strcmp(via, "vfork") == 0 ? vfork() : spawn_clone(via);
		if (c < 0) {
			perror("vforker: spawn");
			return 1;
		}
		if (c == 0) {
			if (mode == 0) {
				execl(arg, arg, (char *)0);
				_exit(126); /* exec failed */
			}
			if (mode == 2) {
				struct timespec ts = { n / 1000, (long)(n % 1000) * 1000000L };
				nanosleep(&ts, 0);
				_exit(0);
			}
			_exit(n);
		}
		printf("child %d\n", c);
	}
	fflush(stdout);
	while (wait(0) > 0)
		;
	return 0;
}
