package ampbridge

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
)

func TestFlags(t *testing.T) {
	t.Parallel()
	root := func(n int64) amp.Dict { return amp.Dict{{Key: int64(0), Value: n}} }
	tests := []struct {
		name   string
		flag   string
		python any
		link   any
		back   any // what the link value gives Evennia; nil: python
	}{
		{"width", "SCREENWIDTH", root(78), int64(78), nil},
		{"height", "SCREENHEIGHT", root(45), int64(45), nil},
		{"width of two windows: the root's", "SCREENWIDTH", amp.Dict{{Key: int64(0), Value: int64(78)}, {Key: int64(1), Value: int64(9)}}, int64(78), root(78)},
		{"width without a root window", "SCREENWIDTH", amp.Dict{{Key: int64(2), Value: int64(9)}}, map[string]any{"2": int64(9)},
			amp.Dict{{Key: "2", Value: int64(9)}}},
		{"client_options' autoresize", "AUTORESIZE", root(1), true, true},
		{"autoresize", "AUTORESIZE", false, false, nil},
		{"encoding", "ENCODING", "utf-8", "utf-8", nil},
		{"client name", "CLIENTNAME", "MUDLET", "MUDLET", nil},
		{"bool", "XTERM256", true, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := flagToLink(tt.flag, tt.python)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.link, got); diff != "" {
				t.Fatalf("to the link (-want +got):\n%s", diff)
			}
			back, err := flagToPython(tt.flag, got)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.back
			if want == nil {
				want = tt.python
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Fatalf("back to Evennia (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlagsOfOurPortal checks the flags our portal's doors set
// (portal/telnet_options.go, ssh_conn.go, websocket_conn.go) as the link
// delivers them: sizes become Evennia's {0: n}, the rest stays.
func TestFlagsOfOurPortal(t *testing.T) {
	t.Parallel()
	got, err := flagsToPython(map[string]any{
		"SCREENWIDTH": 78.0, "SCREENHEIGHT": 45.0, "AUTORESIZE": false, "ENCODING": "utf-8",
		"NOGOAHEAD": true, "TERM": "xterm", "UTF-8": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := amp.Dict{
		{Key: "AUTORESIZE", Value: false}, {Key: "ENCODING", Value: "utf-8"}, {Key: "NOGOAHEAD", Value: true},
		{Key: "SCREENHEIGHT", Value: amp.Dict{{Key: int64(0), Value: int64(45)}}},
		{Key: "SCREENWIDTH", Value: amp.Dict{{Key: int64(0), Value: int64(78)}}},
		{Key: "TERM", Value: "xterm"}, {Key: "UTF-8", Value: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}
