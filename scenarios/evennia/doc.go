// Package evennia proves our portal as a drop-in Portal for a stock
// Evennia 5.0.1 game: the built binary runs "portalsim portal
// -server-protocol evennia-amp" in a copy of the installed game
// (internal/targets.PrepareEvennia), Evennia's own launcher ("evennia
// start", "status", "reload", "stop") drives it and the stock Server
// behind it, and real clients play through its doors: TinTin++ over
// telnet, a websocket client, telnet over TLS and SSH. "evennia reload"
// under 50 players of the load generator must lose no session and no
// command.
//
// The specs are labelled "evennia" and "slow" (.ci/run runs them in its
// pass for slow specs, after installing Evennia from the shared
// targets). Without Evennia or TinTin++ they skip on a developer machine
// and fail when CI is set (internal/testenv).
package evennia
