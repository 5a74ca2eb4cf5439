package amp_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
)

func TestKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		box  amp.Box
		want amp.Kind
		tag  string
		err  error
	}{
		{name: "command", box: box("_command", "MsgStatus", "_ask", "a"), want: amp.KindCommand, tag: "a"},
		{name: "command, no answer", box: box("_command", "MsgStatus"), want: amp.KindCommand},
		{name: "answer", box: box("_answer", "b"), want: amp.KindAnswer, tag: "b"},
		{name: "error", box: box("_error", "c", "_error_code", "UNKNOWN"), want: amp.KindError, tag: "c"},
		{name: "answer wins", box: box("_command", "x", "_answer", "d"), want: amp.KindAnswer, tag: "d"},
		{name: "neither", box: box("status", ""), err: amp.ErrBoxKind},
		{name: "empty", box: nil, err: amp.ErrBoxKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.box.Kind()
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("got %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
			if tag := string(tt.box.Tag()); tag != tt.tag {
				t.Fatalf("tag: got %q, want %q", tag, tt.tag)
			}
		})
	}
}

func TestConstructorsSortLikeTwisted(t *testing.T) {
	t.Parallel()
	got := amp.NewCommand(amp.CommandMsgPortal2Server, []byte("1f"), amp.StringField("packed_data.2", "y"), amp.StringField("packed_data", "x"))
	want := box("_ask", "1f", "_command", "MsgPortal2Server", "packed_data", "x", "packed_data.2", "y")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("command (-want +got):\n%s", diff)
	}
	e, err := amp.NewError([]byte("7"), amp.ErrorCodeException, "no").RemoteError()
	if err != nil {
		t.Fatal(err)
	}
	if want := (&amp.RemoteError{Tag: "7", Code: "EXCEPTION", Description: "no"}); *e != *want {
		t.Fatalf("got %+v, want %+v", e, want)
	}
	if _, err := box("_answer", "1").RemoteError(); !errors.Is(err, amp.ErrBoxKind) {
		t.Fatalf("answer as error: got %v", err)
	}
}

func TestAppendTag(t *testing.T) {
	t.Parallel()
	for n, want := range map[uint64]string{1: "1", 10: "a", 255: "ff", 4096: "1000"} {
		if got := string(amp.AppendTag(nil, n)); got != want {
			t.Errorf("tag %d: got %q, want %q", n, got, want)
		}
	}
}

func TestLookupCommand(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		amp.CommandMsgPortal2Server, amp.CommandMsgServer2Portal, amp.CommandAdminPortal2Server,
		amp.CommandAdminServer2Portal, amp.CommandMsgStatus, amp.CommandMsgLauncher2Portal, amp.CommandFunctionCall,
	} {
		spec, ok := amp.LookupCommand([]byte(name))
		if !ok || spec.Name != name || len(spec.Arguments) == 0 {
			t.Errorf("%s: got %+v, %v", name, spec, ok)
		}
	}
	if _, ok := amp.LookupCommand([]byte("Nope")); ok {
		t.Error("unknown command found")
	}
}

func TestOperationString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op    amp.Operation
		want  string
		valid bool
	}{
		{amp.OpPortalConnect, "PCONN", true},
		{amp.OpServerShutdown, "SSHUTD", true},
		{amp.OpServerReset, "SRESET", true},
		{0x09, "OP(0x09)", false},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.want || tt.op.Valid() != tt.valid {
			t.Errorf("%#x: got %q %v, want %q %v", byte(tt.op), got, tt.op.Valid(), tt.want, tt.valid)
		}
	}
}

// TestPackageTablesCopied: what the package hands out of its tables is
// the caller's to change (review-amp.md finding 12).
func TestPackageTablesCopied(t *testing.T) {
	t.Parallel()
	amp.PortalConnSyncKeys()[0] = "x"
	amp.SessionKeys()[0] = "x"
	spec, _ := amp.LookupCommand([]byte(amp.CommandMsgStatus))
	spec.Arguments[0].Name = "x"
	spec.Response[0].Name = "x"
	if amp.PortalConnSyncKeys()[0] != "protocol_key" || amp.SessionKeys()[0] != "protocol_key" {
		t.Fatal("a key list changed by a caller")
	}
	if spec, _ := amp.LookupCommand([]byte(amp.CommandMsgStatus)); spec.Arguments[0].Name != amp.ArgStatus || spec.Response[0].Name != amp.ArgStatus {
		t.Fatal("a command spec changed by a caller")
	}
}
