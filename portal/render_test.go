package portal

import "testing"

// BenchmarkRenderTerminal is the per-message cost of rendering output
// for a telnet session: plain text (most of it) and text with markup.
func BenchmarkRenderTerminal(b *testing.B) {
	s := &Session{}
	s.data.ProtocolFlags = map[string]any{"TTYPE": true, "XTERM256": true, "MXP": false}
	for name, text := range map[string]string{
		"plain":  "You say, \"Hello, how are you all today?\"",
		"markup": "|cLimbo|n\nExits: |lcnorth|ltnorth|le",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_ = s.renderTerminal(text, false)
			}
		})
	}
}
