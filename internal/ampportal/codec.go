package ampportal

import (
	"fmt"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampbridge"
)

// codec turns boxes into Evennia's payloads and back; it belongs to the
// loop.
type codec struct {
	lim  amp.Limits
	dec  amp.Decompressor
	comp amp.Compressor
	buf  []byte
}

// payloadOf decodes the packed_data of a Server's Admin or Msg command.
func (c *codec) payloadOf(box amp.Box) (ampbridge.Payload, error) {
	data, err := c.dec.Argument(box, amp.ArgPackedData)
	if err != nil {
		return ampbridge.Payload{}, err
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

// send writes p to the Server (AdminPortal2Server or MsgPortal2Server)
// with an ask, and returns its tag.
func (c *codec) send(to *ampConn, p ampbridge.Payload) (uint64, error) {
	var err error
	name := amp.CommandAdminPortal2Server
	if p.Admin != nil {
		c.buf, err = amp.AppendAdmin(c.buf[:0], p.Admin)
	} else {
		name = amp.CommandMsgPortal2Server
		c.buf, err = amp.AppendMsg(c.buf[:0], p.Msg)
	}
	if err != nil {
		return 0, err
	}
	args, err := c.comp.AppendArgument(nil, amp.ArgPackedData, c.buf)
	if err != nil {
		return 0, err
	}
	if cap(c.buf) > 1<<20 {
		c.buf = nil
	}
	return to.ask(name, args...)
}
