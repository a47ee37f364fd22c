//go:build !windows

package testrealm

import "github.com/gssnego/gssnego/gss"

// AddServiceKeys is AddService for code without a testing.TB (a TestMain
// that starts a server shared by the whole binary): it adds principal with
// random keys of etypes (default AES256 and AES128) and exports them to
// Keytab.
func (r *Realm) AddServiceKeys(principal string, etypes ...gss.Enctype) error {
	if len(etypes) == 0 {
		etypes = []gss.Enctype{gss.EnctypeAES256SHA1, gss.EnctypeAES128SHA1}
	}
	_, err := r.run(serviceScript(principal, r.Keytab, etypes...), r.tools["kadmin.local"], "-r", r.Name)
	return err
}

// AddUserPassword is AddUser without a testing.TB.
func (r *Realm) AddUserPassword(name, password string) error {
	_, err := r.run("addprinc -pw "+password+" "+name+"\n", r.tools["kadmin.local"], "-r", r.Name)
	return err
}
