package ampportal

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// FuzzBridgeBoxes feeds what a local peer of the AMP port sends (any
// bytes, read as boxes) to the bridge's handling, as one connection:
// nothing may panic, whatever the commands, payloads, launcher
// operations and answers. No process is started and no link made.
func FuzzBridgeBoxes(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := New(Config{Addr: "127.0.0.1:0", PortalLink: "127.0.0.1:1", LinkSecret: link.Secret("0123456789abcdef0123456789abcdef"),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		b.spawn = func(*exec.Cmd) error { return errors.New("no process in a fuzz test") }
		ours, theirs := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, theirs) }()
		c := &ampConn{nc: ours, id: 1, w: amp.NewWriter(ours), timeout: DefaultWriteTimeout}
		b.conns[c] = struct{}{}
		r := amp.NewReader(bytes.NewReader(data), controlLimits)
		for first := true; ; first = false {
			box, err := r.ReadBox()
			if err != nil {
				break
			}
			if first && classify(box) == roleServer {
				r.SetLimits(amp.Limits{})
			}
			b.ampBox(c, box.Clone())
			if s := b.server; s != nil && s.amp == c {
				// What the portal would answer, so that the Server's
				// later boxes are handled as after a link.
				s.fromPortal(link.Message{Op: link.OpPortalSync})
			}
		}
		b.ampGone(c, nil)
		close(b.done) // no loop ran: the dial's goroutine must not wait for it
		b.wg.Wait()
		theirs.Close()
	})
}

// fuzzSeeds are boxes of every kind the bridge takes, one input each.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	enc := func(boxes ...amp.Box) []byte {
		var out []byte
		for _, b := range boxes {
			var err error
			if out, err = amp.AppendBox(out, b); err != nil {
				f.Fatal(err)
			}
		}
		return out
	}
	pickle := func(v any) []byte {
		p, err := amp.AppendPickle(nil, v)
		if err != nil {
			f.Fatal(err)
		}
		return p
	}
	launch := func(op amp.Operation, args any) amp.Box {
		return amp.NewCommand(amp.CommandMsgLauncher2Portal, []byte("1"),
			amp.Field{Key: []byte(amp.ArgOperation), Value: []byte{byte(op)}}, amp.Field{Key: []byte(amp.ArgArguments), Value: pickle(args)})
	}
	var comp amp.Compressor
	admin := func(a amp.Admin) amp.Box {
		p, err := amp.AppendAdmin(nil, &a)
		if err != nil {
			f.Fatal(err)
		}
		args, err := comp.AppendArgument(nil, amp.ArgPackedData, p)
		if err != nil {
			f.Fatal(err)
		}
		return amp.NewCommand(amp.CommandAdminServer2Portal, []byte("2"), amp.Box(args).Clone()...)
	}
	msg := func(m amp.Msg) amp.Box {
		p, err := amp.AppendMsg(nil, &m)
		if err != nil {
			f.Fatal(err)
		}
		args, err := comp.AppendArgument(nil, amp.ArgPackedData, p)
		if err != nil {
			f.Fatal(err)
		}
		return amp.NewCommand(amp.CommandMsgServer2Portal, []byte("3"), amp.Box(args).Clone()...)
	}
	psync := admin(amp.Admin{Op: amp.OpPortalSync, ServerPID: 7, ServerInfo: amp.Dict{}})
	return [][]byte{
		enc(amp.NewCommand(amp.CommandMsgStatus, []byte("1"), amp.StringField(amp.ArgStatus, ""))),
		enc(launch(amp.OpServerStart, amp.List{"twistd", "--python=server.py"})),
		enc(launch(amp.OpServerReload, amp.Dict{}), launch(amp.OpPortalShutdown, amp.Dict{})),
		enc(psync, admin(amp.Admin{Op: amp.OpServerReload}), admin(amp.Admin{Op: amp.OpServerSync,
			Sessions: map[int64]*amp.SessionData{}})),
		enc(psync, msg(amp.Msg{Sessid: 1, Commands: []amp.Command{{Name: "text", Args: amp.List{"hi"}, Kwargs: amp.Dict{}}}})),
		enc(psync, amp.NewAnswer([]byte("1")), amp.NewError([]byte("2"), "EXCEPTION", "no")),
		enc(amp.NewCommand("FunctionCall", []byte("1"))),
	}
}
