import { test } from "node:test";
import assert from "node:assert/strict";
import { summarize } from "../src/lib/call_stats";
import { assess, describe, grade } from "../src/lib/quality";
import { isScreenKey, isScreenTrack, ownerOf, screenKey, tileKeyFor } from "../src/lib/screen";
import { ariaKeys, shortcutFor, type KeyLike } from "../src/lib/shortcuts";

test("a video track on a publisher mid past the first two is a screen", () => {
  assert.equal(isScreenTrack("site/p1.site/1", "video"), false);
  assert.equal(isScreenTrack("site/p1.site/2", "video"), true);
  assert.equal(isScreenTrack("site/p1.site/3", "audio"), false);
  assert.equal(isScreenTrack("site/p1.site/video0", "video"), false, "named mids (webrtcbin) are cameras");
  assert.equal(tileKeyFor("p1", "s/p1/2", "video"), "p1#screen");
  assert.equal(tileKeyFor("p1", undefined, "video"), "p1");
  assert.equal(ownerOf(screenKey("p1.site")), "p1.site");
  assert.equal(isScreenKey("p1"), false);
});

test("quality: loss, round trip and frames over the last interval", () => {
  const a = { at: 0, received: 1000, lost: 0, frames: 0 };
  const good = assess(a, { at: 2000, received: 1100, lost: 0, frames: 60 }, 20, true);
  assert.equal(good.grade, "good");
  assert.equal(good.fps, 30);
  const lossy = assess(a, { at: 2000, received: 1090, lost: 10, frames: 60 }, 20, true);
  assert.equal(lossy.grade, "poor");
  assert.equal(lossy.loss, 0.1);
  assert.equal(assess(a, { at: 2000, received: 1100, lost: 3, frames: 60 }, 20, true).grade, "fair");
  assert.equal(assess(a, { at: 2000, received: 1100, lost: 0, frames: 4 }, 20, true).grade, "poor", "frozen video");
  assert.equal(assess(a, { at: 2000, received: 1100, lost: 0, frames: 0 }, 20, false).grade, "good", "camera off: no frames expected");
  assert.equal(assess(undefined, a, 20, true).grade, "unknown");
  assert.equal(assess({ ...a, lost: 5 }, { at: 2000, received: 1100, lost: 2, frames: 60 }, 20, true).grade, "good", "repaired losses are no loss");
  assert.equal(assess(a, { at: 2000, received: 5, lost: 0, frames: 0 }, 20, true).grade, "unknown", "a new connection");
  assert.equal(grade(0, 700, null), "poor");
  assert.match(describe(lossy), /poor: 10\.0% loss, 20 ms round trip, 30 frames\/s/);
});

const key = (k: string, over: Partial<KeyLike> = {}): KeyLike => ({ key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, target: { tagName: "BODY" }, ...over });

test("shortcuts: single keys, not while typing or with modifiers", () => {
  assert.equal(shortcutFor(key("m")), "mute");
  assert.equal(shortcutFor(key("V")), "camera");
  assert.equal(shortcutFor(key("L", { shiftKey: true })), "leave");
  assert.equal(shortcutFor(key("l")), null, "leave needs Shift");
  assert.equal(shortcutFor(key("m", { ctrlKey: true })), null);
  assert.equal(shortcutFor(key("m", { target: { tagName: "INPUT" } })), null);
  assert.equal(shortcutFor(key("m", { target: { tagName: "DIV", isContentEditable: true } })), null);
  assert.equal(ariaKeys("leave"), "Shift+L");
});

test("getStats reports sum up per tile; the pair's round trip and the worst reported send loss", () => {
  const tileOf = new Map([["ta", "a"], ["tv", "a"], ["ts", "a#screen"]]);
  const s = summarize(
    [
      { type: "inbound-rtp", kind: "audio", trackIdentifier: "ta", packetsReceived: 100, packetsLost: 2 },
      { type: "inbound-rtp", kind: "video", trackIdentifier: "tv", packetsReceived: 300, packetsLost: -1, framesDecoded: 90 },
      { type: "inbound-rtp", kind: "video", trackIdentifier: "ts", packetsReceived: 50, framesDecoded: 10 },
      { type: "inbound-rtp", kind: "video", trackIdentifier: "gone", packetsReceived: 7 },
      { type: "candidate-pair", nominated: false, currentRoundTripTime: 9 },
      { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.042 },
      { type: "remote-inbound-rtp", fractionLost: 0.01 },
      { type: "remote-inbound-rtp", fractionLost: 0.2 },
    ],
    tileOf,
    5,
  );
  assert.deepEqual(s.tiles.get("a"), { at: 5, received: 400, lost: 2, frames: 90, video: true });
  assert.deepEqual(s.tiles.get("a#screen"), { at: 5, received: 50, lost: 0, frames: 10, video: true });
  assert.equal(s.tiles.size, 2, "a track on no tile is skipped");
  assert.equal(s.rttMs, 42);
  assert.equal(s.sendLoss, 0.2);
});
