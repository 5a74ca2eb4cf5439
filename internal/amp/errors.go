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
	// ErrPayloadTooLarge is returned when an inflated argument passes
	// [Limits.MaxPayload].
	ErrPayloadTooLarge = errors.New("amp: payload too large")
)
