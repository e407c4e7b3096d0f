// SharedWorker script: one tickfan connection for every tab of the origin (see connect()).
import { Hub } from './tickfan.js';

let hub = null;
let next = 0;
const ports = new Map();

globalThis.onconnect = (e) => {
  const port = e.ports[0];
  const peer = ++next;
  ports.set(peer, port);
  port.onmessage = (m) => {
    const msg = m.data;
    if (msg.t === 'init') {
      hub ||= new Hub(msg.options, (p, out) => ports.get(p)?.postMessage(out));
      return hub.handle(peer, { t: 'hello' });
    }
    if (!hub) return;
    hub.handle(peer, msg);
    if (msg.t === 'bye') {
      ports.delete(peer);
      if (!ports.size) {
        // The last tab left: no tab, no connection (the browser may keep this worker a while).
        hub.client.close();
        hub = null;
      }
    }
  };
  port.start();
};
