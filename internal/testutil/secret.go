package testutil

import "github.com/portalsim/portalsim/internal/link"

// LinkSecret is a fixed link secret for tests that start a portal and a
// game server apart, or several portals for one server.
var LinkSecret = link.Secret("portalsim test link secret, not for production")
