package amp

import (
	"fmt"
	"slices"
)

// Evennia's AMP commands (evennia/server/portal/amp.py).
const (
	// CommandMsgPortal2Server carries a session's input to the Server
	// ([ArgPackedData]: a [Msg]).
	CommandMsgPortal2Server = "MsgPortal2Server"
	// CommandMsgServer2Portal carries output to a session ([ArgPackedData]: a [Msg]).
	CommandMsgServer2Portal = "MsgServer2Portal"
	// CommandAdminPortal2Server carries the Portal's session and restart
	// operations ([ArgPackedData]: an [Admin]).
	CommandAdminPortal2Server = "AdminPortal2Server"
	// CommandAdminServer2Portal carries the Server's session and restart
	// operations ([ArgPackedData]: an [Admin]).
	CommandAdminServer2Portal = "AdminServer2Portal"
	// CommandMsgStatus asks for the status ([ArgStatus], empty from the
	// launcher) and answers it ([ArgStatus]: a pickled [Status]). The
	// Portal also sends it unasked to the launcher after a reload.
	CommandMsgStatus = "MsgStatus"
	// CommandMsgLauncher2Portal is the launcher's instruction to the
	// Portal ([ArgOperation]: one [Operation] byte; [ArgArguments]: a
	// pickle, the Server's command line for SSTART and SRELOAD).
	CommandMsgLauncher2Portal = "MsgLauncher2Portal"
	// CommandFunctionCall asks the other process to call a function by
	// its module path ([ArgModule], [ArgFunction], [ArgArgs] and
	// [ArgKwargs], the last two pickled) and answers [ArgResult], pickled.
	// Evennia itself never sends it; a portal should refuse it.
	CommandFunctionCall = "FunctionCall"
)

// The names of Evennia's command arguments and results.
const (
	ArgPackedData = "packed_data"
	ArgOperation  = "operation"
	ArgArguments  = "arguments"
	ArgStatus     = "status"
	ArgModule     = "module"
	ArgFunction   = "function"
	ArgArgs       = "args"
	ArgKwargs     = "kwargs"
	ArgResult     = "result"
)

// ArgType is how an argument's value is carried.
type ArgType uint8

// The argument types Evennia uses.
const (
	// ArgString is AMP's String: the value's bytes as they are.
	ArgString ArgType = iota + 1
	// ArgCompressed is Evennia's Compressed: zlib pieces over
	// name, name.2, ... (see [Decompressor]).
	ArgCompressed
)

// Argument names one argument or result of a command and its type.
type Argument struct {
	Name string
	Type ArgType
}

// CommandSpec is what Evennia declares for one of its commands.
type CommandSpec struct {
	Name      string
	Arguments []Argument
	Response  []Argument
}

var packedArgs = []Argument{{ArgPackedData, ArgCompressed}}

var commandSpecs = []CommandSpec{
	{Name: CommandMsgPortal2Server, Arguments: packedArgs},
	{Name: CommandMsgServer2Portal, Arguments: packedArgs},
	{Name: CommandAdminPortal2Server, Arguments: packedArgs},
	{Name: CommandAdminServer2Portal, Arguments: packedArgs},
	{Name: CommandMsgStatus, Arguments: []Argument{{ArgStatus, ArgString}}, Response: []Argument{{ArgStatus, ArgString}}},
	{Name: CommandMsgLauncher2Portal, Arguments: []Argument{{ArgOperation, ArgString}, {ArgArguments, ArgString}}},
	{Name: CommandFunctionCall, Arguments: []Argument{
		{ArgModule, ArgString}, {ArgFunction, ArgString}, {ArgArgs, ArgString}, {ArgKwargs, ArgString},
	}, Response: []Argument{{ArgResult, ArgString}}},
}

// LookupCommand returns Evennia's declaration of the command name: a
// copy, which the caller may change.
func LookupCommand(name []byte) (CommandSpec, bool) {
	for _, c := range commandSpecs {
		if c.Name == string(name) {
			c.Arguments = slices.Clone(c.Arguments)
			c.Response = slices.Clone(c.Response)
			return c, true
		}
	}
	return CommandSpec{}, false
}

// Operation is the one-character code of an Admin* operation (the
// "operation" kwarg, a one-character str) or of a launcher instruction
// (MsgLauncher2Portal's operation, one byte).
type Operation byte

// Evennia's operations, by the names in its amp.py.
const (
	OpPortalConnect       Operation = 0x01 // PCONN: the Portal has a new session (sessiondata)
	OpPortalDisconnect    Operation = 0x02 // PDISCONN: a session closed on the Portal
	OpPortalSync          Operation = 0x03 // PSYNC: the Server asks for the sessions (spid, info_dict); the Portal answers with them (server_restart_mode, sessiondata, portal_start_time)
	OpServerLogin         Operation = 0x04 // SLOGIN: a session logged in (sessiondata: logged_in, uid)
	OpServerDisconnect    Operation = 0x05 // SDISCONN: the Server closes a session (reason)
	OpServerDisconnectAll Operation = 0x06 // SDISCONNALL: the Server closes every session (reason)
	// OpServerShutdownOld is the first value amp.py gives SSHUTD; it
	// redefines SSHUTD as 0x11 a few lines later, so 0x07 is never sent.
	OpServerShutdownOld   Operation = 0x07
	OpServerSync          Operation = 0x08 // SSYNC: the Server pushes session data (sessiondata, clean)
	OpServerConnect       Operation = 0x0b // SCONN: the Server asks for an outbound protocol (protocol_path, config)
	OpPortalConnSync      Operation = 0x0c // PCONNSYNC: a session's Portal-side data changed (sessiondata: those fields only)
	OpPortalDisconnectAll Operation = 0x0d // PDISCONNALL: the Portal closes every session
	OpServerReload        Operation = 0x0e // SRELOAD: reload the Server (server_restart_mode from the Portal)
	OpServerStart         Operation = 0x0f // SSTART: the launcher asks the Portal to start the Server
	OpPortalShutdown      Operation = 0x10 // PSHUTD: stop the Server, then the Portal
	OpServerShutdown      Operation = 0x11 // SSHUTD: stop the Server only
	OpStatus              Operation = 0x12 // PSTATUS: the launcher's status query (sent as MsgStatus)
	OpServerReset         Operation = 0x13 // SRESET: reset the Server (server_restart_mode from the Portal)
)

var opNames = map[Operation]string{
	OpPortalConnect: "PCONN", OpPortalDisconnect: "PDISCONN", OpPortalSync: "PSYNC",
	OpServerLogin: "SLOGIN", OpServerDisconnect: "SDISCONN", OpServerDisconnectAll: "SDISCONNALL",
	OpServerShutdownOld: "SSHUTD(7)", OpServerSync: "SSYNC", OpServerConnect: "SCONN",
	OpPortalConnSync: "PCONNSYNC", OpPortalDisconnectAll: "PDISCONNALL", OpServerReload: "SRELOAD",
	OpServerStart: "SSTART", OpPortalShutdown: "PSHUTD", OpServerShutdown: "SSHUTD",
	OpStatus: "PSTATUS", OpServerReset: "SRESET",
}

// String returns Evennia's name for the operation.
func (o Operation) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("OP(0x%02x)", byte(o))
}

// Valid reports whether o is one of Evennia's operations.
func (o Operation) Valid() bool {
	_, ok := opNames[o]
	return ok
}
