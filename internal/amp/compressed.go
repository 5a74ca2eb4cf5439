package amp

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Evennia's Compressed argument splits the raw data into pieces of at
// most 65535 bytes and zlibs each piece on its own into one field: name,
// then name.2, name.3, ... The receiver inflates the fields in that order
// until a number is missing and joins the results.

// Compressor writes Compressed arguments, reusing its zlib state and
// buffers. The zero value compresses at zlib.BestSpeed: Evennia's
// payloads are mostly a few hundred bytes, which every level shrinks
// alike, and resetting the deflater is most of the cost (BestSpeed takes
// half the time of the default level or of Evennia's 9).
type Compressor struct {
	zw       *zlib.Writer
	level    int
	levelSet bool
	out      []byte // the compressed pieces, back to back
	keys     []byte // "name.2", "name.3", ... back to back
	ends     []int  // where each piece ends in out
	keyEnds  []int  // where each piece's key ends in keys
}

// NewCompressor returns a compressor at a zlib level (Evennia uses
// zlib.BestCompression; any level inflates the same).
func NewCompressor(level int) (*Compressor, error) {
	if level < zlib.HuffmanOnly || level > zlib.BestCompression {
		return nil, fmt.Errorf("zlib level %d: out of range", level)
	}
	return &Compressor{level: level, levelSet: true}, nil
}

// AppendArgument appends to b the fields of the Compressed argument name
// with the given data, and returns the extended box. The new fields'
// bytes belong to c and are valid until c's next call. Data in pieces of
// 65535 bytes, as Evennia cuts it; a piece that does not compress below
// 65536 bytes is cut in two (Evennia cannot send such data at all).
func (c *Compressor) AppendArgument(b Box, name string, data []byte) (Box, error) {
	if len(name) == 0 || len(name)+11 > MaxKeyLen {
		return b, fmt.Errorf("argument name %q: %w", name, ErrKeyTooLong)
	}
	c.out, c.keys, c.ends = c.out[:0], c.keys[:0], c.ends[:0]
	for {
		piece := data[:min(len(data), MaxValueLen)]
		if err := c.compress(piece); err != nil {
			return b, err
		}
		if data = data[len(piece):]; len(data) == 0 {
			return c.fields(b, name), nil
		}
	}
}

// compress zlibs piece into out; when the result is too long for one
// field it compresses the two halves instead.
func (c *Compressor) compress(piece []byte) error {
	start := len(c.out)
	if err := c.deflate(piece); err != nil {
		return err
	}
	if len(c.out)-start <= MaxValueLen {
		c.ends = append(c.ends, len(c.out))
		return nil
	}
	c.out = c.out[:start]
	half := len(piece) / 2
	if err := c.compress(piece[:half]); err != nil {
		return err
	}
	return c.compress(piece[half:])
}

func (c *Compressor) deflate(piece []byte) error {
	w := (*appendWriter)(&c.out)
	if c.zw == nil {
		level := c.level
		if !c.levelSet {
			level = zlib.BestSpeed
		}
		zw, err := zlib.NewWriterLevel(w, level)
		if err != nil {
			return fmt.Errorf("zlib: %w", err)
		}
		c.zw = zw
	} else {
		c.zw.Reset(w)
	}
	if _, err := c.zw.Write(piece); err != nil {
		return fmt.Errorf("zlib: %w", err)
	}
	if err := c.zw.Close(); err != nil {
		return fmt.Errorf("zlib: %w", err)
	}
	return nil
}

// fields appends one field per piece, now that out no longer grows.
func (c *Compressor) fields(b Box, name string) Box {
	c.keyEnds = c.keyEnds[:0]
	for i := range c.ends {
		c.keys = append(c.keys, name...)
		if i > 0 {
			c.keys = strconv.AppendInt(append(c.keys, '.'), int64(i+1), 10)
		}
		c.keyEnds = append(c.keyEnds, len(c.keys))
	}
	start, kstart := 0, 0
	for i, end := range c.ends {
		kend := c.keyEnds[i]
		b = append(b, Field{Key: c.keys[kstart:kend:kend], Value: c.out[start:end:end]})
		kstart, start = kend, end
	}
	return b
}

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter []byte

func (w *appendWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

// Decompressor reads Compressed arguments, reusing its zlib state and
// buffer. The zero value inflates up to [DefaultMaxPayload] bytes.
type Decompressor struct {
	// Max is the most bytes an argument may inflate to (0 means
	// [DefaultMaxPayload]).
	Max int

	zr  io.ReadCloser
	src bytes.Reader
	out []byte
	key []byte
}

// Argument returns the inflated data of the Compressed argument name of
// b. The data is valid until d's next call. Fields past the first missing
// number are ignored, as Evennia ignores them.
func (d *Decompressor) Argument(b Box, name string) ([]byte, error) {
	limit := d.Max
	if limit <= 0 {
		limit = DefaultMaxPayload
	}
	if cap(d.out) > releaseAbove {
		d.out = nil
	}
	d.out = d.out[:0]
	first, ok := b.Get(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrMissingArgument)
	}
	if err := d.inflate(first, limit); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for n := 2; ; n++ {
		d.key = strconv.AppendInt(append(append(d.key[:0], name...), '.'), int64(n), 10)
		piece, ok := b.getBytes(d.key)
		if !ok {
			return d.out, nil
		}
		if err := d.inflate(piece, limit); err != nil {
			return nil, fmt.Errorf("%s: %w", d.key, err)
		}
	}
}

// inflate appends the inflated piece to out, refusing to pass limit.
func (d *Decompressor) inflate(piece []byte, limit int) error {
	d.src.Reset(piece)
	if err := d.resetReader(); err != nil {
		return err
	}
	for {
		if len(d.out) == cap(d.out) {
			if len(d.out) > limit {
				return fmt.Errorf("more than %d bytes: %w", limit, ErrPayloadTooLarge)
			}
			// Grow geometrically, asking for no more than limit+1 (one
			// byte over the limit is enough to know it is over).
			// slices.Grow may round the capacity up, by up to about a
			// quarter for large slices: out may hold that much past the
			// limit before the check above refuses it.
			grow := min(max(cap(d.out), 512), limit+1-len(d.out))
			d.out = slices.Grow(d.out, grow)
		}
		n, err := d.zr.Read(d.out[len(d.out):cap(d.out)])
		d.out = d.out[:len(d.out)+n]
		if len(d.out) > limit {
			return fmt.Errorf("more than %d bytes: %w", limit, ErrPayloadTooLarge)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCompressed, noEOF(err))
		}
	}
}

func (d *Decompressor) resetReader() error {
	if d.zr == nil {
		zr, err := zlib.NewReader(&d.src)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCompressed, noEOF(err))
		}
		d.zr = zr
		return nil
	}
	if err := d.zr.(zlib.Resetter).Reset(&d.src, nil); err != nil {
		return fmt.Errorf("%w: %w", ErrCompressed, noEOF(err))
	}
	return nil
}
