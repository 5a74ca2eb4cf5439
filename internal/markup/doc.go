// Package markup renders Evennia's colour markup for each door of the
// portal: ANSI escapes for telnet at the colour depth the session
// negotiated ([ANSI], [DepthFromFlags]), the same with links as MXP tags
// for telnet clients that accepted MXP ([MXP]), HTML for the web client
// ([HTML]), and plain text for clients without colour and screen
// readers ([Strip], [ScreenReader]).
//
// The game sends text with markup such as "|rred|n", "|500", "|[=c",
// "|#ff8000", "|u" or "|lclook|ltLook|le"; [Parse] reads it once into
// [Token]s, in time linear in the text's length, and each renderer walks
// the tokens. The rendering follows Evennia 5.0.1 (evennia/utils/ansi.py,
// hex_colors.py, text2html.py, server/portal/mxp.py) byte for byte where
// Evennia's output is sound; testdata/evennia_ref.json and
// evennia_mxp_ref.json hold Evennia's own output for
// thousands of inputs, and the tests compare against it. Where Evennia's
// output is unsafe or malformed HTML, the functions' docs say what is done
// instead.
//
// The package is a leaf: it imports nothing of this module. Every
// function is pure and safe for concurrent use.
package markup
