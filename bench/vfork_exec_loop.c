/* Benchmark load: N times vfork + execve(/bin/true) + waitpid, one after another. Prints the elapsed
 * wall time and the CPU time (user + system) of this process and its children, in nanoseconds, on stdout:
 * "WALL_NS CPU_NS". The CPU time is what the probes add to the traced work and is less disturbed by other
 * load on the machine than the wall time.  Usage: vfork_exec_loop N [exit]
 * With "exit" the child calls _exit(0) instead of exec: the fastest way to make vfork records (each child is
 * reaped at once, so a long run never exhausts pids). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int exit_only = argc > 2 && strcmp(argv[2], "exit") == 0;
	char *args[] = { "/bin/true", 0 };
	char *env[] = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		pid_t c = vfork();
		if (c == 0) {
			if (exit_only)
				_exit(0);
			execve(args[0], args, env);
			_exit(127);
		}
		if (c < 0 || waitpid(c, 0, 0) != c) {
			perror("vfork_exec_loop");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
#define NS(tv) ((long long)(tv).tv_sec * 1000000000LL + (long long)(tv).tv_usec * 1000LL)
	long long cpu = NS(self.ru_utime) + NS(self.ru_stime) + NS(kids.ru_utime) + NS(kids.ru_stime);
	printf("%lld %lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec), cpu);
	return 0;
}
