/* Sample for STRATA-LP-003: hides from children by clearing LD_PRELOAD, then
   runs a command. Built with:
   gcc -Os -s -shared -fPIC -o ../pos/lp003_respawn.so lp003_respawn.c */
#include <stdlib.h>

__attribute__((constructor)) static void init(void) {
	unsetenv("LD_PRELOAD");
	const char *c = getenv("SVC_HOOK");
	if (c)
		system(c);
}
