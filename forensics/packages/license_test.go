package packages

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestNormalizeLicense(t *testing.T) {
	tests := []struct {
		in   string
		dep5 bool
		want string
	}{
		{"MIT", false, "MIT"},
		{"mit", false, "MIT"},
		{"Expat", true, "MIT"},
		{"BSD-3-clause", true, "BSD-3-Clause"},
		{"GPL-2", true, "GPL-2.0-only"},
		{"GPL-2+", true, "GPL-2.0-or-later"},
		{"LGPL-2.1+", true, "LGPL-2.1-or-later"},
		{"GPL-2.0+", false, "GPL-2.0-or-later"}, // a deprecated SPDX id
		{"GPLv2+", false, "GPL-2.0-or-later"},   // Fedora's old short names
		{"GPLv3", false, "GPL-3.0-only"},
		{"GPL+", false, "GPL-1.0-or-later"},
		{"LGPLv2+", false, "LGPL-2.0-or-later"},
		{"GPLv2+ and LGPLv2+ and MIT", false, "GPL-2.0-or-later AND LGPL-2.0-or-later AND MIT"},
		{"ASL 2.0", false, "Apache-2.0"},
		{"Apache License, Version 2.0", false, "Apache-2.0"},
		{"(MIT OR Apache-2.0)", false, "(MIT OR Apache-2.0)"},
		{"MIT OR Apache-2.0", false, "MIT OR Apache-2.0"},
		{"GPL-2+ or Artistic", true, "GPL-2.0-or-later OR Artistic-1.0-Perl"},
		{"GPL-1+ or Artistic, and BSD-3-clause", true, "(GPL-1.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause"},
		{"GPL-2+ with distribution exception, or odd", true, "LicenseRef-GPL-2-with-distribution-exception OR LicenseRef-odd"},
		{"MIT, BSD-2-clause", true, "MIT AND BSD-2-Clause"},
		{"GPL-3+ with Bison exception", true, "GPL-3.0-or-later WITH Bison-exception-2.2"},
		{"GPL-3+ with Autoconf exception", true, "GPL-3.0-or-later WITH Autoconf-exception-3.0"},
		{"GPL-2 with Linux-syscall-note exception", true, "GPL-2.0-only WITH Linux-syscall-note"},
		{"GPL-2+ with distribution exception", true, "LicenseRef-GPL-2-with-distribution-exception"},
		{"public-domain", true, "LicenseRef-public-domain"},
		{"Perl", true, "(Artistic-1.0-Perl OR GPL-1.0-or-later)"},
		{"permissive", true, "LicenseRef-permissive"},
		{"GPL", true, "LicenseRef-GPL"}, // no version: no SPDX id says which
		{"GNU General Public License v2 or later (GPLv2+)", false, "GPL-2.0-or-later"},
		{"MPL-1.1+", false, "MPL-1.1+"},
		{"", false, ""},
		{"UNKNOWN", false, ""},
		{"NOASSERTION", false, ""},
		{"Some ( odd", false, "LicenseRef-Some-odd"},
	}
	for _, tt := range tests {
		got := NormalizeLicense(tt.in, tt.dep5)
		if got != tt.want {
			t.Errorf("NormalizeLicense(%q, %v) = %q, want %q", tt.in, tt.dep5, got, tt.want)
		}
		if got != "" && !ValidLicenseExpression(got) {
			t.Errorf("NormalizeLicense(%q) = %q does not parse as an SPDX expression", tt.in, got)
		}
	}
}

const dep5Copyright = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: example
Source: https://example.test/

Files: *
Copyright: 2000 Someone
License: GPL-2+

