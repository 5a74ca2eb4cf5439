package markup

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// linkifyFirstURL makes the first web address in rendered HTML a link,
// as Evennia's convert_urls does: only the first one (Evennia searches
// once), found by the rules of its pattern re_url, written out here as
// a linear scan. An address starting "www." or "ftp." gets "http://" in
// front, or, if it does not look like a host name, nothing is linked at
// all (Evennia's choice too). Unlike Evennia, only text is searched:
// never inside a tag or an anchor, so a link never lands in an attribute
// or inside another link.
func linkifyFirstURL(s string) string {
	inAnchor := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return s // cannot happen: we wrote every tag
			}
			tag := s[i : i+end+1]
			if strings.HasPrefix(tag, "<a ") {
				inAnchor = true
			} else if tag == "</a>" {
				inAnchor = false
			}
			i += end
		case inAnchor || (c != 'h' && c != 'f' && c != 'w'):
		default:
			start, end, ok := matchURL(s, i)
			if !ok {
				continue
			}
			if end < 0 {
				return s
			}
			href := s[start:end]
			if !hasProtocol(href) {
				if !validNoProtocol(href) {
					return s
				}
				href = "http://" + href
			}
			return s[:start] + `<a href="` + href + `" target="_blank">` + s[start:end] + "</a>" + s[end:]
		}
	}
	return s
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func runeAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// matchURL matches re_url at s[i]: a word boundary, ftp|www|https?,
// one or more non-word characters, then one or more address characters.
func matchURL(s string, i int) (start, end int, ok bool) {
	if i > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); isWord(r) {
			return 0, 0, false
		}
	}
	n := 0
	for _, p := range []string{"https", "http", "ftp", "www"} {
		if strings.HasPrefix(s[i:], p) {
			n = len(p)
			break
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	// The non-word run. If it reaches a tag or an entity, Evennia's
	// pattern runs on into it (a word always follows: "</span", "&amp")
	// and matches there; no such address is valid, so the search ends
	// with nothing linked: garbage reports a match whose end is -1.
	w := i + n
	for w < len(s) {
		if s[w] == '<' || s[w] == '&' {
			return i, -1, true
		}
		r, size := utf8.DecodeRuneInString(s[w:])
		if isWord(r) {
			break
		}
		w += size
	}
	if w == i+n {
		return 0, 0, false
	}
	// The regex's \W+ is greedy: the address starts as late as it can.
	for k := w; k > i+n; {
		if isURLChar(s, k) {
			e := k
			for e < len(s) && isURLChar(s, e) {
				_, size := utf8.DecodeRuneInString(s[e:])
				e += size
			}
			return i, e, true
		}
		_, size := utf8.DecodeLastRuneInString(s[:k])
		k -= size
	}
	return 0, 0, false
}

// isURLChar: [^"',;$*^\\(){}<>\[\]\s], not a "." before a space or the
// end, and (our addition, as our text escapes & to an entity) not "&".
func isURLChar(s string, k int) bool {
	if k >= len(s) {
		return false
	}
	r, size := utf8.DecodeRuneInString(s[k:])
	if unicode.IsSpace(r) || strings.ContainsRune(`"',;$*^\(){}<>[]&`, r) {
		return false
	}
	if r == '.' && (k+size == len(s) || unicode.IsSpace(runeAt(s, k+size))) {
		return false
	}
	return true
}

func hasProtocol(h string) bool {
	return strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://") || strings.HasPrefix(h, "ftp://")
}

// validNoProtocol is Evennia's re_valid_no_protocol:
// ^(www|ftp)\.[-a-zA-Z0-9@:%._+~#=]{2,256}\.[a-z]{2,6}\b
func validNoProtocol(h string) bool {
	if !strings.HasPrefix(h, "www.") && !strings.HasPrefix(h, "ftp.") {
		return false
	}
	rest := h[4:]
	host := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-@:%._+~#=", c) >= 0
	}
	for j := 0; j < len(rest) && j <= 256; j++ {
		if j >= 2 && rest[j] == '.' {
			l := j + 1
			for l < len(rest) && rest[l] >= 'a' && rest[l] <= 'z' {
				l++
			}
			if n := l - j - 1; n >= 2 && n <= 6 && (l == len(rest) || !isWord(runeAt(rest, l))) {
				return true
			}
		}
		if !host(rest[j]) {
			return false
		}
	}
	return false
}
