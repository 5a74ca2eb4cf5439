// Package floor is the bare-relay floor of "portalsim bench": the
// cheapest program with the portal's topology, against which the
// portal's latency and CPU are measured as ratios.
//
//	client -> Relay -> Echo -> Relay -> client
//
// A [Relay] accepts line clients (telnet-ish: a line ends at LF, a
// trailing CR is dropped, no option negotiation) and holds ONE backend
// connection to an [Echo], over which it multiplexes every client with
// the line framing of frame.go (see [AppendFrame]): the portal's one link
// to the game server. The Echo answers every client line at once: the
// echo probe "dummyrunner_echo_response <token>" with
// "dummyrunner_echo_response:<token>,<unix time with 6 decimals>" (as the
// game server does), "quit" by hanging up (a close frame), and any other
// line with the line itself. It greets
// each new client with [Greeting], so a load generator can wait for a
// login screen and "log in" by sending a line and seeing it back.
//
// The Relay also opens a websocket door when asked
// (RelayConfig.WebsocketAddr): clients speaking Evennia's webclient
// format (SubprotocolV1: ["text", [line], {}] JSON text frames both
// ways) are clients like the others, over the same backend connection
// to the same Echo; see websocket.go.
//
// Concurrency: the Relay runs one reader goroutine per client, one
// backend reader that writes each answer straight to its client's
// socket, and one backend writer that batches the clients' lines into as
// few writes as it can. The Echo runs one goroutine per backend
// connection, reading and answering in turn, and flushes its answers
// when its input runs dry. Lines longer than the limit are cut, counted,
// and never crash either side.
package floor
