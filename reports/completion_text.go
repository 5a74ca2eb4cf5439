package reports

import (
	"strconv"
	"strings"
)

// completionText is Meta.Completion as the reports show it, with the
// bias of a quiet gap; "" when the report does not record it.
func completionText(c string) string {
	if c == "" {
		return ""
	}
	if strings.HasPrefix(c, "quiet ") || strings.Contains(c, "=quiet ") {
		return c + " (quiet gap: latency to the last byte before the gap; an answer slower than the gap is cut off)"
	}
	return c
}

// completionLine is the text and Markdown reports' line naming the
// completion mode, escaped by esc and ending with end; "" when the
// report does not record it.
func completionLine(c string, esc func(string) string, end string) string {
	if c == "" {
		return ""
	}
	return "completion: " + esc(completionText(c)) + end
}

// completionNote says that two compared runs completed their commands
// differently, so their latencies end at different points; "" if not
// (or if a report does not record it).
func completionNote(base, head string) string {
	if base == "" || head == "" || base == head {
		return ""
	}
	return "the runs used different completion modes (base " + strconv.Quote(base) + ", head " + strconv.Quote(head) + "): their latencies end at different points, so a latency change may be the mode's, not the server's"
}
