package floor

import (
	"bufio"
	"errors"
)

// DefaultMaxLine is the longest line either side keeps, in bytes: a
// longer one is cut to it (the rest, up to its LF, is read and dropped)
// and counted.
const DefaultMaxLine = 4096

// lineReader reads LF-terminated lines of at most max bytes.
type lineReader struct {
	br      *bufio.Reader
	scratch []byte // a cut line's kept part
}

func newLineReader(br *bufio.Reader) *lineReader { return &lineReader{br: br} }

// next returns the next line without its LF (nor a CR before it, when
// dropCR), valid until the next call; cut says the line was longer than
// the reader's buffer and only its start is returned. A last line with
// no LF is returned with the error that ended it.
func (r *lineReader) next(dropCR bool) (line []byte, cut bool, err error) {
	line, err = r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.scratch = append(r.scratch[:0], line...)
		cut = true
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n') // drop the rest of the line
		}
		line = r.scratch
		if err == nil {
			return line, cut, nil
		}
	}
	if err != nil {
		return nil, cut, err // a last line without LF is dropped with the connection
	}
	line = line[:len(line)-1]
	if dropCR && len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, cut, nil
}
