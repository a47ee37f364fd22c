package mssqlgss

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/microsoft/go-mssqldb/msdsn"
)

// defaultPort is SQL Server's TCP port, which go-mssqldb assumes when the
// connection string names none.
const defaultPort = 1433

// SPN returns the service principal name the login is for: the connection
// string's ServerSPN, else the one go-mssqldb's dialer sets —
// "MSSQLSvc/host:instance" for a named instance, else "MSSQLSvc/host:port", with a loopback IP address replaced by this machine's
// host name. The driver always fills ServerSPN before asking for an
// authenticator; the fallback serves callers that parse a connection
// string themselves.
func SPN(cfg msdsn.Config) string {
	if cfg.ServerSPN != "" {
		return cfg.ServerSPN
	}
	host := cfg.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		host, _ = os.Hostname()
	}
	suffix := cfg.Instance // go-mssqldb prefers the instance name, even with a port
	if suffix == "" {
		port := cfg.Port
		if port == 0 {
			port = defaultPort
		}
		suffix = strconv.FormatUint(port, 10)
	}
	return fmt.Sprintf("MSSQLSvc/%s:%s", host, suffix)
}