Files: lib/*
Copyright: 2001 Someone Else
License: LGPL-2.1+ or BSD-3-clause

Files: debian/*
Copyright: 2002 A Packager
License: GPL-2+

License: GPL-2+
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2 of the License, or
 (at your option) any later version.
 .
 On Debian systems, the full text of the GNU General Public License
 version 2 can be found in the file '/usr/share/common-licenses/GPL-2'.

License: BSD-3-clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that ...
`

func TestDebianCopyrightLicenses(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"DEP-5 fields, each once, texts ignored", dep5Copyright, []string{"GPL-2.0-or-later", "LGPL-2.1-or-later OR BSD-3-Clause"}},
		{"common-licenses, any later version", "This is foo.\n\n    This program is free software; you can redistribute it under the terms of the GNU General\n    Public License as published by the Free Software Foundation; either version 2, or (at your\n    option) any later version.\n\nOn Debian systems, see /usr/share/common-licenses/GPL-2.\n",
			[]string{"GPL-2.0-or-later"}},
		{"common-licenses, one version", "Licensed under the GPL version 2 only.\nSee /usr/share/common-licenses/GPL-2\n", []string{"GPL-2.0-only"}},
		{"unversioned GPL file names the version in the text", "under the GNU General Public License, version 3.\nSee /usr/share/common-licenses/GPL.\n", []string{"GPL-3.0-only"}},
		{"unversioned GPL file, no version", "See /usr/share/common-licenses/GPL.\n", []string{"LicenseRef-GPL"}},
		{"Apache and BSD files", "see /usr/share/common-licenses/Apache-2.0 and /usr/share/common-licenses/BSD\n", []string{"Apache-2.0", "LicenseRef-BSD"}},
		{"quoted MIT text", "Copyright 2020 X\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software...\n", []string{"MIT"}},
		{"quoted BSD-3 text", "Redistribution and use in source and binary forms, with or without\nmodification, are permitted...\n3. Neither the name of the University nor the names", []string{"BSD-3-Clause"}},
		{"Python's license text", "Python License\n==============\n\nPYTHON SOFTWARE FOUNDATION LICENSE VERSION 2\n----\n", []string{"PSF-2.0"}},
		{"GNU text without a path", "The overall license is the GNU Lesser General Public\nLicense, version 2.1 (or, at your option, any later version).\n", []string{"LGPL-2.1-or-later"}},
		{"nothing recognisable", "All rights reserved.\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DebianCopyrightLicenses(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLanguageLicenses(t *testing.T) {
	py := func(headers string) []string {
		p, ok := parsePythonMetadata("Metadata-Version: 2.1\nName: x\nVersion: 1\n"+headers+"\n\nlong description\nLicense: GPL\n", "METADATA")
		if !ok {
			t.Fatal("not parsed")
		}
		return p.Licenses
	}
	npm := func(js string) []string {
		p, ok := parsePackageJSON([]byte(`{"name":"x","version":"1",`+js+`}`), "package.json")
		if !ok {
			t.Fatal("not parsed")
		}
		return p.Licenses
	}
	tests := []struct {
		name      string
		got, want []string
	}{
		{"python License-Expression wins", py("License-Expression: MIT OR Apache-2.0\nLicense: BSD\nClassifier: License :: OSI Approved :: ISC License (ISCL)"), []string{"MIT OR Apache-2.0"}},
		{"python License", py("License: BSD-3-Clause"), []string{"BSD-3-Clause"}},
		{"python classifiers", py("License: UNKNOWN\nClassifier: Programming Language :: Python\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License"),
			[]string{"MIT", "LicenseRef-Apache-Software-License"}},
		{"python license text in License", py("License: Permission is hereby granted, free of charge, to any person obtaining a copy\n of this software"), []string{"MIT"}},
		{"python nothing", py("Summary: x"), nil},
		{"npm string", npm(`"license":"ISC"`), []string{"ISC"}},
		{"npm expression", npm(`"license":"(MIT OR CC0-1.0)"`), []string{"(MIT OR CC0-1.0)"}},
		{"npm object", npm(`"license":{"type":"MIT","url":"x"}`), []string{"MIT"}},
		{"npm list", npm(`"licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]`), []string{"MIT", "Apache-2.0"}},
		{"npm see file", npm(`"license":"SEE LICENSE IN LICENSE.md"`), nil},
		{"npm unlicensed is not the Unlicense", npm(`"license":"UNLICENSED"`), []string{"LicenseRef-UNLICENSED"}},
		{"manifest URL", manifestLicenses(`"Apache License, Version 2.0";link="https://www.apache.org/licenses/LICENSE-2.0.txt"`), []string{"Apache-2.0"}},
		{"manifest id list", manifestLicenses("EPL-2.0, GPL-2.0-only WITH Classpath-exception-2.0"), []string{"EPL-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"}},
		{"manifest url only", manifestLicenses("https://www.apache.org/licenses/LICENSE-2.0.txt"), []string{"Apache-2.0"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestRelations(t *testing.T) {
	got := dpkgRelations("libc6 (>= 2.34), debianutils (>= 5.6) | foo:any, awk, bar [amd64] <!nocheck>,, ")
	want := [][]string{{"libc6"}, {"debianutils", "foo"}, {"awk"}, {"bar"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dpkgRelations = %q, want %q", got, want)
	}
	for in, want := range map[string]string{"so:libc.musl-x86_64.so.1": "so:libc.musl-x86_64.so.1", "busybox>=1.36": "busybox",
		"cmd:sh=1.36.1-r5": "cmd:sh", "!conflict": "", "/bin/sh": "/bin/sh", "pc:zlib~1.3": "pc:zlib"} {
		if got := apkDependencyName(in); got != want {
			t.Errorf("apkDependencyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLicenses feeds arbitrary copyright files and license fields to the parsers: they must
// not panic, and what they return must parse as SPDX expressions.
func FuzzLicenses(f *testing.F) {
	f.Add(dep5Copyright, "GPL-2+ or Artistic, and BSD-3-clause")
	f.Add("see /usr/share/common-licenses/GPL\nGNU General Public License, version", "GPLv2+ and (MIT | BSD)")
	f.Add("Format: copyright-format\n\nLicense: (a or\nLicense: with", "with with")
	f.Fuzz(func(t *testing.T, copyright, field string) {
		for _, e := range DebianCopyrightLicenses(copyright) {
			if !ValidLicenseExpression(e) {
				t.Errorf("copyright gives %q, not an SPDX expression", e)
			}
		}
		for _, dep5 := range []bool{false, true} {
			if e := NormalizeLicense(field, dep5); e != "" && !ValidLicenseExpression(e) {
				t.Errorf("NormalizeLicense(%q, %v) = %q, not an SPDX expression", field, dep5, e)
			}
		}
		js, _ := json.Marshal(field)
		for _, e := range npmLicenses(js, nil) {
			if strings.TrimSpace(e) == "" {
				t.Errorf("npm license %q gives an empty expression", field)
			}
		}
	})
}

// Each quoted license's word is looked for before its expression runs: it must be a word of
// the expression outside any group (so that every match holds it), in lower case, and free of
// the letters whose case folding reaches beyond ASCII.
func TestLicenseTextWords(t *testing.T) {
	for _, lt := range licenseTexts {
		src := strings.ToLower(lt.phrase.re.String())
		at := regexp.MustCompile(`(^|[^a-z])` + lt.word + `([^a-z]|$)`).FindStringIndex(src)
		if at == nil {
			t.Errorf("%q is no word of %s", lt.word, lt.phrase.re)
			continue
		}
		before := src[:at[0]+strings.Index(src[at[0]:], lt.word)]
		if depth := strings.Count(before, "(") - strings.Count(before, ")"); depth != 0 {
			t.Errorf("%q is inside a group of %s", lt.word, lt.phrase.re)
		}
		if strings.ContainsAny(lt.word, "sk") || strings.ToLower(lt.word) != lt.word {
			t.Errorf("%q: lower case, and no s or k (ſ and the Kelvin sign fold to them)", lt.word)
		}
	}
	if got := DebianCopyrightLicenses("PERMISSION IS HEREBY GRANTED, FREE OF CHARGE, TO ANY PERSON OBTAINING A COPY"); !reflect.DeepEqual(got, []string{"MIT"}) {
		t.Errorf("a quoted license in capitals: got %q", got)
	}
}

// TestPhraseSearch holds the phrases, searched from their leads, to their expressions run
// over the whole text: on texts built of the phrases' words in every case, cut, run
// together and spaced at random, with leads that start no match and overlapping ones, and
// on this machine's copyright files when it has them. Each lead must be the start of its
// expression, in lower case, without "s" or "k".
func TestPhraseSearch(t *testing.T) {
	phrases := []phrase{gnuText, bsdNeither, bsdAdvertising}
	for _, lt := range licenseTexts {
		phrases = append(phrases, lt.phrase)
	}
	var words []string
	for _, p := range phrases {
		src := strings.TrimPrefix(p.re.String(), "(?i)")
		if !strings.HasPrefix(strings.ToLower(src), p.lead) || strings.ContainsAny(p.lead, "sk") || strings.ToLower(p.lead) != p.lead ||
			strings.ContainsAny(p.lead, `\.()[]?*+|{}^$`) {
			t.Errorf("lead %q does not start %s in lower case, or holds s, k or syntax", p.lead, p.re)
		}
		for _, w := range regexp.MustCompile(`[A-Za-z0-9',;.\-/]+`).FindAllString(strings.ReplaceAll(strings.ReplaceAll(src, `\s+`, " "), `\s*`, " "), -1) {
			words = append(words, strings.Trim(w, `\`))
		}
	}
	words = append(words, "GNU", "General", "Public", "License", "version", "2", "2.1", "3", "v.", "Lesser", "gnu", "permi", "perm", "thi", "licen",
		"mozill", "pytho", "neith", "al", "GNUGNU", "permipermission", "ſ", "K", "İ")
	seps := []string{" ", "  ", "\n", "\t", "", ",", " \n ", "x"}
	r := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "g", "gnu", "GNU General Public License version 2"}
	for n := 0; n < 1500; n++ {
		var b strings.Builder
		for k := r.IntN(60); k > 0; k-- {
			w := words[r.IntN(len(words))]
			switch r.IntN(4) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				w = w[:r.IntN(len(w)+1)]
			}
			b.WriteString(w)
			b.WriteString(seps[r.IntN(len(seps))])
		}
		texts = append(texts, b.String())
	}
	// Whole phrases, as they are written, in some of the texts.
	for i := range texts {
		if i%3 == 0 {
			for _, p := range phrases {
				if r.IntN(3) == 0 {
					texts[i] += " " + phraseExample(p) + " "
				}
			}
		}
	}
	// Matches one after the other, the next starting where the last ended.
	for _, p := range phrases {
		texts = append(texts, phraseExample(p)+phraseExample(p), strings.ToUpper(phraseExample(p))+phraseExample(p)+"x")
	}
	if files, _ := filepath.Glob("/usr/share/doc/*/copyright"); len(files) > 0 {
		for _, f := range files[:min(len(files), 60)] {
			if b, err := os.ReadFile(f); err == nil {
				texts = append(texts, string(b))
			}
		}
	}
	matched := 0
	for _, text := range texts {
		// The lead search against a search of the text in lower case (ASCII only, so that
		// offsets stay), from every place.
		lowered := []byte(text)
		for i, c := range lowered {
			if c >= 'A' && c <= 'Z' {
				lowered[i] = c + 'a' - 'A'
			}
		}
		low := string(lowered)
		for _, p := range phrases[:3] {
			for from := 0; from <= len(text) && len(text) <= 4096; from += 1 + r.IntN(8) {
				want := strings.Index(low[from:], p.lead)
				if want >= 0 {
					want += from
				}
				if got := indexFoldASCII(text, p.lead, from); got != want {
					t.Fatalf("indexFoldASCII(%q, %q, %d) = %d, want %d", text, p.lead, from, got, want)
				}
			}
		}
		for _, p := range phrases {
			want := p.re.MatchString(text)
			if got := p.match(text); got != want {
				t.Fatalf("%s: match = %v, the expression says %v, on %q", p.re, got, want, text)
			}
			if wantAll, gotAll := p.re.FindAllStringSubmatchIndex(text, -1), p.findAll(text); fmt.Sprint(gotAll) != fmt.Sprint(wantAll) {
				t.Fatalf("%s: findAll = %v, the expression finds %v, on %q", p.re, gotAll, wantAll, text)
			}
			if want {
				matched++
			}
		}
	}
	t.Logf("%d matches over %d texts", matched, len(texts))
	if matched < len(texts)/2 {
		t.Fatalf("only %d matches over %d texts: the texts do not come near the phrases", matched, len(texts))
	}
}

// phraseExample writes a text p matches: its expression with each \s+ a blank and its
// optional and alternative parts taken as written.
func phraseExample(p phrase) string {
	s := strings.TrimPrefix(p.re.String(), "(?i)")
	for _, r := range []struct{ old, new string }{{`(Lesser\s+|Library\s+|Affero\s+)?`, "Lesser "}, {`(?:either\s+)?`, "either "},
		{`(?:version|v\.?)`, "version"}, {`(\d(?:\.\d)?)`, "2.1"}, {`(/or)?`, "/or"}, {`[;,]?`, ";"}, {`,?`, ","},
		{`\s+`, " "}, {`\s*`, " "}, {`\.`, "."}} {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	s = strings.NewReplacer("(?:", "", ")?", "").Replace(s)
	return s
}
