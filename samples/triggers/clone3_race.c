/* Trigger: clone3 with arguments that another thread keeps rewriting. A thread flips the flags word of the
 * struct clone_args between CLONE_VFORK and 0 while the main thread calls clone3 with it COUNT times, so a
 * probe that reads the flags from user memory may see other flags than the kernel copied. Each child sleeps
 * 200 ms and exits; the parent tells by how long it was blocked whether the kernel created it with
 * CLONE_VFORK and prints "vfork PID" or "fork PID" (and "parent PID" first).
 *   clone3_race COUNT   (build with -pthread) */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct clone_args args;
static volatile int done;

/* A few microseconds: each value stays about as long as the other, so that clone3 copies CLONE_VFORK about half the
 * time (two back-to-back stores left it there so briefly that 10 calls could all be plain forks). */
static void dwell(void)
{
	for (volatile int i = 0; i < 2000; i++)
		;
}

static void *flipper(void *unused)
{
	(void)unused;
	while (!done) {
		__atomic_store_n(&args.flags, CLONE_VFORK, __ATOMIC_RELAXED);
		dwell();
		__atomic_store_n(&args.flags, 0, __ATOMIC_RELAXED);
		dwell();
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 20;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	printf("parent %d\n", getpid());
	fflush(stdout);
	pthread_t t;
	pthread_create(&t, 0, flipper, 0);
	for (int i = 0; i < count; i++) {
		long long start = now_ms();
		/* Without CLONE_VM the child has its own copy of memory, so plain C is safe in it. */
		pid_t c = syscall(SYS_clone3, &args, sizeof(args));
		if (c < 0) {
			perror("clone3_race: clone3");
			return 1;
		}
		if (c == 0) {
			struct timespec ts = { 0, 200 * 1000000L };
			nanosleep(&ts, 0);
			_exit(0);
		}
		printf("%s %d\n", now_ms() - start >= 100 ? "vfork" : "fork", c);
		waitpid(c, 0, 0);
	}
	done = 1;
	pthread_join(t, 0);
	fflush(stdout);
	return 0;
}
