package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Journal is a [Store] kept in an append-only file of JSON lines, one
// [Record] per line. Each Append is a single write(2) of one whole line and
// no fsync: the data is in the kernel once Append returns, so it survives the
// process being killed (not the machine losing power).
//
// A line cut short by a kill mid-write is skipped by Replay and reported as
// an error wrapping [ErrCorruptRecord]; OpenJournal terminates such a line so
// later records start on a line of their own.
type Journal struct {
	path string

	mu     sync.Mutex
	f      *os.File
	buf    bytes.Buffer
	enc    *json.Encoder
	needNL bool // the last write may have ended mid-line
	closed bool
}

// CorruptLineError describes a journal line that is not a valid record.
// It wraps both [ErrCorruptRecord] and the decoding error.
type CorruptLineError struct {
	Path string
	Line int
	Err  error
}

func (e *CorruptLineError) Error() string {
	return fmt.Sprintf("sim: %s:%d: corrupt journal line skipped: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns [ErrCorruptRecord] and the decoding error.
func (e *CorruptLineError) Unwrap() []error { return []error{ErrCorruptRecord, e.Err} }

// OpenJournal opens (creating it if needed) the journal file at path.
func OpenJournal(path string) (*Journal, error) {
	// 0600: the journal holds password hashes.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sim: open journal: %w", err)
	}
	// One from before 0600 was the rule is made private too.
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("sim: open journal: make it private: %w", err)
		}
	}
	j := &Journal{path: path, f: f}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	// A process killed mid-write can leave a last line without its newline;
	// end it so that the next record is not glued onto it.
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sim: open journal: %w", err)
	}
	if st.Size() > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
			f.Close()
			return nil, fmt.Errorf("sim: open journal: %w", err)
		}
		j.needNL = last[0] != '\n'
	}
	return j, nil
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Append writes rec as one JSON line.
func (j *Journal) Append(rec Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrStoreClosed
	}
	j.buf.Reset()
	if j.needNL {
		j.buf.WriteByte('\n')
	}
	if err := j.enc.Encode(rec); err != nil { // Encode adds the newline
		return fmt.Errorf("sim: journal: encode %s record: %w", rec.Op, err)
	}
	n, err := j.f.Write(j.buf.Bytes())
	if err != nil {
		j.needNL = n > 0 || j.needNL
		return fmt.Errorf("sim: journal: %w", err)
	}
	j.needNL = false
	return nil
}

// Replay reads the journal from the start and calls fn with each record.
// Lines that do not decode are skipped; after the last line Replay returns
// them as [CorruptLineError]s joined with [errors.Join] (so the result wraps
// [ErrCorruptRecord]). An error from fn or from reading the file stops the
// replay and is returned as is.
func (j *Journal) Replay(fn func(Record) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrStoreClosed
	}
	f, err := os.Open(j.path)
	if err != nil {
		return fmt.Errorf("sim: replay journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var corrupt []error
	for lineNo := 1; ; lineNo++ {
		line, readErr := r.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return fmt.Errorf("sim: replay journal: %w", readErr)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			var rec Record
			if err := json.Unmarshal(line, &rec); err != nil {
				corrupt = append(corrupt, &CorruptLineError{Path: j.path, Line: lineNo, Err: err})
			} else if err := fn(rec); err != nil {
				return err
			}
		}
		if readErr != nil { // io.EOF
			break
		}
	}
	return errors.Join(corrupt...)
}

// Close closes the file; it is idempotent.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("sim: close journal: %w", err)
	}
	return nil
}
