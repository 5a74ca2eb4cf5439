package link

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// DefaultMaxFrame is the default largest frame accepted: far above any
// real message, low enough that garbage cannot exhaust memory.
const DefaultMaxFrame = 64 << 20

// headerLen is the 4-byte length prefix.
const headerLen = 4

// readChunk is how much of a frame's body is read (and allocated) at a
// time: memory follows the bytes actually received, not the announced length.
const readChunk = 64 << 10

// AppendFrame appends the encoded frame for m to dst.
func AppendFrame(dst []byte, m Message) ([]byte, error) {
	if !m.Op.Valid() {
		return dst, fmt.Errorf("encode %v: %w", m.Op, ErrBadOp)
	}
	body, err := json.Marshal(&m)
	if err != nil {
		return dst, fmt.Errorf("encode %v: %w", m.Op, err)
	}
	n := 1 + len(body)
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, byte(m.Op))
	return append(dst, body...), nil
}

// FrameReader decodes frames from a stream.
type FrameReader struct {
	r   io.Reader
	max int
	buf []byte
}

// NewFrameReader returns a reader of frames no larger than maxFrame bytes
// (0 means [DefaultMaxFrame]). r should be buffered.
func NewFrameReader(r io.Reader, maxFrame int) *FrameReader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &FrameReader{r: r, max: maxFrame}
}

// Read returns the next message. A frame over the limit or with an unknown
// opcode is an error after which the stream cannot be trusted.
func (f *FrameReader) Read() (Message, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		return Message{}, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n < 1 || n > f.max {
		return Message{}, fmt.Errorf("frame of %d bytes (max %d): %w", n, f.max, ErrFrameTooLarge)
	}
	// Grow the buffer as the bytes arrive rather than trusting the
	// announced length: a peer (before the handshake, anyone) that
	// announces a huge frame and sends little costs only what it sent.
	buf := f.buf[:0]
	for len(buf) < n {
		k := min(n-len(buf), readChunk)
		if cap(buf)-len(buf) < k { // double, so copying stays linear, but never past n
			nb := make([]byte, len(buf), min(max(2*cap(buf), len(buf)+k), n))
			copy(nb, buf)
			buf = nb
		}
		if _, err := io.ReadFull(f.r, buf[len(buf):len(buf)+k]); err != nil {
			return Message{}, fmt.Errorf("frame body: %w", noEOF(err))
		}
		buf = buf[:len(buf)+k]
	}
	f.buf = buf
	op := Op(buf[0])
	if !op.Valid() {
		return Message{}, fmt.Errorf("frame op %d: %w", buf[0], ErrBadOp)
	}
	var m Message
	if err := json.Unmarshal(buf[1:], &m); err != nil {
		return Message{}, fmt.Errorf("decode %v: %w", op, err)
	}
	m.Op = op
	// Keep big one-off buffers from pinning memory.
	if cap(f.buf) > 1<<20 {
		f.buf = nil
	}
	return m, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
