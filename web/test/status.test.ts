import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBitrate, formatBytes, formatDuration, lossPercent } from "../src/lib/status";
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
