package shell

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestGramsNeverRuleOutAPresentWord checks the trigram set against a plain search: a word
// in the text is always "may", and has agrees with bytes.Contains on every trigger word of
// the analyzer, over texts of every bitmap size.
func TestGramsNeverRuleOutAPresentWord(t *testing.T) {
	var words [][]byte
	words = append(words, strongTriggers...)
	words = append(words, textTriggers...)
	words = append(words, anchors...)
	for _, w := range []string{"nc", "x", "import socket", "socket.socket(", "-e /bin/sh", "tratum", "--login", "absent-word-zz"} {
		words = append(words, []byte(w))
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("abcdefghijklmnopqrstuvwxyz /-|$<>&'\"\n.:()_ABCEINOSTX0123456789")
	for _, size := range []int{0, 2, 3, 40, 700, 5000, 70000, 600000} {
		for round := 0; round < 3; round++ {
			text := make([]byte, size)
			for i := range text {
				text[i] = alphabet[rng.Intn(len(alphabet))]
			}
			// Plant some words, so that both answers are tested.
			for k := 0; k < 5 && size > 40; k++ {
				w := words[rng.Intn(len(words))]
				if len(w) < size {
					copy(text[rng.Intn(size-len(w)):], w)
				}
			}
			g := newGrams(text)
			for _, w := range words {
				want := bytes.Contains(text, w)
				if got := g.has(text, w); got != want {
					t.Errorf("size %d: has(%q) = %v, bytes.Contains says %v", size, w, got, want)
				}
				if want && !g.may(w) {
					t.Errorf("size %d: %q is in the text but ruled out", size, w)
				}
			}
			g.release()
		}
	}
}

// TestGramsRuleOut checks that the set does its job: words absent from a small text are
// ruled out without a search.
func TestGramsRuleOut(t *testing.T) {
	text := []byte("#!/bin/sh\nset -e\necho hello world\nexit 0\n")
	g := newGrams(text)
	defer g.release()
	ruled := 0
	for _, w := range textTriggers {
		if !g.may(w) {
			ruled++
		}
	}
	if ruled < len(textTriggers)*3/4 {
		t.Errorf("only %d of %d absent trigger words ruled out in a 40-byte script", ruled, len(textTriggers))
	}
	if !g.may([]byte("echo hello")) || g.has(text, []byte("mkfifo")) {
		t.Error("the set disagrees with the text")
	}
}

// TestGramsFold checks hasFold against a search of the lower-cased text, the question PHP's
// case-insensitive function names ask, over random texts of mixed case.
func TestGramsFold(t *testing.T) {
	words := []string{"sock", "exec", "system", "passthru", "popen", "proc_open", "fsockopen", "zz_absent"}
	rng := rand.New(rand.NewSource(2))
	alphabet := []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_ ()$;\n@`[")
	for _, size := range []int{0, 3, 40, 900, 20000, 300000} {
		for round := 0; round < 4; round++ {
			text := make([]byte, size)
			for i := range text {
				text[i] = alphabet[rng.Intn(len(alphabet))]
			}
			for k := 0; k < 4 && size > 40; k++ {
				w := []byte(words[rng.Intn(len(words))])
				for i := range w {
					if rng.Intn(2) == 0 {
						w[i] = bytes.ToUpper(w[i : i+1])[0]
					}
				}
				copy(text[rng.Intn(size-len(w)):], w)
			}
			g := newGrams(text)
			lower := bytes.ToLower(text)
			for _, w := range words {
				want := bytes.Contains(lower, []byte(w))
				if got := g.hasFold(text, w); got != want {
					t.Errorf("size %d: hasFold(%q) = %v, the lower-cased text says %v", size, w, got, want)
				}
				if got := (*grams)(nil).hasFold(text, w); got != want {
					t.Errorf("size %d: nil set hasFold(%q) = %v, want %v", size, w, got, want)
				}
			}
			g.release()
		}
	}
}
