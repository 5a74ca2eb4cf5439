package telnet

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// AppendMCCP2Start appends IAC SB MCCP2 IAC SE to dst: the last bytes a
// server sends uncompressed once the client accepted MCCP2 (DO MCCP2);
// everything after it is one zlib stream.
func AppendMCCP2Start(dst []byte) []byte {
	return append(dst, IAC, SB, byte(OptMCCP2), IAC, SE)
}

// Compressor is the server side of MCCP2: one zlib stream over all
// output from [Compressor.Start] to [Compressor.AppendEnd], each piece
// handed to [Compressor.AppendCompressed] followed by a sync flush, so
// that the client can show it at once. The zero value is ready to use,
// inactive; a Compressor is not safe for concurrent use.
type Compressor struct {
	zw  *zlib.Writer
	buf bytes.Buffer
	on  bool
}

// Active reports whether a stream is open: between Start and AppendEnd.
func (c *Compressor) Active() bool { return c.on }

// Start opens a new zlib stream; the caller must have sent
// [AppendMCCP2Start] (uncompressed) just before what it compresses
// next. Start on an active Compressor does nothing.
func (c *Compressor) Start() {
	if c.on {
		return
	}
	c.buf.Reset()
	if c.zw == nil {
		c.zw = zlib.NewWriter(&c.buf)
	} else {
		c.zw.Reset(&c.buf)
	}
	c.on = true
}

// AppendCompressed compresses p into the stream, flushes it (Z_SYNC_FLUSH)
// and appends the compressed bytes to dst. On an inactive Compressor it
// appends p as it is.
func (c *Compressor) AppendCompressed(dst, p []byte) []byte {
	if !c.on {
		return append(dst, p...)
	}
	c.buf.Reset()
	_, _ = c.zw.Write(p) // writes to a bytes.Buffer cannot fail
	_ = c.zw.Flush()
	dst = append(dst, c.buf.Bytes()...)
	c.shrink()
	return dst
}

// AppendEnd finishes the stream (the final deflate block and the zlib
// checksum, so that the client sees a proper end rather than a cut) and
// appends those bytes to dst; what follows is uncompressed again. On an
// inactive Compressor it appends nothing.
func (c *Compressor) AppendEnd(dst []byte) []byte {
	if !c.on {
		return dst
	}
	c.buf.Reset()
	_ = c.zw.Close()
	dst = append(dst, c.buf.Bytes()...)
	c.on = false
	c.shrink()
	return dst
}

// shrink drops a scratch buffer grown by one large write.
func (c *Compressor) shrink() {
	if c.buf.Cap() > 64<<10 {
		c.buf = bytes.Buffer{} // the zlib writer holds &c.buf, which stays
	}
}

// MCCP2Reader is the client side of MCCP2: it reads a server's telnet
// stream and returns it with the compression undone. It passes the bytes
// through as they come, IAC SB MCCP2 IAC SE included, and decompresses
// everything after that sequence, switching in the middle of a read
// where it falls. When the server ends the zlib stream, what follows is
// read uncompressed again (and may start another stream).
//
// It tracks just enough telnet to find the start sequence: IAC IAC in
// data and other subnegotiations are not mistaken for it. A stream that
// does not decompress is [ErrMCCP2Corrupt]. The caller must answer WILL
// MCCP2 with DO MCCP2 itself; an MCCP2Reader is not safe for concurrent use.
type MCCP2Reader struct {
	src    *bufio.Reader
	zr     io.ReadCloser // the open stream, or nil
	starts bool          // the start sequence was returned: the stream begins at the next read
	st     mccpScan
	err    error
}

// NewMCCP2Reader returns an MCCP2Reader reading from r.
func NewMCCP2Reader(r io.Reader) *MCCP2Reader {
	return &MCCP2Reader{src: bufio.NewReader(r)}
}

// Compressed reports whether the reader is inside a compressed stream
// (or about to enter one).
func (m *MCCP2Reader) Compressed() bool { return m.zr != nil || m.starts }

// Read implements io.Reader.
func (m *MCCP2Reader) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if m.starts {
			m.starts = false
			zr, err := zlib.NewReader(m.src)
			if err != nil {
				return 0, m.fail(err)
			}
			m.zr = zr
		}
		if m.zr == nil {
			return m.readPlain(p)
		}
		n, err := m.zr.Read(p)
		if errors.Is(err, io.EOF) {
			// The server ended the stream: plain bytes follow.
			m.zr = nil
			m.st = mccpScan{}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			return n, m.fail(err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// fail records err for good: a zlib stream cannot resume after an
// error. A format error is [ErrMCCP2Corrupt]; the connection ending
// inside the stream is io.ErrUnexpectedEOF; others (the socket's) are
// returned as they are.
func (m *MCCP2Reader) fail(err error) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		m.err = io.ErrUnexpectedEOF
	case errors.As(err, &ce) || errors.Is(err, zlib.ErrHeader) || errors.Is(err, zlib.ErrChecksum) || errors.Is(err, zlib.ErrDictionary):
		m.err = fmt.Errorf("%w: %w", ErrMCCP2Corrupt, err)
	default:
		m.err = err
	}
	return m.err
}

// readPlain copies uncompressed bytes into p, stopping right after a
// start sequence. It blocks only for its first byte.
func (m *MCCP2Reader) readPlain(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if n > 0 && m.src.Buffered() == 0 {
			break
		}
		b, err := m.src.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = b
		n++
		if m.st.next(b) {
			m.starts = true
			break
		}
	}
	return n, nil
}

// mccpScan follows the telnet byte stream far enough to see IAC SB
// MCCP2 IAC SE.
type mccpScan struct {
	state uint8
}

const (
	scData    = iota
	scIAC     // after IAC
	scSBOpt   // after IAC SB
	scSB      // in another subnegotiation
	scSBIAC   // after IAC in another subnegotiation
	scMCCP    // after IAC SB MCCP2
	scMCCPIAC // after IAC SB MCCP2 IAC
	scVerb    // after IAC DO/DONT/WILL/WONT
)

// next consumes b and reports whether it completed the start sequence.
func (s *mccpScan) next(b byte) bool {
	switch s.state {
	case scData:
		if b == IAC {
			s.state = scIAC
		}
	case scIAC:
		switch {
		case b == SB:
			s.state = scSBOpt
		case Verb(b).Valid():
			s.state = scVerb
		default:
			s.state = scData // IAC IAC or a two-byte command
		}
	case scVerb:
		s.state = scData
	case scSBOpt:
		if b == byte(OptMCCP2) {
			s.state = scMCCP
		} else {
			s.state = scSB
		}
	case scSB:
		if b == IAC {
			s.state = scSBIAC
		}
	case scSBIAC:
		if b == SE {
			s.state = scData
		} else {
			s.state = scSB
		}
	case scMCCP:
		if b == IAC {
			s.state = scMCCPIAC
		} else {
			s.state = scSB
		}
	case scMCCPIAC:
		if b == SE {
			s.state = scData
			return true
		}
		s.state = scSB
	}
	return false
}
