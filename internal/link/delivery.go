package link

import "sync/atomic"

// The link's delivery promise, the same on both sides: every message a
// side sends on a link is numbered (the n-th message on link L, every op
// counted, is at (L, n)), and every message that matters is kept, in
// order, until the peer says it processed it: by an ACK, by the Ack an
// answer carries, or, after a cut, by naming the lost link and how many
// of its messages it processed (PSYNC's Link and Seen). Whatever the
// peer did not process is sent again, in order, on the next link. A
// [Outbox] keeps and numbers what a side sends; an [Inbox] counts what it
// processed, for its acknowledgements and for the peer's resume.

// Pos is where a message was numbered: the N-th message on link Link.
type Pos struct{ Link, N uint64 }

// Entry is one message an [Outbox] keeps, with the sender's own data
// about it (Meta).
type Entry[M any] struct {
	Msg  Message
	Meta M
	// at is where the message was last placed: sent, or, for a resumed
	// entry, where the peer's resend of its answer was due (zero if it
	// was never sent); earlier holds the places before, for an entry sent
	// again or resumed (nil for most: the steady path allocates nothing).
	at      Pos
	earlier []Pos
}

// processedBy reports whether a peer that processed n messages of link
// lnk processed e.
func (e *Entry[M]) processedBy(lnk, n uint64) bool {
	if lnk == 0 {
		return false
	}
	if e.at.Link == lnk && e.at.N <= n {
		return true
	}
	for _, p := range e.earlier {
		if p.Link == lnk && p.N <= n {
			return true
		}
	}
	return false
}

// place records p as e's latest place, keeping the last recentLinks:
// by count, not by link number, since link numbers jump (a portal
// numbers every link connection, refused ones too).
func (e *Entry[M]) place(p Pos) {
	if e.at != (Pos{}) {
		if len(e.earlier) >= recentLinks-1 {
			e.earlier = append(e.earlier[:0], e.earlier[len(e.earlier)-recentLinks+2:]...)
		}
		e.earlier = append(e.earlier, e.at)
	}
	e.at = p
}

// recentLinks is how many earlier links an entry remembers its places
// on, and an [Inbox] its counts of.
const recentLinks = 16

// Outbox numbers what one side sends and keeps what the peer has not
// processed. It is not safe for concurrent use: the side guards it.
//
// The kept entries are in the order they were first handed over: those
// sent on the current link, then those not yet sent on it (sent on a
// lost link, or never), which [Outbox.Take] hands back to be sent again.
type Outbox[M any] struct {
	// Park, when set, keeps the entries that a relinking peer says it
	// processed on its lost link ([Outbox.Resume]) until the peer
	// acknowledges the reply to its resume ([Outbox.Replied]): their
	// answers live only in the peer's memory until it resends them, and a
	// peer that dies first must get them again (at least once). The
	// portal parks, since its peer, a game server, can die; a server
	// drops them, since a portal that dies ends its sessions anyway.
	Park bool
	// Max bounds the kept entries; past it the oldest are given up
	// ([Outbox.Dropped]). 0: no bound.
	Max int
	// Forget, if set, is called for every entry the outbox lets go of:
	// acknowledged, processed on a lost link, given up at Max, or reset.
	// Entries handed out by [Outbox.Take] are not forgotten: the caller
	// sends them again.
	Forget func(*Entry[M])

	link    uint64 // the current link; 0 while none
	sent    uint64 // messages sent on it, every op counted
	kept    []Entry[M]
	onLink  int // kept entries sent on the current link: the first onLink
	parked  []Entry[M]
	replied uint64 // the number of the resume reply the parked entries wait for; 0: not yet sent
	dropped uint64
}

// Attach starts numbering on a new link.
func (o *Outbox[M]) Attach(link uint64) {
	o.link, o.sent, o.onLink = link, 0, 0
}

// Detach ends the current link. Parked entries go back in front: the
// peer that was to resend their answers is gone with the link.
func (o *Outbox[M]) Detach() {
	o.link, o.sent, o.onLink = 0, 0, 0
	if len(o.parked) > 0 {
		o.kept = append(o.parked, o.kept...)
		o.parked, o.replied = nil, 0
	}
}

// Link is the current link's number; 0 while none.
func (o *Outbox[M]) Link() uint64 { return o.link }

