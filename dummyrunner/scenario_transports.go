package dummyrunner

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/portalsim/portalsim/reports"
)

// compileTransports checks the transports, their weights and settings,
// and computes the players' shares. Against a target (not the embedded
// portal), a websocket or tls transport needs its own address.
func (pl *Plan) compileTransports(p *problems) {
	s := &pl.sc
	pl.transportList = slices.Sorted(maps.Keys(s.Transports))
	known := TransportNames()
	total := 0.0
	before := len(p.errs)
	for _, name := range pl.transportList {
		field := fieldKey("transports", name)
		if !slices.Contains(known, name) {
			p.add(field, "unknown transport: want one of %s", strings.Join(known, ", "))
			continue
		}
		w := s.Transports[name]
		p.number(field, w, 0, MaxWeight, true)
		total += w
	}
	switch {
	case s.Protocol == "":
	case !slices.Contains(known, s.Protocol):
		p.add("protocol", "%q: unknown transport: want one of %s", s.Protocol, strings.Join(known, ", "))
	case len(pl.transportList) != 1 || pl.transportList[0] != s.Protocol:
		p.add("protocol", "%q with transports %s: give one or the other (protocol is a single transport)", s.Protocol, strings.Join(pl.transportList, ", "))
	}
	if pl.Uses(TransportWebsocket) {
		s.checkWebsocket(p)
	}
	if pl.Uses(TransportTLS) {
		if s.TLS.Target != "" {
			p.address("tls.target", s.TLS.Target)
		} else if s.Target != "" {
			p.add("tls.target", "missing: the transports include tls and the target is not the embedded portal")
		}
	}
	if pl.Uses(TransportSSH) {
		s.checkSSH(p)
	}
	switch s.TLS.Verify {
	case VerifyAuto, VerifyAlways, VerifyNever:
	default:
		p.add("tls.verify", "%q: want %q, %q or %q", s.TLS.Verify, VerifyAuto, VerifyAlways, VerifyNever)
	}
	if s.Websocket.Subprotocol != "" && !slices.Contains(Subprotocols, s.Websocket.Subprotocol) {
		p.add("websocket.subprotocol", "%q: want one of %s", s.Websocket.Subprotocol, strings.Join(Subprotocols, ", "))
	}
	if s.proxiesClients() && (len(pl.transportList) != 1 || pl.transportList[0] != TransportTelnet) {
		p.add("transports", "client-side faults proxy the telnet door only: use transports: {telnet: 1} with them")
	}
	if len(p.errs) > before || total <= 0 {
		return
	}
	pl.transportCum = make([]float64, len(pl.transportList))
	acc := 0.0
	for i, name := range pl.transportList {
		acc += s.Transports[name] / total
		pl.transportCum[i] = acc
	}
	pl.transportCum[len(pl.transportCum)-1] = 1
}

// checkWebsocket checks the websocket URL: ws:// or wss://, a host, no
// query (the players add theirs).
func (s *Scenario) checkWebsocket(p *problems) {
	raw := s.Websocket.URL
	if raw == "" {
		if s.Target != "" {
			p.add("websocket.url", "missing: the transports include websocket and the target is not the embedded portal")
		}
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		p.add("websocket.url", "%q: %v", raw, err)
	case u.Scheme != "ws" && u.Scheme != "wss":
		p.add("websocket.url", "%q: want ws://host:port/ or wss://host:port/", raw)
	case u.Host == "":
		p.add("websocket.url", "%q: no host", raw)
	case u.RawQuery != "" || u.Fragment != "":
		p.add("websocket.url", "%q: no query or fragment (each player adds its own query)", raw)
	}
}

// Uses reports whether any player comes in through the named transport.
func (pl *Plan) Uses(name string) bool {
	w, ok := pl.sc.Transports[name]
	return ok && w > 0
}

// proxiesClients reports whether the fault schedule puts a proxy in front
// of the players (see Runner.openClientProxy).
func (s *Scenario) proxiesClients() bool {
	for i := range s.Faults {
		f := &s.Faults[i]
		if f.sideOf() == reports.SideClient && f.Kind != FaultStorm && f.Kind != FaultSlowloris {
			return true
		}
	}
	return false
}

// TransportLabel names the scenario's transports for a report's meta:
// the one transport, or their names joined by "+".
func (pl *Plan) TransportLabel() string {
	if len(pl.transportList) == 0 {
		return pl.sc.Protocol
	}
	return strings.Join(pl.transportList, "+")
}

// TransportShare is the fraction of the players that come in through the
// named transport (0 when it is not used).
func (pl *Plan) TransportShare(name string) float64 {
	prev := 0.0
	for i, n := range pl.transportList {
		if i < len(pl.transportCum) {
			if n == name {
				return pl.transportCum[i] - prev
			}
			prev = pl.transportCum[i]
		}
	}
	return 0
}
