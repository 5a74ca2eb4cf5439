package markup

// DepthFromFlags returns the colour depth Evennia's telnet door uses for
// a session with these protocol flags (Evennia's protocol_flags, as the
// telnet negotiation fills them in):
//
//	TTYPE    false or absent: the client has not answered TTYPE; assume
//	         full colour (Truecolor), whatever the other flags say
//	NOCOLOR  true: None
//	SCREENREADER true: None (and send [ScreenReader] text)
//	TRUECOLOR true: Truecolor
//	XTERM256 true: Xterm256
//	ANSI     true: ANSI16
//	none of these: None
//
// A flag is set when its value is true in Python's sense (true, a
// non-zero number, a non-empty string). Evennia can combine TRUECOLOR
// without XTERM256 (24-bit for |#rrggbb but 16 colours for |500); a
// client that shows 24-bit colour shows 256, so that is Truecolor here.
// Per-message options (Evennia's "options" kwargs) are the caller's.
func DepthFromFlags(flags map[string]any) Depth {
	if truthy(flags["NOCOLOR"]) || truthy(flags["SCREENREADER"]) {
		return None
	}
	if !truthy(flags["TTYPE"]) {
		return Truecolor
	}
	switch {
	case truthy(flags["TRUECOLOR"]):
		return Truecolor
	case truthy(flags["XTERM256"]):
		return Xterm256
	case truthy(flags["ANSI"]):
		return ANSI16
	}
	return None
}

// ScreenReaderFromFlags reports whether the session's SCREENREADER flag
// is set: such a session gets [ScreenReader] text, on telnet and on the
// web client alike.
func ScreenReaderFromFlags(flags map[string]any) bool {
	return truthy(flags["SCREENREADER"])
}

// MXPFromFlags reports whether the session's MXP flag is set: the telnet
// client accepted MXP, and gets [MXP] text.
func MXPFromFlags(flags map[string]any) bool {
	return truthy(flags["MXP"])
}

// truthy is Python's truth for the values a flag map holds.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}