// Count numbers a message sent on the current link and not kept (an
// acknowledgement, an error reply, a PSYNC) and returns its number.
func (o *Outbox[M]) Count() uint64 {
	o.sent++
	return o.sent
}

// Sent numbers m, sent on the current link, and keeps it.
func (o *Outbox[M]) Sent(m Message, meta M) uint64 {
	n := o.Count()
	e := Entry[M]{Msg: m, Meta: meta, at: Pos{o.link, n}}
	o.add(e)
	// Nothing unsent is kept while a link is current (see Take), so the
	// entry just added is the last of those sent on it.
	o.onLink++
	return n
}

// Resent numbers e, taken back by [Outbox.Take] and sent again on the
// current link, and keeps it; it keeps its earlier places.
func (o *Outbox[M]) Resent(e Entry[M]) {
	n := o.Count()
	e.place(Pos{o.link, n})
	o.add(e)
	o.onLink++
}

// Keep keeps m, not sent: there is no link, or it died under m.
func (o *Outbox[M]) Keep(m Message, meta M) {
	o.add(Entry[M]{Msg: m, Meta: meta})
}

// KeepEntry keeps e, taken by [Outbox.Take], unsent again.
func (o *Outbox[M]) KeepEntry(e Entry[M]) { o.add(e) }

func (o *Outbox[M]) add(e Entry[M]) {
	if o.Max > 0 && len(o.kept) >= o.Max {
		o.forget(o.kept[:1])
		if o.onLink > 0 {
			o.onLink--
		}
		o.kept = o.kept[1:]
		o.dropped++
	}
	o.kept = append(o.kept, e)
}

// Ack forgets what the peer processed on the current link: its first n
// messages. An acknowledgement of the resume reply frees the parked entries.
func (o *Outbox[M]) Ack(n uint64) {
	if o.link == 0 {
		return
	}
	if len(o.parked) > 0 && o.replied != 0 && n >= o.replied {
		o.forget(o.parked)
		o.parked, o.replied = nil, 0
	}
	i := 0
	for i < o.onLink && o.kept[i].processedBy(o.link, n) {
		i++
	}
	if i == 0 {
		return
	}
	o.forget(o.kept[:i])
	o.onLink -= i
	switch {
	case i < len(o.kept):
		o.kept = o.kept[i:]
	case cap(o.kept) > maxReused:
		o.kept = nil // let a burst's array go
	default:
		o.kept = o.kept[:0] // all acknowledged, the usual case: reuse the array
	}
}

// maxReused is the most entries' room an empty outbox keeps.
const maxReused = 1024

// Resume forgets (or, with Park, parks) the entries a relinking peer
// processed: n messages of the lost link lnk, or of a link before it on
// which it was to resend their answers. It returns them, for the
// caller's own bookkeeping; the slice is valid until the next call.
func (o *Outbox[M]) Resume(lnk, n uint64) []Entry[M] {
	if lnk == 0 {
		return nil
	}
	// Only what was not sent on the current link: a resume names an
	// earlier one (a peer that asks twice on one link gets nothing more).
	kept, done := o.kept[:o.onLink], []Entry[M](nil)
	for _, e := range o.kept[o.onLink:] {
		if e.processedBy(lnk, n) {
			done = append(done, e)
			continue
		}
		kept = append(kept, e)
	}
	clear(o.kept[len(kept):])
	o.kept = kept
	switch {
	case len(done) == 0:
	case o.Park:
		o.parked = append(o.parked, done...)
		o.replied = 0 // until the reply to this resume is sent
	default:
		o.forget(done)
	}
	return done
}

// Replied records that the reply to the peer's resume has just been
// counted ([Outbox.Count]): the peer resends the answers of the parked
// entries before it acknowledges that reply. A peer that says, on a
// later relink, that it processed the reply processed them too.
func (o *Outbox[M]) Replied() {
	o.replied = o.sent
	for i := range o.parked {
		e := &o.parked[i]
		e.place(Pos{o.link, o.sent})
	}
}

// Take hands back, oldest first, every kept entry not sent on the
// current link, to be sent again ([Outbox.Resent]) or kept unsent
// ([Outbox.KeepEntry]).
func (o *Outbox[M]) Take() []Entry[M] {
	out := o.kept[o.onLink:]
	o.kept = o.kept[:o.onLink:o.onLink]
	if len(o.kept) == 0 {
		o.kept = nil
	}
	return out
}

