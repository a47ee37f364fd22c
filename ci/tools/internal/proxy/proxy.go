// Package proxy writes modules of the tree as a file-based module proxy (the
// GOPROXY protocol's layout: <escaped path>/@v/list, <version>.info, .mod,
// .zip), so that the go command resolves them at a release version exactly
// as it would from the real proxy after the tags are pushed: from a zip that
// holds only the module's own files, with its go.mod as committed (replace
// lines included, which the go command ignores in a dependency).
package proxy

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/gssnego/gssnego/ci/tools/internal/repo"
)

// Write adds module m at version to the proxy directory out. files are the
// tree's files (repo.Files), root the tree's directory.
func Write(out, root string, mods []repo.Module, m repo.Module, version string, files []string) error {
	mv := module.Version{Path: m.Path, Version: version}
	if err := module.Check(mv.Path, mv.Version); err != nil {
		return err
	}
	esc, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	dir := filepath.Join(out, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	var zfiles []modzip.File
	for _, f := range repo.FilesOf(mods, m.Dir, files) {
		rel := f
		if m.Dir != "." {
			rel = strings.TrimPrefix(f, m.Dir+"/")
		}
		zfiles = append(zfiles, treeFile{abs: filepath.Join(root, filepath.FromSlash(f)), rel: rel})
	}
	zipPath := filepath.Join(dir, version+".zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	// modzip.Create applies the proxy's rules: valid and case-unique
	// names, size limits, a go.mod at the top; it fails on a violation
	// rather than serving a zip the real proxy would refuse.
	if err := modzip.Create(zf, mv, zfiles); err != nil {
		zf.Close()
		return fmt.Errorf("module %s: %w", m.Path, err)
	}
	if err := zf.Close(); err != nil {
		return err
	}
	if _, err := modzip.CheckZip(mv, zipPath); err != nil {
		return fmt.Errorf("module %s: %w", m.Path, err)
	}

	gomod, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path.Join(m.Dir, "go.mod"))))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, version+".mod"), gomod, 0o644); err != nil {
		return err
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	if err := os.WriteFile(filepath.Join(dir, version+".info"), info, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "list"), []byte(version+"\n"), 0o644)
}

// treeFile is a work-tree file as modzip.File wants it.
type treeFile struct{ abs, rel string }

func (f treeFile) Path() string                 { return f.rel }
func (f treeFile) Lstat() (fs.FileInfo, error)  { return os.Lstat(f.abs) }
func (f treeFile) Open() (io.ReadCloser, error) { return os.Open(f.abs) }
