package negotiate

import "testing"

func TestHostBasedName(t *testing.T) {
	for in, want := range map[string]string{
		"MSSQLSvc/db.example.com:1433@EXAMPLE.COM": "MSSQLSvc@db.example.com",
		"MSSQLSvc/db.example.com:inst":             "MSSQLSvc@db.example.com",
		"HTTP/[::1]:8080":                          "HTTP@::1",
		"HTTP/[::1]":                               "HTTP@::1",
		"HTTP/web":                                 "HTTP@web",
		"HTTP@web":                                 "HTTP@web",
	} {
		if got := hostBasedName(in); got != want {
			t.Errorf("hostBasedName(%q) = %q, want %q", in, got, want)
		}
	}
}
