package testutil

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// SessionTablesAgree compares the portal's session table with the game
// server's, field by field: the same sessids and, for each, the same
// uid, uname, logged_in and puid, with the portal's session in
// [portal.StateLoggedIn] exactly when the server's is logged in. Queued
// sessions are not compared (the server has never heard of them).
//
// It returns nil when the tables agree, or an error listing every
// difference, so it suits Eventually and [Await]. It also fails while no
// server is given, or while the server is not synced with the portal:
// only a settled pair can agree.
func SessionTablesAgree(ctx context.Context, p *portal.Portal, srv *sim.Server) error {
	switch {
	case srv == nil:
		return errors.New("no game server")
	case !p.ServerConnected():
		return errors.New("the portal has no synced game server")
	case !srv.Linked():
		return errors.New("the game server is not synced with the portal")
	}
	list := srv.Sessions(ctx)
	if list == nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("the game server is not serving a link")
	}
	server := make(map[uint64]link.SessionData, len(list))
	for _, d := range list {
		server[d.Sessid] = d
	}
	var diffs []string
	seen := make(map[uint64]bool, len(server))
	for _, s := range p.Handler().Sessions() {
		id := s.Sessid()
		seen[id] = true
		d, ok := server[id]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("sessid %d (%v): on the portal only", id, s.State()))
			continue
		}
		pd := s.Data()
		var fields []string
		if pd.Uid != d.Uid {
			fields = append(fields, fmt.Sprintf("uid %d/%d", pd.Uid, d.Uid))
		}
		if pd.Uname != d.Uname {
			fields = append(fields, fmt.Sprintf("uname %q/%q", pd.Uname, d.Uname))
		}
		if pd.LoggedIn != d.LoggedIn {
			fields = append(fields, fmt.Sprintf("logged_in %v/%v", pd.LoggedIn, d.LoggedIn))
		}
		if pd.Puid != d.Puid {
			fields = append(fields, fmt.Sprintf("puid %d/%d", pd.Puid, d.Puid))
		}
		if st := s.State(); (st == portal.StateLoggedIn) != d.LoggedIn {
			fields = append(fields, fmt.Sprintf("portal state %v, server logged_in %v", st, d.LoggedIn))
		}
		if len(fields) > 0 {
			diffs = append(diffs, fmt.Sprintf("sessid %d (portal/server): %s", id, strings.Join(fields, ", ")))
		}
	}
	for id := range server {
		if !seen[id] {
			diffs = append(diffs, fmt.Sprintf("sessid %d: on the server only (%+v)", id, server[id]))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	slices.Sort(diffs)
	return fmt.Errorf("session tables disagree (%d differences):\n  %s", len(diffs), strings.Join(diffs, "\n  "))
}
