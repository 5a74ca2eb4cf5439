package sshdoor

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ConnectCommand returns the game's login command for an SSH user name
// and password, `connect "<user>" <password>`, which the door sends as
// the session's first input so that the game checks the password (the
// portal knows no accounts). ok is false, and nothing is to be sent, when
// either is empty or not UTF-8, holds a control character (a line break would make
// a second command), or the name holds a double quote (the game's
// quoting), or the command would be longer than maxLen bytes (a line
// that long typed would be discarded); the player then logs in on the
// login screen.
func ConnectCommand(user, password string, maxLen int) (cmd string, ok bool) {
	if maxLen > 0 && len(user)+len(password)+len(`connect "" `) > maxLen {
		return "", false
	}
	if user == "" || !utf8.ValidString(user) || !utf8.ValidString(password) || strings.TrimSpace(password) == "" || strings.ContainsRune(user, '"') ||
		strings.IndexFunc(user, unicode.IsControl) >= 0 || strings.IndexFunc(password, unicode.IsControl) >= 0 {
		return "", false
	}
	return `connect "` + user + `" ` + password, true
}
