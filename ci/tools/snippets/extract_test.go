package main

import (
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	md := strings.Join([]string{
		"# Title", // 1
		"```go",   // 2
		"package main",
		"func main() {}",
		"```",
		"text",
		"<!-- snippet-skip: output shape only -->", // 7
		"",
		"```go",
		"x := 1",
		"```",
		"```sh",
		"go test ./...",
		"```",
		"```go", // 15
		"x := 2",
		"```",
		"<!-- snippet-skip: -->",
		"```go", // 19
		"y := 3",
		"```",
		"- list",
		"  ```go", // 23
		"  package p",
		"  ```",
	}, "\n")
	snips, problems := Extract("doc.md", md)
	if len(snips) != 5 {
		t.Fatalf("got %d snippets, want 5: %+v", len(snips), snips)
	}
	if s := snips[0]; s.Line != 3 || s.Code != "package main\nfunc main() {}\n" || s.Skip != "" {
		t.Errorf("snippet 0 = %+v", s)
	}
	if s := snips[1]; s.Skip != "output shape only" {
		t.Errorf("snippet 1 skip = %q", s.Skip)
	}
	if s := snips[4]; s.Code != "package p\n" || s.Line != 24 {
		t.Errorf("indented snippet = %+v", s)
	}
	want := []string{"doc.md:15: a Go snippet must be a whole file", "doc.md:19: snippet-skip without a reason"}
	if len(problems) != len(want) {
		t.Fatalf("problems = %q, want %d", problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], w)
		}
	}
}
