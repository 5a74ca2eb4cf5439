package fanout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/internal/fanout"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

func startGame(t *testing.T, rooms int) string {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder, StartRooms: rooms})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := embedded.Start(ctx, embedded.Config{
		Portal: portal.Config{TelnetAddr: "127.0.0.1:0", MaxConnectionRate: -1, MaxCommandRate: -1, LoginTimeout: -1, Keepalive: -1},
		Sim:    sim.Config{World: w, LoginScreenDelay: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = st.Shutdown(ctx)
	})
	return st.TelnetAddr()
}

// At tiny scale the measurement has its structure, and every listener
// heard every say and every announcement, once, and nobody else did.
func TestRunDeliversEverything(t *testing.T) {
	t.Parallel()
	res, err := fanout.Run(context.Background(), fanout.Config{Target: startGame(t, 1), RoomSizes: []int{10, 3}, Says: 7, StepTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Login; l.Players != 10 || l.Expected != 45 || l.Delivered != 45 || l.AllDelivered <= 0 || l.MessagesPerSecond <= 0 {
		t.Errorf("login: %+v, want 10 players and 45 of 45 announcements", l)
	}
	if len(res.Rooms) != 2 || res.Rooms[0].Size != 3 || res.Rooms[1].Size != 10 {
		t.Fatalf("rooms: %+v, want sizes 3 and 10", res.Rooms)
	}
	for _, rm := range res.Rooms {
		want := uint64(7 * (rm.Size - 1))
		if rm.Expected != want || rm.Delivered != want || rm.Lost+rm.Duplicates+rm.Outsiders != 0 {
			t.Errorf("room of %d: %+v, want %d delivered and nothing lost, doubled or misdelivered", rm.Size, rm, want)
		}
		if rm.Latency.Count != int(want) || rm.Complete.Count != 7 || rm.Latency.P50 <= 0 || rm.Latency.P50 > rm.Latency.Max {
			t.Errorf("room of %d: latency %+v, last %+v", rm.Size, rm.Latency, rm.Complete)
		}
	}
	if !res.OK() {
		t.Error("OK() = false")
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"45 of 45 delivered", "messages/s", "p99"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rooms":`, `"p99_ns":`, `"messages_per_second":`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}

// A game that spreads new characters over rooms does not deliver the
// announcements of one room to everyone: the measurement says so, and
// gathers the players for the says.
func TestRunSpreadGameCountsMissingAnnouncements(t *testing.T) {
	t.Parallel()
	// A step timeout far longer than the quiet period: the login phase
	// ends once the announcements stop, not at the timeout.
	const stepTimeout = time.Minute
	res, err := fanout.Run(context.Background(), fanout.Config{Target: startGame(t, 2), RoomSizes: []int{4}, Says: 3,
		StepTimeout: stepTimeout, AnnounceQuiet: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Login.AllDelivered; d >= stepTimeout {
		t.Errorf("the login phase waited %v, the whole step timeout, for announcements that stopped", d)
	}
	// 4 players over 2 rooms: 2 per room, one announcement each, of 6.
	if l := res.Login; l.Expected != 6 || l.Delivered != 2 {
		t.Errorf("login: %d of %d, want 2 of 6", l.Delivered, l.Expected)
	}
	if len(res.Rooms) != 1 || res.Rooms[0].Delivered != 9 || res.Rooms[0].Lost != 0 {
		t.Errorf("rooms: %+v, want 9 says heard in a room of 4", res.Rooms)
	}
	if res.OK() {
		t.Error("OK() = true with announcements missing")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []fanout.Config{
		{},
		{Target: "x:1", RoomSizes: []int{1}},
		{Target: "x:1", RoomSizes: []int{10}, Players: 5},
		{Target: "x:1", Says: -1},
		{Target: "x:1", AnnounceQuiet: -time.Second},
	} {
		if err := c.Validate(); !errors.Is(err, fanout.ErrInvalidConfig) {
			t.Errorf("%+v: %v, want ErrInvalidConfig", c, err)
		}
	}
}
