package telnet

import (
	"fmt"
	"strconv"
)

// EventKind tells what an [Event] carries.
type EventKind uint8

// The kinds of [Event] a [Decoder] emits.
const (
	// EventData is application data, in Event.Data.
	EventData EventKind = iota + 1
	// EventCommand is a two-byte command IAC Cmd (NOP, GA, AYT, ...).
	EventCommand
	// EventNegotiation is IAC Verb Opt.
	EventNegotiation
	// EventSubneg is IAC SB Opt Data IAC SE, with IAC IAC in Data undone.
	EventSubneg
	// EventError reports malformed input in Event.Err (one of the Err*
	// sentinels of this package), with Opt or Cmd set when they are known.
	EventError
)

// String returns the kind's name, e.g. "EventData".
func (k EventKind) String() string {
	switch k {
	case EventData:
		return "EventData"
	case EventCommand:
		return "EventCommand"
	case EventNegotiation:
		return "EventNegotiation"
	case EventSubneg:
		return "EventSubneg"
	case EventError:
		return "EventError"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one unit of decoded telnet input. Which fields are set depends
// on Kind; the others are zero.
//
// Data aliases memory owned by the [Decoder] or the slice passed to
// [Decoder.Decode]. It is valid only during the emit call that delivers
// the event and must not be modified; copy it to keep it.
type Event struct {
	// Kind says which of the other fields are set.
	Kind EventKind
	// Verb is set for EventNegotiation.
	Verb Verb
	// Cmd is the command byte of an EventCommand, and of an EventError
	// about a command (ErrUnknownCommand, ErrUnexpectedSE, and
	// ErrMalformedSubneg for the byte that followed IAC).
	Cmd byte
	// Opt is set for EventNegotiation and EventSubneg, and for an
	// EventError inside a subnegotiation.
	Opt Option
	// Data is the payload of EventData and EventSubneg.
	Data []byte
	// Err is set for EventError.
	Err error
}

// String formats the event for debugging and test failures.
func (e Event) String() string {
	switch e.Kind {
	case EventData:
		return fmt.Sprintf("DATA %q", e.Data)
	case EventCommand:
		return "IAC " + CommandName(e.Cmd)
	case EventNegotiation:
		return "IAC " + e.Verb.String() + " " + e.Opt.String()
	case EventSubneg:
		return fmt.Sprintf("IAC SB %v %q IAC SE", e.Opt, e.Data)
	case EventError:
		return fmt.Sprintf("ERROR opt=%v cmd=%s: %v", e.Opt, CommandName(e.Cmd), e.Err)
	}
	return e.Kind.String()
}
