module github.com/gssnego/gssnego/compat/ldap

go 1.26.0

replace github.com/gssnego/gssnego => ../..

require (
	github.com/go-ldap/ldap/v3 v3.4.15
	github.com/gssnego/gssnego v0.0.0-00010101000000-000000000000
)

require (
	github.com/Azure/go-ntlmssp v0.1.1 // indirect
	github.com/alexbrainman/sspi v0.0.0-20250919150558-7d374ff0d59e // indirect
	github.com/go-asn1-ber/asn1-ber v1.5.8 // indirect
	github.com/google/uuid v1.6.0 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
