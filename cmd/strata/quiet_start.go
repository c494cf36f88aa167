package main

// The workbench's libraries ask the terminal for its colours when the program starts: Bubble
// Tea's package initialisation calls lipgloss.HasDarkBackground on standard output, which
// writes ESC]11;? and ESC[6n and waits up to five seconds for an answer. Every command pays
// for that and leaves the queries on the screen, not only `strata tui`. Package
// initialisation runs before main, so the only place early enough to stop it is a C
// constructor: while the Go packages initialise, standard output is /dev/null when it was a
// terminal, and main puts the terminal back first thing. The workbench detects the terminal's
// colours itself when it starts (tui.Run).

/*
#include <fcntl.h>
#include <unistd.h>

static int strata_stdout_aside = -1;

__attribute__((constructor)) static void strata_quiet_start(void) {
	if (!isatty(1)) {
		return;
	}
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0) {
		return;
	}
	int saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(null, 1) < 0) {
		if (saved >= 0) {
			close(saved);
		}
		close(null);
		return;
	}
	close(null);
	strata_stdout_aside = saved;
}

// strata_restore_stdout puts the terminal back on standard output; dup2 leaves the new
// descriptor inheritable, as standard output was.
static int strata_restore_stdout(void) {
	if (strata_stdout_aside < 0) {
		return 0;
	}
	int r = dup2(strata_stdout_aside, 1);
	close(strata_stdout_aside);
	strata_stdout_aside = -1;
	return r;
}
*/
import "C"

import "errors"

// restoreStdout undoes strata_quiet_start; main calls it before anything is written.
func restoreStdout() error {
	if C.strata_restore_stdout() < 0 {
		return errors.New("restoring standard output after start-up")
	}
	return nil
}
