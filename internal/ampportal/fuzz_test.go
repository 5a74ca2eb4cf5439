package ampportal_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampportal"
)

// FuzzBridgeBoxes sends what a local peer of the AMP port might (any
// bytes) to a running bridge, as one connection, in front of a portal
// that answers a Server's PSYNC: nothing may panic, whatever the
// commands, payloads, launcher operations and answers, and the bridge
// closes the connection once the peer has finished. No process is
// started.
func FuzzBridgeBoxes(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newFakePortal(t)
		p.autoSync = true
		b, err := ampportal.New(ampportal.Config{Addr: "127.0.0.1:0", PortalLink: p.ln.Addr().String(), LinkSecret: secret,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ampportal.SetSpawn(b, func(*exec.Cmd) error { return errors.New("no process in a fuzz test") })
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		nc, err := net.Dial("tcp", b.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(wait))
		go func() {
			_, _ = nc.Write(data)
			_ = nc.(*net.TCPConn).CloseWrite()
		}()
		if _, err := io.Copy(io.Discard, nc); err != nil {
			t.Fatalf("the bridge did not close the connection after its peer finished: %v", err)
		}
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
