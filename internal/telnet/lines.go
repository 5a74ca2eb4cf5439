package telnet

// DefaultMaxLine is the line length limit of a [LineBuffer] whose Max is
// 0.
const DefaultMaxLine = 8192

// LineBuffer splits decoded data (the Data of [EventData] events) into
// lines. A line break is "\r\n", "\n\r", "\n" or "\r"; each of the two-byte
// pairs counts as one break, even when split across two Write calls. The
// pairs are matched left to right, so "\r\n\r\n" is two breaks and
// "a\n\r\n" is the line "a" followed by an empty line.
//
// The zero value is ready to use. A LineBuffer is not safe for concurrent
// use.
type LineBuffer struct {
	// Max bounds the length of a line, in bytes, without its line break.
	// 0 (or a negative value) means [DefaultMaxLine].
	Max int

	buf     []byte
	skip    byte // the byte that would complete the last line break's pair, or 0
	discard bool // the current line overflowed: drop bytes until a break
}

// Write consumes p and calls emit for every line completed in it, without
// its line break. Empty lines are emitted too.
//
// A line longer than Max is emitted once, as soon as it is known to be too
// long, as its first Max bytes with overflow true; the rest of it, up to
// the next line break, is discarded. So the buffered memory never exceeds
// Max bytes.
//
// line may alias p or an internal buffer: it is valid only until emit
// returns and must not be modified. emit must not call Write on the same
// LineBuffer. A nil emit discards the lines.
func (b *LineBuffer) Write(p []byte, emit func(line []byte, overflow bool)) {
	if emit == nil {
		emit = func([]byte, bool) {}
	}
	limit := b.max()
	if len(b.buf) > limit { // Max was lowered between calls
		b.buf = b.buf[:limit]
	}
	for len(p) > 0 {
		if b.skip != 0 {
			c := b.skip
			b.skip = 0
			if p[0] == c {
				p = p[1:]
				continue
			}
		}
		k := indexBreak(p)
		if k < 0 {
			b.partial(p, limit, emit)
			return
		}
		line := p[:k:k]
		if p[k] == '\r' {
			b.skip = '\n'
		} else {
			b.skip = '\r'
		}
		p = p[k+1:]
		switch {
		case b.discard:
			b.discard = false
		case len(b.buf) == 0 && len(line) > limit:
			emit(line[:limit:limit], true)
		case len(b.buf) == 0:
			emit(line, false)
		case len(b.buf)+len(line) > limit:
			b.buf = appendCapped(b.buf, line[:limit-len(b.buf)], limit)
			emit(b.buf, true)
			b.buf = b.buf[:0]
		default:
			b.buf = appendCapped(b.buf, line, limit)
			emit(b.buf, false)
			b.buf = b.buf[:0]
		}
	}
}

// partial buffers p, the start of a line without a break yet.
func (b *LineBuffer) partial(p []byte, limit int, emit func([]byte, bool)) {
	if b.discard {
		return
	}
	if len(b.buf)+len(p) > limit {
		b.buf = appendCapped(b.buf, p[:limit-len(b.buf)], limit)
		emit(b.buf, true)
		b.buf = b.buf[:0]
		b.discard = true
		return
	}
	b.buf = appendCapped(b.buf, p, limit)
}

// Pending returns the number of bytes buffered for the current, not yet
// complete, line. It is 0 while the rest of an overflowed line is being
// discarded.
func (b *LineBuffer) Pending() int { return len(b.buf) }

// Reset drops any partial line and returns b to its initial state. Max is
// kept.
func (b *LineBuffer) Reset() {
	*b = LineBuffer{Max: b.Max, buf: b.buf[:0]}
}

func (b *LineBuffer) max() int {
	if b.Max <= 0 {
		return DefaultMaxLine
	}
	return b.Max
}

// indexBreak returns the index of the first '\r' or '\n' in p, or -1.
func indexBreak(p []byte) int {
	for i, c := range p {
		if c == '\r' || c == '\n' {
			return i
		}
	}
	return -1
}
