#!/usr/bin/env python3
"""Writes evennia_ref.json: Evennia 5.0.1's own output for random markup.

Run against Evennia's unmodified evennia/utils/{ansi,hex_colors,text2html}.py
with stand-ins for django.conf.settings (Evennia's defaults), logger and
to_str, e.g.:  PYTHONPATH=/tmp/evref python3 evennia_ref.py > evennia_ref.json
The Go test TestEvenniaReference compares our renderers with it.
"""
import json
import random

from evennia.utils import ansi, text2html

rng = random.Random(11)
ATOMS = ["|", "||", "|r", "|R", "|!R", "|h", "|H", "|n", "|[", "|[r", "|[R", "|[x", "|5", "|50", "|500",
         "|[500", "|=", "|=a", "|=m", "|=z", "|[=c", "|#", "|#f80", "|#FF8000", "|[#0f0", "|u", "|U", "|i",
         "|I", "|s", "|S", "|*", "|^", "|/", "|-", "|>", "|_", "|l", "|lc", "|lu", "|lt", "|le", "{", "{{",
         "\\", "\x1b", "\x1b[", "\x1b[1m", "\x1b[31m", "\x1b[1;31m", "\x1b[0m", "\x1b[38;5;200m", "\x1b[m",
         "a", "b", "c", "e", "l", "t", "u", "n", "r", "0", "1", "5", "6", "9", "#", "=", "[", "m", ";", " ",
         "\n", "\t", "x", "www.a.com", "http://b.org/p", "."]
# HTML: only what we render byte-for-byte as Evennia does (see html.go).
HTML_ATOMS = ["|r", "|R", "|!R", "|!G", "|h", "|H", "|n", "|[r", "|[R", "|[x", "|500", "|[500", "|=a",
              "|=m", "|=z", "|[=c", "|135", "|u", "|*", "|^", "|/", "|-", "|>", "|_", "||", "\x1b[1m",
              "\x1b[31m", "\x1b[0m", "\x1b[38;5;200m", "\x1b[44m", "\x1b[1;5;7m", "a", "b", "x", "5",
              " ", "\n", "\t", "<", ">", "&", ".", "www.a.com", "http://b.org/p", "https://c.net/x?y=1",
              "www.", "/", ":", "ftp.x.org", "www.bad", "|lclook|ltLook|le"]


def gen(atoms, n):
    return "".join(rng.choice(atoms) for _ in range(rng.randint(0, n)))


cases = []
seen = set()
for i in range(1500):
    s = gen(ATOMS, 12)
    if s in seen:
        continue
    seen.add(s)
    cases.append({
        "in": s,
        "none": ansi.parse_ansi(s, strip_ansi=True),
        "ansi16": ansi.parse_ansi(s),
        "xterm256": ansi.parse_ansi(s, xterm256=True),
        "truecolor": ansi.parse_ansi(s, xterm256=True, truecolor=True),
    })
html = []
for i in range(800):
    s = gen(HTML_ATOMS, 10)
    if s in seen:
        continue
    seen.add(s)
    html.append({"in": s, "html": text2html.parse_html(s)})
# Fixed HTML cases, shown in html_test.go's golden table too.
for s in ["see www.evennia.com. ok", "http://a.b/c, and http://d.e/f", "www.nodomain here", "x\ty\n|/z",
          "|rhttp://a.com/x.|n", "a\x07b\x08c", "|u|^|*|[B|Y|hX|nY", "|lclook here|ltThe |rhall|le."]:
    html.append({"in": s, "html": text2html.parse_html(s)})
# Every xterm colour in both layers, for the 16-colour downgrade table.
for layer in ("|", "|["):
    for r in range(6):
        for g in range(6):
            for b in range(6):
                s = "%s%d%d%d" % (layer, r, g, b)
                cases.append({"in": s, "none": "", "ansi16": ansi.parse_ansi(s),
                              "xterm256": ansi.parse_ansi(s, xterm256=True),
                              "truecolor": ansi.parse_ansi(s, xterm256=True, truecolor=True)})
    for c in "abcdefghijklmnopqrstuvwxyz":
        s = layer + "=" + c
        cases.append({"in": s, "none": "", "ansi16": ansi.parse_ansi(s),
                      "xterm256": ansi.parse_ansi(s, xterm256=True),
                      "truecolor": ansi.parse_ansi(s, xterm256=True, truecolor=True)})
    for v in range(256):
        s = "%s#%02x%02x%02x" % (layer, v, 255 - v, (v * 7) % 256)
        cases.append({"in": s, "none": "", "ansi16": ansi.parse_ansi(s),
                      "xterm256": ansi.parse_ansi(s, xterm256=True),
                      "truecolor": ansi.parse_ansi(s, xterm256=True, truecolor=True)})
print(json.dumps({"evennia": "5.0.1", "ansi": cases, "html": html}, indent=0, ensure_ascii=True))
