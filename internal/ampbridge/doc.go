// Package ampbridge translates between a stock Evennia 5.0.1 Server's AMP
// payloads (as package amp decodes them) and our link's messages (package
// link), so that an Evennia Server can stand behind our portal through a
// bridge that is, towards the portal, a game server and, towards
// Evennia, its Portal (design-14-step2.md).
//
// Everything here is a pure function of its inputs and of a [Store]: no
// sockets, no clock. The pieces:
//
//   - Values (values.go): Python values (amp's model) to link values and
//     back. The link carries every number as a float64; an integral one
//     goes back to Evennia as an int, as Python's json.loads would read it.
//   - Times (times.go): Python's time.time() floats to time.Time and back,
//     exactly for every float Evennia writes.
//   - Protocol flags (flags.go): SCREENWIDTH and SCREENHEIGHT are {0: n}
//     dicts in Evennia and ints on our link; every other flag is the same
//     value on both sides.
//   - Sessions (session.go, store.go): a [Store] keeps, per sessid, the
//     session dict as Evennia would hold it (its keys, None values, keys
//     our link does not know, values of other Python types) and merges
//     what each side says into it; see [Store] for which side wins.
//   - Messages (translator.go, server.go, portal.go, commands.go): a
//     [Translator] turns an Evennia Server's payload into the link message
//     for the portal ([Translator.FromServer]) and the portal's link
//     message into payloads for the Server ([Translator.ToServer]); the
//     inverses speak as Evennia's Portal and Server, for fakes of them.
//     What has no counterpart is an error ([ErrNoCounterpart],
//     [ErrUnexpected], [ErrValue]) or, for Msg entries of another shape,
//     dropped and counted ([Stats]); what the link cannot carry of a
//     session stays in the [Store] and goes back to Evennia.
//
// Nothing here is safe for concurrent use: a [Store] and a [Translator]
// belong to the bridge's one loop.
package ampbridge
