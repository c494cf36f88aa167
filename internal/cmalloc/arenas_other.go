//go:build !(linux && cgo)

package cmalloc

func limitArenas(int) bool { return false }
