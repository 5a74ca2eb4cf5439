package sim

import (
	"encoding/json"
	"testing"
)

func TestObjID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ObjID
		ok   bool
	}{
		{"#2", 2, true},
		{" #15 ", 15, true},
		{"2", 0, false},
		{"#", 0, false},
		{"#0", 0, false},
		{"#-3", 0, false},
		{"#x", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseObjID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseObjID(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got, want := ObjID(42).String(), "#42"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestKind(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{KindRoom, KindExit, KindThing, KindCharacter} {
		b, err := json.Marshal(k)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", k, err)
		}
		var back Kind
		if err := json.Unmarshal(b, &back); err != nil || back != k {
			t.Errorf("round trip of %v via %s = %v, %v", k, b, back, err)
		}
		if DefaultTypeclass(k) == "" {
			t.Errorf("DefaultTypeclass(%v) is empty", k)
		}
	}
	if _, err := json.Marshal(Kind(0)); err == nil {
		t.Error("Marshal(Kind(0)) succeeded")
	}
	var k Kind
	if err := json.Unmarshal([]byte(`"dragon"`), &k); err == nil {
		t.Error(`Unmarshal("dragon") succeeded`)
	}
	if got, want := Kind(9).String(), "kind(9)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := KindExit.String(), "exit"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestNoCharacter(t *testing.T) {
	t.Parallel()
	w := newTestWorld(t, nil)
	c := &recCaller{acct: &Account{ID: 7, Name: "Ghost", Character: 999}}
	n := &recNotifier{}
	for _, line := range []string{"look", "examine", "inventory", "dig X", "create y", "desc z", "set a/b = c", "say hi", "emote waves", "north", "home", "teleport Limbo"} {
		if got, want := execLine(t, w, c, n, line), "You have no character to act with."; got != want {
			t.Errorf("%q: got %q, want %q", line, got, want)
		}
	}
}
