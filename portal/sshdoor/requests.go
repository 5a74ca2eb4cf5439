package sshdoor

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// MaxWindowSide is the largest terminal width or height accepted, as
// telnet's NAWS can carry it (16 bits).
const MaxWindowSide = 0xFFFF

// Window is a terminal's size in characters.
type Window struct {
	Width, Height int
}

// PtyRequest is a "pty-req" channel request (RFC 4254 6.2).
type PtyRequest struct {
	// Term is the TERM environment variable of the client ("xterm-256color").
	Term string
	// Window is the terminal's size; zero when the client does not know
	// it (OpenSSH's -tt without a terminal sends 0x0).
	Window Window
}

// ptyReqMsg and windowChangeMsg are the wire forms (RFC 4254 6.2, 6.7).
type ptyReqMsg struct {
	Term          string
	Columns, Rows uint32
	Width, Height uint32 // pixels, unused
	Modes         string
}

type windowChangeMsg struct {
	Columns, Rows uint32
	Width, Height uint32
}

// MaxTermLen bounds a pty-req's terminal name (real ones are a few
// characters: xterm-256color); the name goes to the game with the
// session's flags.
const MaxTermLen = 64

// ParsePtyRequest parses a pty-req payload. A malformed payload, a
// terminal name longer than [MaxTermLen] or not printable ASCII, or a
// side over [MaxWindowSide], is [ErrBadRequest]; a side of 0 is a size
// not known, the zero Window.
func ParsePtyRequest(payload []byte) (PtyRequest, error) {
	var m ptyReqMsg
	if err := ssh.Unmarshal(payload, &m); err != nil {
		return PtyRequest{}, fmt.Errorf("%w: pty-req: %w", ErrBadRequest, err)
	}
	if len(m.Term) > MaxTermLen || strings.IndexFunc(m.Term, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return PtyRequest{}, fmt.Errorf("%w: pty-req: a terminal name that is not up to %d printable ASCII characters", ErrBadRequest, MaxTermLen)
	}
	if m.Columns == 0 || m.Rows == 0 {
		return PtyRequest{Term: m.Term}, nil
	}
	w, err := window(m.Columns, m.Rows)
	if err != nil {
		return PtyRequest{}, fmt.Errorf("pty-req: %w", err)
	}
	return PtyRequest{Term: m.Term, Window: w}, nil
}

// ParseWindowChange parses a window-change payload. A malformed payload,
// or a side of 0 or over [MaxWindowSide], is [ErrBadRequest].
func ParseWindowChange(payload []byte) (Window, error) {
	var m windowChangeMsg
	if err := ssh.Unmarshal(payload, &m); err != nil {
		return Window{}, fmt.Errorf("%w: window-change: %w", ErrBadRequest, err)
	}
	w, err := window(m.Columns, m.Rows)
	if err != nil {
		return Window{}, fmt.Errorf("window-change: %w", err)
	}
	return w, nil
}

func window(cols, rows uint32) (Window, error) {
	if cols == 0 || rows == 0 || cols > MaxWindowSide || rows > MaxWindowSide {
		return Window{}, fmt.Errorf("%w: window %dx%d: each side must be 1 to %d", ErrBadRequest, cols, rows, MaxWindowSide)
	}
	return Window{Width: int(cols), Height: int(rows)}, nil
}

// MarshalWindowChange returns the payload of a window-change request
// (for clients and tests).
func MarshalWindowChange(w Window) []byte {
	return ssh.Marshal(windowChangeMsg{Columns: uint32(w.Width), Rows: uint32(w.Height)})
}
