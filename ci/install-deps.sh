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
             heimdal-multidev python3-gssapi gss-ntlmssp valgrind
             faketime) ;; # libfaketime: clock-skew fault tests (internal/faults)
    wine) # the Windows build's tests under Wine, and the ProcessPrng shim (ci/wine.sh)
      pkgs+=(wine64 wine gcc-mingw-w64-x86-64-win32) ;;
    samba) # a real Samba AD DC and its SPNEGO helper (internal/sambadc); samba-ad-provision is only a Recommends but provisioning needs it
      pkgs+=(samba samba-ad-dc samba-ad-provision winbind smbclient ldap-utils krb5-user iproute2) ;;
    apache) # Apache httpd + mod_auth_gssapi as an HTTP Negotiate peer (internal/apache); not the apache2 metapackage (a system service)
      pkgs+=(apache2-bin libapache2-mod-auth-gssapi curl) ;;
    browser) # headless Chromium as an HTTP Negotiate client (negotiate/httpauth); it dlopens the system libgssapi_krb5
      pkgs+=(chromium) ;;
    ldap) # OpenLDAP slapd with SASL GSSAPI for compat/ldap
      pkgs+=(slapd ldap-utils libsasl2-modules-gssapi-mit) ;;
    postgres) # PostgreSQL 15 with GSSAPI for compat/pgx
      pkgs+=(postgresql-15) ;;
    ssh) # OpenSSH client and server with gssapi-with-mic for compat/ssh
      pkgs+=(openssh-server openssh-client) ;;
    proxy) # Squid with negotiate_kerberos_auth for proxy authentication
      pkgs+=(squid) ;;
    capture) # packet captures and an independent decoder for them
      pkgs+=(tcpdump tshark) ;;
    fleet) # a shared replay cache and a load balancer in front of many acceptors (issue: fleet scale)
      pkgs+=(redis-server haproxy) ;;
    dns) # BIND with tkey-gssapi-keytab and nsupdate -g for GSS-TSIG (compat/dns)
      pkgs+=(bind9 bind9-dnsutils) ;;
    git) # git http-backend as an origin behind gssnego forward
      pkgs+=(git) ;;
    asan) # LeakSanitizer for the cgo leak check (go test -asan with clang)
      pkgs+=(clang-14 libclang-rt-14-dev) ;;
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
# Servers (slapd, sshd, squid, postgresql) must not start as system services
# when installed: the tests start their own. A policy-rc.d that refuses every
# start does that; one that is already there is left alone.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
trap '[ -z "$made_policy" ] || $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
