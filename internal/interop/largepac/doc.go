// Package largepac measures and checks what a large PAC costs: Active
// Directory users in many groups carry service tickets of 10–50 KB (each
// group is in the PAC), the classic "header too long" failure of IIS and
// Apache. Against a real Samba AD DC (internal/sambadc) it creates users in
// N groups with one LDIF import, then drives the Go SPNEGO engine over
// gssapi_unix and our HTTP server and client (negotiate/httpauth) with
// their tickets.
//
// TestLargePACNearHeaderLimit is the pass/fail check (a token whose
// Authorization header is just under 64 KiB authenticates end to end);
// TestLargePACApache records what Apache mod_auth_gssapi does with the
// same header; BenchmarkLargePAC and TestLargePACTable (only with
// GSSNEGO_LARGEPAC_TABLE=1) are the measurements of docs/performance.md
// ("Large PACs").
//
// The tests live in their own package because the process environment
// (KRB5_CONFIG) must point at the DC before the first GSS call.
package largepac
