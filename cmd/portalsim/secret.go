package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/portalsim/portalsim/internal/link"
)

// secretFlags say where the link secret comes from, for the commands
// that run one side of the link alone (portal, server). The secret is
// never taken from the command line itself: every local user can read
// a process's arguments (ps, /proc, -pprof's cmdline).
type secretFlags struct {
	file string
}

func (f *secretFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "link-secret-file", "", "file holding the link secret, readable by its owner only (default: $"+link.SecretEnv+", else "+defaultSecretHint+")")
}

const defaultSecretHint = "portalsim/link-secret in the user config directory"

// portalSecret returns the portal's secret: from -link-secret-file
// (created with a new secret if it does not exist), $PORTALSIM_LINK_SECRET,
// or the default file (likewise created). It says on stdout where the
// secret is, never what.
func (f *secretFlags) portalSecret(stdout io.Writer) (link.Secret, error) {
	if f.file == "" {
		if s, ok, err := envSecret(); ok {
			fmt.Fprintf(stdout, "portalsim portal: link secret from $%s\n", link.SecretEnv)
			return s, err
		}
	}
	path, err := f.path()
	if err != nil {
		return nil, err
	}
	s, created, err := link.CreateSecretFile(path)
	if err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	if created {
		fmt.Fprintf(stdout, "portalsim portal: generated a link secret in %s (mode 0600); portalsim server reads it from there\n", path)
	} else {
		fmt.Fprintf(stdout, "portalsim portal: link secret from %s\n", path)
	}
	return s, nil
}

// serverSecret returns the game server's secret: from -link-secret-file,
// $PORTALSIM_LINK_SECRET, or the default file, which the portal creates.
func (f *secretFlags) serverSecret() (link.Secret, error) {
	if f.file == "" {
		if s, ok, err := envSecret(); ok {
			return s, err
		}
	}
	path, err := f.path()
	if err != nil {
		return nil, err
	}
	s, err := link.ReadSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) && f.file == "" {
		err = fmt.Errorf("no link secret: %s does not exist; start \"portalsim portal\" first (it creates it), or give -link-secret-file or $%s", path, link.SecretEnv)
	}
	if err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	return s, nil
}

// path is the secret file: the flag's, or the default.
func (f *secretFlags) path() (string, error) {
	if f.file != "" {
		return f.file, nil
	}
	p, err := link.DefaultSecretFile()
	if err != nil {
		return "", exitErr{ExitInvalidConfig, fmt.Errorf("%w; give -link-secret-file or $%s", err, link.SecretEnv)}
	}
	return p, nil
}

// envSecret reads $PORTALSIM_LINK_SECRET; ok is false when it is unset.
func envSecret() (s link.Secret, ok bool, err error) {
	v, ok := os.LookupEnv(link.SecretEnv)
	if !ok {
		return nil, false, nil
	}
	if s, err = link.ParseSecret(v); err != nil {
		return nil, true, exitErr{ExitInvalidConfig, fmt.Errorf("$%s: %w", link.SecretEnv, err)}
	}
	return s, true, nil
}
