package telnet

import "errors"

var (
	// ErrSubnegTooLong is reported (as an [EventError]) when a
	// subnegotiation payload exceeds [Decoder.MaxSubneg]. The payload is
	// dropped; decoding resumes after the closing IAC SE.
	ErrSubnegTooLong = errors.New("telnet: subnegotiation too long")
	// ErrMalformedSubneg is reported when, inside IAC SB … IAC SE, an IAC
	// is followed by a byte other than IAC or SE, or when a subnegotiation
	// has no option byte (IAC SB IAC SE). The subnegotiation is dropped and
	// the IAC and the byte after it are read as an ordinary command.
	ErrMalformedSubneg = errors.New("telnet: malformed subnegotiation")
	// ErrUnknownCommand is reported for IAC followed by a byte that is no
	// telnet command (0-238). Both bytes are dropped.
	ErrUnknownCommand = errors.New("telnet: unknown command")
	// ErrUnexpectedSE is reported for IAC SE outside a subnegotiation.
	// Both bytes are dropped.
	ErrUnexpectedSE = errors.New("telnet: SE outside subnegotiation")
)

var (
	// ErrMalformedMSDP is returned by [DecodeMSDP] for a payload that is
	// no MSDP structure: a table or array left open or closed where none
	// is open, a VAR without a name, data before the first VAR.
	ErrMalformedMSDP = errors.New("telnet: malformed MSDP")
	// ErrMSDPTooDeep is returned by [DecodeMSDP] for tables and arrays
	// nested deeper than [MaxMSDPDepth].
	ErrMSDPTooDeep = errors.New("telnet: MSDP nested too deeply")
	// ErrMCCP2Corrupt is returned by [MCCP2Reader] when the compressed
	// stream cannot be decompressed; the connection cannot go on.
	ErrMCCP2Corrupt = errors.New("telnet: corrupt MCCP2 stream")
)
