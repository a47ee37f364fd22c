// Command snippets compiles every Go snippet of README.md and docs/*.md, so
// that what a user copies from the documentation builds against the API of
// the tree it ships with.
//
// A snippet is a fenced block opened by a line "```go" and must be a whole Go
// file: a package clause, its imports, and code (a fragment cannot be
// type-checked: its imports and surrounding declarations are unknown). A
// block that must stay a fragment opts out with an HTML comment, invisible
// in rendered markdown, on the line right before the fence, giving a reason:
//
//	<!-- snippet-skip: shows the shape of the output, not a program -->
//
// Each snippet becomes one package of a temporary module that requires every
// published module of the tree with a replace line to its directory, and is
// checked with go build and go vet for Linux and Windows. Errors are reported
// at the markdown file and line (a //line directive heads each file).
//
// Usage (from ci/tools): go run ./snippets [-keep]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gssnego/gssnego/ci/tools/internal/repo"
)

func main() {
	keep := flag.Bool("keep", false, "keep the temporary module")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("snippets: ")
	if err := run(*keep); err != nil {
		log.Fatal(err)
	}
}

// isDoc reports whether a tree file is documentation whose snippets are
// checked.
func isDoc(f string) bool {
	return f == "README.md" || path.Dir(f) == "docs" && strings.HasSuffix(f, ".md")
}

func run(keep bool) error {
	tree, err := repo.Load()
	if err != nil {
		return err
	}
	root, files, mods, version := tree.Root, tree.Files, tree.Modules, tree.Version

	var snips []Snippet
	var problems []string
	for _, f := range files {
		if !isDoc(f) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		s, errs := Extract(f, string(data))
		snips = append(snips, s...)
		problems = append(problems, errs...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}

	tmp, err := os.MkdirTemp("", "gssnego-snippets-")
	if err != nil {
		return err
	}
	if keep {
		log.Printf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	gomod := "module example.com/gssnegosnippets\n\ngo 1.24.0\n\nrequire (\n"
	for _, m := range mods {
		if m.Published {
			gomod += fmt.Sprintf("\t%s %s\n", m.Path, version)
		}
	}
	gomod += ")\n\n"
	for _, m := range mods {
		if m.Published {
			gomod += fmt.Sprintf("replace %s => %s\n", m.Path, filepath.Join(root, filepath.FromSlash(m.Dir)))
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	checked, skipped := 0, 0
	for i, s := range snips {
		if s.Skip != "" {
			skipped++
			continue
		}
		dir := filepath.Join(tmp, fmt.Sprintf("s%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		src := fmt.Sprintf("//line %s:%d\n%s", filepath.Join(root, filepath.FromSlash(s.File)), s.Line, s.Code)
		if err := os.WriteFile(filepath.Join(dir, "snippet.go"), []byte(src), 0o644); err != nil {
			return err
		}
		checked++
	}
	env := []string{"GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local"}
	for _, s := range [][]string{
		{"go", "mod", "tidy"},
		{"go", "build", "./..."},
		{"go", "vet", "./..."},
		{"GOOS=windows", "go", "vet", "./..."},
	} {
		e := env
		if strings.Contains(s[0], "=") {
			e, s = append(append([]string(nil), env...), s[0]), s[1:]
		}
		if _, err := repo.Run(tmp, e, s[0], s[1:]...); err != nil {
			return err
		}
	}
	log.Printf("ok: %d Go snippets of README.md and docs/*.md build and vet (Linux, Windows); %d opted out", checked, skipped)
	return nil
}
