package dummyrunner

import (
	"bytes"
	"sync"
	"time"
)

// maxPendingEchoes bounds the echoes an sshScreen waits for: a door that
// echoes less than it was sent (a line over its length limit) must not
// make the list grow.
const maxPendingEchoes = 16

// DefaultSSHPrompt is the prompt an SSH door's game ends its output
// with, unless SSHSettings.Prompt says otherwise: portalsim's game's.
const DefaultSSHPrompt = "> "

// sshScreen reads what an SSH door's terminal shows: the output, the
// echo of the lines the dummy typed (removed), and prompts. The player's
// goroutine calls expect, the reader feed.
//
// A prompt is text without a line end: shown text that ends a read
// without one, or the game's prompt text at the start of a line with more
// text after it in the same read (another player's message that came
// right after it), where the prompt ends.
//
// The door echoes each typed line as it was typed followed by "\r\n",
// before the line reaches the game, so a line's echo comes before its
// answer, though another player's message may come before it. The
// screen removes the first occurrence of each expected echo, in order (an
// echo that never comes is passed over when a later one is found), and
// holds back the end of a read that may be the start of one.
type sshScreen struct {
	echo   bool   // the door echoes (a PTY was granted)
	prompt []byte // the game's prompt text; empty: only a read's end tells

	// The reader's alone.
	midLine bool // the text shown so far does not end with a line end

	mu   sync.Mutex
	want [][]byte // the echoes to come, oldest first
	held []byte   // the end of the last read: maybe the start of want[0]

	stripped int64 // bytes of echo removed (for the tests)
}

// expect tells the screen that line was typed: its echo is to come.
func (s *sshScreen) expect(line string) {
	if !s.echo {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.want) == maxPendingEchoes {
		s.want = s.want[1:]
	}
	s.want = append(s.want, append([]byte(line), '\r', '\n'))
}

// feed appends the events of data, read at time at: the text without
// the echoes, then a prompt if the text shown ends without a line end.
func (s *sshScreen) feed(evs []connEvent, data []byte, at time.Time) []connEvent {
	s.mu.Lock()
	text := s.strip(data)
	s.mu.Unlock()
	if len(text) == 0 {
		return evs
	}
	for {
		i := s.promptEnd(text)
		if i < 0 {
			break
		}
		evs = append(evs, connEvent{kind: evText, text: string(text[:i]), at: at}, connEvent{kind: evPrompt, at: at})
		text = text[i:]
		s.midLine = true
	}
	evs = append(evs, connEvent{kind: evText, text: string(text), at: at})
	s.midLine = text[len(text)-1] != '\n'
	if s.midLine {
		evs = append(evs, connEvent{kind: evPrompt, at: at})
	}
	return evs
}

// promptEnd returns where the first prompt text at a line start with
// more text after it ends in text, or -1.
func (s *sshScreen) promptEnd(text []byte) int {
	if len(s.prompt) == 0 {
		return -1
	}
	start, lineStart := 0, !s.midLine
	for {
		if lineStart && bytes.HasPrefix(text[start:], s.prompt) && start+len(s.prompt) < len(text) {
			return start + len(s.prompt)
		}
		q := bytes.IndexByte(text[start:], '\n')
		if q < 0 {
			return -1
		}
		start, lineStart = start+q+1, true
	}
}

// strip returns held+data without the expected echoes, holding back an
// end that may start the next one.
func (s *sshScreen) strip(data []byte) []byte {
	if len(s.held) > 0 {
		data = append(s.held, data...)
		s.held = nil
	}
	if len(s.want) == 0 {
		return data
	}
	var out []byte
	for len(s.want) > 0 {
		i, k := s.find(data)
		if i < 0 {
			break
		}
		out = append(out, data[:i]...)
		data = data[i+len(s.want[k]):]
		s.stripped += int64(len(s.want[k]))
		s.want = s.want[k+1:]
	}
	if len(s.want) > 0 {
		if h := partialEnd(data, s.want[0]); h > 0 {
			s.held = bytes.Clone(data[len(data)-h:])
			data = data[:len(data)-h]
		}
	}
	return append(out, data...)
}

// find returns where the first expected echo found in data is, and which
// it is (the earlier ones never came), or -1.
func (s *sshScreen) find(data []byte) (at, k int) {
	for k, w := range s.want {
		if i := bytes.Index(data, w); i >= 0 {
			return i, k
		}
	}
	return -1, 0
}

// partialEnd returns the length of the longest end of data that is a
// start of w, shorter than w.
func partialEnd(data, w []byte) int {
	for n := min(len(data), len(w)-1); n > 0; n-- {
		if bytes.Equal(data[len(data)-n:], w[:n]) {
			return n
		}
	}
	return 0
}
