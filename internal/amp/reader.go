package amp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
)

// readBufferSize is the size of the bufio.Reader a [Reader] puts in
// front of a stream that has none as large.
const readBufferSize = 64 << 10

// releaseAbove is the buffer capacity a [Reader] lets go of after a box,
// so that one large box does not pin its memory.
const releaseAbove = 1 << 20

// Reader reads boxes from a stream.
type Reader struct {
	r    *bufio.Reader
	lim  Limits
	buf  []byte // the current box's keys and values, back to back
	ends []int  // for each field, where its key and its value end in buf
	box  Box
	seen map[string]struct{} // duplicate check of large boxes
}

// NewReader returns a reader of the boxes in r, within lim (the zero
// value means the defaults). A *bufio.Reader of at least 64 KiB is used
// as it is; anything else is buffered.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, readBufferSize), lim: lim.orDefaults()}
}

// SetLimits changes the limits for the boxes read after it (the zero
// value means the defaults): a peer that is not yet known reads within
// small limits, and gets the larger ones once it says who it is.
func (r *Reader) SetLimits(lim Limits) { r.lim = lim.orDefaults() }

// ReadBox returns the next box. The box and its fields are valid until the
// next call ([Box.Clone] keeps one). At the end of the stream between two
// boxes it returns io.EOF; inside a box, io.ErrUnexpectedEOF. After any
// other error the stream cannot be trusted.
func (r *Reader) ReadBox() (Box, error) {
	r.release()
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	total := 2 // the end marker
	for {
		n, err := r.readLen()
		if err != nil {
			if errors.Is(err, io.EOF) && len(r.ends) == 0 {
				return nil, io.EOF
			}
			return nil, noEOF(err)
		}
		if n == 0 {
			break
		}
		if n > MaxKeyLen {
			return nil, fmt.Errorf("key of %d bytes: %w", n, ErrKeyTooLong)
		}
		if len(r.ends)/2 >= r.lim.MaxKeys {
			return nil, fmt.Errorf("more than %d keys: %w", r.lim.MaxKeys, ErrTooManyKeys)
		}
		if err := r.readField(n, &total); err != nil {
			return nil, err
		}
	}
	r.makeBox()
	if k, dup := r.box.duplicateKey(r.seenMap()); dup {
		return nil, fmt.Errorf("key %q: %w", k, ErrDuplicateKey)
	}
	return r.box, nil
}

// readField reads a key of n bytes and its value, keeping the box within
// MaxBox. Memory grows with the bytes that arrive: room for one value
// (at most 64 KiB) is made before its bytes come, and slices.Grow may
// round the buffer's capacity up by about a quarter.
func (r *Reader) readField(n int, total *int) error {
	if err := r.readBytes(n, total); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	r.ends = append(r.ends, len(r.buf))
	vn, err := r.readLen()
	if err != nil {
		return fmt.Errorf("value length: %w", noEOF(err))
	}
	if err := r.readBytes(vn, total); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	r.ends = append(r.ends, len(r.buf))
	return nil
}

// readBytes appends the next n bytes of the stream to buf, counting them
// and their 2-byte length in total.
func (r *Reader) readBytes(n int, total *int) error {
	*total += 2 + n
	if *total > r.lim.MaxBox {
		return fmt.Errorf("more than %d bytes: %w", r.lim.MaxBox, ErrBoxTooLarge)
	}
	start := len(r.buf)
	r.buf = slices.Grow(r.buf, n)[:start+n]
	if _, err := io.ReadFull(r.r, r.buf[start:]); err != nil {
		return noEOF(err)
	}
	return nil
}

// readLen reads a 2-byte big-endian length.
func (r *Reader) readLen() (int, error) {
	hi, err := r.r.ReadByte()
	if err != nil {
		return 0, err
	}
	lo, err := r.r.ReadByte()
	if err != nil {
		return 0, noEOF(err)
	}
	return int(hi)<<8 | int(lo), nil
}

// makeBox slices the fields out of buf, now that it no longer grows.
func (r *Reader) makeBox() {
	r.box = r.box[:0]
	start := 0
	for i := 0; i < len(r.ends); i += 2 {
		k, v := r.ends[i], r.ends[i+1]
		r.box = append(r.box, Field{Key: r.buf[start:k:k], Value: r.buf[k:v:v]})
		start = v
	}
}

func (r *Reader) seenMap() map[string]struct{} {
	if r.seen == nil && len(r.box) > 16 {
		r.seen = make(map[string]struct{}, len(r.box))
	}
	return r.seen
}

// release drops buffers a large box left behind.
func (r *Reader) release() {
	if cap(r.buf) > releaseAbove {
		r.buf = nil
	}
	if cap(r.box) > r.lim.MaxKeys/4 && cap(r.box) > 64 {
		r.box, r.ends, r.seen = nil, nil, nil
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
