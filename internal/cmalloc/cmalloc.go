// Package cmalloc sets how the C allocator shared by SQLite, libyara and the inflater behaves.
package cmalloc

// LimitArenas bounds the C allocator's arenas to n (at least 2), where it has them (glibc's
// malloc), and reports whether it did. glibc gives each thread that meets contention an arena
// of its own, up to eight per core, and keeps what each held at its peak: a scan whose
// database writes overlap the reading of layers on other threads then holds tens of MB more
// than it uses. A Go program's C calls run on few threads at a time (about one per core), so
// as many arenas as cores keep them apart.
func LimitArenas(n int) bool { return limitArenas(max(n, 2)) }
