package ampportal

import (
	"fmt"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// statusAsked answers MsgStatus with the status tuple the launcher reads.
func (b *Bridge) statusAsked(c *ampConn, box amp.Box) {
	f, err := b.statusField()
	if err != nil {
		c.fail(box.Tag(), amp.ErrorCodeException, err.Error())
		return
	}
	c.answer(box.Tag(), f)
}

// pushStatus tells the launcher the status unasked, as Evennia's Portal
// does when a Server it was asked to stop has gone or a Server it was
// asked to start has synced: the launcher waits for it.
func (b *Bridge) pushStatus() {
	if c := b.launcher; c != nil {
		if f, err := b.statusField(); err == nil {
			_, _ = c.ask(amp.CommandMsgStatus, f)
		}
	}
}

// statusField is the status argument (a pickled [amp.Status]); an error
// is logged.
func (b *Bridge) statusField() (amp.Field, error) {
	st := b.status()
	data, err := amp.AppendStatus(nil, &st)
	if err != nil {
		b.log.Error("amp.status.encode", "err", err)
	}
	return amp.Field{Key: []byte(amp.ArgStatus), Value: data}, err
}

// launcherBox runs one instruction of Evennia's launcher.
func (b *Bridge) launcherBox(c *ampConn, box amp.Box) {
	b.launcher = c
	tag := box.Tag()
	op, err := amp.LauncherOperation(box)
	if err != nil {
		b.refuse(c, tag, err)
		return
	}
	b.log.Info("amp.launcher", "op", op, "server", b.server != nil)
	s := b.server
	switch op {
	case amp.OpServerStart:
		b.launcherStart(c, box, tag)
	case amp.OpServerReload, amp.OpServerReset, amp.OpServerShutdown, amp.OpServerShutdownOld:
		c.answer(tag)
		if s == nil {
			b.pushStatus() // no Server to wait for: the launcher waits for this
			return
		}
		s.onGone = append(s.onGone, b.pushStatus)
		s.restart(launcherModes[op])
	case amp.OpPortalShutdown:
		c.answer(tag)
		if s == nil {
			b.requestShutdown()
			return
		}
		// Evennia's Portal waits for the Server to go by itself (and
		// the launcher hangs if it does not): ours stops it.
		s.onGone = append(s.onGone, b.requestShutdown)
		s.restart(link.ModeShutdown)
	default:
		b.refuse(c, tag, fmt.Errorf("operation %v not recognized", op))
	}
}

// launcherModes are the restart modes of the launcher's operations.
var launcherModes = map[amp.Operation]string{
	amp.OpServerReload: link.ModeReload, amp.OpServerReset: link.ModeReset,
	amp.OpServerShutdown: link.ModeShutdown, amp.OpServerShutdownOld: link.ModeShutdown,
}

// launcherStart runs SSTART: keep the Server's command line, start it
// unless one is linked, and answer once its twistd parent has exited.
func (b *Bridge) launcherStart(c *ampConn, box amp.Box, tag []byte) {
	raw, _ := box.Get(amp.ArgArguments)
	cmd, err := commandLine(raw)
	if err != nil {
		b.refuse(c, tag, err)
		return
	}
	if b.server == nil || !b.server.synced {
		b.psyncPush = true // the launcher waits to hear of the next Server
	}
	if b.server != nil || b.spawning > 0 {
		c.answer(tag) // as Evennia's Portal: nothing to start
		return
	}
	b.cmd = cmd // kept only when it starts a Server: see the README on the AMP port
	b.startServer(c, tag)
}

// commandLine decodes SSTART's arguments: a pickled list of str.
func commandLine(raw []byte) ([]string, error) {
	v, err := amp.DecodePickle(raw, controlLimits)
	if err != nil {
		return nil, fmt.Errorf("SSTART arguments: %w", err)
	}
	l, ok := v.(amp.List)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("SSTART arguments are no command line")
	}
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("SSTART argument %d is no str", i)
		}
		out[i] = s
	}
	return out, nil
}

// refuse answers a command with an error and counts it.
func (b *Bridge) refuse(c *ampConn, tag []byte, err error) {
	b.stats.refused.Add(1)
	b.log.Warn("amp.refused", "conn", c.id, "err", err)
	c.fail(tag, amp.ErrorCodeException, err.Error()+" (error logged on other side)")
}
