// Command consumer proves that the modules of this tree can be used from
// outside it, as docs/release.md promises: it serves every published module
// at the lockstep version from a file-based module proxy built from the work
// tree, then, in a throwaway module in a temporary directory, requires the
// root, compat/ldap and compat/pgx at that version the way a user would —
// no replace lines, no go.work — and builds a program that uses ldapgss and
// pgxgss.
//
// It fails if a module requires a placeholder or pseudo-version of another
// gssnego module, if a module only builds through an in-tree replace (the go
// command ignores a dependency's replace lines, and the proxy here only has
// the release version), or if a module zip breaks the proxy's rules.
//
// Usage (from ci/tools): go run ./consumer [-keep]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gssnego/gssnego/ci/tools/internal/proxy"
	"github.com/gssnego/gssnego/ci/tools/internal/repo"
)

// program is what a user writes; it is built, never run. It names the
// ldapgss client by type only, so a change of its constructor's shape does
// not break this check.
const program = `package main

import (
	"context"
	"net"

	"github.com/go-ldap/ldap/v3"
	"github.com/jackc/pgx/v5"

	ldapgss "github.com/gssnego/gssnego/compat/ldap"
	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/platform"
)

var _ ldap.GSSAPIClient = (*ldapgss.Client)(nil)

func main() {
	if _, err := platform.Provider(); err != nil {
		panic(err)
	}
	tcp, err := net.Dial("tcp", "dc1.example.com:389")
	if err != nil {
		panic(err)
	}
	l := ldap.NewConn(ldapgss.NewConn(tcp), false)
	l.Start()
	defer l.Close()

	pgxgss.Register()
	cfg, err := pgx.ParseConfig("host=db.example.com user=alice dbname=app sslmode=disable")
	if err != nil {
		panic(err)
	}
	if err := pgxgss.RequireEncryption(&cfg.Config); err != nil {
		panic(err)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		panic(err)
	}
	defer conn.Close(context.Background())
}
`

// uses are the modules the consumer requires directly.
var uses = []string{repo.RootPath, repo.RootPath + "/compat/ldap", repo.RootPath + "/compat/pgx"}

func main() {
	keep := flag.Bool("keep", false, "keep the temporary directory (proxy, module cache, consumer)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("consumer: ")
	if err := run(*keep); err != nil {
		log.Fatal(err)
	}
}

func run(keep bool) error {
	tree, err := repo.Load()
	if err != nil {
		return err
	}
	root, files, mods, version := tree.Root, tree.Files, tree.Modules, tree.Version

	tmp, err := os.MkdirTemp("", "gssnego-consumer-")
	if err != nil {
		return err
	}
	if keep {
		log.Printf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	proxyDir := filepath.Join(tmp, "proxy")
	var served []string
	for _, m := range mods {
		if !m.Published {
			continue
		}
		if err := proxy.Write(proxyDir, root, mods, m, version, files); err != nil {
			return err
		}
		served = append(served, m.Path)
	}
	log.Printf("serving %s at %s", strings.Join(served, ", "), version)

	dir := filepath.Join(tmp, "consumer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/gssnegoconsumer\n\ngo 1.24.0\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o644); err != nil {
		return err
	}
	// The third-party hashes the tree already verified, so that the
	// checksum database is asked only about modules the tree does not use.
	// The gssnego modules have no line here: their hashes come from the
	// zips served below, as a user's would come from the real proxy.
	var sums []byte
	for _, m := range mods {
		if b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.Dir), "go.sum")); err == nil && m.Published {
			sums = append(sums, b...)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644); err != nil {
		return err
	}

	// The tree's own module cache serves the third-party modules it already
	// holds (the go command verifies them against go.sum and the checksum
	// database all the same); the real proxy the rest. A separate module
	// cache: the shared one must never hold tree contents under a release
	// version, nor lend this check a copy of the modules under test.
	goproxy := "file://" + filepath.ToSlash(proxyDir)
	if out, err := repo.Run(dir, nil, "go", "env", "GOMODCACHE"); err == nil {
		dl := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
		if fi, err := os.Stat(dl); err == nil && fi.IsDir() {
			goproxy += ",file://" + filepath.ToSlash(dl)
		}
	}
	goproxy += ",https://proxy.golang.org"
	env := []string{
		"GOPROXY=" + goproxy,
		"GOMODCACHE=" + filepath.Join(tmp, "modcache"),
		"GOFLAGS=-mod=mod -modcacherw -buildvcs=false",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		"GONOSUMDB=" + repo.RootPath,
		"GOPRIVATE=", "GONOPROXY=", "GOINSECURE=",
	}
	var get []string
	for _, p := range uses {
		get = append(get, p+"@"+version)
	}
	steps := [][]string{
		append([]string{"go", "get"}, get...),
		{"go", "mod", "tidy"},
		{"go", "build", "-o", os.DevNull, "."},
		{"go", "vet", "."},
	}
	for _, s := range steps {
		if _, err := repo.Run(dir, env, s[0], s[1:]...); err != nil {
			return err
		}
	}

	// Every gssnego module came from the proxy at the release version.
	out, err := repo.Run(dir, env, "go", "list", "-m", "-f", "{{.Path}} {{.Version}} {{.Replace}} {{.Dir}}", "all")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], repo.RootPath) {
			continue
		}
		if f[1] != version || f[2] != "<nil>" || !strings.HasPrefix(f[3], filepath.Join(tmp, "modcache")) {
			return fmt.Errorf("consumer resolved %q, want %s@%s from the module proxy", line, f[0], version)
		}
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	if strings.Contains(string(gomod), "replace") {
		return fmt.Errorf("consumer go.mod gained a replace line:\n%s", gomod)
	}
	log.Printf("ok: a module outside the tree builds against ldapgss and pgxgss at %s (go get, tidy, build, vet)", version)
	return nil
}
