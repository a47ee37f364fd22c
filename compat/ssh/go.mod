module github.com/gssnego/gssnego/compat/ssh

go 1.24.0

replace github.com/gssnego/gssnego => ../..

require (
	github.com/gssnego/gssnego v0.1.0
	golang.org/x/crypto v0.45.0
)

require (
	github.com/alexbrainman/sspi v0.0.0-20250919150558-7d374ff0d59e // indirect
	golang.org/x/sys v0.38.0 // indirect
)
