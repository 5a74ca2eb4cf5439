package amp

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
)

// The keys AMP itself puts in boxes.
const (
	// KeyCommand names the command a box asks for.
	KeyCommand = "_command"
	// KeyAsk, in a command, is the tag its answer or error will carry; a
	// command without it wants no answer.
	KeyAsk = "_ask"
	// KeyAnswer, in an answer, is the tag of the command it answers.
	KeyAnswer = "_answer"
	// KeyError, in an error, is the tag of the command that failed.
	KeyError = "_error"
	// KeyErrorCode is an error's code ([ErrorCodeUnknown], ...).
	KeyErrorCode = "_error_code"
	// KeyErrorDescription is an error's text.
	KeyErrorDescription = "_error_description"
)

// Error codes Twisted and Evennia use.
const (
	// ErrorCodeUnknown is Twisted's code for an exception a command did
	// not declare; Twisted then closes the connection.
	ErrorCodeUnknown = "UNKNOWN"
	// ErrorCodeUnhandled is Twisted's code for a command the peer has no
	// responder for.
	ErrorCodeUnhandled = "UNHANDLED"
	// ErrorCodeException is the code every Evennia command declares for
	// any exception of its responder.
	ErrorCodeException = "EXCEPTION"
)

// Kind is what a box is in AMP's request/response protocol.
type Kind uint8

// The kinds of box.
const (
	// KindCommand asks the peer to run a command ([KeyCommand]).
	KindCommand Kind = iota + 1
	// KindAnswer is a command's result ([KeyAnswer]).
	KindAnswer
	// KindError is a command's failure ([KeyError]).
	KindError
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindCommand:
		return "command"
	case KindAnswer:
		return "answer"
	case KindError:
		return "error"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Kind tells what b is, looking at its keys in the order Twisted does:
// an answer, else an error, else a command.
func (b Box) Kind() (Kind, error) {
	switch {
	case b.Has(KeyAnswer):
		return KindAnswer, nil
	case b.Has(KeyError):
		return KindError, nil
	case b.Has(KeyCommand):
		return KindCommand, nil
	}
	return 0, ErrBoxKind
}

// Command returns the name of the command b asks for ("" if none).
func (b Box) Command() []byte {
	v, _ := b.Get(KeyCommand)
	return v
}

// Tag returns the tag of b: a command's _ask (nil if it wants no answer),
// an answer's _answer or an error's _error.
func (b Box) Tag() []byte {
	for _, key := range [...]string{KeyAnswer, KeyError, KeyAsk} {
		if v, ok := b.Get(key); ok {
			return v
		}
	}
	return nil
}

// RemoteError is the failure an error box reports.
type RemoteError struct {
	// Tag is the failed command's tag.
	Tag string
	// Code is the error code ([ErrorCodeException], ...).
	Code string
	// Description is the error's text.
	Description string
}

// Error returns the code and the description.
func (e *RemoteError) Error() string {
	return fmt.Sprintf("amp: remote error %s: %s", e.Code, e.Description)
}

// RemoteError returns the failure an error box reports, or
// [ErrBoxKind] if b is no error.
func (b Box) RemoteError() (*RemoteError, error) {
	tag, ok := b.Get(KeyError)
	if !ok {
		return nil, ErrBoxKind
	}
	code, _ := b.Get(KeyErrorCode)
	desc, _ := b.Get(KeyErrorDescription)
	return &RemoteError{Tag: string(tag), Code: string(code), Description: string(desc)}, nil
}

// AppendTag appends the tag Twisted gives its n-th command on a
// connection (n counts from 1): n in lower-case hexadecimal.
func AppendTag(dst []byte, n uint64) []byte {
	return strconv.AppendUint(dst, n, 16)
}

// NewCommand returns a box that asks for the command name with the
// given arguments; tag nil asks for no answer. Its fields are in the
// order Twisted writes them, sorted by key. The box has its own copy of
// name and tag but shares the arguments' bytes.
func NewCommand(name string, tag []byte, args ...Field) Box {
	b := make(Box, 0, len(args)+2)
	b = append(b, Field{Key: []byte(KeyCommand), Value: []byte(name)})
	if tag != nil {
		b = append(b, Field{Key: []byte(KeyAsk), Value: bytes.Clone(tag)})
	}
	return sortFields(append(b, args...))
}

// NewAnswer returns the answer to the command tagged tag, with the
// given result fields, sorted by key as Twisted writes them.
func NewAnswer(tag []byte, values ...Field) Box {
	b := make(Box, 0, len(values)+1)
	b = append(b, Field{Key: []byte(KeyAnswer), Value: bytes.Clone(tag)})
	return sortFields(append(b, values...))
}

// NewError returns the error box for the command tagged tag.
func NewError(tag []byte, code, description string) Box {
	return sortFields(Box{
		{Key: []byte(KeyError), Value: bytes.Clone(tag)},
		StringField(KeyErrorCode, code),
		StringField(KeyErrorDescription, description),
	})
}

func sortFields(b Box) Box {
	slices.SortStableFunc(b, func(x, y Field) int { return bytes.Compare(x.Key, y.Key) })
	return b
}
