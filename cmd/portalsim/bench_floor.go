package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/portalsim/portalsim/internal/floor"
	"github.com/portalsim/portalsim/internal/loopback"
	"github.com/portalsim/portalsim/internal/procstack"
)

const benchFloorUsage = `Run the floor: the cheapest relay with the portal's topology, the
physical limit "portalsim bench" measures the portal against. Clients
connect to the relay (line in, line out, no telnet negotiation); it holds
one connection to an echo process (this binary again) and multiplexes
every client over it. The echo greets each client, answers
"dummyrunner_echo_response <token>" as the game server does, and sends
any other line back. With -websocket, the relay opens a websocket door
too, in Evennia's webclient format (v1.evennia.com: ["text", [line], {}]
JSON text frames both ways), over the same backend connection.

Usage: portalsim bench floor [flags]`

// floorEchoCommand is the hidden "bench" measurement that runs the
// floor's echo: "bench floor" starts it as its second process. It is in
// no help text.
const floorEchoCommand = "__floor-echo"

// floorEchoLine is what the echo process prints once it listens.
var floorEchoLine = regexp.MustCompile(`^floor echo: (\S+) pid (\d+)$`)

func runBenchFloor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench floor", benchFloorUsage, stderr)
	listen := fs.String("listen", "127.0.0.1:4000", "where clients connect (port 0: random)")
	wsAddr := fs.String("websocket", "", "where websocket clients connect, v1.evennia.com (port 0: random; empty: no websocket door)")
	echoAddr := fs.String("echo-listen", "127.0.0.1:0", "where the echo process listens for the relay")
	maxLine := fs.Int("max-line", floor.DefaultMaxLine, "longest line kept, in bytes; longer ones are cut and counted")
	allowRemote := fs.Bool("allow-remote", false, "allow -listen and -echo-listen beyond loopback")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*allowRemote {
		for _, a := range []struct{ flag, addr string }{{"-listen", *listen}, {"-websocket", *wsAddr}, {"-echo-listen", *echoAddr}} {
			if a.addr == "" {
				continue
			}
			if err := loopback.Check(a.addr); err != nil {
				return usagef("%s %v; add -allow-remote to listen beyond this machine", a.flag, err)
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	echo, err := procstack.StartProcess("floor echo", exe, []string{"bench", floorEchoCommand, "-listen", *echoAddr, "-max-line", strconv.Itoa(*maxLine)}, nil, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = echo.Stop(5 * time.Second) }()
	m, err := echo.Await(ctx, floorEchoLine, 30*time.Second)
	if err != nil {
		return err
	}
	r, err := floor.NewRelay(floor.RelayConfig{Addr: *listen, WebsocketAddr: *wsAddr, Backend: m[1], MaxLine: *maxLine})
	if err != nil {
		return err
	}
	if err := r.Start(); err != nil {
		return err
	}
	defer r.Close()
	ws := ""
	if u := r.WebsocketURL(); u != "" {
		ws = ", websocket " + u
	}
	fmt.Fprintf(stdout, "portalsim bench floor: relay %s pid %d, echo %s pid %s%s\n", r.Addr(), os.Getpid(), m[1], m[2], ws)
	select {
	case <-ctx.Done():
		_ = r.Close()
		st := r.Stats()
		fmt.Fprintf(stdout, "portalsim bench floor: %d clients (%d websocket), %d lines in, %d out, %d cut, %d bad websocket messages\n",
			st.Accepted, st.Websocket, st.LinesIn, st.LinesOut, st.LongLines, st.BadFrames)
		return nil
	case <-r.Done():
		return fmt.Errorf("bench floor: %w (%s)", r.Err(), echoState(echo))
	case <-echo.Exited():
		return fmt.Errorf("bench floor: the echo process ended")
	}
}

func echoState(p *procstack.Process) string {
	select {
	case <-p.Exited():
		return "the echo process ended"
	default:
		return "the echo process runs"
	}
}

// runFloorEcho is the floor's echo process: it listens, says where, and
// answers until its parent closes its stdin (or ends).
func runFloorEcho(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench "+floorEchoCommand, "Internal: the echo process of \"portalsim bench floor\".", stderr)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	maxLine := fs.Int("max-line", floor.DefaultMaxLine, "longest frame kept, in bytes")
	if err := parse(fs, args); err != nil {
		return err
	}
	e := floor.NewEcho(floor.EchoConfig{Addr: *listen, MaxLine: *maxLine + 256}) // a frame: an id, the line and the probe's time
	if err := e.Start(); err != nil {
		return err
	}
	defer e.Close()
	fmt.Fprintf(stdout, "floor echo: %s pid %d\n", e.Addr(), os.Getpid())
	parentGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // EOF: the parent closed it, or ended
		close(parentGone)
	}()
	// Not ctx: an interrupt of the whole process group (Ctrl-C) must not
	// end the echo before its relay has seen it and stopped.
	<-parentGone
	return nil
}
