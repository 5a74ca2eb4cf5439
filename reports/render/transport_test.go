package render

import (
	"bytes"
	"strings"
	"testing"
)

// TestRenderTransports: text, Markdown and HTML show each transport's
// players, actions and phases (the upgrade phase in order) and its wire figures.
func TestRenderTransports(t *testing.T) {
	t.Parallel()
	r := readReport(t, "transports.json") // two transports, a websocket one with its upgrade phase
	var text, md, page bytes.Buffer
	if err := Text(&text, r); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, r); err != nil {
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
