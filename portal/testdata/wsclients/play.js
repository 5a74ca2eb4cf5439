// Plays one session over the portal's websocket door with node's "ws"
// package, in Evennia's v1.evennia.com format: create, connect, look,
// quit. Exits 0 when the room came and the server closed with 1000.
"use strict";
const WebSocket = require("ws");
const [url, name] = process.argv.slice(2);
const ws = new WebSocket(url, ["v1.evennia.com"]);
let text = "";
const steps = [
  [/connect &lt;username&gt;/, `create ${name} pw-${name}`],
  [/created/, `connect ${name} pw-${name}`],
  [new RegExp(`You become ${name}`), "look"],
  [/Limbo/, "quit"],
];
const timer = setTimeout(() => { console.error("timed out; received:\n" + text); process.exit(2); }, 15000);
ws.on("message", (data) => {
  const msg = JSON.parse(data.toString());
  if (msg[0] !== "text" && msg[0] !== "prompt") return;
  text += msg[1][0].replace(/<br>/g, "\n").replace(/<[^>]+>/g, "") + "\n";
  while (steps.length && steps[0][0].test(text)) {
    const [, line] = steps.shift();
    if (line === "quit") console.log(text);
    text = "";
    ws.send(JSON.stringify(["text", [line], {}]));
  }
});
ws.on("close", (code) => {
  clearTimeout(timer);
  console.log(`closed ${code}`);
  process.exit(steps.length === 0 && code === 1000 ? 0 : 1);
});
ws.on("error", (err) => { console.error(err.message); process.exit(3); });
