// Package faults injects network faults on purpose, the way toxiproxy
// does, for load scenarios, specs and the command line.
//
// A [Proxy] is a TCP relay on a loopback port: put it between the dummy
// players and a portal (the client side) or between a game server and the
// portal's link (the link side). While it runs, [Toxic]s shape the bytes
// of its connections (latency and jitter, a bandwidth limit, every byte
// its own write, nothing at all), and actions hit the connections it holds
// now: [Proxy.Reset] (a TCP RST), [Proxy.Cut] (a close), [Proxy.Vanish]
// (gone right after the next command), [Proxy.Refuse] (no new ones).
//
// Two crowds stand for clients that behave badly on their own: [Storm]
// (many clients connect at once, see their login screen and go, round
// after round) and [Slowloris] (clients that hold a connection open with
// one byte every so often, never finishing a line).
//
// The package knows nothing of portals or game servers beyond telnet's
// end-of-prompt marks: it imports only the telnet codec, so the load
// generator, which must reach a portal through sockets only, can use it.
//
// Concurrency model: each relayed connection has, per direction, one
// reader goroutine (reading into a small pool of buffers, so what a held
// or slowed stream buffers is bounded) and one writer goroutine that
// applies the toxics in place when each chunk is written, in order. The
// toxics in place are an immutable snapshot swapped atomically; writers
// waiting on a hold wake when it changes. Every goroutine is registered
// with the proxy's WaitGroup, so [Proxy.Close] returns only when all have
// ended.
package faults
