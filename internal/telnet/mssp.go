package telnet

// MSSP structure bytes (the MUD Server Status Protocol).
const (
	// MSSPVar starts a variable name.
	MSSPVar = 1
	// MSSPVal starts a value.
	MSSPVal = 2
)

// MSSPVariable is one MSSP variable: a name and its values. A variable with
// several values is sent with its VAR repeated for each, as Evennia does.
type MSSPVariable struct {
	// Name is the variable's name ("NAME", "PLAYERS", "PORT", ...).
	Name string
	// Values are its values, in order.
	Values []string
}

// AppendMSSP appends the whole subnegotiation IAC SB MSSP (VAR name VAL
// value)… IAC SE to dst, the variables in the order given. Bytes 0-2 in
// names and values, which would break the structure, are left out; 0xFF
// is doubled.
func AppendMSSP(dst []byte, table []MSSPVariable) []byte {
	var payload []byte
	for _, v := range table {
		for _, val := range v.Values {
			payload = append(payload, MSSPVar)
			payload = appendMSSPText(payload, v.Name)
			payload = append(payload, MSSPVal)
			payload = appendMSSPText(payload, val)
		}
	}
	return AppendSubneg(dst, OptMSSP, payload)
}

func appendMSSPText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] > MSSPVal {
			dst = append(dst, s[i])
		}
	}
	return dst
}
