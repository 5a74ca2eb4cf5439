package link

import (
	"encoding/json"
	"fmt"
	"time"
)

// Version is the link protocol version, carried in every handshake
// frame. Version 4 encodes every frame after the handshake in a compact
// binary form (codec.go) instead of JSON, drops PSYNC's free-form Info
// (the authenticated Hello says who each side is) and moves SSYNC's
// PCONN sequence from Seen to ConnSeq (one meaning per field). Version 3 authenticates both sides with a shared secret before
// anything else is said (see [Conn.PortalHandshake]) and refuses a second
// server that brings no takeover token (Hello.Takeover). Version 2 added
// acknowledgements both ways and link resume (Hello.Link, Message.Link),
// SessionData.SyncRev with PCONNSYNCs carrying only the changed flags,
// and DATAOUT for several sessions (Message.Sessids).
const Version = 4

// The two roles. A side's role is part of what its handshake answer
// proves, so one side's answer can never pass for the other's.
const (
	RolePortal = "portal"
	RoleServer = "server"
)

// Restart modes carried in [Message.Mode], as Evennia names them.
const (
	ModeReload   = "reload"
	ModeReset    = "reset"
	ModeShutdown = "shutdown"
)

// Hello is what each side says about itself in the handshake, once the
// other side has proven that it knows the link secret.
type Hello struct {
	// Version is the sender's [Version].
	Version int `json:"version"`
	// RunID identifies one portal run; it changes at every portal start so a
	// server can tell an old portal's sessions from a new one's (Evennia bug 5.2).
	RunID string `json:"run_id,omitempty"`
	// PID is the sender's process id.
	PID int `json:"pid,omitempty"`
	// Started is when the sender's process (or embedded instance) started.
	Started time.Time `json:"started"`
	// Link, from the portal, numbers this link within the portal run
	// (1, 2, ...). A server that keeps running while its link is cut
	// names the link it lost by this number when it links again, so both
	// sides can resume where that link stopped (bug 5.20).
	Link uint64 `json:"link,omitempty"`
	// Timeout is how long the sender lets the peer be silent before it
	// treats the peer as unresponsive; the peer sends a heartbeat often
	// enough (a quarter of it at most). 0: never.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Takeover, from a server, is the token the portal gave the server
	// linked before it with its reload or reset (Message.Takeover): the
	// portal takes a server while another is linked only with it.
	Takeover string `json:"takeover,omitempty"`
}

// Command is one output or input instruction, Evennia's cmdname: [args, kwargs].
// On the wire it is the JSON array ["name", [args...], {kwargs}].
type Command struct {
	Name   string
	Args   []any
	Kwargs map[string]any
}

// Text returns a "text" command with one string argument.
func Text(s string) Command { return Command{Name: "text", Args: []any{s}} }

// TextData returns []Command{Text(s)}, the Data of a player's line of
// input, with the command and its argument list in one allocation.
func TextData(s string) []Command {
	cmds, args := newCommands(1)
	args[0] = s
	cmds[0] = Command{Name: "text", Args: args}
	return cmds
}

// Prompt returns a "prompt" command with one string argument.
func Prompt(s string) Command { return Command{Name: "prompt", Args: []any{s}} }

// FirstString returns Args[0] if it is a string.
func (c Command) FirstString() (string, bool) {
	if len(c.Args) == 0 {
		return "", false
	}
	s, ok := c.Args[0].(string)
	return s, ok
}

// MarshalJSON encodes c as ["name", [args], {kwargs}].
func (c Command) MarshalJSON() ([]byte, error) {
	args := c.Args
	if args == nil {
		args = []any{}
	}
	kw := c.Kwargs
	if kw == nil {
		kw = map[string]any{}
	}
	return json.Marshal([]any{c.Name, args, kw})
}

// UnmarshalJSON decodes ["name", [args], {kwargs}]; args and kwargs may be missing.
func (c *Command) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("command: %w", err)
	}
	if len(raw) == 0 {
		return fmt.Errorf("command: empty array")
	}
	var out Command
	if err := json.Unmarshal(raw[0], &out.Name); err != nil {
		return fmt.Errorf("command name: %w", err)
	}
	if len(raw) > 1 {
		if err := json.Unmarshal(raw[1], &out.Args); err != nil {
			return fmt.Errorf("command %q args: %w", out.Name, err)
		}
	}
	if len(raw) > 2 {
		if err := json.Unmarshal(raw[2], &out.Kwargs); err != nil {
			return fmt.Errorf("command %q kwargs: %w", out.Name, err)
		}
	}
	*c = out
	return nil
}

