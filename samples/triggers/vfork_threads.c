/* Trigger: THREADS threads of one process each vfork + exec PATH COUNT times, concurrently; checks that
 * vfork parents are told apart per thread. Prints "parent PID" and "child PID" lines like vforker.
 * Usage: vfork_threads PATH THREADS COUNT   (build with -pthread) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *path;
static int count;
static pthread_mutex_t out = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < count; i++) {
		pid_t c = vfork();
		if (c == 0) {
			execl(path, path, (char *)0);
			_exit(126);
		}
		if (c < 0) {
			perror("vfork");
			exit(1);
		}
		pthread_mutex_lock(&out);
		printf("child %d\n", c);
		pthread_mutex_unlock(&out);
		waitpid(c, 0, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: vfork_threads PATH THREADS COUNT\n");
		return 1;
	}
	path = argv[1];
	int n = atoi(argv[2]);
	count = atoi(argv[3]);
	printf("parent %d\n", getpid());
	pthread_t t[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], 0, worker, 0);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], 0);
	fflush(stdout);
	return 0;
}
