package telnet

import "strconv"

// Telnet command bytes (RFC 854; EOR from RFC 885). They are untyped
// constants, so they can be used as a byte, as a [Verb] (DO, DONT, WILL,
// WONT) and compared with [Event.Cmd] without conversion.
const (
	// IAC ("interpret as command") starts every telnet command; IAC IAC
	// is a literal 0xFF data byte.
	IAC = 255
	// DONT demands that the peer stop using, or not start using, an option.
	DONT = 254
	// DO asks the peer to use an option.
	DO = 253
	// WONT refuses to use, or stops using, an option.
	WONT = 252
	// WILL offers to use an option.
	WILL = 251
	// SB starts a subnegotiation: IAC SB option payload IAC SE.
	SB = 250
	// GA is "go ahead", sent by MUDs after a prompt.
	GA = 249
	// EL is "erase line".
	EL = 248
	// EC is "erase character".
	EC = 247
	// AYT is "are you there".
	AYT = 246
	// AO is "abort output".
	AO = 245
	// IP is "interrupt process".
	IP = 244
	// BRK is "break".
	BRK = 243
	// DM is "data mark", the data stream part of a Synch.
	DM = 242
	// NOP is "no operation", often used as a keep-alive.
	NOP = 241
	// SE ends a subnegotiation.
	SE = 240
	// EOR is "end of record" (RFC 885), an alternative prompt marker to GA.
	EOR = 239
)

// CommandName returns the name of a telnet command byte ("NOP", "GA",
// "SB", ...), or "CMD(n)" for a byte that is no command.
func CommandName(c byte) string {
	if c >= EOR {
		return commandNames[c-EOR]
	}
	return "CMD(" + strconv.Itoa(int(c)) + ")"
}

var commandNames = [...]string{
	0:          "EOR", // EOR - EOR
	SE - EOR:   "SE",
	NOP - EOR:  "NOP",
	DM - EOR:   "DM",
	BRK - EOR:  "BRK",
	IP - EOR:   "IP",
	AO - EOR:   "AO",
	AYT - EOR:  "AYT",
	EC - EOR:   "EC",
	EL - EOR:   "EL",
	GA - EOR:   "GA",
	SB - EOR:   "SB",
	WILL - EOR: "WILL",
	WONT - EOR: "WONT",
	DO - EOR:   "DO",
	DONT - EOR: "DONT",
	IAC - EOR:  "IAC",
}

// Verb is one of the four option negotiation commands DO, DONT, WILL and
// WONT; use those constants as Verb values.
type Verb byte

// Valid reports whether v is DO, DONT, WILL or WONT.
func (v Verb) Valid() bool { return v >= WILL && v <= DONT }

// String returns "DO", "DONT", "WILL" or "WONT", or "VERB(n)" for any
// other value.
func (v Verb) String() string {
	if v.Valid() {
		return CommandName(byte(v))
	}
	return "VERB(" + strconv.Itoa(int(v)) + ")"
}

// Option is a telnet option code, the byte after DO/DONT/WILL/WONT or SB.
type Option byte

// Telnet options used by MUD servers and clients.
const (
	// OptBinary is binary transmission (RFC 856).
	OptBinary Option = 0
	// OptEcho is echo (RFC 857); a server WILL ECHO to hide passwords.
	OptEcho Option = 1
	// OptSGA is suppress go-ahead (RFC 858).
	OptSGA Option = 3
	// OptTTYPE is terminal type (RFC 1091), also used for MTTS.
	OptTTYPE Option = 24
	// OptEOR is end of record (RFC 885).
	OptEOR Option = 25
	// OptNAWS is negotiate about window size (RFC 1073).
	OptNAWS Option = 31
	// OptLinemode is linemode (RFC 1184).
	OptLinemode Option = 34
	// OptNewEnviron is the new environment option (RFC 1572).
	OptNewEnviron Option = 39
	// OptCharset is charset negotiation (RFC 2066).
	OptCharset Option = 42
	// OptMSDP is the MUD Server Data Protocol.
	OptMSDP Option = 69
	// OptMSSP is the MUD Server Status Protocol.
	OptMSSP Option = 70
	// OptMCCP2 is the MUD Client Compression Protocol, version 2.
	OptMCCP2 Option = 86
	// OptMXP is the MUD eXtension Protocol.
	OptMXP Option = 91
	// OptGMCP is the Generic MUD Communication Protocol.
	OptGMCP Option = 201
)

var optionNames = map[Option]string{
	OptBinary:     "BINARY",
	OptEcho:       "ECHO",
	OptSGA:        "SGA",
	OptTTYPE:      "TTYPE",
	OptEOR:        "EOR",
	OptNAWS:       "NAWS",
	OptLinemode:   "LINEMODE",
	OptNewEnviron: "NEW-ENVIRON",
	OptCharset:    "CHARSET",
	OptMSDP:       "MSDP",
	OptMSSP:       "MSSP",
	OptMCCP2:      "MCCP2",
	OptMXP:        "MXP",
	OptGMCP:       "GMCP",
}

// String returns the option's usual name ("NAWS", "GMCP", ...), or
// "OPT(n)" for an option without a name here.
func (o Option) String() string {
	if s, ok := optionNames[o]; ok {
		return s
	}
	return "OPT(" + strconv.Itoa(int(o)) + ")"
}
