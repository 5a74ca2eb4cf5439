#!/usr/bin/env python3
"""Writes evennia_mxp_ref.json: Evennia 5.0.1's telnet output for an MXP client.

Run as evennia_ref.py is (stand-ins for django.conf.settings, logger and
to_str), with Evennia's unmodified evennia/server/portal/mxp.py added:
  PYTHONPATH=/tmp/evref python3 evennia_mxp_ref.py > evennia_mxp_ref.json
Each case is what telnet.py's send_text writes for a text with MXP on:
mxp_parse(parse_ansi(text without a final |n, plus |n, mxp=True)) at three
colour depths. The Go test TestEvenniaReferenceMXP compares MXP with it.
"""
import json
import random
import re

from evennia.server.portal.mxp import mxp_parse
from evennia.utils import ansi

_RE_N = re.compile(r"\|n$")
rng = random.Random(12)
ATOMS = ["|lc", "|lu", "|lt", "|le", "|lcnorth|ltnorth|le", "|luhttp://a.b/c?d=1&e=2|ltsite|le",
         "|lclook|ltLook|le", "<", ">", "&", "&amp;", "<SEND HREF=\"x\">", "'", "|r", "|n", "|[b", "|500",
         "|#ff8000", "|h", "|u", "||", "|", "{{", "\x1b[1m", "\x1b[0m", "a", "b", "north", " ", "\n",
         "\t", "http://a.b", "é", "x"]


def gen(n):
    return "".join(rng.choice(ATOMS) for _ in range(rng.randint(0, n)))


def send_text(s, **kw):
    src = _RE_N.sub("", s) + ("||n" if s.endswith("|") else "|n")
    return mxp_parse(ansi.parse_ansi(src, mxp=True, **kw))


cases = []
seen = set()
fixed = ["|lcnorth|ltnorth|le", "Exits: |lcnorth|ltnorth|le, |lcsouth|ltsouth|le",
         "|luhttp://a.b/c?d=1&e=2|ltsite|le", "a <b> & c", "|lcsay <hi>|lt|rsay|n <hi>|le",
         "|lclook|ltThe |rhall|le.", "<SEND HREF=\"evil\">x</SEND>", "|lcx|lty|le|n"]
for i in range(1200):
    s = fixed[i] if i < len(fixed) else gen(10)
    if s in seen:
        continue
    seen.add(s)
    cases.append({
        "in": s,
        "none": send_text(s, strip_ansi=True),
        "ansi16": send_text(s),
        "truecolor": send_text(s, xterm256=True, truecolor=True),
    })
print(json.dumps({"evennia": "5.0.1", "mxp": cases}, indent=0, ensure_ascii=True))
