// Package capture finds the SPNEGO exchanges in a packet capture and
// judges each with negotiate's mechListMIC policy: which logons on a
// network ran without the protection against mechanism-list downgrade.
//
// It reads pcap and pcapng files frame by frame (its own small reader: no
// libpcap, no dependency), reassembles TCP streams (retransmissions,
// out-of-order segments and snaplen cuts tolerated, memory bounded per
// open stream), recognises carriers by content rather than port, lifts the
// tokens out of them, groups the tokens into exchanges per connection and
// runs each through a negotiate.Transcript. Carriers: HTTP (Negotiate
// headers, RFC 4559), LDAP (SASL GSS-SPNEGO and GSSAPI binds; SASL
// wrapped PDUs after the bind are counted as traffic), SMB2 and SMB1
// (NEGOTIATE and SESSION_SETUP security buffers, on 445 or over NetBIOS on
// 139), DCE/RPC (bind and alter-context auth verifiers, over TCP or inside
// SMB2 named pipes), the MSDN SSPI sockets sample (LE32-framed tokens,
// internal/sspisample) and DNS over TCP (GSS-TSIG: the tokens of TKEY
// records in GSS-API mode, RFC 3645; TSIG-signed messages counted). A connection caught mid-exchange is oriented by
// its messages, then its ports, and judged as a partial transcript; a SYN
// that does not continue a stream starts a new connection (port reuse);
// IPv4 length 0 (large-send offload) is read as the captured length. An
// exchange a peer refused right after a token that lacked its due
// mechListMIC is marked Refused; an SMB server's offer the client answered
// without SPNEGO is marked Declined. docs/audit.md says what is and is not
// reconstructed.
//
// negotiate itself never parses network traffic; this package is the only
// place that does.
package capture
