import { test } from "node:test";
import assert from "node:assert/strict";
import { placeTrack, removeTrack, tileOf } from "../src/lib/tiles";

const track = (kind: string) => ({ kind, readyState: "live" });
const ids = (m: Map<string, unknown[]>) => [...m.keys()].sort();

test("a reused m-line's track moves to the new participant's tile and leaves the old one", () => {
  const aliceMic = track("audio");
  const video = track("video"); // one receiver track object: the server reuses its m-line
  let tiles = placeTrack(new Map(), "alice", aliceMic);
  tiles = placeTrack(tiles, "alice", video);
  assert.deepEqual(tiles.get("alice"), [aliceMic, video]);
  // Alice's video leaves (trackRemoved), then the same transceiver fires `track` for Bob.
  tiles = removeTrack(tiles, "alice", video);
  assert.deepEqual(tiles.get("alice"), [aliceMic]);
  tiles = placeTrack(tiles, "bob", video);
  assert.deepEqual(tiles.get("bob"), [video]);
  assert.deepEqual(tiles.get("alice"), [aliceMic]);
  assert.equal(tileOf(tiles, video), "bob");
  // Had the removal been missed, `track` for Bob still takes it out of Alice's tile.
  const carol = placeTrack(tiles, "carol", video);
  assert.equal(tileOf(carol, video), "carol");
  assert.deepEqual(ids(carol), ["alice", "carol"]);
  // A tile left with nothing disappears.
  const empty = placeTrack(placeTrack(new Map(), "dan", video), "erin", video);
  assert.deepEqual(ids(empty), ["erin"]);
});

test("a new track of a kind replaces the tile's old one; ended tracks are dropped", () => {
  const old = { kind: "video", readyState: "ended" };
  const mic = track("audio");
  let tiles = placeTrack(placeTrack(new Map(), "a", old), "a", mic);
  const cam = track("video");
  tiles = placeTrack(tiles, "a", cam);
  assert.deepEqual(tiles.get("a"), [mic, cam]);
  assert.deepEqual(ids(removeTrack(removeTrack(tiles, "a", mic), "a", cam)), []);
  assert.equal(tileOf(tiles, old), null);
  // The same track firing twice for one participant stays once.
  assert.deepEqual(placeTrack(tiles, "a", cam).get("a"), [mic, cam]);
});
