// The portalsim webclient. It speaks Evennia's v1.evennia.com format over
// the portal's websocket door: ["cmd", [args], {kwargs}] both ways, text
// as HTML the portal has already made safe (escaped, colours as classes).
//
// The browser keeps a random session key (csessid) in localStorage and
// sends it with every connection, so a tab that reconnects (the network
// went away, the page was reloaded) is logged back in by the portal. A
// connection lost for any reason but the player's own "quit" is retried.
"use strict";

(function () {
  const output = document.getElementById("output");
  const input = document.getElementById("input");
  const form = document.getElementById("inputbar");
  const promptEl = document.getElementById("prompt");
  const status = document.getElementById("status");
  const reconnectButton = document.getElementById("reconnect");
  const maxLines = 2000;
  const history = [];
  let historyAt = 0;
  let ws = null;
  let retries = 0;
  let quitting = false;
  let retryTimer = null;

  // A random key of 32 URL-safe characters, kept in store under name.
  function key(store, name) {
    let v = store.getItem(name);
    if (!v || v.length < 32) {
      const bytes = new Uint8Array(24);
      crypto.getRandomValues(bytes);
      v = btoa(String.fromCharCode.apply(null, bytes))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      store.setItem(name, v);
    }
    return v;
  }

  let csessid = key(localStorage, "portalsim.csessid");
  const pageid = key(sessionStorage, "portalsim.pageid");

  // forgetKey gives the browser a new key, which no login is remembered for.
  function forgetKey() {
    localStorage.removeItem("portalsim.csessid");
    csessid = key(localStorage, "portalsim.csessid");
  }

  function setStatus(text, lost) {
    status.textContent = text;
    status.classList.toggle("lost", !!lost);
  }

  function scrolledDown() {
    return output.scrollHeight - output.scrollTop - output.clientHeight < 40;
  }

  // append adds a message: html from the portal, or plain text of our own.
  function append(content, cls, isHTML) {
    const follow = scrolledDown();
    const div = document.createElement("div");
    div.className = "msg" + (cls ? " " + cls : "");
    if (isHTML) {
      div.innerHTML = content;
      commandLinks(div);
    } else {
      div.textContent = content;
    }
    output.appendChild(div);
    while (output.childElementCount > maxLines) {
      output.removeChild(output.firstElementChild);
    }
    if (follow) {
      output.scrollTop = output.scrollHeight;
    }
  }

  // commandLinks turns the command links of el, which the portal writes
  // as Evennia does (an onclick attribute calling Evennia.msg, which this
  // page's security policy would refuse to run), into data-command ones.
  const linkCall = /^Evennia\.msg\("text",\[("(?:[^"\\]|\\.)*")\],\{\}\);return false;$/;
  function commandLinks(el) {
    el.querySelectorAll("a[onclick]").forEach(function (a) {
      const m = linkCall.exec(a.getAttribute("onclick"));
      a.removeAttribute("onclick");
      if (m) {
        a.dataset.command = JSON.parse(m[1]);
      }
    });
  }

  function handle(msg) {
    if (!Array.isArray(msg) || typeof msg[0] !== "string") {
      return;
    }
    const cmd = msg[0];
    const args = Array.isArray(msg[1]) ? msg[1] : [];
    const text = typeof args[0] === "string" ? args[0] : "";
    switch (cmd) {
      case "text":
        append(text, "", true);
        break;
      case "prompt":
        promptEl.innerHTML = text;
        commandLinks(promptEl);
        break;
      case "logged_in":
        setStatus("logged in");
        break;
      default:
        // out-of-band data: nothing to show
    }
  }

  function connect() {
    retryTimer = null;
    quitting = false;
    reconnectButton.hidden = true;
    const port = document.body.dataset.wsPort;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const agent = encodeURIComponent(navigator.userAgent.slice(0, 80));
    const url = scheme + "//" + location.hostname + ":" + port + "/?" + csessid + "&" + pageid + "&" + agent;
    setStatus("connecting");
    ws = new WebSocket(url, ["v1.evennia.com"]);
    ws.onopen = function () {
      retries = 0;
      setStatus("connected");
    };
    ws.onmessage = function (e) {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      handle(msg);
    };
    ws.onclose = function (e) {
      ws = null;
      // 1000: the game or the portal closed this session on purpose (a
      // quit, a kick, a timeout): coming back is the player's choice.
      // Anything else (1006: the network went; 1001: the portal
      // restarts) is retried.
      if (quitting || e.code === 1000) {
        if (quitting) {
          forgetKey(); // a quit logs this browser out: its next key has no login
        }
        setStatus("disconnected");
        append("Disconnected" + (e.reason ? ": " + e.reason : "") + ".", "sys", false);
        reconnectButton.hidden = false;
        return;
      }
      const delay = Math.min(10000, 500 * Math.pow(2, retries++));
      setStatus("connection lost; reconnecting in " + Math.round(delay / 1000) + " s", true);
      retryTimer = setTimeout(connect, delay);
    };
  }

  // masked hides the password of a login line in the echo.
  function masked(line) {
    return line.replace(/^(\s*(?:connect|conn|con|co|create|cr)\s+\S+\s+)(.+)$/i, function (_, head, pw) {
      return head + "*".repeat(pw.length);
    });
  }

  function send(line) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      append("Not connected; the line was not sent.", "sys", false);
      return;
    }
    if (/^\s*quit\s*$/i.test(line)) {
      quitting = true;
    }
    ws.send(JSON.stringify(["text", [line], {}]));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const line = input.value;
    input.value = "";
    if (line.trim() !== "" && masked(line) === line) { // login lines, with their password, are not kept
      history.push(line);
      if (history.length > 200) {
        history.shift();
      }
    }
    historyAt = history.length;
    append(masked(line), "echo", false);
    send(line);
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowUp" && historyAt > 0) {
      historyAt--;
      input.value = history[historyAt];
      e.preventDefault();
    } else if (e.key === "ArrowDown" && historyAt < history.length) {
      historyAt++;
      input.value = historyAt < history.length ? history[historyAt] : "";
      e.preventDefault();
    }
  });

  // A command link (Evennia's |lc markup) sends its command when clicked.
  output.addEventListener("click", function (e) {
    const a = e.target.closest("a[data-command]");
    if (a) {
      e.preventDefault();
      append(a.dataset.command, "echo", false);
      send(a.dataset.command);
    }
  });

  reconnectButton.addEventListener("click", function () {
    if (retryTimer) {
      clearTimeout(retryTimer);
    }
    connect();
  });

  connect();
})();
