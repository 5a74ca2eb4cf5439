package sim

import (
	"slices"
	"testing"
)

func TestSocialCommands(t *testing.T) {
	t.Parallel()
	bob := ObjID(4)
	tests := []struct {
		line   string
		want   string
		others []charMsg
		all    []string
	}{
		{line: "say", want: "Say what?"},
		{line: "say Yo!", want: `You say, "Yo!"`, others: []charMsg{{[]ObjID{bob}, `Alice says, "Yo!"`}}},
		{line: "'Yo!", want: `You say, "Yo!"`, others: []charMsg{{[]ObjID{bob}, `Alice says, "Yo!"`}}},
		{line: `"Yo there`, want: `You say, "Yo there"`, others: []charMsg{{[]ObjID{bob}, `Alice says, "Yo there"`}}},
		{line: "emote", want: "What do you want to do?"},
		{line: "emote stands looking around.", want: "Alice stands looking around.", others: []charMsg{{[]ObjID{bob}, "Alice stands looking around."}}},
		{line: ":waves.", want: "Alice waves.", others: []charMsg{{[]ObjID{bob}, "Alice waves."}}},
		{line: "pose waves.", want: "Alice waves.", others: []charMsg{{[]ObjID{bob}, "Alice waves."}}},
		{line: "pub", want: "Usage: pub <message>"},
		{line: "pub Hello!", all: []string{"[Public] Alice: Hello!"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if got := execLine(t, f.w, f.alice, f.n, tt.line); got != tt.want {
				t.Errorf("caller got %q, want %q", got, tt.want)
			}
			if got := f.n.takeChars(); !equalCharMsgs(got, tt.others) {
				t.Errorf("MsgCharacters got %v, want %v", got, tt.others)
			}
			if !slices.Equal(f.n.all, tt.all) {
				t.Errorf("MsgAll got %q, want %q", f.n.all, tt.all)
			}
		})
	}
}

func TestSayAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	execLine(t, f.w, f.alice, f.n, "north")
	f.n.takeChars()
	execLine(t, f.w, f.alice, f.n, "say anyone?")
	if got := f.n.takeChars(); len(got) != 0 {
		t.Errorf("say in an empty room reached %v", got)
	}
}

func TestAdminCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line               string
		want               string
		reloads, shutdowns []string
		quits              []string
	}{
		{line: "reload", want: " Server restart initiated ...", reloads: []string{""}},
		{line: "reload testing.", want: " Server restart initiated (Reason: testing) ...", reloads: []string{"testing."}},
		{line: "shutdown", want: "Server is being SHUT DOWN!", shutdowns: []string{""}},
		{line: "shutdown bye", want: "Server is being SHUT DOWN!\nbye", shutdowns: []string{"bye"}},
		{line: "quit", want: "Quitting. Hope to see you again, soon.", quits: []string{QuitReason}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if got := execLine(t, f.w, f.alice, f.n, tt.line); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !slices.Equal(f.n.reloads, tt.reloads) || !slices.Equal(f.n.shutdowns, tt.shutdowns) || !slices.Equal(f.alice.quits, tt.quits) {
				t.Errorf("reloads %q shutdowns %q quits %q; want %q %q %q",
					f.n.reloads, f.n.shutdowns, f.alice.quits, tt.reloads, tt.shutdowns, tt.quits)
			}
		})
	}
}