// Each calls f for every kept and parked entry.
func (o *Outbox[M]) Each(f func(*Entry[M])) {
	for i := range o.parked {
		f(&o.parked[i])
	}
	for i := range o.kept {
		f(&o.kept[i])
	}
}

// Unacked is how many kept entries were sent on the current link and
// not yet acknowledged; Unsent how many wait to be sent; Parked how many
// a relinking peer processed and are kept until it acknowledges its
// resend (see Park).
func (o *Outbox[M]) Unacked() int { return o.onLink }

// Unsent: see [Outbox.Unacked].
func (o *Outbox[M]) Unsent() int { return len(o.kept) - o.onLink }

// Parked: see [Outbox.Unacked].
func (o *Outbox[M]) Parked() int { return len(o.parked) }

// Dropped is how many entries were given up at Max.
func (o *Outbox[M]) Dropped() uint64 { return o.dropped }

// Reset forgets everything.
func (o *Outbox[M]) Reset() {
	o.forget(o.parked)
	o.forget(o.kept)
	o.kept, o.parked, o.onLink, o.replied = nil, nil, 0, 0
}

func (o *Outbox[M]) forget(es []Entry[M]) {
	if o.Forget != nil {
		for i := range es {
			o.Forget(&es[i])
		}
	}
	clear(es)
}

// Inbox counts the messages a side processed on its current link, for
// its acknowledgements, and remembers the counts of its recent links,
// for a peer that resumes one. The counts may be read from any
// goroutine; Received, Acked and End from one at a time.
type Inbox struct {
	recv atomic.Uint64 // messages processed on the current link
	due  atomic.Uint64 // of them, those that are not ACKs: only those call for an ACK
	// acked is due when the last acknowledgement was sent.
	acked atomic.Uint64

	history [recentLinks]Pos // counts of ended links, a ring
	next    int
}

// Received counts one message processed.
func (i *Inbox) Received(op Op) {
	i.recv.Add(1)
	if op != OpAck {
		i.due.Add(1) // an ACK alone calls for none, or both sides would ack acks forever
	}
}

// Processed is how many messages were processed on the current link.
func (i *Inbox) Processed() uint64 { return i.recv.Load() }

// AckDue reports whether messages other than ACKs were processed since
// the last acknowledgement.
func (i *Inbox) AckDue() bool { return i.due.Load() != i.acked.Load() }

// Unacked is how many messages other than ACKs were processed since the
// last acknowledgement.
func (i *Inbox) Unacked() uint64 { return i.due.Load() - i.acked.Load() }

// AckState returns, for an acknowledgement sent from another goroutine
// than Received's, the count of messages due (read first) and processed:
// send Processed, then record AckedTo(due), so that a message counted
// between the two is still due.
func (i *Inbox) AckState() (due, processed uint64) {
	due = i.due.Load()
	return due, i.recv.Load()
}

// AckedTo records that an acknowledgement covered the first due messages
// due (see AckState).
func (i *Inbox) AckedTo(due uint64) { i.acked.Store(due) }

// Acked records that an acknowledgement of everything processed so far
// was sent.
func (i *Inbox) Acked() { i.acked.Store(i.due.Load()) }

// End records the count of the current link lnk, which ended, and starts
// counting from zero.
func (i *Inbox) End(lnk uint64) {
	if n := i.recv.Load(); n > 0 && lnk != 0 {
		i.history[i.next] = Pos{lnk, n}
		i.next = (i.next + 1) % recentLinks
	}
	i.recv.Store(0)
	i.due.Store(0)
	i.acked.Store(0)
}

// ProcessedOn is how many messages were processed on the ended link lnk,
// if it is one of the recent ones.
func (i *Inbox) ProcessedOn(lnk uint64) (uint64, bool) {
	for _, p := range i.history {
		if p.Link == lnk && lnk != 0 {
			return p.N, true
		}
	}
	return 0, false
}

// Last is the most recent ended link and its count; zeros if none.
func (i *Inbox) Last() Pos {
	return i.history[(i.next+recentLinks-1)%recentLinks]
}

// Forget forgets the history: the links it counted belong to a peer
// that is gone (a new portal run).
func (i *Inbox) Forget() {
	i.history, i.next = [recentLinks]Pos{}, 0
}
