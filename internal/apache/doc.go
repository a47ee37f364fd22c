// Package apache runs Apache httpd with mod_auth_gssapi as an HTTP Negotiate peer for tests.
package apache
