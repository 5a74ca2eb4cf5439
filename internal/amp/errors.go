package amp

import "errors"

var (
	// ErrKeyTooLong is returned for a key longer than 255 bytes, which AMP
	// cannot carry (Twisted drops a peer that sends one).
	ErrKeyTooLong = errors.New("amp: key longer than 255 bytes")
	// ErrEmptyKey is returned when encoding a field with an empty key: on
	// the wire an empty key ends the box.
	ErrEmptyKey = errors.New("amp: empty key")
	// ErrValueTooLong is returned when encoding a value longer than 65535
	// bytes, the most a 2-byte length can say.
	ErrValueTooLong = errors.New("amp: value longer than 65535 bytes")
	// ErrTooManyKeys is returned for a box with more fields than
	// [Limits.MaxKeys].
	ErrTooManyKeys = errors.New("amp: too many keys in a box")
	// ErrBoxTooLarge is returned for a box longer than [Limits.MaxBox].
	ErrBoxTooLarge = errors.New("amp: box too large")
	// ErrDuplicateKey is returned for a box that has a key twice.
	ErrDuplicateKey = errors.New("amp: duplicate key in a box")
	// ErrBoxKind is returned for a box that is neither a command, an
	// answer nor an error.
	ErrBoxKind = errors.New("amp: box is no command, answer or error")
	// ErrMissingArgument is returned when a box lacks a field its
	// command requires.
	ErrMissingArgument = errors.New("amp: missing argument")
	// ErrCompressed is returned for a Compressed argument that does not
	// inflate (bad zlib data, truncated stream, bad checksum).
	ErrCompressed = errors.New("amp: bad compressed argument")
	// ErrPayloadTooLarge is returned when an inflated argument or a pickle
	// passes [Limits.MaxPayload].
	ErrPayloadTooLarge = errors.New("amp: payload too large")
	// ErrPickle is returned for a malformed pickle.
	ErrPickle = errors.New("amp: malformed pickle")
	// ErrPickleGlobal is returned for a pickle that names a class or a
	// function, calls one or builds an object (GLOBAL, STACK_GLOBAL,
	// REDUCE, BUILD, INST, OBJ, NEWOBJ, EXT*, PERSID): no such pickle is
	// accepted, whatever it names.
	ErrPickleGlobal = errors.New("amp: pickle names a global")
	// ErrPickleOpcode is returned for a pickle with an opcode this package
	// does not accept: text-mode opcodes Python 3 never writes at
	// protocol 5, Python 2 strings, sets, out-of-band buffers, or an
	// unknown opcode.
	ErrPickleOpcode = errors.New("amp: pickle opcode not supported")
	// ErrPickleLimit is returned for a pickle nested deeper than
	// [Limits.MaxDepth] or with more values than [Limits.MaxNodes].
	ErrPickleLimit = errors.New("amp: pickle too deep or too large")
	// ErrPythonType is returned when encoding a Go value that has no
	// Python counterpart in this package's value model.
	ErrPythonType = errors.New("amp: no python type for a value")
	// ErrIntRange is returned when encoding an int beyond what
	// [DecodePickle] accepts: -2^127 to 2^127-1 (a LONG1 of 16 bytes).
	ErrIntRange = errors.New("amp: int out of range")
	// ErrPayload is returned for a pickle whose value does not have the
	// shape of the payload asked for (a Msg that is no (sessid, dict)
	// tuple, a status that is no 6-tuple, ...).
	ErrPayload = errors.New("amp: unexpected payload shape")
)
