package webclient

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/link"
)

type plain struct{}

func (plain) HTML(s string) string { return "<b>" + escapeHTML(s) + "</b>" }
func (plain) ANSI(s string) string { return "\x1b[1m" + s + "\x1b[0m" }

func TestV1Decode(t *testing.T) {
	ok := map[string]link.Command{
		`["text", ["look"], {}]`:                  {Name: "text", Args: []any{"look"}},
		`["text", ["look"], {}, "extra"]`:         {Name: "text", Args: []any{"look"}},
		`["get_value", [], {"name": "hp"}]`:       {Name: "get_value", Kwargs: map[string]any{"name": "hp"}},
		`["logged_in"]`:                           {Name: "logged_in"},
		`["text", null, null]`:                    {Name: "text"},
		`["client_options", [1, true, null], {}]`: {Name: "client_options", Args: []any{1.0, true, nil}},
	}
	for in, want := range ok {
		got, err := v1Format{}.Decode(Message{Data: []byte(in)})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("%s: %#v, want %#v", in, got, want)
		}
	}
	bad := []string{``, `not json`, `{}`, `[]`, `[1, [], {}]`, `[null]`, `[""]`, `[["x"], [], {}]`, `["text", "look", {}]`,
		`["text", [], []]`, `["text", [` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `]]`}
	for _, in := range bad {
		if _, err := (v1Format{}).Decode(Message{Data: []byte(in)}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err %v, want ErrMalformed", in, err)
		}
	}
}

func TestV1Encode(t *testing.T) {
	cases := []struct {
		in   link.Command
		want string
	}{
		{link.Text("a<b"), `["text",["<b>a&lt;b</b>"],{}]`},
		{link.Prompt("> "), `["prompt",["<b>&gt; </b>"],{}]`},
		{link.Command{Name: "text", Args: []any{"<x>"}, Kwargs: map[string]any{"options": map[string]any{"raw": true}, "type": "say"}}, `["text",["&lt;x&gt;"],{"type":"say"}]`},
		{link.Command{Name: "Char.Vitals", Args: []any{1.0}, Kwargs: map[string]any{"hp": 3.0}}, `["Char.Vitals",[1],{"hp":3}]`},
		{link.Command{Name: "logged_in"}, `["logged_in",[],{}]`},
	}
	for _, c := range cases {
		got := v1Format{}.Encode(c.in, plain{})
		if len(got) != 1 || got[0].Binary || string(got[0].Data) != c.want {
			t.Errorf("%v: %+v, want %s", c.in, got, c.want)
		}
	}
	if got := (v1Format{}).Encode(link.Command{Name: "options"}, plain{}); got != nil {
		t.Errorf("options was sent: %+v", got)
	}
}

func TestTerminalFormat(t *testing.T) {
	got, err := terminalFormat{}.Decode(Message{Binary: true, Data: []byte("look\r\n\nsay hi\n\xff")})
	if err != nil || len(got) != 3 || got[0].Args[0] != "look" || got[1].Args[0] != "say hi" || got[2].Args[0] != "\uFFFD" {
		t.Errorf("decode: %#v, %v", got, err)
	}
	out := terminalFormat{}.Encode(link.Text("hi"), plain{})
	if len(out) != 1 || !out[0].Binary || string(out[0].Data) != "\x1b[1mhi\x1b[0m\r\n" {
		t.Errorf("text: %+v", out)
	}
	if out := (terminalFormat{}).Encode(link.Command{Name: "Char.Vitals"}, plain{}); out != nil {
		t.Errorf("OOB on a terminal: %+v", out)
	}
}

func TestParseQuery(t *testing.T) {
	for raw, want := range map[string]Browser{
		"":                       {},
		"abc":                    {Csessid: "abc"},
		"abc&Mozilla":            {Csessid: "abc", Agent: "Mozilla"},
		"abc&p1&Mozilla%205":     {Csessid: "abc", PageID: "p1", Agent: "Mozilla 5"},
		"abc&p1&x&y":             {Csessid: "abc", PageID: "p1", Agent: "x&y"},
		"%zz&p":                  {Csessid: "%zz", Agent: "p"},
		strings.Repeat("a", 300): {Csessid: strings.Repeat("a", 200)},
	} {
		if got := ParseQuery(raw); got != want {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", raw, got, want)
		}
	}
	for key, want := range map[string]bool{"": false, "short": false, strings.Repeat("a", 21): false, strings.Repeat("a", 22): true,
		"Zq3kP9xW2mLr7TnB4vYc8HdJ6sQf1GaE": true, "Zq3kP9xW2mLr7TnB4vYc8HdJ6sQf1Ga<": false} {
		if got := (Browser{Csessid: key}).Remembers(); got != want {
			t.Errorf("Remembers(%q) = %v", key, got)
		}
	}
}

