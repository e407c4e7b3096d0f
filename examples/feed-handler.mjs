// A feed handler in a few lines of Node.js (20.10+; Node 20 gets its WebSocket from a flag, which
// this script adds itself):
//   node examples/feed-handler.mjs ws://localhost:8080/ws "$PUBLISHER_TOKEN" AAPL MSFT
// The token travels as a subprotocol (browsers and Node's WebSocket cannot set headers).
import { spawn } from "node:child_process";

if (typeof WebSocket === "undefined") {
  if (process.env.TICKFAN_EXAMPLE_REEXEC) {
    console.error("this Node has no WebSocket: use Node 22+, or 20.10+ (node --experimental-websocket)");
    process.exit(2);
  }
  const child = spawn(process.execPath, ["--experimental-websocket", ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, TICKFAN_EXAMPLE_REEXEC: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const [url, token, ...symbols] = process.argv.slice(2);
  const ws = new WebSocket(url, ["tickfan.v1", "bearer." + token]);
  let price = 100, id = 0;
  ws.onopen = () => setInterval(() => {
    price += 0.01;
    const ticks = symbols.map((sym) => ({ sym, bid: price.toFixed(2), ask: (price + 0.02).toFixed(2), bsz: 300, asz: 200 }));
    ws.send(JSON.stringify({ op: "publish", id: String(++id), ticks }));
  }, 100);
  ws.onmessage = (m) => { if (m.data.includes('"error"')) console.error(m.data); };
  ws.onclose = (e) => { console.error("closed", e.code, e.reason); process.exit(1); };
}
