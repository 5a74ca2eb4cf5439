package amp

import (
	"fmt"
	"io"
)

// AppendBox appends the wire form of b to dst: each field's key and value
// with their 2-byte lengths, then the empty key that ends the box. Fields
// are written in b's order. A box that cannot be encoded (an empty key, a
// key over 255 bytes, a value over 65535) leaves dst as it was.
func AppendBox(dst []byte, b Box) ([]byte, error) {
	for _, f := range b {
		switch {
		case len(f.Key) == 0:
			return dst, ErrEmptyKey
		case len(f.Key) > MaxKeyLen:
			return dst, fmt.Errorf("key %.20q...: %w", f.Key, ErrKeyTooLong)
		case len(f.Value) > MaxValueLen:
			return dst, fmt.Errorf("value of %q (%d bytes): %w", f.Key, len(f.Value), ErrValueTooLong)
		}
	}
	for _, f := range b {
		dst = appendString16(dst, f.Key)
		dst = appendString16(dst, f.Value)
	}
	return append(dst, 0, 0), nil
}

func appendString16(dst, s []byte) []byte {
	return append(append(dst, byte(len(s)>>8), byte(len(s))), s...)
}

// Writer writes boxes to a stream, one Write call per box, reusing one
// buffer: a box costs no allocation once the buffer has grown.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a writer of boxes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteBox writes b (see [AppendBox]).
func (w *Writer) WriteBox(b Box) error {
	buf, err := AppendBox(w.buf[:0], b)
	if err != nil {
		return err
	}
	w.buf = buf
	if cap(w.buf) > releaseAbove {
		defer func() { w.buf = nil }()
	}
	_, err = w.w.Write(buf)
	return err
}
