/* Trigger: posix_spawn(PATH) COUNT times (glibc creates the child with clone3/clone and CLONE_VFORK) and
 * prints "parent PID" and "child PID" lines like vforker.  Usage: posix_spawn PATH [COUNT] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: posix_spawn PATH [COUNT]\n");
		return 1;
	}
	int count = argc > 2 ? atoi(argv[2]) : 1;
	printf("parent %d\n", getpid());
	for (int i = 0; i < count; i++) {
		pid_t c;
		char *args[] = { argv[1], 0 };
		int err = posix_spawn(&c, argv[1], 0, 0, args, environ);
		if (err) {
			fprintf(stderr, "posix_spawn: error %d\n", err);
			return 1;
		}
		printf("child %d\n", c);
	}
	fflush(stdout);
	while (wait(0) > 0)
		;
	return 0;
}
