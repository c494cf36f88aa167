/* Negative sample: a small program that connects and runs a program, but
   never hands the socket to a shell. Built with:
   gcc -Os -s -o ../neg/healthcheck.elf neg_healthcheck.c */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(8080);
	a.sin_addr.s_addr = inet_addr("127.0.0.1");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		return 1;
	close(s);
	if (argc > 1)
		execv(argv[1], argv + 1);
	return 0;
}
