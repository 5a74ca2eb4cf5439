package embedded_test

import (
	"context"
	"net"
	"testing"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/internal/loopback"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// The load-test stack opens every door on a random loopback port; a
// portal config that names no door but telnet opens only telnet.
func TestStackOpensEveryDoor(t *testing.T) {
	t.Parallel()
	for _, asGiven := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		pcfg := embedded.LoadTestPortal(nil)
		if asGiven {
			pcfg = portal.Config{MaxConnectionRate: -1}
		}
		st, err := embedded.Start(ctx, embedded.Config{
			Portal: pcfg,
			Sim:    sim.Config{World: fastWorld(t)},
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{portal.DoorTelnet, portal.DoorTelnetTLS, portal.DoorSSH, portal.DoorWebsocket, portal.DoorWeb} {
			addr := st.Portal.DoorAddr(name)
			if shut := asGiven && name != portal.DoorTelnet; shut != (addr == nil) {
				t.Errorf("telnet only %v: door %s at %v", asGiven, name, addr)
				continue
			}
			if addr == nil {
				continue
			}
			if err := loopback.Check(addr.String()); err != nil {
				t.Errorf("door %s: %v", name, err)
			}
			if nc, err := net.Dial("tcp", addr.String()); err != nil {
				t.Errorf("door %s: %v", name, err)
			} else {
				nc.Close()
			}
		}
		if err := st.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}
}
