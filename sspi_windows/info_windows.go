package sspi

import (
	"fmt"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"

	"github.com/gssnego/gssnego/gss"
)

// Inquire describes the context from the attributes SSPI offers:
// SECPKG_ATTR_NATIVE_NAMES (or NAMES) for the names, SECPKG_ATTR_FLAGS for
// the current flags, SECPKG_ATTR_NEGOTIATION_INFO for the package Negotiate
// chose, SECPKG_ATTR_KEY_INFO for the session-key enctype. An attribute the
// package does not support (Wine supports none of these) leaves its field
// at what the handshake itself returned; SessionKeyNote then says why the
// enctype is unknown.
func (c *SecContext) Inquire() (*gss.SecContextInfo, error) { return c.inquire(true) }

// InquireMech is Inquire without the names (gss.MechInquirer): the SPNEGO
// engine inquires on every handshake and decides nothing by names, and the
// names are two allocations by the package plus two FreeContextBuffer calls.
func (c *SecContext) InquireMech() (*gss.SecContextInfo, error) { return c.inquire(false) }

func (c *SecContext) inquire(names bool) (*gss.SecContextInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil || !c.h.valid {
		return nil, gss.NewError(opQueryContextAttributes, gss.StatusNoContext, 0, c.mech, "no context (closed or never started)")
	}
	info := &gss.SecContextInfo{
		Mech: c.mech, Flags: c.flags(), ExpiresAt: c.expiry,
		LocallyInitiated: c.initiator, Established: c.established,
	}
	if c.established {
		info.Flags |= gss.FlagProtReady
	}
	if names {
		if c.initiator {
			info.AcceptorName = c.targetStr
		}
		c.inquireNames(info)
	}
	if f, ret := c.queryFlags(); ret == secEOK {
		if c.initiator {
			info.Flags = ISCRetFlags(f) | info.Flags&gss.FlagProtReady
		} else {
			info.Flags = ascRetFlags(f) | info.Flags&gss.FlagProtReady
		}
	}
	pkg := c.pkg
	if c.pkg == PackageNegotiate {
		if name, ret := c.negotiatedPackage(); ret == secEOK {
			pkg = name
			if m, ok := mechForPackage(name); ok {
				info.Mech = m
			}
		}
	}
	info.SessionKeyEnctype, info.SessionKeyNote = c.keyInfo(pkg)
	return info, nil
}

func (c *SecContext) query(attr uint32, buf unsafe.Pointer) uint32 {
	return uint32(winsspi.QueryContextAttributes(&c.h.h, attr, (*byte)(buf)))
}

func (c *SecContext) inquireNames(info *gss.SecContextInfo) {
	var nn secPkgContextNativeNames
	if ret := c.query(secpkgAttrNativeNames, unsafe.Pointer(&nn)); ret == secEOK {
		info.InitiatorName = takeString(nn.ClientName)
		if s := takeString(nn.ServerName); s != "" {
			info.AcceptorName = s
		}
		return
	}
	var n secPkgContextNames
	if ret := c.query(secpkgAttrNames, unsafe.Pointer(&n)); ret == secEOK {
		info.InitiatorName = takeString(n.UserName)
	}
}

func (c *SecContext) queryFlags() (uint32, uint32) {
	var f secPkgContextFlags
	ret := c.query(secpkgAttrFlags, unsafe.Pointer(&f))
	return f.Flags, ret
}

// negotiatedPackage asks Negotiate which package it chose.
func (c *SecContext) negotiatedPackage() (string, uint32) {
	var ni secPkgContextNegotiationInfo
	if ret := c.query(secpkgAttrNegotiationInfo, unsafe.Pointer(&ni)); ret == secEOK && ni.PackageInfo != nil {
		name := utf16String(ni.PackageInfo.Name)
		winsspi.FreeContextBuffer((*byte)(unsafe.Pointer(ni.PackageInfo)))
		return name, secEOK
	}
	var pi secPkgContextPackageInfo
	ret := c.query(secpkgAttrPackageInfo, unsafe.Pointer(&pi))
	if ret != secEOK || pi.PackageInfo == nil {
		return "", ret
	}
	name := utf16String(pi.PackageInfo.Name)
	winsspi.FreeContextBuffer((*byte)(unsafe.Pointer(pi.PackageInfo)))
	return name, secEOK
}

// KeyInfo is SecPkgContext_KeyInfo: the algorithms protecting messages.
type KeyInfo struct {
	SignatureAlgorithmName string
	EncryptAlgorithmName   string
	KeySize                uint32 // bits
	SignatureAlgorithm     uint32 // Kerberos: checksum type
	EncryptAlgorithm       uint32 // Kerberos: enctype; NTLM: a CryptoAPI ALG_ID
}

// KeyInfo queries SECPKG_ATTR_KEY_INFO.
func (c *SecContext) KeyInfo() (*KeyInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opQueryContextAttributes); err != nil {
		return nil, err
	}
	ki, ret := c.queryKeyInfo()
	if ret != secEOK {
		return nil, newError(opQueryContextAttributes, ret, c.mech)
	}
	return ki, nil
}

func (c *SecContext) queryKeyInfo() (*KeyInfo, uint32) {
	var k secPkgContextKeyInfo
	if ret := c.query(secpkgAttrKeyInfo, unsafe.Pointer(&k)); ret != secEOK {
		return nil, ret
	}
	return &KeyInfo{
		SignatureAlgorithmName: takeString(k.SignatureAlgorithmName),
		EncryptAlgorithmName:   takeString(k.EncryptAlgorithmName),
		KeySize:                k.KeySize, SignatureAlgorithm: k.SignatureAlgorithm, EncryptAlgorithm: k.EncryptAlgorithm,
	}, secEOK
}

func (c *SecContext) keyInfo(pkg string) (gss.Enctype, string) {
	if !c.established {
		return gss.EnctypeUnknown, "context not established"
	}
	ki, ret := c.queryKeyInfo()
	if ret != secEOK {
		note := "SECPKG_ATTR_KEY_INFO: " + statusName(ret)
		if IsWine() {
			note += " (Wine " + WineVersion() + " does not implement it)"
		}
		return gss.EnctypeUnknown, note
	}
	if e := enctypeFromKeyInfo(pkg, ki.EncryptAlgorithm); e != gss.EnctypeUnknown {
		return e, ""
	}
	return gss.EnctypeUnknown, fmt.Sprintf("package %s reports encrypt algorithm %#x (%s), not a Kerberos enctype",
		pkg, ki.EncryptAlgorithm, ki.EncryptAlgorithmName)
}
