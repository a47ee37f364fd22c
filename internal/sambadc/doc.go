// Package sambadc runs a real Samba AD DC for tests (see README in doc below).
package sambadc
