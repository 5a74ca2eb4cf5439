package sshdoor

import "unicode/utf8"

// The control keys the line editor knows (Evennia's ssh.py keys, and the
// terminal's Enter, Backspace and Escape).
const (
	keyCtrlC     = 0x03 // clears the line (Evennia: KeyboardInterrupt)
	keyCtrlD     = 0x04 // quits on an empty line, beeps otherwise
	keyBackspace = 0x08
	keyTab       = 0x09
	keyLF        = 0x0a
	keyCR        = 0x0d
	keyEsc       = 0x1b
	keyCtrlBksl  = 0x1c // quits
	keyDelete    = 0x7f // what most terminals send for Backspace
)

// EventKind is what a [LineEditor] reports.
type EventKind uint8

const (
	// EventLine is a line the player entered, without its line end.
	EventLine EventKind = iota + 1
	// EventLongLine is a line longer than [LineEditor.Max], discarded.
	EventLongLine
	// EventQuit is the player asking to leave: Ctrl-D on an empty line, or Ctrl-\.
	EventQuit
	// EventEcho is what to write back to the terminal (with
	// [LineEditor.Echo]): reported before the event the keys made, if
	// any, and at the end of each [LineEditor.Feed].
	EventEcho
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventLine:
		return "line"
	case EventLongLine:
		return "long-line"
	case EventQuit:
		return "quit"
	case EventEcho:
		return "echo"
	}
	return "unknown"
}

// Event is one thing a [LineEditor] reports.
type Event struct {
	Kind EventKind
	// Line is the line of an [EventLine] or the bytes of an [EventEcho],
	// valid only during the callback that receives it.
	Line []byte
}

// escState tracks an escape sequence being skipped (arrow keys and such
// send ESC [ A: they must not land in the line).
type escState uint8

const (
	escNone  escState = iota
	escStart          // after ESC
	escSeq            // after ESC [ or ESC O: parameters until a final byte
)

// LineEditor turns the keys a player types on an SSH terminal into lines:
// printable text (UTF-8) is kept and echoed, Backspace removes the last
// character, Ctrl-C clears the line, Ctrl-D on an empty line quits (it
// beeps otherwise), Ctrl-\ quits, Enter (CR, LF or CR LF) ends the line.
// Escape sequences (arrow keys, function keys) and other control
// characters are dropped. A line longer than Max bytes is discarded when
// it ends, reported as [EventLongLine]; the editor beeps once and stops
// echoing when it overflows. The zero value is usable: no bound, no echo.
type LineEditor struct {
	// Max bounds a line in bytes; 0 or negative: no bound.
	Max int
	// Echo makes the editor echo what is typed (a PTY: the client's
	// terminal is raw, the server echoes). Without a PTY the client
	// edits and echoes its lines itself.
	Echo bool

	buf      []byte
	echoBuf  []byte // echo not yet reported
	overflow bool
	afterCR  bool // an LF right after a CR ends no second line
	esc      escState
}

// Feed handles bytes the client sent, calling emit for each event in
// order; the echo of the keys before an event is reported before it.
func (e *LineEditor) Feed(p []byte, emit func(Event)) {
	for _, b := range p {
		afterCR := e.afterCR
		e.afterCR = false
		if e.esc != escNone && e.skipEscape(b) {
			continue
		}
		switch {
		case b == keyCR || b == keyLF:
			if b == keyLF && afterCR {
				continue
			}
			e.afterCR = b == keyCR
			e.echo("\r\n")
			e.endLine(emit)
		case b == keyBackspace || b == keyDelete:
			e.backspace()
		case b == keyCtrlC:
			e.echo("^C\r\n")
			e.reset()
		case b == keyCtrlD && len(e.buf) == 0 && !e.overflow, b == keyCtrlBksl:
			e.emit(emit, Event{Kind: EventQuit})
		case b == keyCtrlD:
			e.echo("\a")
		case b == keyEsc:
			e.esc = escStart
		case b < 0x20 && b != keyTab:
			// other control characters: dropped
		default:
			e.add(b)
		}
	}
	e.flushEcho(emit)
}

// emit reports ev after the echo so far.
func (e *LineEditor) emit(emit func(Event), ev Event) {
	e.flushEcho(emit)
	emit(ev)
}

func (e *LineEditor) flushEcho(emit func(Event)) {
	if len(e.echoBuf) > 0 {
		emit(Event{Kind: EventEcho, Line: e.echoBuf})
		e.echoBuf = e.echoBuf[:0]
	}
	if cap(e.echoBuf) > 4096 {
		e.echoBuf = nil // a flood of keys' memory goes once it is reported
	}
}

// add appends a byte of text to the line.
func (e *LineEditor) add(b byte) {
	if e.overflow {
		return
	}
	if e.Max > 0 && len(e.buf) >= e.Max {
		e.overflow = true
		e.echo("\a")
		return
	}
	e.buf = append(e.buf, b)
	if e.Echo {
		e.echoBuf = append(e.echoBuf, b)
	}
}

// backspace removes the last character (a whole UTF-8 sequence).
func (e *LineEditor) backspace() {
	if e.overflow || len(e.buf) == 0 {
		return
	}
	n := len(e.buf) - 1
	for n > 0 && !utf8.RuneStart(e.buf[n]) && len(e.buf)-n < utf8.UTFMax {
		n--
	}
	e.buf = e.buf[:n]
	e.echo("\b \b")
}

// skipEscape consumes one byte of an escape sequence: ESC [ or ESC O,
// then parameter and intermediate bytes, then a final byte (0x40-0x7E);
// ESC and any other ASCII byte is a two-byte sequence. A byte that is not
// ASCII ends the sequence without being consumed (it is text: Alt+é
// sends ESC é), and so does a control character (it has its own meaning).
func (e *LineEditor) skipEscape(b byte) (consumed bool) {
	if b >= 0x80 || b < 0x20 {
		e.esc = escNone
		return false
	}
	switch {
	case e.esc == escStart && (b == '[' || b == 'O'):
		e.esc = escSeq
	case e.esc == escSeq && b <= 0x3f:
		// parameter or intermediate byte
	default:
		e.esc = escNone
	}
	return true
}

func (e *LineEditor) endLine(emit func(Event)) {
	if e.overflow {
		e.emit(emit, Event{Kind: EventLongLine})
	} else {
		e.emit(emit, Event{Kind: EventLine, Line: e.buf})
	}
	e.reset()
}

func (e *LineEditor) reset() {
	e.buf = e.buf[:0]
	if cap(e.buf) > 4096 {
		e.buf = nil // a long line's memory goes with it
	}
	e.overflow = false
}

func (e *LineEditor) echo(s string) {
	if e.Echo {
		e.echoBuf = append(e.echoBuf, s...)
	}
}
