package amp

// The wire's own limits, fixed by AMP.
const (
	// MaxKeyLen is the longest key AMP carries.
	MaxKeyLen = 255
	// MaxValueLen is the longest value AMP carries; Evennia's Compressed
	// argument splits longer data over several fields.
	MaxValueLen = 65535
)

// Defaults of [Limits].
const (
	DefaultMaxKeys    = 1024
	DefaultMaxBox     = 16 << 20
	DefaultMaxPayload = 16 << 20
	DefaultMaxDepth   = 100
	DefaultMaxNodes   = 1 << 20
)

// Limits bound what a peer can make us hold. The zero value of a field
// means its default.
type Limits struct {
	// MaxKeys is the most fields a box may have (default
	// [DefaultMaxKeys]; a 16 MiB Compressed argument takes about 260).
	MaxKeys int
	// MaxBox is the most bytes a box may take on the wire, lengths and
	// Compressed pieces included (default [DefaultMaxBox]).
	MaxBox int
	// MaxPayload is the most bytes an inflated Compressed argument, and so
	// a pickle, may have (default [DefaultMaxPayload]).
	MaxPayload int
	// MaxDepth is how deep a pickled value may nest (default
	// [DefaultMaxDepth]); a self-referencing pickle hits it.
	MaxDepth int
	// MaxNodes is the most opcodes a pickle may have, and the most values
	// it may decode to with shared values counted at each use (default
	// [DefaultMaxNodes]). The unpickler holds roughly 100 bytes per
	// opcode at worst, so this bounds its memory too.
	MaxNodes int
}

// orDefaults returns l with each zero field set to its default.
func (l Limits) orDefaults() Limits {
	if l.MaxKeys <= 0 {
		l.MaxKeys = DefaultMaxKeys
	}
	if l.MaxBox <= 0 {
		l.MaxBox = DefaultMaxBox
	}
	if l.MaxPayload <= 0 {
		l.MaxPayload = DefaultMaxPayload
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	return l
}
