package ampportal

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/portalsim/portalsim/internal/amp"
)

// Info is what "evennia status" and "evennia info" print of the portal.
type Info struct {
	ServerName, Version string
	// Telnet, TelnetTLS, SSH, Web and Websocket are the doors, one line
	// each ("telnet: 127.0.0.1:4000").
	Telnet, TelnetTLS, SSH, Web, Websocket []string
	// AMP is the AMP address line.
	AMP string
}

// PortalInfo returns the portal's info dict, with every key Evennia's
// launcher formats.
func PortalInfo(i Info) amp.Dict {
	lines := func(ss []string) amp.List {
		l := make(amp.List, len(ss))
		for n, s := range ss {
			l[n] = s
		}
		return l
	}
	return amp.Dict{
		{Key: "servername", Value: i.ServerName},
		{Key: "version", Value: i.Version},
		{Key: "errors", Value: ""},
		{Key: "info", Value: ""},
		{Key: "lockdown_mode", Value: ""},
		{Key: "amp", Value: i.AMP},
		{Key: "telnet", Value: lines(i.Telnet)},
		{Key: "telnet_ssl", Value: lines(i.TelnetTLS)},
		{Key: "ssh", Value: lines(i.SSH)},
		{Key: "webclient", Value: lines(i.Websocket)},
		{Key: "webserver_proxy", Value: lines(i.Web)},
		{Key: "webserver_internal", Value: amp.List{}},
	}
}

// writePIDFile writes this process's id to path and returns the
// function that removes it again (if it still holds our id). A file
// naming another live process is left alone and is an error.
func writePIDFile(path string) (remove func(), err error) {
	if old, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(old))); err == nil && pid != os.Getpid() && alive(pid) {
			return nil, fmt.Errorf("%s: a Portal is running already (pid %d)", path, pid)
		}
	}
	mine := strconv.Itoa(os.Getpid())
	// Written whole under another name, then renamed: the launcher never
	// reads half a pid.
	tmp := path + ".tmp" + mine
	if err := os.WriteFile(tmp, []byte(mine), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	return func() {
		if b, err := os.ReadFile(path); err == nil && string(b) == mine {
			_ = os.Remove(path)
		}
	}, nil
}
