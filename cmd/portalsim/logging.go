package main

import (
	"flag"
	"io"
	"log/slog"
	"strings"
)

// logFlags are the logging flags every long-running command has.
type logFlags struct {
	level       string
	format      string
	pprof       string
	allowRemote bool
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&l.format, "log-format", "text", "log format: text or json")
	fs.StringVar(&l.pprof, "pprof", "", "serve Go's profiling endpoints (/debug/pprof/) on this host:port (loopback unless -allow-remote-link)")
	fs.BoolVar(&l.allowRemote, "allow-remote-link", false, "allow the game-server link and -pprof on a non-loopback address: neither is meant for other machines")
}

// logger builds the structured logger the flags ask for, writing to w.
func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.level)); err != nil {
		return nil, usagef("-log-level %q: want debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(l.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("-log-format %q: want text or json", l.format)
}
