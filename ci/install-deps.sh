#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need. Idempotent: apt
# runs only when something is missing. Extra package groups are added by
# the callers that need them (e.g. `install-deps.sh wine`).
set -euo pipefail

groups=("${@:-base}")
pkgs=()
for g in "${groups[@]}"; do
  case "$g" in
    base) # MIT build + KDC, Heimdal build, an independent MIT peer, NTLM mech, leak check
      pkgs+=(gcc pkg-config libkrb5-dev krb5-kdc krb5-admin-server krb5-user
             heimdal-multidev python3-gssapi gss-ntlmssp valgrind) ;;
    wine) # the Windows build's tests under Wine, and the ProcessPrng shim (ci/wine.sh)
      pkgs+=(wine64 wine gcc-mingw-w64-x86-64-win32) ;;
    samba) # a real Samba AD DC and its SPNEGO helper (internal/sambadc); samba-ad-provision is only a Recommends but provisioning needs it
      pkgs+=(samba samba-ad-dc samba-ad-provision winbind smbclient ldap-utils krb5-user iproute2) ;;
    apache) # Apache httpd + mod_auth_gssapi as an HTTP Negotiate peer (internal/apache); not the apache2 metapackage (a system service)
      pkgs+=(apache2-bin libapache2-mod-auth-gssapi curl) ;;
    browser) # headless Chromium as an HTTP Negotiate client (negotiate/httpauth); it dlopens the system libgssapi_krb5
      pkgs+=(chromium) ;;
    *) echo "install-deps.sh: unknown group $g" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
