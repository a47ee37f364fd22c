// Package repo finds the modules of the gssnego tree and checks the release
// rules of docs/release.md: every published module requires the other
// gssnego modules at one lockstep release version, and replaces nothing but
// those modules, by relative paths inside the tree (a consumer ignores a
// dependency's replace lines, so any other replace would make the in-tree
// build differ from a user's).
package repo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// RootPath is the module path of the repository's root module; every module
// of the tree lives below it.
const RootPath = "github.com/gssnego/gssnego"

// Module is one go.mod of the tree.
type Module struct {
	Dir  string // relative to the tree's root, "." for the root module
	Path string // module path
	File *modfile.File
	// Published: tagged and served to users (the root and compat/*).
	// bench/ and ci/tools are development modules and never tagged.
	Published bool
}

// Root returns the top directory of the git work tree holding the current
// directory.
func Root() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse --show-toplevel: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Files lists the files of the work tree that git would commit: tracked
// files still present, and untracked ones not ignored. Paths are slash
// separated, relative to root.
func Files(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	seen := map[string]bool{}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f))); err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink (not allowed in module zips)
		}
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}

// Modules reads every go.mod among files (testdata excluded).
func Modules(root string, files []string) ([]Module, error) {
	var mods []Module
	for _, f := range files {
		if path.Base(f) != "go.mod" || strings.Contains("/"+f, "/testdata/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		mf, err := modfile.Parse(f, data, nil)
		if err != nil {
			return nil, err
		}
		if mf.Module == nil {
			return nil, fmt.Errorf("%s: no module line", f)
		}
		dir := path.Dir(f)
		mods = append(mods, Module{
			Dir:       dir,
			Path:      mf.Module.Mod.Path,
			File:      mf,
			Published: dir == "." || strings.HasPrefix(dir, "compat/"),
		})
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Dir == "." || mods[j].Dir != "." && mods[i].Dir < mods[j].Dir })
	if len(mods) == 0 || mods[0].Dir != "." {
		return nil, fmt.Errorf("no go.mod at the root of %s", root)
	}
	return mods, nil
}

// FilesOf returns the files of files that belong to module dir: below it,
// and not below another module's directory.
func FilesOf(mods []Module, dir string, files []string) []string {
	var out []string
	for _, f := range files {
		if Owner(mods, f) == dir {
			out = append(out, f)
		}
	}
	return out
}

// Owner returns the directory of the innermost module holding file f.
func Owner(mods []Module, f string) string {
	best := ""
	for _, m := range mods {
		if m.Dir == "." {
			if best == "" {
				best = "."
			}
			continue
		}
		if strings.HasPrefix(f, m.Dir+"/") && len(m.Dir) > len(best) {
			best = m.Dir
		}
	}
	return best
}

// Lockstep checks the release rules on every module and returns the one
// version at which they require each other.
func Lockstep(mods []Module) (string, error) {
	inTree := map[string]Module{}
	for _, m := range mods {
		inTree[m.Path] = m
	}
	version := ""
	var problems []string
	for _, m := range mods {
		if m.Path != RootPath && !strings.HasPrefix(m.Path, RootPath+"/") {
			problems = append(problems, fmt.Sprintf("%s/go.mod: module %s is not below %s", m.Dir, m.Path, RootPath))
		}
		for _, r := range m.File.Require {
			if _, ok := inTree[r.Mod.Path]; !ok {
				continue
			}
			v := r.Mod.Version
			switch {
			case module.IsPseudoVersion(v):
				problems = append(problems, fmt.Sprintf("%s/go.mod: requires %s at the pseudo-version %s; require a release version (docs/release.md)", m.Dir, r.Mod.Path, v))
			case !semver.IsValid(v) || v != semver.Canonical(v):
				problems = append(problems, fmt.Sprintf("%s/go.mod: requires %s at %s, not a release version", m.Dir, r.Mod.Path, v))
			case version == "":
				version = v
			case v != version:
				problems = append(problems, fmt.Sprintf("%s/go.mod: requires %s at %s, but other modules require %s (lockstep: ci/release.sh VERSION)", m.Dir, r.Mod.Path, v, version))
			}
			if m.Published && !inTree[r.Mod.Path].Published {
				problems = append(problems, fmt.Sprintf("%s/go.mod: a published module requires the development module %s", m.Dir, r.Mod.Path))
			}
		}
		for _, r := range m.File.Replace {
			target, ok := inTree[r.Old.Path]
			want := relSlash(m.Dir, target.Dir)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s/go.mod: replaces %s, which is not a module of this tree; a user's build would ignore it", m.Dir, r.Old.Path))
			case r.New.Version != "" || path.Clean(r.New.Path) != want:
				problems = append(problems, fmt.Sprintf("%s/go.mod: replaces %s by %s, want the directory %s", m.Dir, r.Old.Path, r.New, want))
			}
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	if version == "" {
		return "", fmt.Errorf("no module requires another gssnego module: no lockstep version")
	}
	return version, nil
}

// relSlash is the relative path from module directory from to to, slash
// separated, as a replace line spells it.
func relSlash(from, to string) string {
	r, err := filepath.Rel(filepath.FromSlash(from), filepath.FromSlash(to))
	if err != nil {
		return to
	}
	r = filepath.ToSlash(r)
	if !strings.HasPrefix(r, ".") {
		r = "./" + r
	}
	return r
}

// Run runs a command in dir with env added to the environment, and returns
// its combined output in the error if it fails.
func Run(dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Run(); err != nil {
		return buf.Bytes(), fmt.Errorf("%s %s (in %s): %w\n%s", name, strings.Join(args, " "), dir, err, buf.Bytes())
	}
	return buf.Bytes(), nil
}

// Tree is the work tree as both checks see it: its root, the files git
// tracks (and the untracked ones it does not ignore), its modules and the
// lockstep version they require of each other.
type Tree struct {
	Root    string
	Files   []string
	Modules []Module
	Version string
}

// Load reads the Tree of the checkout around the working directory.
func Load() (*Tree, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	files, err := Files(root)
	if err != nil {
		return nil, err
	}
	mods, err := Modules(root, files)
	if err != nil {
		return nil, err
	}
	version, err := Lockstep(mods)
	if err != nil {
		return nil, err
	}
	return &Tree{Root: root, Files: files, Modules: mods, Version: version}, nil
}
