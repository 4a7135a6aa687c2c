import { test } from "node:test";
import assert from "node:assert/strict";
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
