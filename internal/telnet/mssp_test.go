package telnet

import (
	"bytes"
	"testing"
)

func TestAppendMSSP(t *testing.T) {
	t.Parallel()
	got := AppendMSSP(nil, []MSSPVariable{
		{Name: "NAME", Values: []string{"portal\x01sim"}},
		{Name: "PORT", Values: []string{"4000", "4001"}},
		{Name: "EMPTY"},
		{Name: "IAC", Values: []string{"\xff"}},
	})
	want := []byte("\xff\xfa\x46" + "\x01NAME\x02portalsim" + "\x01PORT\x024000\x01PORT\x024001" + "\x01IAC\x02\xff\xff" + "\xff\xf0")
	if !bytes.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestAppendMXPAndLinemode(t *testing.T) {
	t.Parallel()
	if got, want := AppendMXPStart(nil), []byte{IAC, SB, 91, IAC, SE}; !bytes.Equal(got, want) {
		t.Errorf("AppendMXPStart = %v, want %v", got, want)
	}
	if got, want := AppendLinemodeMode(nil, LinemodeEdit|LinemodeTrapSig), []byte{IAC, SB, 34, 1, 3, IAC, SE}; !bytes.Equal(got, want) {
		t.Errorf("AppendLinemodeMode = %v, want %v", got, want)
	}
}
