package portal

import (
	"strings"

	"github.com/portalsim/portalsim/internal/markup"
)

// renderANSI renders the game's text for a terminal: Evennia's colour
// markup (and raw colour escapes) at depth, or the screen reader's text.
// Text with neither markup nor escapes is sent as it is: nothing to
// render, and no colour to reset.
func renderANSI(text string, depth markup.Depth, screenReader bool) string {
	if !strings.ContainsAny(text, "|\x1b{") {
		return text
	}
	if screenReader {
		return markup.ScreenReader(text)
	}
	return markup.ANSI(text, depth)
}

// colour returns the session's colour depth and whether it reads with a
// screen reader, from its protocol flags.
func (s *Session) colour() (markup.Depth, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return markup.DepthFromFlags(s.data.ProtocolFlags), markup.ScreenReaderFromFlags(s.data.ProtocolFlags)
}

// screenReader reports whether the session reads with a screen reader.
func (s *Session) screenReader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return markup.ScreenReaderFromFlags(s.data.ProtocolFlags)
}

// renderTerminal renders text for the session's terminal (telnet, SSH):
// its colour depth, or the screen reader's text.
func (s *Session) renderTerminal(text string) string {
	if s == nil {
		return renderANSI(text, markup.Truecolor, false)
	}
	depth, sr := s.colour()
	return renderANSI(text, depth, sr)
}
