package history

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/internal/pgtest"
)

var t0 = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// The family the tests use: base, app on base, suspect on app (the implant), child on
// suspect, and an unrelated image that carries the same implant in its own layer.
const implant = "\x7fELF\x02\x01\x01 strata test implant: connect 203.0.113.45:4444 and exec /bin/sh\n"

func baseLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/sh", "ELF-sh").WithMode(0o755),
	}}
}

func appLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "COPY app /app # buildkit", Created: t0.Add(time.Hour), Files: []imagebuild.File{
		imagebuild.Dir("app"), imagebuild.Reg("app/server.py", "print('hello')\n"),
	}}
}

func implantLayer() imagebuild.Layer {
	return imagebuild.Layer{CreatedBy: "COPY lib /usr/share/lib # buildkit", Created: t0.Add(2 * time.Hour), Files: []imagebuild.File{
		imagebuild.Dir("usr"), imagebuild.Dir("usr/share"), imagebuild.Dir("usr/share/lib"),
		imagebuild.Reg("usr/share/lib/libx.so", implant).WithMode(0o755),
	}}
}

func familyImages() map[string]imagebuild.Image {
	child := imagebuild.Layer{CreatedBy: "RUN touch /ready # buildkit", Created: t0.Add(3 * time.Hour), Files: []imagebuild.File{
		imagebuild.Reg("ready", ""),
	}}
	other := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:other in / ", Created: t0, Files: []imagebuild.File{
		imagebuild.Dir("opt"), imagebuild.Reg("opt/readme", "unrelated\n"),
	}}
	return map[string]imagebuild.Image{
		"base":      {Tags: []string{"example.test/base:1"}, Created: t0, Layers: []imagebuild.Layer{baseLayer()}},
		"app":       {Tags: []string{"example.test/app:1"}, Created: t0.Add(time.Hour), Layers: []imagebuild.Layer{baseLayer(), appLayer()}},
		"suspect":   {Tags: []string{"example.test/app:2"}, Created: t0.Add(2 * time.Hour), Config: imagebuild.Config{Env: []string{"LD_PRELOAD=/usr/share/lib/libx.so", "REMOTE=c2.example.invalid"}}, Layers: []imagebuild.Layer{baseLayer(), appLayer(), implantLayer()}},
		"child":     {Tags: []string{"example.test/child:1"}, Created: t0.Add(3 * time.Hour), Layers: []imagebuild.Layer{baseLayer(), appLayer(), implantLayer(), child}},
		"unrelated": {Tags: []string{"example.test/other:1"}, Created: t0, Layers: []imagebuild.Layer{other, implantLayer()}},
	}
}

// save writes img as a docker-archive and returns its path.
func save(t testing.TB, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// read opens ref and reads its layers and input hash.
func read(t testing.TB, ref string) (*forensics.Image, []*forensics.LayerTree) {
	t.Helper()
	ctx := context.Background()
	img, err := forensics.Open(ctx, ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	trees, err := img.ReadLayers(ctx, forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := img.InputHash(ctx); err != nil {
		t.Fatal(err)
	}
	if err := img.HashBlobs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	forensics.Stack(trees)
	return img, trees
}

// The store's tests run twice (see TestMain): on SQLite, then on PostgreSQL in a private
// cluster. engine says which half is running.
var (
	engine  = "sqlite"
	cluster *pgtest.Cluster
	// stores maps the file paths the tests name to the PostgreSQL store standing for each.
	stores sync.Map
)

// onPostgres reports whether the PostgreSQL half is running.
func onPostgres() bool { return engine == "postgres" }

// storePath returns the database a test names: on SQLite the file path ("" a new file in a
// temporary directory), on PostgreSQL a new store (a schema of its own in the test cluster),
// the same one each time the test names the same path.
func storePath(t testing.TB, path string) string {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "strata.db")
	}
	if !onPostgres() || IsServer(path) {
		return path
	}
	if dsn, ok := stores.Load(path); ok {
		return dsn.(string)
	}
	dsn, err := cluster.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stores.Store(path, dsn)
	return dsn
}

// bareStore opens the database at path (see storePath) without migrating it.
func bareStore(t testing.TB, path string) *Store {
	t.Helper()
	var c *conn
	if dsn := storePath(t, path); onPostgres() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		c = &conn{db: db, d: postgresDialect{}}
	} else {
		var err error
		if c, err = openDB(dsn); err != nil {
			t.Fatal(err)
		}
	}
	s := &Store{db: c, path: path, now: time.Now}
	t.Cleanup(func() { s.Close() })
	return s
}

// dropTriggers is the SQL that drops table's append-only triggers, as someone with the
// database's owner rights could.
func dropTriggers(table string) []string {
	if onPostgres() {
		return []string{
			fmt.Sprintf("DROP TRIGGER %[1]s_append_only_update ON %[1]s", table),
			fmt.Sprintf("DROP TRIGGER %[1]s_append_only_delete ON %[1]s", table),
			fmt.Sprintf("DROP TRIGGER %[1]s_append_only_truncate ON %[1]s", table),
		}
	}
	return []string{
		fmt.Sprintf("DROP TRIGGER %[1]s_append_only_update", table),
		fmt.Sprintf("DROP TRIGGER %[1]s_append_only_delete", table),
	}
}

// jsonField is the engine's expression for the text of field in column's JSON.
func jsonField(column, field string) string {
	if onPostgres() {
		return "(" + column + "::jsonb ->> '" + field + "')"
	}
	return "json_extract(" + column + ", '$." + field + "')"
}

// blobLiteral is the engine's literal for the bytes of hex h.
func blobLiteral(h string) string {
	if onPostgres() {
		return `'\x` + h + `'::bytea`
	}
	return "x'" + h + "'"
}

func openStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), storePath(t, path))
	if err != nil {
		t.Fatal(err)
	}
	s.ToolVersion = "test"
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
