package compare

import "strconv"

// completionNote says that two compared runs completed their commands
// differently, so their latencies end at different points; "" if not
// (or if a report does not record it).
func completionNote(base, head string) string {
	if base == "" || head == "" || base == head {
		return ""
	}
	return "the runs used different completion modes (base " + strconv.Quote(base) + ", head " + strconv.Quote(head) + "): their latencies end at different points, so a latency change may be the mode's, not the server's"
}
