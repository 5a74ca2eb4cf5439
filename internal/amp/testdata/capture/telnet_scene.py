#!/usr/bin/env python3
"""Drive one telnet session against Evennia for the AMP captures.

Usage: telnet_scene.py PORT STEP...

Each STEP is one of
    send:TEXT       send TEXT and CRLF
    expect:TEXT     read until TEXT appears in the output (20 s at most)
    touch:PATH      create the file PATH (tells the driver script we got here)
    await:PATH      wait until the file PATH exists (120 s at most)
    close           wait for the server to close the connection

Telnet negotiation is left unanswered (Evennia sends its banner anyway).
Exits non-zero, saying which step failed, on a timeout. Standard library only.
"""

import os
import socket
import sys
import time


def main(port, steps):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    seen = b""
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "send":
            sock.sendall(arg.encode() + b"\r\n")
        elif kind == "expect":
            want = arg.encode()
            deadline = time.time() + 20
            while want not in seen:
                if time.time() > deadline:
                    sys.exit("telnet_scene: timed out at %r; got %r" % (step, seen[-300:]))
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    chunk = b""
                if not chunk:
                    sys.exit("telnet_scene: no %r; got %r" % (step, seen[-300:]))
                seen += chunk
            seen = seen[seen.index(want) + len(want):]
        elif kind == "touch":
            open(arg, "w").close()
        elif kind == "await":
            deadline = time.time() + 120
            while not os.path.exists(arg):
                if time.time() > deadline:
                    sys.exit("telnet_scene: timed out at %r" % step)
                time.sleep(0.1)
        elif kind == "close":
            sock.settimeout(20)
            while sock.recv(65536):
                pass
        else:
            sys.exit("telnet_scene: unknown step %r" % step)
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2:])
