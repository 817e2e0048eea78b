/* Trigger: a vfork child that execs a program from memory (fexecve of a memfd holding a copy of PATH), or,
 * for comparison, the same program from its file. Prints "parent PID" and "child PID" like vforker.
 *   memfd_exec memfd|file PATH [ARG...]   e.g. memfd_exec memfd /bin/true */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "memfd") && strcmp(argv[1], "file"))) {
		fprintf(stderr, "usage: memfd_exec memfd|file PATH [ARG...]\n");
		return 1;
	}
	int memfd = strcmp(argv[1], "memfd") == 0;
	int fd = -1;
	if (memfd) {
		/* Prepared by the parent: the vfork child only execs. */
		int src = open(argv[2], O_RDONLY | O_CLOEXEC);
		struct stat st;
		fd = memfd_create("payload", MFD_CLOEXEC);
		if (src < 0 || fd < 0 || fstat(src, &st) || sendfile(fd, src, 0, st.st_size) != st.st_size) {
			perror("memfd_exec: copying into the memfd");
			return 1;
		}
		close(src);
	}
	printf("parent %d\n", getpid());
	fflush(stdout);
	pid_t c = vfork();
	if (c < 0) {
		perror("memfd_exec: vfork");
		return 1;
	}
	if (c == 0) {
		if (memfd)
			fexecve(fd, argv + 2, environ);
		else
			execv(argv[2], argv + 2);
		_exit(126);
	}
	printf("child %d\n", c);
	fflush(stdout);
	int status = 0;
	waitpid(c, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
