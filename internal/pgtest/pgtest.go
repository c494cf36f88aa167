// Package pgtest runs a private PostgreSQL cluster for tests: initdb and pg_ctl from Debian's
// postgresql package, as an unprivileged user (the tests may run as root, which PostgreSQL
// refuses), listening on a Unix socket in a temporary directory and on no TCP port. Each test
// asks it for a database of its own.
//
// A test binary starts one cluster in TestMain and stops it when its tests end. When
// PostgreSQL is not installed or will not start, Start says why: CI (CI=true) fails on it, a
// developer machine without PostgreSQL skips the PostgreSQL half with that message.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// superuser is the cluster's superuser role; the socket trusts local connections (only the
// user running the tests can reach the private directory).
const superuser = "strata"

// testDatabase holds one schema per store the tests open.
const testDatabase = "strata"

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dir    string // data directory and socket directory live below it
	bin    string // directory of initdb, pg_ctl
	cred   *syscall.Credential
	admin  *sql.DB
	next   atomic.Int64
	mu     sync.Mutex
	closed bool
}

// Required reports whether a cluster that cannot start is a failure rather than a skip: on
// CI (CI=true) the Makefile installs PostgreSQL, so its absence is a broken setup.
func Required() bool { return os.Getenv("CI") == "true" }

// binDir finds initdb and pg_ctl: $PG_BINDIR, else the newest /usr/lib/postgresql/N/bin
// (Debian keeps them off PATH), else PATH.
func binDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH; `make deps` installs Debian's postgresql)")
}

// runAs returns the credential the server runs under: none (the current user) unless the
// tests run as root, then the postgres user Debian's package creates, else a strata-pgtest
// user made for it.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "strata-pgtest"} {
		if u, err := user.Lookup(name); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
		}
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "strata-pgtest").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("creating an unprivileged user for PostgreSQL: %v: %s", err, out)
	}
	u, err := user.Lookup("strata-pgtest")
	if err != nil {
		return nil, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Start initialises and starts a cluster in a new temporary directory.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "strata-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, cred: cred}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if err := c.run(ctx, "initdb", "--pgdata", data, "--username", superuser, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// No TCP at all; the socket lives in the private directory. The server is a throwaway:
	// durability is traded for speed.
	opts := "-c listen_addresses='' -c unix_socket_directories='" + dir + "' -c fsync=off " +
		"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
	if err := c.run(ctx, "pg_ctl", "--pgdata", data, "--log", filepath.Join(dir, "server.log"), "--wait",
		"--timeout", "60", "--options", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	c.admin, err = sql.Open("pgx", c.DSN("postgres"))
	if err == nil {
		_, err = c.admin.ExecContext(ctx, "CREATE DATABASE "+testDatabase)
	}
	if err == nil {
		c.admin.Close()
		c.admin, err = sql.Open("pgx", c.DSN(testDatabase))
	}
	if err == nil {
		err = c.admin.PingContext(ctx)
	}
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("connecting to the test cluster: %w", err)
	}
	return c, nil
}

// DSN is the connection string of database name in the cluster.
func (c *Cluster) DSN(name string) string {
	v := url.Values{}
	v.Set("host", c.dir)
	v.Set("user", superuser)
	return "postgres:///" + name + "?" + v.Encode()
}

// NewDatabase returns the connection string of a new, empty store: a schema of its own in
// the cluster's test database (its search_path), which costs milliseconds where a database
// costs a second and more.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.next.Add(1))
	// The name is our own; CREATE SCHEMA takes no parameters.
	if _, err := c.admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", fmt.Errorf("creating test schema %s: %w", name, err)
	}
	v := url.Values{}
	v.Set("host", c.dir)
	v.Set("user", superuser)
	v.Set("search_path", name)
	return "postgres:///" + testDatabase + "?" + v.Encode(), nil
}

// Stop stops the server and removes its directory.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if c.admin != nil {
		c.admin.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = c.run(ctx, "pg_ctl", "--pgdata", filepath.Join(c.dir, "data"), "--wait", "--mode", "immediate", "stop")
	os.RemoveAll(c.dir)
}
