# Plays one session over the portal's websocket door with python3-websockets
# (Debian's, for /usr/bin/python3), in Evennia's v1.evennia.com format:
# create, connect, look, quit. Prints what it received and exits 0 when the
# room came and the server closed with 1000.
import asyncio
import json
import re
import sys

import websockets


async def play(url, name):
    async with websockets.connect(url, subprotocols=["v1.evennia.com"]) as ws:
        text = []

        async def until(pattern):
            while not re.search(pattern, "".join(text)):
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg[0] in ("text", "prompt"):
                    text.append(re.sub(r"<[^>]+>", "", msg[1][0].replace("<br>", "\n")) + "\n")
            seen = "".join(text)
            text.clear()
            return seen

        async def send(line):
            await ws.send(json.dumps(["text", [line], {}]))

        await until(r"connect &lt;username&gt;")
        await send(f"create {name} pw-{name}")
        await until(r"created")
        await send(f"connect {name} pw-{name}")
        await until(rf"You become {name}")
        await send("look")
        room = await until(r"Limbo")
        print(room)
        await send("quit")
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as e:
            print(f"closed {e.code}")
            return 0 if e.code == 1000 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(play(sys.argv[1], sys.argv[2])))
