package telnet

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// msdp writes MSDP bytes readably: ^=VAR ==VAL {=TABLE_OPEN }=TABLE_CLOSE [=ARRAY_OPEN ]=ARRAY_CLOSE.
func msdp(s string) []byte {
	return []byte(strings.NewReplacer("^", "\x01", "=", "\x02", "{", "\x03", "}", "\x04", "[", "\x05", "]", "\x06").Replace(s))
}

func TestAppendMSDP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cmd    string
		args   []any
		kwargs map[string]any
		want   string
	}{
		{"bare", "ping", nil, nil, "^ping="},
		{"one arg", "ROOM_NAME", []any{"hall"}, nil, "^ROOM_NAME=hall"},
		{"args", "x", []any{"a", 2.0}, nil, "^x=[=a=2]"},
		{"kwargs sorted", "x", nil, map[string]any{"b": "2", "a": "1"}, "^x={^a=1^b=2}"},
		{"both", "x", []any{"a"}, map[string]any{"k": "v"}, "^x=a^x={^k=v}"},
		{"nested", "x", []any{[]any{"a", map[string]any{"k": []any{"z"}}}}, nil, "^x=[=a={^k=[=z]}]"},
		{"structure bytes left out", "x\x01", []any{"a\x02b\x00c"}, nil, "^x=abc"},
		{"nil and bool", "x", []any{nil, true}, nil, "^x=[==true]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := AppendMSDP(nil, tt.cmd, tt.args, tt.kwargs)
			if want := msdp(tt.want); !bytes.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestAppendMSDPDepthBounded(t *testing.T) {
	t.Parallel()
	var v any = "deep"
	for range MaxMSDPDepth + 5 {
		v = []any{v}
	}
	got := AppendMSDP(nil, "x", []any{v}, nil)
	if n := bytes.Count(got, []byte{MSDPArrayOpen}); n != MaxMSDPDepth {
		t.Errorf("%d arrays nested, want %d", n, MaxMSDPDepth)
	}
	if _, err := DecodeMSDP(got); err != nil {
		t.Errorf("own output does not decode: %v", err)
	}
}

func TestDecodeMSDP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    []OOBCommand
		err     error
	}{
		{"report renamed", "^REPORT=HEALTH=MANA", []OOBCommand{{Name: "msdp_report", Args: []any{"HEALTH", "MANA"}}}, nil},
		{"send lower case renamed", "^send=ROOM_NAME", []OOBCommand{{Name: "msdp_send", Args: []any{"ROOM_NAME"}}}, nil},
		{"list, unreport, reset", "^LIST=COMMANDS^UNREPORT=X^Reset=Y", []OOBCommand{
			{Name: "msdp_list", Args: []any{"COMMANDS"}}, {Name: "msdp_unreport", Args: []any{"X"}}, {Name: "msdp_reset", Args: []any{"Y"}},
		}, nil},
		{"empty value is no argument", "^ping=", []OOBCommand{{Name: "ping"}}, nil},
		{"no VAL", "^ping", []OOBCommand{{Name: "ping"}}, nil},
		{"array", "^REPORT=[=a=b]", []OOBCommand{{Name: "msdp_report", Args: []any{"a", "b"}}}, nil},
		{"table", "^hello={^client=Mudlet^version=4}", []OOBCommand{{Name: "hello", Kwargs: map[string]any{"client": "Mudlet", "version": "4"}}}, nil},
		{"same name merges", "^x=[=a]^x={^k=v}^x=b", []OOBCommand{{Name: "x", Args: []any{"a", "b"}, Kwargs: map[string]any{"k": "v"}}}, nil},
		{"nested", "^x={^k=[=a{^z=y}]}", nil, ErrMalformedMSDP}, // a table in an array needs its VAL
		{"nested properly", "^x={^k=[=a={^z=y}]}", []OOBCommand{{Name: "x", Kwargs: map[string]any{"k": []any{"a", map[string]any{"z": "y"}}}}}, nil},
		{"table key without name dropped", "^x={^=a}", []OOBCommand{{Name: "x", Kwargs: nil}}, nil},
		{"unclosed table", "^x={^a=b", nil, ErrMalformedMSDP},
		{"unclosed array", "^x=[=a", nil, ErrMalformedMSDP},
		{"stray close", "^x=a]", nil, ErrMalformedMSDP},
		{"data before VAR", "junk^x=", nil, ErrMalformedMSDP},
		{"VAR without name", "^=a", nil, ErrMalformedMSDP},
		{"empty payload", "", nil, nil},
		{"too deep", "^x=" + strings.Repeat("[=", MaxMSDPDepth+1) + strings.Repeat("]", MaxMSDPDepth+1), nil, ErrMSDPTooDeep},
		{"deepest allowed", "^x=" + strings.Repeat("[=", MaxMSDPDepth) + "a" + strings.Repeat("]", MaxMSDPDepth), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeMSDP(msdp(tt.payload))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.name == "deepest allowed" {
				if len(got) != 1 {
					t.Fatalf("got %d commands", len(got))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzMSDP decodes any payload without panicking; what decodes encodes
// again and decodes to the same commands.
func FuzzMSDP(f *testing.F) {
	f.Add(msdp("^REPORT=HEALTH=MANA"))
	f.Add(msdp("^x={^k=[=a={^z=y}]}"))
	f.Add(msdp("^x=[=a"))
	f.Add(msdp("^x=" + strings.Repeat("[=", 20)))
	f.Fuzz(func(t *testing.T, payload []byte) {
		cmds, err := DecodeMSDP(payload)
		if err != nil {
			return
		}
		var enc []byte
		for _, c := range cmds {
			enc = AppendMSDP(enc, c.Name, c.Args, c.Kwargs)
		}
		if _, err := DecodeMSDP(enc); err != nil {
			t.Fatalf("re-encoded %q: %v", enc, err)
		}
	})
}
