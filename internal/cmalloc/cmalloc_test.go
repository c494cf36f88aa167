package cmalloc

import (
	"os"
	"runtime"
	"testing"
)

// On Debian (glibc) the limit is taken; elsewhere it is reported as not.
func TestLimitArenas(t *testing.T) {
	_, err := os.Stat("/etc/debian_version")
	if got := LimitArenas(runtime.GOMAXPROCS(0)); got != (err == nil && runtime.GOOS == "linux") {
		t.Errorf("LimitArenas = %v on this system", got)
	}
}
