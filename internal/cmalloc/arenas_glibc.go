//go:build linux && cgo

package cmalloc

// #include <malloc.h>
// static int limit_arenas(int n) {
// #ifdef M_ARENA_MAX
//	return mallopt(M_ARENA_MAX, n);
// #else
//	return 0;
// #endif
// }
import "C"

func limitArenas(n int) bool { return C.limit_arenas(C.int(n)) == 1 }
