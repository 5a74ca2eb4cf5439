package sim

import (
	"fmt"
	"strings"
)

// cmdReload asks the server to restart, keeping players connected
// (Developers only, as every command that runs the whole game).
func cmdReload(_ *World, x *cmdCall) {
	reason := ""
	if x.args != "" {
		reason = "(Reason: " + strings.TrimRight(x.args, ".") + ") "
	}
	x.msgf(" Server restart initiated %s...", reason)
	x.n.Reload(x.args)
}

// cmdShutdown stops the game.
func cmdShutdown(_ *World, x *cmdCall) {
	text := "Server is being SHUT DOWN!"
	if x.args != "" {
		text += "\n" + x.args
	}
	x.msg(text)
	x.n.Shutdown(x.args)
}

// cmdIdle does nothing but answer (Evennia's idle is silent; our protocol needs output).
func cmdIdle(_ *World, x *cmdCall) { x.msg("Idle.") }

// cmdPy answers the dummyrunner's "py" line, which installs the echo command in Evennia.
func cmdPy(_ *World, x *cmdCall) { x.msg("Nothing to do: the echo probe is built in.") }

// cmdEcho is the dummyrunner's lag probe:
// "dummyrunner_echo_response:<args>,<unix time with 6 decimals>".
func cmdEcho(w *World, x *cmdCall) {
	t := w.now()
	x.msg(fmt.Sprintf("dummyrunner_echo_response:%s,%d.%06d", x.args, t.Unix(), t.Nanosecond()/1000))
}
