package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/portalsim/portalsim/portal"
)

// safety is the part of a portal.Config the safety flags set.
type safety struct {
	LoginTimeout time.Duration
	PerAddress   int
}

func safetyOf(c portal.Config) safety {
	return safety{LoginTimeout: c.LoginTimeout, PerAddress: c.MaxSessionsPerAddress}
}

// The portal's safety flags reach its Config, with the command line's
// "0: off" turned into the Config's "negative: off".
func TestPortalFlagsConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want safety
	}{
		{"defaults", nil, safety{LoginTimeout: portal.DefaultLoginTimeout}},
		{"login timeout", []string{"-login-timeout", "90s"}, safety{LoginTimeout: 90 * time.Second}},
		{"login timeout off", []string{"-login-timeout", "0"}, safety{LoginTimeout: -1}},
		{"per-address cap", []string{"-max-sessions-per-address", "8"}, safety{LoginTimeout: portal.DefaultLoginTimeout, PerAddress: 8}},
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
