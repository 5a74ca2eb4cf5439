package ampportal

import (
	"errors"
	"fmt"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampbridge"
)

// errArguments is a box whose Compressed argument does not inflate:
// Twisted fails such a box before its responder runs, with an UNKNOWN
// error, and closes the connection. A payload that inflates but does
// not unpickle is the responder's failure: an EXCEPTION error, and the
// connection stays.
var errArguments = errors.New("the packed_data argument does not parse")

// codec turns boxes into Evennia's payloads and back; it belongs to the
// loop.
type codec struct {
	lim  amp.Limits
	dec  amp.Decompressor
	comp amp.Compressor
	buf  []byte
	args []amp.Field
}

// payloadOf decodes the packed_data of a Server's Admin or Msg command;
// an error wrapping errArguments if it does not inflate.
func (c *codec) payloadOf(box amp.Box) (ampbridge.Payload, error) {
	data, err := c.dec.Argument(box, amp.ArgPackedData)
	if err != nil {
		return ampbridge.Payload{}, fmt.Errorf("%w: %w", errArguments, err)
	}
	switch name := string(box.Command()); name {
	case amp.CommandAdminServer2Portal:
		a, err := amp.DecodeAdmin(data, c.lim)
		return ampbridge.Payload{Admin: &a}, err
	case amp.CommandMsgServer2Portal:
		m, err := amp.DecodeMsg(data, c.lim)
		return ampbridge.Payload{Msg: &m}, err
	default:
		return ampbridge.Payload{}, fmt.Errorf("%s carries no payload", name)
	}
}

// encode returns the command name and arguments that carry p to the
// Server (AdminPortal2Server or MsgPortal2Server). The arguments are
// valid until the next call.
func (c *codec) encode(p ampbridge.Payload) (string, []amp.Field, error) {
	var err error
	name := amp.CommandAdminPortal2Server
	if p.Admin != nil {
		c.buf, err = amp.AppendAdmin(c.buf[:0], p.Admin)
	} else {
		name = amp.CommandMsgPortal2Server
		c.buf, err = amp.AppendMsg(c.buf[:0], p.Msg)
	}
	if err != nil {
		return "", nil, err
	}
	c.args, err = c.comp.AppendArgument(c.args[:0], amp.ArgPackedData, c.buf)
	if cap(c.buf) > 1<<20 {
		c.buf = nil
	}
	return name, c.args, err
}