// FuzzWebsocketDecode feeds any message to every format: never a panic,
// and what v1 accepts is a command with a name whose values the link can carry.
func FuzzWebsocketDecode(f *testing.F) {
	for _, s := range []string{`["text", ["look"], {}]`, `["a", [1, {"b": [null]}], {"c": "d"}]`, `[1]`, "look\r\nsay hi", `["text", [[[[[]]]]]]`, "\xff\xfe", `["x",[],{},4]`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		for _, name := range append([]string{""}, Subprotocols...) {
			cmds, err := Select(name).Decode(Message{Binary: binary, Data: data})
			if err != nil {
				if len(cmds) > 0 {
					t.Fatalf("%s: an error and commands", name)
				}
				continue
			}
			for _, c := range cmds {
				if c.Name == "" {
					t.Fatalf("%s: a command without a name from %q", name, data)
				}
				if _, err := link.AppendFrame(nil, link.Message{Op: link.OpDataIn, Sessid: 1, Data: []link.Command{c}}); err != nil {
					t.Fatalf("%s: the link cannot carry %#v: %v", name, c, err)
				}
			}
		}
	})
}

func TestMudStandardsJSONAndGMCP(t *testing.T) {
	j := jsonFormat{}
	for in, want := range map[string]link.Command{
		`{"proto":"gmcp","id":"Core.Hello","data":"{\"client\":\"x\"}"}`: {Name: "hello", Kwargs: map[string]any{"client": "x"}},
		`{"proto":"text","id":"","data":"look"}`:                         {Name: "text", Args: []any{"look"}},
		`{"proto":"websocket_close"}`:                                    {Name: CloseCommand},
		`{"proto":"custom","id":"ping","data":"[1,2]"}`:                  {Name: "ping", Args: []any{1.0, 2.0}},
		`{"proto":"custom","id":"","data":"7"}`:                          {Name: "custom", Args: []any{7.0}},
	} {
		got, err := j.Decode(Message{Data: []byte(in)})
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("json %s: %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, bad := range []string{`[]`, `{}`, `{"proto":"custom","id":"x","data":"{"}`, `{"proto":"gmcp","id":"","data":""}`} {
		if _, err := j.Decode(Message{Data: []byte(bad)}); !errors.Is(err, ErrMalformed) {
			t.Errorf("json %s: err %v, want ErrMalformed", bad, err)
		}
	}
	if got, _ := j.Decode(Message{Binary: true, Data: []byte("look\n")}); len(got) != 1 || got[0].Args[0] != "look" {
		t.Errorf("json binary: %#v", got)
	}
	out := j.Encode(link.Command{Name: "get_value", Kwargs: map[string]any{"name": "hp", "value": "<3"}}, plain{})
	if len(out) != 1 || out[0].Binary || string(out[0].Data) != `{"proto":"gmcp","id":"Char.Value.Get","data":"{\"name\":\"hp\",\"value\":\"\\u003c3\"}"}` {
		t.Errorf("json OOB: %s", out[0].Data)
	}
	if out := j.Encode(link.Prompt("> "), plain{}); len(out) != 1 || string(out[0].Data) != `{"proto":"prompt","id":"","data":"\u001b[1m> \u001b[0m"}` {
		t.Errorf("json prompt: %s", out[0].Data)
	}

	g := gmcpFormat{}
	if got, err := g.Decode(Message{Data: []byte(`Char.Value.Get {"name":"hp"}`)}); err != nil || len(got) != 1 || got[0].Name != "get_value" {
		t.Errorf("gmcp decode: %#v, %v", got, err)
	}
	if _, err := g.Decode(Message{Data: []byte(`  `)}); !errors.Is(err, ErrMalformed) {
		t.Errorf("gmcp empty: %v", err)
	}
	if out := g.Encode(link.Command{Name: "ping"}, plain{}); len(out) != 1 || string(out[0].Data) != "Core.Ping" {
		t.Errorf("gmcp OOB: %+v", out)
	}
	if out := g.Encode(link.Prompt(">"), plain{}); len(out) != 1 || !out[0].Binary || strings.HasSuffix(string(out[0].Data), "\n") {
		t.Errorf("gmcp prompt: %+v", out)
	}
}
