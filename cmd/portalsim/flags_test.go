package main

import (
	"flag"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/portalsim/portalsim/portal"
)

// safety is the part of a portal.Config the safety flags set.
type safety struct {
	LoginTimeout, HalfCloseGrace time.Duration
	PerAddress                   int
}

func safetyOf(c portal.Config) safety {
	return safety{LoginTimeout: c.LoginTimeout, HalfCloseGrace: c.HalfCloseGrace, PerAddress: c.MaxSessionsPerAddress}
}

// The portal's safety flags reach its Config, with the command line's
// "0: off" turned into the Config's "negative: off".
func TestPortalFlagsConfig(t *testing.T) {
	t.Parallel()
	defaults := safety{LoginTimeout: portal.DefaultLoginTimeout, HalfCloseGrace: portal.DefaultHalfCloseGrace}
	with := func(change func(*safety)) safety {
		s := defaults
		change(&s)
		return s
	}
	tests := []struct {
		name string
		args []string
		want safety
	}{
		{"defaults", nil, defaults},
		{"login timeout", []string{"-login-timeout", "90s"}, with(func(s *safety) { s.LoginTimeout = 90 * time.Second })},
		{"login timeout off", []string{"-login-timeout", "0"}, with(func(s *safety) { s.LoginTimeout = -1 })},
		{"per-address cap", []string{"-max-sessions-per-address", "8"}, with(func(s *safety) { s.PerAddress = 8 })},
		{"half-close grace", []string{"-half-close-grace", "2s"}, with(func(s *safety) { s.HalfCloseGrace = 2 * time.Second })},
		{"half-close grace off", []string{"-half-close-grace", "0"}, with(func(s *safety) { s.HalfCloseGrace = -1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("portal", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var pf portalFlags
			pf.register(fs, "127.0.0.1:4000", "127.0.0.1:4006")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if got := safetyOf(pf.config()); got != tt.want {
				t.Fatalf("got: %+v, want: %+v", got, tt.want)
			}
		})
	}
}

// The door flags reach the Config; by default every door is open on
// Evennia's port, on loopback.
func TestDoorFlagsConfig(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var pf portalFlags
	pf.register(fs, "127.0.0.1:4000", "127.0.0.1:4006")
	c := pf.config()
	if got, want := []string{c.TelnetAddr, c.WebAddr, c.WebsocketAddr, c.TelnetTLSAddr, c.SSHAddr},
		[]string{"127.0.0.1:4000", "127.0.0.1:4001", "127.0.0.1:4002", "127.0.0.1:4003", "127.0.0.1:4004"}; !slices.Equal(got, want) {
		t.Fatalf("default doors %q, want Evennia's %q", got, want)
	}
	args := []string{"-telnet-tls", "127.0.0.1:0", "-tls-cert", "c.pem", "-tls-key", "k.pem", "-ssh", "127.0.0.1:4005", "-ssh-host-key", "host.key"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	c = pf.config()
	got := []string{c.TelnetTLSAddr, c.TLSCertFile, c.TLSKeyFile, c.SSHAddr, c.SSHHostKeyFile}
	if want := []string{"127.0.0.1:0", "c.pem", "k.pem", "127.0.0.1:4005", "host.key"}; !slices.Equal(got, want) {
		t.Fatalf("got: %q, want: %q", got, want)
	}
}

// -start-rooms reaches the world's settings; by default everyone starts
// in Limbo, as in Evennia.
func TestStartRoomsFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want int
	}{{nil, 1}, {[]string{"-start-rooms", "100"}, 100}} {
		fs := flag.NewFlagSet("server", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var sf simFlags
		sf.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if got := sf.worldConfig(nil, "x").StartRooms; got != tt.want {
			t.Errorf("%q: StartRooms = %d, want %d", tt.args, got, tt.want)
		}
	}
}
