// Package telnet is a byte-level telnet codec (RFC 854 and friends) for the
// portal's player connections and for the load-test client.
//
// It is a leaf package: it starts no goroutines, does no I/O and logs
// nothing. Every type works on byte slices handed to it and is safe against
// hostile input: malformed sequences are reported as events, never as
// panics, and every buffer has a fixed upper bound.
//
// The pieces, in the order input flows through them:
//
//   - [Decoder] splits the raw byte stream into [Event]s: application data
//     (with IAC IAC and CR NUL undone), two-byte commands, option
//     negotiations and subnegotiations. A sequence may be split across
//     calls at any byte.
//   - [LineBuffer] turns the data events into lines, accepting CR LF, LF CR,
//     LF and CR as line breaks and bounding the line length.
//   - [DecodeText] turns a line into a string: UTF-8 if valid, else Latin-1.
//   - [Negotiator] answers DO/DONT/WILL/WONT with the RFC 1143 "Q method",
//     so negotiation never loops and every request gets an answer.
//   - [ParseNAWS] and [ParseTTYPEIs] read NAWS and TTYPE payloads;
//     [TTYPERounds] turns the three TTYPE replies of MTTS into Evennia's
//     protocol flags.
//   - [DecodeGMCP] and [DecodeMSDP] read out-of-band commands
//     ([OOBCommand]); [EncodeGMCP] and [AppendMSDP] write them.
//   - [MCCP2Reader] undoes a server's MCCP2 compression (client side);
//     [Compressor] does it (server side).
//
// For output, [AppendEscaped] prepares text for the wire (IAC doubling and
// CR LF / CR NUL line ends), and [AppendCommand], [AppendNegotiation],
// [AppendSubneg], [AppendNAWS], [AppendTTYPESend], [AppendTTYPEIs],
// [AppendMSSP], [AppendMCCP2Start], [AppendMXPStart] and
// [AppendLinemodeMode] build telnet sequences. All Append functions follow the strconv.Append
// convention: they append to dst and return the extended slice.
//
// None of the types is safe for concurrent use; each connection owns its
// own [Decoder], [LineBuffer] and [Negotiator]. Their zero values are ready
// to use.
package telnet
