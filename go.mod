module github.com/gssnego/gssnego

go 1.24.0

require (
	github.com/alexbrainman/sspi v0.0.0-20250919150558-7d374ff0d59e
	github.com/stretchr/testify v1.12.1
	golang.org/x/crypto v0.45.0
	golang.org/x/sys v0.38.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
