package packages

import "fmt"

// recoverParser turns a panic in a parser of evidence bytes into an error naming the file it
// was reading, so that no database or metadata file an image carries can take the process
// down. Use it deferred, with the parser's named error result.
func recoverParser(location string, err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("reading %s: the parser failed: %v", location, v)
	}
}

// guard runs parse, a parser of the evidence file at location, and turns its panic into an
// error naming the file.
func guard[T any](location string, parse func() T) (out T, err error) {
	defer recoverParser(location, &err)
	return parse(), nil
}
