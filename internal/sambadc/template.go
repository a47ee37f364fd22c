package sambadc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// templateFormat changes whenever the provisioning below changes, so a
// cache from an older harness is not reused.
const templateFormat = 2

// templateDir returns a provisioned DC directory for the installed Samba,
// provisioning it on first use. Provisioning takes about 4 s; the result is
// cached under os.UserCacheDir()/gssnego (or the temp dir) keyed by the
// Samba version, and guarded by a flock so parallel test binaries
// provision once. Nothing in a provisioned directory but etc/smb.conf
// names its own path, and every run writes its own smb.conf, so a copy is
// as good as a fresh provision.
func templateDir(t tools) (string, error) {
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	root = filepath.Join(root, "gssnego")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	ver, err := sambaVersion(t)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, fmt.Sprintf("samba-%s-f%d", ver, templateFormat))
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	unlock, err := lockFile(filepath.Join(root, "samba.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(done); err == nil {
		return dir, nil // another process provisioned while we waited
	}
	_ = os.RemoveAll(dir)
	tmp, err := os.MkdirTemp(root, "samba-provision-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	target := filepath.Join(tmp, "dc")
	if err := provision(t, tmp, target); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(target, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(target, dir); err != nil {
		return "", err
	}
	// Templates of other Samba versions or formats are dead weight (42 MB).
	old, _ := filepath.Glob(filepath.Join(root, "samba-*-f*"))
	for _, o := range old {
		if o != dir {
			_ = os.RemoveAll(o)
		}
	}
	return dir, nil
}

var versionRE = regexp.MustCompile(`[^A-Za-z0-9.+-]`)

func sambaVersion(t tools) (string, error) {
	out, err := exec.Command(t["samba"], "--version").Output()
	if err != nil {
		return "", fmt.Errorf("samba --version: %w", err)
	}
	v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "Version "))
	return versionRE.ReplaceAllString(v, "_"), nil
}

// provision runs samba-tool domain provision into target. The empty -s
// file keeps the host's /etc/samba/smb.conf out; the password policy is
// relaxed so a cached template never holds an expired Administrator
// password (AD's default maximum password age is 42 days); samba_spnupdate
// adds the DC's ldap/… SPNs, which the running DC's dnsupdate task would
// add but that task is switched off.
func provision(t tools, scratch, target string) error {
	empty := filepath.Join(scratch, "empty.conf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return err
	}
	steps := [][]string{
		{"domain", "provision", "-s", empty, "--use-rfc2307",
			"--realm=" + Realm, "--domain=" + Domain, "--server-role=dc",
			"--dns-backend=SAMBA_INTERNAL", "--adminpass=" + AdminPassword,
			"--host-name=" + HostName, "--targetdir=" + target,
			"--option=interfaces=lo", "--option=bind interfaces only=yes"},
		{"domain", "passwordsettings", "set", "-s", filepath.Join(target, "etc", "smb.conf"),
			"--max-pwd-age=0", "--min-pwd-age=0"},
		{"samba_spnupdate", "-s", filepath.Join(target, "etc", "smb.conf")},
	}
	for _, args := range steps {
		bin := t["samba-tool"]
		if args[0] == "samba_spnupdate" {
			bin, args = t[args[0]], args[1:]
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir = scratch
		cmd.Env = sambaEnviron()
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", filepath.Base(bin), args[0], err, lastLines(out.String(), 20))
		}
	}
	return nil
}

// copyTree copies src into the new directory dst with cp -a (sparse tdb
// files, xattrs holding the sysvol ACLs).
func copyTree(src, dst string) error {
	out, err := exec.Command("cp", "-a", "--reflink=auto", src+"/.", dst).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cp -a %s %s: %v: %s", src, dst, err, out)
	}
	return os.Remove(filepath.Join(dst, ".complete"))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
