package link

import (
	"encoding/binary"
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

// AppendFrame appends the encoded frame for m to dst (see codec.go).
// A message that cannot be encoded leaves dst as it was.
func AppendFrame(dst []byte, m Message) ([]byte, error) {
	if !m.Op.Valid() || m.Op == OpHello {
		return dst, fmt.Errorf("encode %v: %w", m.Op, ErrBadOp)
	}
	start := len(dst)
	out := append(dst, 0, 0, 0, 0, byte(m.Op))
	out, err := appendBody(out, &m)
	if err != nil {
		return dst[:start], fmt.Errorf("encode %v: %w", m.Op, err)
	}
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-headerLen))
	return out, nil
}

// FrameReader decodes frames from a stream.
type FrameReader struct {
	r     io.Reader
	max   int
	buf   []byte
	frame []byte // ReadFrame's result
	hdr   [headerLen]byte
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
	op, body, err := f.readRaw()
	if err != nil {
		return Message{}, err
	}
	m, err := decodeBody(op, body)
	f.release()
	return m, err
}

// ReadFrame returns the next frame whole, its length prefix included,
// without decoding it, for a relay that passes frames on (the handshake's
// among them, which [DecodeFrame] does not take). The slice is valid
// until the next read.
func (f *FrameReader) ReadFrame() (Op, []byte, error) {
	op, body, err := f.readRaw()
	if err != nil {
		return 0, nil, err
	}
	f.frame = binary.BigEndian.AppendUint32(f.frame[:0], uint32(len(body)+1))
	f.frame = append(append(f.frame, byte(op)), body...)
	return op, f.frame, nil
}

// DecodeFrame decodes a whole frame as [FrameReader.ReadFrame] returns it.
func DecodeFrame(frame []byte) (Message, error) {
	if len(frame) < headerLen+1 {
		return Message{}, fmt.Errorf("frame of %d bytes: %w", len(frame), ErrHandshake)
	}
	return decodeBody(Op(frame[headerLen]), frame[headerLen+1:])
}

func decodeBody(op Op, body []byte) (Message, error) {
	if op == OpHello {
		return Message{}, fmt.Errorf("a handshake frame after the handshake: %w", ErrHandshake)
	}
	m := Message{Op: op}
	if err := decodeMessage(body, &m); err != nil {
		return Message{}, fmt.Errorf("decode %v: %w", op, err)
	}
	return m, nil
}

// SetMaxFrame changes the largest frame accepted from now on (0 means
// [DefaultMaxFrame]): the handshake reads with a small one.
func (f *FrameReader) SetMaxFrame(n int) {
	if n <= 0 {
		n = DefaultMaxFrame
	}
	f.max = n
}

// readRaw returns the next frame's opcode and body. The body is valid
// until the next read.
func (f *FrameReader) readRaw() (Op, []byte, error) {
	// The header is read into f, not onto the stack: a slice handed to
	// an io.Reader escapes, and would cost an allocation per frame.
	if _, err := io.ReadFull(f.r, f.hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(f.hdr[:]))
	if n < 1 || n > f.max {
		return 0, nil, fmt.Errorf("frame of %d bytes (max %d): %w", n, f.max, ErrFrameTooLarge)
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
			return 0, nil, fmt.Errorf("frame body: %w", noEOF(err))
		}
		buf = buf[:len(buf)+k]
	}
	f.buf = buf
	op := Op(buf[0])
	if !op.Valid() {
		return 0, nil, fmt.Errorf("frame op %d: %w", buf[0], ErrBadOp)
	}
	return op, buf[1:], nil
}

// release lets go of a big one-off buffer, so it does not pin memory.
func (f *FrameReader) release() {
	if cap(f.buf) > 1<<20 {
		f.buf = nil
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
