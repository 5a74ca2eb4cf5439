#!/usr/bin/env python3
"""A recording TCP relay for Evennia's AMP port.

Usage: ampproxy.py LISTEN_PORT PORTAL_PORT OUTDIR

Listens on 127.0.0.1:LISTEN_PORT and relays each connection to the
Portal's AMP listener on 127.0.0.1:PORTAL_PORT, byte for byte. Every byte
is also appended to a file named after the current phase (the first line
of OUTDIR/PHASE, read at each read from a socket), the connection number
and the direction:

    OUTDIR/<phase>.c<N>.client2portal.amp
    OUTDIR/<phase>.c<N>.portal2client.amp

so a driver can cut one long connection (the Server's) into scenes by
writing the phase file while the link is quiet. It starts listening only
once the Portal's port accepts (and writes OUTDIR/proxy.ready then).
Standard library only.
"""

import asyncio
import itertools
import os
import sys

_counter = itertools.count(1)


def phase(outdir):
    try:
        with open(os.path.join(outdir, "PHASE")) as f:
            return f.readline().strip() or "none"
    except OSError:
        return "none"


async def pump(reader, writer, outdir, conn, direction):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            name = "%s.c%d.%s.amp" % (phase(outdir), conn, direction)
            with open(os.path.join(outdir, name), "ab") as f:
                f.write(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def serve(listen_port, portal_port, outdir):
    async def handle(creader, cwriter):
        conn = next(_counter)
        try:
            preader, pwriter = await asyncio.open_connection("127.0.0.1", portal_port)
        except OSError:
            cwriter.close()
            return
        with open(os.path.join(outdir, "connections.log"), "a") as log:
            log.write("c%d opened in phase %s\n" % (conn, phase(outdir)))
        await asyncio.gather(
            pump(creader, pwriter, outdir, conn, "client2portal"),
            pump(preader, cwriter, outdir, conn, "portal2client"),
        )

    # Listen only once the Portal does: until then the launcher must find
    # the port closed, as it would without the proxy, or it never starts
    # the Portal.
    while True:
        try:
            _, probe = await asyncio.open_connection("127.0.0.1", portal_port)
            probe.close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    with open(os.path.join(outdir, "proxy.ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
