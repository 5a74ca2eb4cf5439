// Package ircbot is Evennia's IRC bot as an outbound protocol of the
// portal: the factory a game server starts with SCONN
// (evennia.server.portal.irc.IRCBotFactory, [Name]). A bot connects to an
// IRC network (over TLS when the game asks for ssl), registers its nick,
// joins one channel and then becomes a portal session logged in to the
// bot's account from the start (protocol_key "ircbot", address
// "<channel>@<network>"). What is said in the channel, to the bot in
// private and the channel's nick list (when the game asked for it,
// bounded in bytes) reach the game as "bot_data_in" input; the game's
// "channel", "privmsg", "request_nicklist", "ping" and "reconnect"
// output goes back to IRC. Everything else the game sends
// the session ("text", "prompt", ...) is ignored and counted, as Evennia
// ignores it: the bot is a session like any other and would otherwise
// repeat to IRC whatever reaches its account.
//
// Where it differs from Evennia 5.0.1: plain (non-TLS) IRC works;
// a second SCONN for a bot that runs (a game server's reload) starts no
// second bot (Evennia bug #3077), and one with other settings replaces
// it; a lost connection is retried (Evennia retries only a bot that
// never signed on) and its session closes first, so the game never
// holds a stale one; game output cannot inject IRC commands (CR and LF
// split lines, other control characters are dropped, lines are cut to
// IRC's 512 bytes, a private message goes only to a nick); TLS
// certificates are verified (Config.TLSConfig for a private CA).
//
// Concurrency model: each bot is one goroutine that dials, reads the IRC
// connection and reconnects with backoff ([Backoff]) while the bot is
// wanted; each connection has one writer goroutine draining a bounded
// queue at IRC's flood-control pace ([Pace]). Both are started with
// portal.Handler.Go, so the portal's Close waits for them. The portal
// calls a bot's output handlers from its own goroutines; they only queue
// lines. A [Factory] is safe for concurrent use.
package ircbot
