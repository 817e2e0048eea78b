/* Benchmark load: N getppid() syscalls; prints "WALL_NS CPU_NS" like vfork_exec_loop. Measures what the
 * probes cost every other syscall on the host (the target is nothing: no syscall is hooked in tracepoint
 * mode; the design before task_newtask ran sys_enter/sys_exit programs on every syscall).
 * Usage: syscall_loop N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct rusage self;
	getrusage(RUSAGE_SELF, &self);
	long long cpu = (long long)self.ru_utime.tv_sec * 1000000000LL + self.ru_utime.tv_usec * 1000LL
		+ (long long)self.ru_stime.tv_sec * 1000000000LL + self.ru_stime.tv_usec * 1000LL;
	printf("%lld %lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec), cpu);
	return 0;
}
