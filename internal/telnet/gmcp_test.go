package telnet

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGMCPName(t *testing.T) {
	t.Parallel()
	tests := []struct{ cmd, want string }{
		{"get_value", "Char.Value.Get"},
		{"client_options", "Core.Supports.Get"},
		{"get_inputfuncs", "Core.Commands.Get"},
		{"repeat", "Char.Repeat.Update"},
		{"monitor", "Char.Monitor.Update"},
		{"char_vitals", "Char.Vitals"},
		{"char_HP_max", "Char.HP.Max"},
		{"cHAR_nAmE", "Char.Name"},
		{"ping", "Core.Ping"},
		{"Hello", "Core.Hello"},
		{"hELLO", "Core.Hello"},
	}
	for _, tt := range tests {
		if got := GMCPName(tt.cmd); got != tt.want {
			t.Errorf("GMCPName(%q) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

func TestEncodeGMCP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cmd    string
		args   []any
		kwargs map[string]any
		want   string
	}{
		{"bare", "ping", nil, nil, "Core.Ping"},
		{"one arg collapsed", "get_value", []any{"name"}, nil, `Char.Value.Get "name"`},
		{"args", "char_vitals", []any{1, "two"}, nil, `Char.Vitals [1,"two"]`},
		{"kwargs", "char_status", nil, map[string]any{"hp": 10}, `Char.Status {"hp":10}`},
		{"both", "room_info", []any{"x"}, map[string]any{"id": 3}, `Room.Info ["x",{"id":3}]`},
		{"IAC and newline kept for framing", "text", []any{"a\xffb\nc"}, nil, `Core.Text "a\ufffdb\nc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeGMCP(tt.cmd, tt.args, tt.kwargs)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := EncodeGMCP("x", []any{make(chan int)}, nil); err == nil {
		t.Error("a channel encoded without error")
	}
}

func TestDecodeGMCP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		want    OOBCommand
		ok      bool
	}{
		{"Core.Hello", OOBCommand{Name: "hello"}, true},
		{`Core.Hello {"client":"Mudlet","version":"4.17"}`, OOBCommand{Name: "hello", Kwargs: map[string]any{"client": "Mudlet", "version": "4.17"}}, true},
		{`Char.Value.Get "name"`, OOBCommand{Name: "get_value", Args: []any{"name"}}, true},
		{`Core.Supports.Set ["Char 1","Room 1"]`, OOBCommand{Name: "supports_set", Args: []any{"Char 1", "Room 1"}}, true},
		{`Core.Supports.Get`, OOBCommand{Name: "client_options"}, true},
		{`Char.Foo [["a",1],{"k":true}]`, OOBCommand{Name: "char_foo", Args: []any{"a", 1.0}, Kwargs: map[string]any{"k": true}}, true},
		{`Char.Foo {"":1,"a":2}`, OOBCommand{Name: "char_foo", Kwargs: map[string]any{"a": 2.0}}, true},
		{`Char.Foo {"":1}`, OOBCommand{Name: "char_foo"}, true},
		{`Char.Foo 42`, OOBCommand{Name: "char_foo", Args: []any{42.0}}, true},
		{`Char.Foo not json`, OOBCommand{Name: "char_foo", Args: []any{"not json"}}, true},
		{`Char.Foo {"a":1} trailing`, OOBCommand{Name: "char_foo", Args: []any{`{"a":1} trailing`}}, true},
		{`core`, OOBCommand{Name: "core"}, true},
		{`Core.`, OOBCommand{Name: "core_"}, true},
		{"", OOBCommand{}, false},
		{"   ", OOBCommand{}, false},
	}
	for _, tt := range tests {
		got, ok := DecodeGMCP([]byte(tt.payload))
		if ok != tt.ok {
			t.Errorf("DecodeGMCP(%q) ok = %v, want %v", tt.payload, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("DecodeGMCP(%q) (-want +got):\n%s", tt.payload, diff)
		}
	}
}

// FuzzGMCP decodes any payload without panicking; what decodes encodes
// again, and decoding that gives the same command.
func FuzzGMCP(f *testing.F) {
	f.Add([]byte(`Core.Hello {"client":"Mudlet"}`))
	f.Add([]byte(`Char.Value.Get "name"`))
	f.Add([]byte(`Char.Foo [["a"],{"b":1}]`))
	f.Add([]byte("\xff\x00 \xfe"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		cmd, ok := DecodeGMCP(payload)
		if !ok {
			return
		}
		if cmd.Name == "" {
			t.Fatal("ok with an empty name")
		}
		enc, err := EncodeGMCP(cmd.Name, cmd.Args, cmd.Kwargs)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", cmd, err)
		}
		if _, ok := DecodeGMCP(enc); !ok {
			t.Fatalf("re-encoded %q does not decode", enc)
		}
	})
}

func TestGMCPDepthBounded(t *testing.T) {
	deep := "Core.X " + strings.Repeat("[", MaxGMCPDepth+1) + strings.Repeat("]", MaxGMCPDepth+1)
	if _, ok := DecodeGMCP([]byte(deep)); ok {
		t.Errorf("a GMCP message nested %d deep was read", MaxGMCPDepth+1)
	}
	ok := "Core.X " + strings.Repeat("[", MaxGMCPDepth) + strings.Repeat("]", MaxGMCPDepth)
	if _, good := DecodeGMCP([]byte(ok)); !good {
		t.Errorf("a GMCP message nested %d deep was refused", MaxGMCPDepth)
	}
	for in, want := range map[string]int{`{"a":"[[["}`: 1, `[[1],[2,[3]]]`: 3, `"\"[["`: 0, ``: 0} {
		if got := JSONDepth([]byte(in)); got != want {
			t.Errorf("JSONDepth(%s) = %d, want %d", in, got, want)
		}
	}
}
