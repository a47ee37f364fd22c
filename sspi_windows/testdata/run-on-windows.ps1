<#
.SYNOPSIS
  Runs the SSPI backend's tests on a Windows host joined to Active Directory.
.DESCRIPTION
  Sets the GSSNEGO_SSPI_* variables the tests read (see sspi_windows/README.md)
  from the logon session and the parameters, then runs go test with the lab
  required, so a missing variable fails instead of skipping.
.EXAMPLE
  .\sspi_windows\testdata\run-on-windows.ps1 -Spn HTTP/gssnego-test.example.com
.EXAMPLE
  .\sspi_windows\testdata\run-on-windows.ps1 -Spn HTTP/gssnego-test.example.com -AskPassword -Packages ./sspi_windows/,./negotiate/...
#>
param(
  # An SPN registered on the logged-on account (setspn -S SPN DOMAIN\user).
  [Parameter(Mandatory = $true)][string]$Spn,
  # A second SPN on the same account (optional).
  [string]$Spn2 = "",
  # Kerberos realm; default: the logon session's DNS domain, upper case.
  [string]$Realm = $env:USERDNSDOMAIN,
  # User name; default: the logged-on user.
  [string]$User = $env:USERNAME,
  # Prompt for the user's password (explicit-credential and NTLM tests).
  [switch]$AskPassword,
  # Packages to test.
  [string[]]$Packages = @("./sspi_windows/", "./negotiate/..."),
  # Extra go test arguments, e.g. -Run Kerberos.
  [string]$Run = ""
)
$ErrorActionPreference = "Stop"
if (-not $Realm) { throw "no realm: pass -Realm or log on with a domain account" }

$env:GSSNEGO_SSPI_REALM = $Realm.ToUpperInvariant()
$env:GSSNEGO_SSPI_USER = $User
$env:GSSNEGO_SSPI_SPN = $Spn
$env:GSSNEGO_SSPI_SPN2 = $Spn2
$env:GSSNEGO_REQUIRE_LAB = "1"
if ($AskPassword) {
  $secure = Read-Host -AsSecureString "Password for $User@$($env:GSSNEGO_SSPI_REALM)"
  $env:GSSNEGO_SSPI_PASSWORD = [Runtime.InteropServices.Marshal]::PtrToStringBSTR(
    [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure))
}

$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Push-Location $root
try {
  $goArgs = @("test", "-count=1", "-v")
  if ($Run) { $goArgs += @("-run", $Run) }
  & go @goArgs @Packages
  exit $LASTEXITCODE
} finally {
  Pop-Location
  Remove-Item Env:GSSNEGO_SSPI_PASSWORD -ErrorAction SilentlyContinue
}
