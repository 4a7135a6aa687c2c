import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBitrate, formatBytes, formatDuration, lossPercent, withBitrates, type Status } from "../src/lib/status";
import { validTrunkUrl } from "../src/pages/Trunk";

test("status formatting", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(50 * 1024 * 1024), "50.0 MiB");
  assert.equal(formatBitrate(1_500_000), "1.50 Mbit/s");
  assert.equal(formatBitrate(32_000), "32 kbit/s");
  assert.equal(formatDuration(3_723_000), "01:02:03");
  assert.equal(formatDuration(90_061_000), "1d 01:01:01");
  assert.equal(lossPercent({ packets: 99, packets_lost: 1 }), "1.0%");
  assert.equal(lossPercent({ packets: 0, packets_lost: 0 }), "0%");
});

test("trunk URLs must be ws(s)://host/...", () => {
  assert.equal(validTrunkUrl("wss://b.example/wsb"), true);
  assert.equal(validTrunkUrl("ws://127.0.0.1:8080/wsb"), true);
  assert.equal(validTrunkUrl("https://b.example/wsb"), false);
  assert.equal(validTrunkUrl("b.example"), false);
});

test("bitrates from byte deltas when the server leaves them at 0", () => {
  const track = (bytes: number, bitrate_bps = 0) => ({ track_id: "vm/p1/1", kind: "video" as const, ssrc: 7, packets: 0, bytes, packets_lost: 0, nacks: 0, plis: 0, bitrate_bps });
  const status = (bytes: number, bitrate = 0): Status => ({
    site_id: "s", version: "v", uptime_ms: 0, rss_bytes: 0, trunks: [], counters: {},
    clients: [{ participant_id: "p1", display_name: "A", room: "r", address: "", ice_state: "", dtls_state: "", published: [track(bytes, bitrate)], forwarded: [track(bytes / 2)] }],
  });
  const first = withBitrates(null, status(1000), 0);
  assert.equal(first.clients[0].published[0].bitrate_bps, 0);
  const second = withBitrates({ status: first, at: 0 }, status(126_000), 1000);
  assert.equal(second.clients[0].published[0].bitrate_bps, 1_000_000);
  assert.equal(second.clients[0].forwarded[0].bitrate_bps, 500_000);
  // A server-provided bitrate wins; a counter reset does not go negative.
  assert.equal(withBitrates({ status: first, at: 0 }, status(126_000, 42), 1000).clients[0].published[0].bitrate_bps, 42);
  assert.equal(withBitrates({ status: second, at: 1000 }, status(10), 2000).clients[0].published[0].bitrate_bps, 0);
});
