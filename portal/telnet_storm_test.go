package portal

import (
	"testing"
	"testing/synctest"

	"github.com/portalsim/portalsim/internal/telnet"
)

// A client that turns options on and off without end (MCCP2, whose every
// start resets a compressor; MSSP, whose every start builds the table)
// is heard for maxNegotiations commands; the rest are ignored and
// counted, so it can make the portal do no more than a bounded amount of
// work, and the outbox it never reads stays within its bound.
func TestTelnetNegotiationStormBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, c := startPipeTelnet(t, Config{}, fullClient)
		synctest.Wait()
		before := p.h.Stats().ProtocolErrors
		var burst []byte
		for _, o := range []telnet.Option{telnet.OptMCCP2, telnet.OptMSSP} {
			for range 1000 {
				burst = telnet.AppendNegotiation(burst, telnet.Verb(telnet.DONT), o)
				burst = telnet.AppendNegotiation(burst, telnet.Verb(telnet.DO), o)
			}
		}
		c.write(t, burst)
		synctest.Wait()
		_, subnegs, _ := c.got()
		tables := 0
		for _, e := range subnegs {
			if e.Opt == telnet.OptMSSP {
				tables++
			}
		}
		if tables > maxNegotiations {
			t.Errorf("%d MSSP tables for %d negotiation commands: not bounded by %d", tables, len(burst)/3, maxNegotiations)
		}
		if got := p.h.Stats().ProtocolErrors - before; got < uint64(len(burst)/3-maxNegotiations) {
			t.Errorf("%d protocol errors counted, want the %d ignored commands", got, len(burst)/3-maxNegotiations)
		}
	})
}

// Compression marks count toward the outbox's bound: a client that never
// reads and toggles MCCP2 fills it and is closed as a slow consumer, not
// grown without end.
func TestOutboxMarksCount(t *testing.T) {
	o := newOutbox(1024)
	n := 0
	for o.startCompress([]byte{1}) {
		o.stopCompress()
		n++
		if n > 1024 {
			t.Fatal("the outbox took marks without end")
		}
	}
	if !o.overflowed() {
		t.Error("no overflow")
	}
	o.stopCompress()
	if len(o.pending) > 2*1024/markCost+4 {
		t.Errorf("%d chunks pending in a 1 KiB outbox", len(o.pending))
	}
}
