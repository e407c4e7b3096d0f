// A feed handler in a few lines of Node.js (22+; 20.10+ with --experimental-websocket):
//   node examples/feed-handler.mjs ws://localhost:8080/ws "$PUBLISHER_TOKEN" AAPL MSFT
// The token travels as a subprotocol (browsers and Node's WebSocket cannot set headers).
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
