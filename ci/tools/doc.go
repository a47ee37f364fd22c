// Package tools holds the release checks of ci/test.sh, in a module of their
// own so that golang.org/x/mod never becomes a dependency of the library:
//
//   - consumer: builds a file-based module proxy from the tree (every
//     published module at the lockstep version, zipped as the real proxy
//     would serve it) and builds a throwaway program against ldapgss and
//     pgxgss from it, as a user outside the repository would;
//   - snippets: compiles every ```go block of README.md and docs/*.md.
//
// See docs/release.md.
package tools
