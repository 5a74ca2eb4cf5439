package dummyrunner

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"
)

// Accounts are pre-created accounts a scenario logs in with, instead of
// names made up for the run: a server that throttles account creation
// (Evennia: 2 per address per 10 minutes) or does not let a client create
// one needs them.
type Accounts struct {
	// File is a CSV file of "name,password" rows, relative to the
	// scenario file; a first row "name,password" is a header. Player i
	// takes row i (counting from 0, the header left out), so the file
	// needs a row for every player of the run. Compile makes the path
	// absolute in its plan. A password is never written to a log, report or schedule.
	File string `yaml:"file,omitempty"`
}

// account is one row of an accounts file.
type account struct{ name, password string }

// String hides the password, should an account ever be formatted.
func (a account) String() string { return a.name + ":********" }

// loadAccounts reads the accounts file, if any (relative to dir), and
// checks it has a row for every player.
func (pl *Plan) loadAccounts(p *problems, dir string) {
	s := &pl.sc
	f := s.Accounts.File
	if f == "" {
		return
	}
	if !filepath.IsAbs(f) && dir != "" {
		f = filepath.Join(dir, f)
	}
	if abs, err := filepath.Abs(f); err == nil {
		// Absolute, so that the scenario written back for -procs'
		// children (in another directory) still finds it.
		f, s.Accounts.File = abs, abs
	}
	b, err := readFileLimited(f)
	if err != nil {
		p.add("accounts.file", "%v", err)
		return
	}
	rows, err := parseAccounts(b)
	if err != nil {
		p.add("accounts.file", "%s: %v", f, err)
		return
	}
	if n := s.Sessions(); len(rows) < n && n <= MaxArrivals {
		p.add("accounts.file", "%s has %d accounts for %d players: want a row for every player", f, len(rows), n)
		return
	}
	pl.accounts = rows
}

// errAccounts is the error of a malformed accounts file.
var errAccounts = errors.New("malformed accounts file")

// parseAccounts reads "name,password" rows (encoding/csv: quoting as RFC
// 4180, leading spaces trimmed), skipping a first row "name,password".
// Every row has exactly two fields, neither empty nor with a control
// character (which would send more than one command); the error names
// the row and never shows a password. At most MaxClients rows.
func parseAccounts(b []byte) ([]account, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	var out []account
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				// Not the record's text: it may hold a password.
				return nil, fmt.Errorf("%w: line %d: %v", errAccounts, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%w: row %d: %v", errAccounts, row, err)
		}
		if row == 1 && len(rec) == 2 && strings.EqualFold(strings.TrimSpace(rec[0]), "name") && strings.EqualFold(strings.TrimSpace(rec[1]), "password") {
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("%w: row %d has %d fields: want name,password", errAccounts, row, len(rec))
		}
		name, pw := rec[0], rec[1]
		switch {
		case name == "":
			return nil, fmt.Errorf("%w: row %d: the name is empty", errAccounts, row)
		case hasControl(name):
			return nil, fmt.Errorf("%w: row %d: the name %q has a control character", errAccounts, row, name)
		case pw == "":
			return nil, fmt.Errorf("%w: row %d (%s): the password is empty", errAccounts, row, name)
		case hasControl(pw):
			return nil, fmt.Errorf("%w: row %d (%s): the password has a control character", errAccounts, row, name)
		}
		if len(out) >= MaxClients {
			return nil, fmt.Errorf("%w: more than %d accounts", errAccounts, MaxClients)
		}
		out = append(out, account{name: name, password: pw})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no accounts", errAccounts)
	}
	return out, nil
}

// hasControl reports whether s has a control character (a tab too).
func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }
