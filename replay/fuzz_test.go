package replay

import "testing"

// FuzzTokenKey: any input is read without panicking, and a key is found
// only in a token that holds an AP-REQ.
func FuzzTokenKey(f *testing.F) {
	for _, name := range []string{
		"mit/mit-a-default-aes256-01-i2a", "mit/mit-b-ntlm1st-krb5chosen-aes256-03-i2a",
		"mit/mit-c-ntlm1st-ntlmchosen-03-i2a", "windows/kerberosnet-http_krb_aes256_key_known-01-i2a",
		"windows/pyspnego-gssapi_kerberos-01-i2a",
	} {
		tok := loadVector(f, name)
		f.Add(tok)
		if inner := spnegoMechToken(tok); inner != nil {
			f.Add(inner)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if k1, ok := TokenKey(b); ok {
			if k2, ok2 := TokenKey(b); !ok2 || k1 != k2 {
				t.Fatal("TokenKey not deterministic")
			}
		}
	})
}
