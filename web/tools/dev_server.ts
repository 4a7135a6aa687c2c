// Development stand-in for the Umbrella server: serves the built app like the real server
// (shell at /<page>, assets at /static/..., status.json) and speaks just enough of /wsb for
// the pages to be looked at: Join -> Joined with two fake participants, trunk management,
// Ping -> Pong. It never answers SDP, so no media flows. Run: npm run dev [-- --port N]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { decodeEnvelope, encodeEnvelope, TrunkState_State, type BodyInit } from "../src/lib/proto";

const dist = process.argv[2];
const port = Number(process.argv[3] ?? 8089);
const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
let trunks: string[] = ["wss://site-b.example/wsb"];

const status = () => ({
  site_id: "dev-site",
  version: "0.1.0-dev",
  uptime_ms: Math.round(process.uptime() * 1000),
  rss_bytes: process.memoryUsage().rss,
  clients: [
    {
      participant_id: "p-ann", display_name: "Ann", room: "default", address: "127.0.0.1:50000", ice_state: "connected", dtls_state: "connected",
      published: [{ track_id: "t-ann-a", kind: "audio", ssrc: 1111, packets: 5000, bytes: 400000, packets_lost: 3, nacks: 0, plis: 0, bitrate_bps: 32000 }],
      forwarded: [{ track_id: "t-bo-v", kind: "video", ssrc: 2222, packets: 90000, bytes: 90000000, packets_lost: 40, nacks: 12, plis: 2, bitrate_bps: 1450000 }],
    },
    { participant_id: "p-bo", display_name: "Bo", room: "default", address: "127.0.0.1:50002", ice_state: "checking", dtls_state: "new", published: [], forwarded: [] },
  ],
  trunks: trunks.map((url) => ({ url, state: "retrying", last_error: "connection refused", peer_site_id: "" })),
  counters: { rtp_packets_in: 123456, rtp_packets_out: 234567, nacks_sent: 12, plis_sent: 2 },
});

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const page = path.match(/\/(sfu|trunk|status)\/?$/);
  const file = page || path === "/" ? "index.html" : path.match(/\/static\/(app\.(js|css))$/)?.[1];
  if (path.endsWith("/status.json")) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status()));
  } else if (file) {
    res.writeHead(200, { "content-type": types[file.slice(file.lastIndexOf("."))] }).end(readFileSync(join(dist, file)));
  } else {
    res.writeHead(404).end("not found");
  }
});

function frame(payload: Uint8Array, opcode = 2): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

server.on("upgrade", (req: IncomingMessage, sock: Duplex) => {
  const key = req.headers["sec-websocket-key"];
  if (!req.url?.endsWith("/wsb") || typeof key !== "string") return sock.destroy();
  const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const send = (body: BodyInit) => sock.write(frame(encodeEnvelope(body)));
  const sendTrunks = () => send({ case: "trunks", value: { trunks: trunks.map((url) => ({ url, state: TrunkState_State.RETRYING, lastError: "connection refused" })) } });
  let buf = Buffer.alloc(0);
  sock.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const opcode = buf[0] & 15;
      let len = buf[1] & 127;
      let off = 2;
      if (len === 126) (len = buf.readUInt16BE(2)), (off = 4);
      else if (len === 127) (len = Number(buf.readBigUInt64BE(2))), (off = 10);
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4);
      const data = Uint8Array.from(buf.subarray(off + 4, off + 4 + len), (b, i) => b ^ mask[i & 3]);
      buf = buf.subarray(off + 4 + len);
      if (opcode === 8) return void sock.end(frame(new Uint8Array(), 8));
      if (opcode !== 2) continue;
      const env = decodeEnvelope(data);
      const b = env.body;
      if (b.case === "join") {
        const me = `p-${Math.random().toString(36).slice(2, 8)}`;
        send({ case: "joined", value: { participantId: me, room: b.value.room, siteId: "dev-site", participants: [
          { participantId: "p-ann", displayName: "Ann Example", audioMuted: true },
          { participantId: "p-bo", displayName: "Bo", videoMuted: true },
        ] } });
      } else if (b.case === "ping") send({ case: "pong", value: { nonce: b.value.nonce } });
      else if (b.case === "getTrunks") sendTrunks();
      else if (b.case === "setTrunks") {
        if (b.value.urls.some((u) => u.includes("loop"))) send({ case: "error", value: { code: 5, message: "trunk would form a loop (dev-site is already on the path)" } });
        else (trunks = b.value.urls), sendTrunks();
      }
    }
  });
  sock.on("error", () => undefined);
});

server.listen(port, "127.0.0.1", () => console.log(`dev server: http://127.0.0.1:${port}/sfu (serving ${dist})`));
