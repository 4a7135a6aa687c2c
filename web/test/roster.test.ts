import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { EnvelopeSchema, MediaKind, type Envelope } from "../src/lib/proto";
import { emptyRoster, participantForMid, reduceRoster, type RosterState } from "../src/lib/roster";

type BodyInit = Parameters<typeof create<typeof EnvelopeSchema>>[1];
const body = (init: BodyInit): Envelope["body"] => create(EnvelopeSchema, init).body;
const p = (id: string, name = id, audioMuted = false) => ({ participantId: id, displayName: name, audioMuted, videoMuted: false, siteId: "s" });

function joined(): RosterState {
  return reduceRoster(emptyRoster, body({ body: { case: "joined", value: { participantId: "me", room: "r", siteId: "s", participants: [p("a", "Ann")] } } }));
}

test("joined: self first, then everyone already there", () => {
  const s = joined();
  assert.equal(s.selfId, "me");
  assert.equal(s.room, "r");
  assert.deepEqual(s.members.map((m) => m.id), ["me", "a"]);
});

test("joined: self listed by the server is not duplicated", () => {
  const s = reduceRoster(emptyRoster, body({ body: { case: "joined", value: { participantId: "me", participants: [p("a"), p("me", "Me")] } } }));
  assert.deepEqual(s.members.map((m) => [m.id, m.name]), [["me", "Me"], ["a", "a"]]);
});

test("participants come, change and go", () => {
  let s = joined();
  s = reduceRoster(s, body({ body: { case: "participantJoined", value: { participant: p("b", "Bo") } } }));
  assert.deepEqual(s.members.map((m) => m.id), ["me", "a", "b"]);
  s = reduceRoster(s, body({ body: { case: "participantJoined", value: { participant: p("b", "Bob") } } }));
  assert.equal(s.members.length, 3, "a repeated join updates in place");
  s = reduceRoster(s, body({ body: { case: "participantUpdated", value: { participant: p("b", "Bob", true) } } }));
  assert.equal(s.members[2].audioMuted, true);
  s = reduceRoster(s, body({ body: { case: "participantUpdated", value: { participant: p("zz") } } }));
  assert.equal(s.members.length, 3, "an update for an unknown participant is ignored");
  s = reduceRoster(s, body({ body: { case: "participantLeft", value: { participantId: "a" } } }));
  assert.deepEqual(s.members.map((m) => m.id), ["me", "b"]);
  s = reduceRoster(s, body({ body: { case: "participantLeft", value: { participantId: "me" } } }));
  assert.equal(s.members.length, 2, "we never remove ourselves");
});

test("tracks map mids to participants and leave with their owner", () => {
  let s = joined();
  s = reduceRoster(s, body({ body: { case: "trackAdded", value: { track: { trackId: "t1", kind: MediaKind.VIDEO, participantId: "a", mid: "2", streamId: "a" } } } }));
  s = reduceRoster(s, body({ body: { case: "trackAdded", value: { track: { trackId: "t2", kind: MediaKind.AUDIO, participantId: "a", mid: "3" } } } }));
  assert.equal(s.tracks.t1.kind, "video");
  assert.equal(s.tracks.t2.streamId, "a", "stream id defaults to the participant id");
  assert.equal(participantForMid(s, "3"), "a");
  assert.equal(participantForMid(s, "9"), null);
  s = reduceRoster(s, body({ body: { case: "trackRemoved", value: { trackId: "t1" } } }));
  assert.deepEqual(Object.keys(s.tracks), ["t2"]);
  const same = reduceRoster(s, body({ body: { case: "trackRemoved", value: { trackId: "nope" } } }));
  assert.equal(same, s, "removing an unknown track changes nothing");
  s = reduceRoster(s, body({ body: { case: "participantLeft", value: { participantId: "a" } } }));
  assert.deepEqual(s.tracks, {});
});

test("local mute and reset", () => {
  let s = reduceRoster(joined(), { case: "localMute", value: { audioMuted: true, videoMuted: false } });
  assert.equal(s.members[0].audioMuted, true);
  s = reduceRoster(s, { case: "reset" });
  assert.deepEqual(s, emptyRoster);
});

test("speakers come from the server, most recent first, and leave with their owner", () => {
  let s = reduceRoster(joined(), body({ body: { case: "speakers", value: { participantIds: ["a", "me"] } } }));
  assert.deepEqual(s.speakers, ["a", "me"]);
  s = reduceRoster(s, body({ body: { case: "participantLeft", value: { participantId: "a" } } }));
  assert.deepEqual(s.speakers, ["me"]);
  s = reduceRoster(s, body({ body: { case: "speakers", value: { participantIds: [] } } }));
  assert.deepEqual(s.speakers, []);
});

test("video paused for bandwidth follows the server's VideoPaused", () => {
  let s = reduceRoster(joined(), body({ body: { case: "videoPaused", value: { paused: true, estimateBps: 40000n } } }));
  assert.equal(s.videoPaused, true);
  s = reduceRoster(s, body({ body: { case: "videoPaused", value: { paused: false, estimateBps: 900000n } } }));
  assert.equal(s.videoPaused, false);
});
