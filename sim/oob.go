package sim

import (
	"strings"

	"github.com/portalsim/portalsim/internal/link"
)

// Out-of-band input functions (Evennia's server/inputfuncs.py), small:
// the portal turns a client's GMCP and MSDP into commands such as
// get_value, msdp_send or hello. What a session may ask for is its
// character's name and its room's name; the answer goes back as an
// output command the portal sends over GMCP and/or MSDP.

// oobValues are the values a client may get, under Evennia's get_value
// names and the MSDP standard's variable names.
var oobValues = map[string]func(s *Server, ss *serverSession) string{
	"name":           oobCharacterName,
	"character_name": oobCharacterName,
	"location":       oobRoomName,
	"room_name":      oobRoomName,
}

func oobCharacterName(s *Server, ss *serverSession) string {
	if ss.account == nil {
		return ""
	}
	if o, ok := s.world.Character(ss.account.Character); ok {
		return o.Key
	}
	return ""
}

func oobRoomName(s *Server, ss *serverSession) string {
	if ss.account == nil {
		return ""
	}
	if o, ok := s.world.Object(s.world.Location(ss.account.Character)); ok {
		return o.Key
	}
	return ""
}

// oob answers one out-of-band command. An unknown one, or one a client
// sends to greet (Core.Hello, Core.Supports.Set, ...), is ignored and
// counted, never answered with an error to the player (Evennia logs it;
// Mudlet's greetings would otherwise show errors, bug 5.30).
func (s *Server) oob(ss *serverSession, c link.Command) {
	var out []link.Command
	switch strings.ToLower(strings.TrimSpace(c.Name)) {
	case "get_value":
		name, _ := c.Kwargs["name"].(string)
		if name == "" {
			name, _ = c.FirstString()
		}
		if get := oobValues[strings.ToLower(name)]; get != nil {
			out = append(out, link.Command{Name: "get_value", Kwargs: map[string]any{"name": name, "value": get(s, ss)}})
		}
	case "msdp_send", "msdp_report":
		// REPORT answers with the values now; later changes are not pushed.
		// Each variable is answered once however often it is named: one
		// message must not make a thousand answers.
		seen := make(map[string]bool, len(oobValues))
		for _, a := range c.Args {
			v, _ := a.(string)
			key := strings.ToLower(v)
			if get := oobValues[key]; get != nil && !seen[key] {
				seen[key] = true
				out = append(out, link.Command{Name: strings.ToUpper(v), Args: []any{get(s, ss)}})
			}
		}
	}
	if len(out) == 0 {
		s.stats.oobIgnored.Add(1)
		return
	}
	s.send(link.Message{Op: link.OpDataOut, Sessid: ss.data.Sessid, Data: out})
}
