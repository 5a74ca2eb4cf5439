package ampbridge

import (
	"fmt"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// kwOptions is the kwarg Evennia's clean_senddata gives every command:
// the top-level options.
const kwOptions = "options"

// commandsToLink converts a Msg's commands to the link's (args and
// kwargs by [toLink]: options stays a kwarg, as Evennia sends it).
func commandsToLink(m *amp.Msg) ([]link.Command, error) {
	out := make([]link.Command, 0, len(m.Commands))
	for _, c := range m.Commands {
		args, err := listToLink(c.Args)
		if err != nil {
			return nil, fmt.Errorf("command %q args: %w", c.Name, err)
		}
		kwargs, err := dictToLink(c.Kwargs)
		if err != nil {
			return nil, fmt.Errorf("command %q kwargs: %w", c.Name, err)
		}
		out = append(out, link.Command{Name: c.Name, Args: args, Kwargs: kwargs})
	}
	return out, nil
}

// commandToPython converts one link command to Evennia's shape:
// [[args], {kwargs}] with kwargs always holding options (an empty dict
// if the command had none), as clean_senddata leaves it.
func commandToPython(c link.Command) (amp.Command, error) {
	args, err := listToPython(c.Args)
	if err != nil {
		return amp.Command{}, fmt.Errorf("command %q args: %w", c.Name, err)
	}
	kwargs, err := dictToPython(c.Kwargs)
	if err != nil {
		return amp.Command{}, fmt.Errorf("command %q kwargs: %w", c.Name, err)
	}
	if _, ok := kwargs.Get(kwOptions); !ok {
		kwargs.Set(kwOptions, amp.Dict{})
	}
	return amp.Command{Name: c.Name, Args: args, Kwargs: kwargs}, nil
}

// msgsOf converts the link's commands for session sessid to Msg
// payloads: one while the names differ, a new one when a name comes
// again (a Python dict has each key once; Evennia would merge them).
func msgsOf(sessid uint64, cmds []link.Command) ([]Payload, error) {
	id, err := pySessid(sessid)
	if err != nil {
		return nil, err
	}
	var out []Payload
	var cur *amp.Msg
	for _, c := range cmds {
		pc, err := commandToPython(c)
		if err != nil {
			return nil, err
		}
		if cur == nil || hasCommand(cur, c.Name) {
			cur = &amp.Msg{Sessid: id}
			out = append(out, Payload{Msg: cur})
		}
		cur.Commands = append(cur.Commands, pc)
	}
	return out, nil
}

func hasCommand(m *amp.Msg, name string) bool {
	for _, c := range m.Commands {
		if c.Name == name {
			return true
		}
	}
	return false
}