// SessionData is the synced state of one session (Evennia's SESSION_SYNC_ATTRS).
// The portal owns the protocol fields; the server owns the account fields.
type SessionData struct {
	Sessid      uint64 `json:"sessid"`
	ProtocolKey string `json:"protocol_key,omitempty"`
	Address     string `json:"address,omitempty"`
	Csessid     string `json:"csessid,omitempty"`
	Suid        string `json:"suid,omitempty"`
	// Seq is the portal's connect sequence: the order in which PCONNs were sent.
	Seq            uint64         `json:"seq,omitempty"`
	Uid            int64          `json:"uid,omitempty"`
	Uname          string         `json:"uname,omitempty"`
	LoggedIn       bool           `json:"logged_in,omitempty"`
	Puid           int64          `json:"puid,omitempty"`
	ConnTime       time.Time      `json:"conn_time"`
	CmdLast        time.Time      `json:"cmd_last"`
	CmdLastVisible time.Time      `json:"cmd_last_visible"`
	CmdTotal       int64          `json:"cmd_total,omitempty"`
	ProtocolFlags  map[string]any `json:"protocol_flags,omitempty"`
	ServerData     map[string]any `json:"server_data,omitempty"`
	CmdsetStorage  string         `json:"cmdset_storage_string,omitempty"`
	// SyncRev orders the protocol flags of the two sides (bug 5.15). The
	// portal numbers its PCONNSYNCs of a session 1, 2, ... (PCONN is 0)
	// and sends the number in each, and in its PSYNC snapshot; a server
	// keeps the number of the last one it applied and sends it back in
	// every SSYNC. The portal ignores a flag in an SSYNC that it changed
	// in a later PCONNSYNC than the one the server had applied: the
	// server's value is older, and the newer one is on its way. A
	// PCONNSYNC carries only the flags the portal changed since the
	// previous one (PCONN and PSYNC carry them all), so it never undoes a
	// server's change to another flag.
	SyncRev uint64 `json:"sync_rev,omitempty"`
}

// Message is one link frame. Which fields matter depends on Op; the
// opcode docs and the handlers say which.
type Message struct {
	// Op is carried in the frame header, not in the body.
	Op Op `json:"-"`
	// Sessid names the session for per-session operations; 0 means none.
	Sessid uint64 `json:"sessid,omitempty"`
	// Sessids, on DATAOUT, names more sessions that get the same output
	// (a message to a room or a channel): one frame instead of one per
	// session. The output goes to Sessid (if not 0) and to each of these.
	Sessids []uint64 `json:"sessids,omitempty"`
	// Session is the session data of PCONN, PCONNSYNC and SLOGIN.
	Session *SessionData `json:"session,omitempty"`
	// Sessions is the snapshot of PSYNC (portal reply) and SSYNC.
	Sessions []SessionData `json:"sessions,omitempty"`
	// Clean asks SSYNC to remove portal sessions missing from the snapshot.
	Clean bool `json:"clean,omitempty"`
	// Seen is how many messages the sender processed of a link: of this
	// one on ACK, of the earlier one named by Link on PSYNC (both ways),
	// so that the peer resends only what came after (bug 5.20).
	Seen uint64 `json:"seen,omitempty"`
	// ConnSeq, on SSYNC, is the highest PCONN sequence the server had
	// applied when it took the snapshot: a clean sync never touches newer
	// sessions (bug 5.1).
	ConnSeq uint64 `json:"conn_seq,omitempty"`
	// Link, on PSYNC, names an earlier link of the same portal run by its
	// [Hello.Link] number: the one Seen counts. 0 means none.
	Link uint64 `json:"link,omitempty"`
	// Ack, on any message from a server but ACK, acknowledges as an ACK
	// would: the sender had processed this many messages of the link when
	// it sent this one. Output thus carries the acknowledgement of the
	// input that caused it, so a client that saw an answer can never have
	// its command replayed to the next server.
	Ack uint64 `json:"ack,omitempty"`
	// Reason explains a disconnect or a restart.
	Reason string `json:"reason,omitempty"`
	// Mode is the restart mode (PSYNC reply, SRELOAD, SRESET, SSHUTD).
	Mode string `json:"mode,omitempty"`
	// Takeover, on SRELOAD and SRESET from the portal (its request, or
	// its acknowledgement of the server's), is the token the server hands
	// to its successor, who presents it in its [Hello]: the portal lets
	// it in while the old link is still open, and no other server.
	Takeover string `json:"takeover,omitempty"`
	// Data carries the commands of DATAIN and DATAOUT, in order.
	Data []Command `json:"data,omitempty"`
	// Protocol and Config are the factory name and options of SCONN.
	Protocol string         `json:"protocol,omitempty"`
	Config   map[string]any `json:"config,omitempty"`
	// Err describes the failure reported by [OpError].
	Err string `json:"err,omitempty"`
}
