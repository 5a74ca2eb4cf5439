package telnet

// OOBCommand is one out-of-band command carried by GMCP or MSDP, in
// Evennia's shape: a name, positional arguments and keyword arguments.
// Values are what encoding/json produces (string, float64, bool, nil,
// []any, map[string]any).
type OOBCommand struct {
	// Name is Evennia's command name ("get_value", "msdp_report", ...).
	Name string
	// Args are the positional arguments; nil when there are none.
	Args []any
	// Kwargs are the keyword arguments; nil when there are none.
	Kwargs map[string]any
}
