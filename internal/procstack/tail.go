package procstack

import (
	"bytes"
	"strings"
	"sync"
)

// DefaultTailSize is how much of a child's stderr a [Process] keeps.
const DefaultTailSize = 8 << 10

// TailBuffer is an io.Writer that keeps the last Max bytes written to
// it (all of them when Max is 0 or less): a child's log, shown when it
// fails. It is safe for concurrent use.
type TailBuffer struct {
	// Max is how many bytes it keeps.
	Max int

	// mu guards b.
	mu sync.Mutex
	b  []byte
}

// Write keeps the tail of what was written; it never fails.
func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if t.Max > 0 && len(t.b) > t.Max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.Max:]...)
	}
	return len(p), nil
}

// String is the tail kept, trimmed of surrounding space, invalid UTF-8
// (a cut through a rune) dropped.
func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(bytes.ToValidUTF8(t.b, nil)))
}
