package portal

import (
	"strings"

	"github.com/portalsim/portalsim/internal/markup"
)

// The bytes that make text need rendering: markup, escapes, and for MXP
// clients the characters it escapes.
const (
	ansiSpecial = "|\x1b{"
	mxpSpecial  = ansiSpecial + "<>&"
)

// renderANSI renders the game's text for a terminal: Evennia's colour
// markup (and raw colour escapes) at depth, or the screen reader's text.
// Text with neither markup nor escapes is sent as it is: nothing to
// render, and no colour to reset.
func renderANSI(text string, depth markup.Depth, screenReader bool) string {
	if !strings.ContainsAny(text, ansiSpecial) {
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
// its colour depth, or the screen reader's text; with MXP links if the
// session accepted MXP (only telnet negotiates it). A prompt keeps no
// links, as in Evennia, whose telnet door renders prompts without them.
func (s *Session) renderTerminal(text string, prompt bool) string {
	return s.terminalRendering(text).render(text, prompt)
}

// terminalRendering is how text is rendered for the session's terminal
// (see renderTerminal): as it is, when it has nothing to render, or at
// the session's colour depth, screen reader and MXP flags. Sessions with
// the same rendering get the same bytes (a fan-out renders once).
type terminalRendering struct {
	asIs             bool
	depth            markup.Depth
	screenReader, mx bool
}

// terminalRendering returns the rendering of text for the session; a
// nil session renders in truecolour, without MXP.
func (s *Session) terminalRendering(text string) terminalRendering {
	if !strings.ContainsAny(text, mxpSpecial) {
		return terminalRendering{asIs: true} // nothing to render in any mode: most output, and the flags are not read under the lock
	}
	if s == nil {
		return terminalRendering{depth: markup.Truecolor}
	}
	s.mu.Lock()
	flags := s.data.ProtocolFlags
	r := terminalRendering{depth: markup.DepthFromFlags(flags), screenReader: markup.ScreenReaderFromFlags(flags), mx: markup.MXPFromFlags(flags)}
	s.mu.Unlock()
	return r
}

// render renders text (a prompt if prompt is set) as r says.
func (r terminalRendering) render(text string, prompt bool) string {
	switch {
	case r.asIs:
		return text
	case r.mx:
		return renderMXP(text, r.depth, r.screenReader, prompt)
	}
	return renderANSI(text, r.depth, r.screenReader)
}

// renderMXP renders text for a client that reads MXP: [markup.MXP], or,
// for a prompt or a screen reader, the text without links and with its
// < > & escaped (Evennia's mxp_parse of text whose links are gone), so
// the client never reads text as a tag.
func renderMXP(text string, depth markup.Depth, screenReader, prompt bool) string {
	if !strings.ContainsAny(text, mxpSpecial) {
		return text
	}
	if screenReader || prompt {
		return markup.EscapeMXP(renderANSI(text, depth, screenReader))
	}
	return markup.MXP(text, depth)
}
