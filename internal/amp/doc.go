// Package amp speaks Evennia's side of the Portal<->Server link: Twisted's
// AMP box framing, Evennia's commands and their Compressed argument, and
// the pickled payloads those commands carry, mapped to typed Go values.
//
// The layers, from the wire up:
//
//   - Boxes ([Reader], [AppendBox], [Writer]): a box is a sequence of
//     key/value fields, each a 2-byte big-endian length and the bytes (keys
//     of 1..255 bytes, values of up to 65535), ended by an empty key. Fields
//     keep their wire order. The reader bounds keys per box and bytes per
//     box ([Limits]) and returns typed errors ([ErrKeyTooLong], ...).
//   - Commands (command.go, evennia.go): the _command/_ask, _answer and
//     _error boxes of AMP's request/response protocol, and the names of
//     Evennia's commands ([CommandMsgPortal2Server], ...) and arguments.
//   - Compressed arguments ([Compressor], [Decompressor]): Evennia zlibs
//     its packed_data in raw pieces of up to 65535 bytes, one field per
//     piece (name, name.2, name.3, ...); inflating is bounded.
//   - Pickles ([DecodePickle], [AppendPickle]): Python values as Evennia
//     pickles them (protocol 5). Decoding first scans the opcodes against
//     an allow-list (no opcode that names a class, calls or imports
//     anything is accepted), then runs github.com/kisielk/og-rek's
//     unpickler, then converts its result to this package's value model
//     ([Tuple], [List], [Dict], [Bytes], ...) within depth and size limits.
//     Encoding is this package's own append encoder.
//   - Payloads ([Msg], [Admin], [SessionData], [Status]): the
//     (sessid, kwargs) tuple of Evennia's Msg* and Admin* commands as typed
//     values. What a type does not model (unknown keys, values of other
//     Python types) is kept as decoded values and written back unchanged.
//
// Nothing here does I/O beyond the [Reader] and [Writer] it is given, and
// nothing is safe for concurrent use unless said: a [Reader], [Writer],
// [Compressor] or [Decompressor] belongs to one goroutine. Decoded values
// share no memory with the buffers they were decoded from.
//
// The package is a leaf: it imports nothing from the project.
package amp
