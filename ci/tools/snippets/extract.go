package main

import (
	"fmt"
	"regexp"
	"strings"
)

// Snippet is one ```go block.
type Snippet struct {
	File string // markdown file, relative to the tree
	Line int    // line of the block's first code line
	Code string
	Skip string // the reason given by a snippet-skip comment, or ""
}

var (
	skipRe    = regexp.MustCompile(`^<!--\s*snippet-skip:(.*)-->\s*$`)
	fenceRe   = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*(\\S*)")
	packageRe = regexp.MustCompile(`(?m)^package [A-Za-z_][A-Za-z0-9_]*\s*$`)
)

// Extract returns the Go snippets of a markdown file, and a problem for each
// snippet that is neither a whole Go file nor opted out with a reason, and
// for a fence left open.
func Extract(file, text string) ([]Snippet, []string) {
	var snips []Snippet
	var problems []string
	lines := strings.Split(text, "\n")
	prev := "" // the last non-blank line before a fence
	for i := 0; i < len(lines); i++ {
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			if strings.TrimSpace(lines[i]) != "" {
				prev = strings.TrimSpace(lines[i])
			}
			continue
		}
		fence, lang, open := m[2], m[3], i
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if c := fenceRe.FindStringSubmatch(lines[i]); c != nil && c[3] == "" &&
				c[2][0] == fence[0] && len(c[2]) >= len(fence) {
				closed = true
				break
			}
			body = append(body, strings.TrimPrefix(lines[i], m[1]))
		}
		if !closed {
			problems = append(problems, fmt.Sprintf("%s:%d: code block never closed", file, open+1))
		}
		if lang == "go" {
			s := Snippet{File: file, Line: open + 2, Code: strings.Join(body, "\n") + "\n"}
			if sm := skipRe.FindStringSubmatch(prev); sm != nil {
				s.Skip = strings.TrimSpace(sm[1])
				if s.Skip == "" {
					problems = append(problems, fmt.Sprintf("%s:%d: snippet-skip without a reason", file, open+1))
				}
			} else if !packageRe.MatchString(s.Code) {
				problems = append(problems, fmt.Sprintf("%s:%d: a Go snippet must be a whole file (package clause, imports, code) so that it can be compiled, or be preceded by <!-- snippet-skip: reason -->", file, open+1))
			}
			snips = append(snips, s)
		}
		prev = ""
	}
	return snips, problems
}
