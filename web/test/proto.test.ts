import { test } from "node:test";
import assert from "node:assert/strict";
import { create, equals } from "@bufbuild/protobuf";
import { decodeEnvelope, encodeEnvelope, EnvelopeSchema, Error_Code, MediaKind, Role, SessionDescription_Type, TrunkState_State, type BodyInit } from "../src/lib/proto";

test("Join encodes to the bytes nanopb expects", () => {
  // Envelope.join (field 1) { room (1) = "a", role (3) = VIEWER }
  const bytes = encodeEnvelope({ case: "join", value: { room: "a", role: Role.VIEWER } });
  assert.deepEqual([...bytes], [0x0a, 0x05, 0x0a, 0x01, 0x61, 0x18, 0x01]);
});

test("every message survives a round trip", () => {
  const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  const cases: BodyInit[] = [
    { case: "join", value: { room: "r", displayName: "Zoë", role: Role.PARTICIPANT, path: ["x", "y"] } },
    { case: "leave", value: {} },
    { case: "setMute", value: { audioMuted: true, videoMuted: false } },
    { case: "description", value: { type: SessionDescription_Type.ANSWER, sdp, revision: 3 } },
    { case: "ping", value: { nonce: 18446744073709551615n } },
    { case: "pong", value: { nonce: 1n } },
    { case: "joined", value: { participantId: "p", room: "r", siteId: "s", participants: [{ participantId: "q", displayName: "Q" }] } },
    { case: "participantJoined", value: { participant: { participantId: "q" } } },
    { case: "participantLeft", value: { participantId: "q" } },
    { case: "participantUpdated", value: { participant: { participantId: "q", videoMuted: true } } },
    { case: "trackAdded", value: { track: { trackId: "t", kind: MediaKind.AUDIO, mid: "1", participantId: "q", streamId: "q" } } },
    { case: "trackRemoved", value: { trackId: "t" } },
    { case: "error", value: { code: Error_Code.LOOP, message: "loop" } },
    { case: "setTrunks", value: { urls: ["wss://a/wsb"] } },
    { case: "getTrunks", value: {} },
    { case: "trunks", value: { trunks: [{ url: "wss://a/wsb", state: TrunkState_State.RETRYING, lastError: "refused" }] } },
  ];
  for (const c of cases) {
    const expected = create(EnvelopeSchema, { body: c });
    const bytes = encodeEnvelope(c);
    const back = decodeEnvelope(bytes);
    assert.equal(back.body.case, c.case);
    assert.ok(equals(EnvelopeSchema, back, expected), c.case);
    assert.deepEqual(encodeEnvelope(back.body as BodyInit), bytes, c.case);
  }
  const ping = decodeEnvelope(encodeEnvelope(cases[4]));
  assert.equal(ping.body.case === "ping" && ping.body.value.nonce, 18446744073709551615n);
});

test("garbage is refused", () => {
  assert.throws(() => decodeEnvelope(new Uint8Array([0x0a, 0x7f, 0x00])));
  assert.throws(() => decodeEnvelope(new Uint8Array([0x0b])));
});
