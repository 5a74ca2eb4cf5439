package render

import "strings"

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
