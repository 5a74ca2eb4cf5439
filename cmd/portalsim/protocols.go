package main

import (
	"log/slog"

	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/portal/ircbot"
)

// outboundProtocols returns the outbound protocols a game server may
// start on every portal of this binary (SCONN), by Evennia's factory
// names: its IRC bot. Each call makes new factories: one portal's bots
// are its own.
func outboundProtocols(log *slog.Logger) (map[string]portal.ProtocolFactory, error) {
	bots, err := ircbot.New(ircbot.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	return map[string]portal.ProtocolFactory{ircbot.Name: bots.Start}, nil
}
