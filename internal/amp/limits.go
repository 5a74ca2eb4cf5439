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
	// MaxPayload is the most bytes an inflated Compressed argument may
	// have (default [DefaultMaxPayload]).
	MaxPayload int
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
	return l
}
