package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// transportReport is sampleReport with its players split over two
// transports, a websocket one with its upgrade phase.
func transportReport(t testing.TB) *Report {
	t.Helper()
	r := sampleReport(t)
	for _, name := range []string{"telnet", "websocket"} {
		tr := r.Transport(name)
		tr.Target = name + "-door"
		tr.Clients.Started, tr.Clients.LoggedIn, tr.Clients.Finished = 25, 24, 23
		tr.Clients.Lost["timeout"] = 1
		look := tr.Action("look")
		look.Sent, look.Answered = 5, 4
		look.Failed["timeout"] = 1
		look.Latency.RecordN(30*time.Millisecond, 4)
		for _, ph := range PhaseNames {
			tr.Phase(ph).Reached = 24
		}
		tr.Wire = Wire{Connections: 25, BytesIn: 4096, BytesOut: 512, Messages: 100, Decode: time.Millisecond}
	}
	up := r.Transport("websocket").Phase(PhaseUpgrade)
	up.Reached = 24
	up.Latency.RecordN(2*time.Millisecond, 24)
	r.Transport("websocket").Wire.Malformed = 2
	r.Transport("websocket").Wire.OOB = 7
	return r
}

func TestTransportsRoundTrip(t *testing.T) {
	t.Parallel()
	r := transportReport(t)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if diff := cmp.Diff(r.Transports, got.Transports, cmp.Comparer(histEqual)); diff != "" {
		t.Errorf("transports after a round trip (-want +got):\n%s", diff)
	}
}

// histEqual compares histograms by their JSON form.
func histEqual(a, b *Histogram) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestReadVersion1 reads a report of the layout before transports: it
// reads, upgraded to this Version, with no split and all else intact.
func TestReadVersion1(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	old := strings.Replace(buf.String(), `"version": 4,`, `"version": 1,`, 1)
	if old == buf.String() {
		t.Fatal("the written report has no version 4 to replace")
	}
	got, err := Read(strings.NewReader(old))
	if err != nil {
		t.Fatalf("Read(version 1): %v", err)
	}
	if got.Version != Version || len(got.Transports) != 0 {
		t.Errorf("Version %d, %d transports; want %d, none", got.Version, len(got.Transports), Version)
	}
	if got.Clients.Started != r.Clients.Started || got.Actions["look"].Sent != r.Actions["look"].Sent {
		t.Errorf("the version 1 report lost its figures: %+v", got.Clients)
	}
	if err := got.Merge(sampleReport(t)); err != nil {
		t.Errorf("merging a read version 1 report with a new one: %v", err)
	}
}

func TestMergeTransports(t *testing.T) {
	t.Parallel()
	a, b := transportReport(t), transportReport(t)
	delete(b.Transports, "telnet")
	b.Transport("tls").Clients.Started = 3
	if err := a.Merge(b); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if got, want := a.Transports["websocket"].Clients.Started, int64(50); got != want {
		t.Errorf("websocket started = %d, want %d", got, want)
	}
	if got, want := a.Transports["websocket"].Actions["look"].Latency.Count(), int64(8); got != want {
		t.Errorf("websocket look latencies = %d, want %d", got, want)
	}
	if got, want := a.Transports["websocket"].Wire.Malformed, int64(4); got != want {
		t.Errorf("websocket malformed = %d, want %d", got, want)
	}
	if got, want := a.Transports["websocket"].Wire.OOB, int64(14); got != want {
		t.Errorf("websocket out-of-band = %d, want %d", got, want)
	}
	if got, want := a.Transports["telnet"].Clients.Started, int64(25); got != want {
		t.Errorf("telnet started = %d, want %d", got, want)
	}
	if got := a.Transports["tls"]; got == nil || got.Clients.Started != 3 {
		t.Errorf("tls = %+v, want the merged-in transport", got)
	}
	c := a.Clone()
	c.Transports["websocket"].Clients.Started = 0
	if a.Transports["websocket"].Clients.Started == 0 {
		t.Error("Clone shares its transports with the original")
	}
}

func TestValidateTransports(t *testing.T) {
	t.Parallel()
	r := transportReport(t)
	r.Transports["websocket"].Actions["look"].Sent = 9
	r.Transports["telnet"].Wire.BytesIn = -1
	err := r.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate = %v, want ErrInvalid", err)
	}
	for _, want := range []string{`transport "websocket": action "look": 9 sent`, `transport "telnet": negative wire figure`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want it to say %q", err, want)
		}
	}
}

// TestRenderTransports: text, Markdown and HTML show each transport's
// players, actions and phases (the upgrade phase in order) and its wire figures.
func TestRenderTransports(t *testing.T) {
	t.Parallel()
	r := transportReport(t)
	var text, md, page bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		out  string
		want []string
	}{
		{"text", text.String(), []string{"transport telnet (telnet-door): 25 started", "transport websocket (websocket-door)", "websocket: 25 conns, 4.0 KiB in / 512 B out, 100 messages", "2 malformed"}},
		{"markdown", md.String(), []string{"| transport |", "| websocket | 25 | 24 | 1 | 5 | 4 | 1 |", "<summary>transport telnet</summary>", "| ws_upgrade | 24 |"}},
		{"html", page.String(), []string{`id="transports"`, `id="transport-websocket"`, "ws_upgrade", "wire: 25 conns"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.out, w) {
				t.Errorf("%s lacks %q:\n%s", tc.name, w, tc.out)
			}
		}
	}
	// The upgrade comes between the connect and the negotiation.
	ws := text.String()[strings.Index(text.String(), "transport websocket"):]
	if i, j, k := strings.Index(ws, "connect"), strings.Index(ws, "ws_upgrade"), strings.Index(ws, "negotiation"); !(i < j && j < k) {
		t.Errorf("websocket phases out of order (connect %d, ws_upgrade %d, negotiation %d):\n%s", i, j, k, ws)
	}
}

func TestPhaseOrder(t *testing.T) {
	t.Parallel()
	got := PhaseOrder(map[string]*Phase{"zzz": nil, PhaseTLSHandshake: nil, PhaseLoggedIn: nil})
	want := []string{PhaseConnect, PhaseTLSHandshake, PhaseNegotiation, PhaseLoginScreen, PhaseLoggedIn, "zzz"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PhaseOrder (-want +got):\n%s", diff)
	}
}
