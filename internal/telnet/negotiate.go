package telnet

// Side names the end of the connection an option applies to.
type Side uint8

const (
	// Local is our side: we WILL or WONT use the option; the peer sends DO
	// or DONT about it.
	Local Side = iota
	// Remote is the peer's side: it WILL or WONT use the option; we send
	// DO or DONT about it.
	Remote
)

// String returns "local" or "remote".
func (s Side) String() string {
	if s == Local {
		return "local"
	}
	return "remote"
}

// Change describes the effect of one negotiation received by
// [Negotiator.Receive].
type Change struct {
	// Opt is the option negotiated.
	Opt Option
	// Side is the side the option applies to: Local for DO/DONT, Remote
	// for WILL/WONT.
	Side Side
	// Enabled is whether the option is now enabled on Side (what
	// [Negotiator.Local] or [Negotiator.Remote] reports).
	Enabled bool
	// Changed is whether Enabled differs from before the call.
	Changed bool
	// Refused is whether the message refused our own request to enable
	// the option (we had sent WILL or DO and got WONT or DONT back).
	Refused bool
}

// qState is a side's state in the RFC 1143 Q method.
type qState uint8

const (
	qNo      qState = iota // disabled
	qYes                   // enabled
	qWantNo                // enabled, we asked to disable and await the answer
	qWantYes               // disabled, we asked to enable and await the answer
)

// sideState is one option's state on one side.
type sideState struct {
	q         qState
	opposite  bool // queue: the user wants the opposite of the pending request
	supported bool // we agree when the peer asks for it
}

// Negotiator keeps the state of every telnet option on both sides and
// answers the peer's DO/DONT/WILL/WONT following the RFC 1143 "Q method":
// a request always gets an answer, an answer is never answered, and so
// negotiation can not loop, even when both ends ask at the same time or
// the user changes their mind while a request is in flight.
//
// An option is enabled on a side only once both ends agreed (Q state
// YES); while a request to disable it is pending it already counts as
// disabled.
//
// The zero value supports no option: it refuses every request (DO x gets
// WONT x, WILL x gets DONT x). A Negotiator is not safe for concurrent
// use.
type Negotiator struct {
	opts [256][2]sideState
}

// SupportLocal makes n agree to enable o on our side when the peer sends
// DO o.
func (n *Negotiator) SupportLocal(o Option) { n.opts[o][Local].supported = true }

// SupportRemote makes n agree when the peer offers WILL o (n answers DO o).
func (n *Negotiator) SupportRemote(o Option) { n.opts[o][Remote].supported = true }

// Local reports whether o is enabled on our side.
func (n *Negotiator) Local(o Option) bool { return n.opts[o][Local].q == qYes }

// Remote reports whether o is enabled on the peer's side.
func (n *Negotiator) Remote(o Option) bool { return n.opts[o][Remote].q == qYes }

// verbs returns the verbs we send to enable and disable an option on side s.
func verbs(s Side) (yes, no Verb) {
	if s == Local {
		return WILL, WONT
	}
	return DO, DONT
}

func message(v Verb, o Option) []byte {
	return []byte{IAC, byte(v), byte(o)}
}

// Receive processes IAC v o from the peer. It returns the bytes to send
// back (nil if none) and the resulting change. A v that is not DO, DONT,
// WILL or WONT is ignored and returns a zero Change except for Opt.
//
// Requests for unsupported options are refused; DONT or WONT for an option
// that is already off gets no reply.
func (n *Negotiator) Receive(v Verb, o Option) (reply []byte, ch Change) {
	var side Side
	var positive bool
	switch v {
	case DO:
		side, positive = Local, true
	case DONT:
		side = Local
	case WILL:
		side, positive = Remote, true
	case WONT:
		side = Remote
	default:
		return nil, Change{Opt: o}
	}
	st := &n.opts[o][side]
	before := st.q == qYes
	yes, no := verbs(side)
	var send Verb
	ch = Change{Opt: o, Side: side}
	if positive {
		switch st.q {
		case qNo:
			if st.supported {
				st.q = qYes
				send = yes
			} else {
				send = no
			}
		case qYes:
			// Already enabled: an answer to nothing, ignore.
		case qWantNo:
			// Protocol error by the peer: our disable was answered by an
			// enable. RFC 1143 takes it as settling the option.
			if st.opposite {
				st.q = qYes
			} else {
				st.q = qNo
			}
			st.opposite = false
		case qWantYes:
			if st.opposite {
				st.q = qWantNo
				st.opposite = false
				send = no
			} else {
				st.q = qYes
			}
		}
	} else {
		switch st.q {
		case qNo:
			// Already disabled: no reply.
		case qYes:
			st.q = qNo
			send = no
		case qWantNo:
			if st.opposite {
				st.q = qWantYes
				st.opposite = false
				send = yes
			} else {
				st.q = qNo
			}
		case qWantYes:
			st.q = qNo
			st.opposite = false
			ch.Refused = true
		}
	}
	ch.Enabled = st.q == qYes
	ch.Changed = ch.Enabled != before
	if send != 0 {
		reply = message(send, o)
	}
	return reply, ch
}

// EnableLocal asks to enable o on our side. It returns WILL o to send, or
// nil when o is already enabled or a request is already pending (a
// pending disable is then followed by a new WILL once it completes). It
// does not make n support o for requests the peer starts.
func (n *Negotiator) EnableLocal(o Option) []byte { return n.enable(Local, o) }

// EnableRemote asks the peer to enable o. It returns DO o to send, or nil
// as for [Negotiator.EnableLocal].
func (n *Negotiator) EnableRemote(o Option) []byte { return n.enable(Remote, o) }

// DisableLocal asks to disable o on our side. It returns WONT o to send,
// or nil when o is already disabled or a request is already pending (a
// pending enable is then followed by WONT once it completes).
func (n *Negotiator) DisableLocal(o Option) []byte { return n.disable(Local, o) }

// DisableRemote asks the peer to disable o. It returns DONT o to send, or
// nil as for [Negotiator.DisableLocal].
func (n *Negotiator) DisableRemote(o Option) []byte { return n.disable(Remote, o) }

func (n *Negotiator) enable(s Side, o Option) []byte {
	st := &n.opts[o][s]
	switch st.q {
	case qNo:
		st.q = qWantYes
		st.opposite = false
		yes, _ := verbs(s)
		return message(yes, o)
	case qWantNo:
		st.opposite = true
	case qWantYes:
		st.opposite = false
	}
	return nil
}

func (n *Negotiator) disable(s Side, o Option) []byte {
	st := &n.opts[o][s]
	switch st.q {
	case qYes:
		st.q = qWantNo
		st.opposite = false
		_, no := verbs(s)
		return message(no, o)
	case qWantNo:
		st.opposite = false
	case qWantYes:
		st.opposite = true
	}
	return nil
}
