// Command alexpeer is sspipeer's server written with the real
// github.com/alexbrainman/sspi/negotiate; it builds on Windows only (this
// file keeps the package non-empty elsewhere).
package main
