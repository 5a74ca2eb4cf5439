package ampbridge

import (
	"fmt"

	"github.com/portalsim/portalsim/internal/amp"
)

// Protocol flags whose shape differs between the two sides. Every other
// flag (ENCODING, ANSI, XTERM256, TRUECOLOR, CLIENTNAME, TTYPE, MXP, OOB,
// NOGOAHEAD, SCREENREADER, UTF-8, ...) is a bool, str or int on both and
// goes through as it is (values.go).
const (
	// flagScreenWidth and flagScreenHeight are {windowID: n} in Evennia
	// (naws.py; read as flags["SCREENWIDTH"][0] by the Server's
	// get_client_size, EvMore, EvMenu and Command.client_width) and the
	// root window's n on our link.
	flagScreenWidth  = "SCREENWIDTH"
	flagScreenHeight = "SCREENHEIGHT"
	// flagAutoResize is a bool on both sides, except that Evennia's
	// client_options inputfunc writes it as {0: n} (validate_size): such
	// a dict reaches the link as the bool n != 0.
	flagAutoResize = "AUTORESIZE"
)

// rootWindow is the window id of a telnet or SSH terminal in Evennia's
// size dicts.
const rootWindow = int64(0)

// flagToLink converts one flag's Python value to its link value.
// SCREENWIDTH and SCREENHEIGHT {0: n, ...} become n (other windows have
// no counterpart on the link: the [Store] keeps the whole dict for
// Evennia); a size dict without window 0 goes through as a dict.
func flagToLink(name string, v any) (any, error) {
	if d, ok := v.(amp.Dict); ok && isSizeFlag(name) {
		if n, ok := d.Get(rootWindow); ok {
			if n, ok := n.(int64); ok {
				return n, nil
			}
		}
	}
	if d, ok := v.(amp.Dict); ok && name == flagAutoResize && len(d) == 1 {
		if n, ok := d.Get(rootWindow); ok {
			if n, ok := n.(int64); ok {
				return n != 0, nil
			}
		}
	}
	out, err := toLink(v)
	if err != nil {
		return nil, fmt.Errorf("protocol flag %s: %w", name, err)
	}
	return out, nil
}

// flagToPython converts one flag's link value to its Python value:
// SCREENWIDTH and SCREENHEIGHT n become {0: n}.
func flagToPython(name string, v any) (any, error) {
	out, err := toPython(v)
	if err != nil {
		return nil, fmt.Errorf("protocol flag %s: %w", name, err)
	}
	if n, ok := out.(int64); ok && isSizeFlag(name) {
		return amp.Dict{{Key: rootWindow, Value: n}}, nil
	}
	return out, nil
}

func isSizeFlag(name string) bool { return name == flagScreenWidth || name == flagScreenHeight }

// flagsToPython converts the link's protocol flags to Evennia's dict,
// its keys sorted.
func flagsToPython(m map[string]any) (amp.Dict, error) { return mapToPython(m, flagToPython) }
