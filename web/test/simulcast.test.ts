import assert from "node:assert/strict";
import { test } from "node:test";

import { layersActive, simulcastEncodings, withLayers } from "../src/lib/simulcast";

test("two people send only the full layer, three or more all three", () => {
  assert.deepEqual(layersActive(1), [false, false, true]);
  assert.deepEqual(layersActive(2), [false, false, true]);
  assert.deepEqual(layersActive(3), [true, true, true]);
  assert.deepEqual(layersActive(2, true), [true, true, true]);  // Firefox
  const e = simulcastEncodings(5);
  assert.deepEqual(e.map((x) => x.rid), ["q", "h", "f"]);
  assert.ok(e.every((x) => x.active));
  assert.equal(e[0].scaleResolutionDownBy, 4);
});

test("withLayers changes only what differs, and leaves a single-layer sender alone", () => {
  const params = { encodings: simulcastEncodings(2), transactionId: "t", codecs: [], headerExtensions: [], rtcp: {} } as unknown as RTCRtpSendParameters;
  assert.equal(withLayers(params, 2), null);
  const three = withLayers(params, 3);
  assert.ok(three);
  assert.deepEqual(three!.encodings.map((x) => x.active), [true, true, true]);
  assert.equal(three!.transactionId, "t");
  assert.equal(withLayers({ ...params, encodings: [{}] } as RTCRtpSendParameters, 3), null);
  // Forced (after an answer: the browser may not have kept the initial flags), and by rid
  // whatever order the browser lists the encodings in.
  const shuffled = { ...params, encodings: [...simulcastEncodings(2)].reverse() } as RTCRtpSendParameters;
  assert.deepEqual(withLayers(shuffled, 2, true)!.encodings.map((x) => [x.rid, x.active]), [["f", true], ["h", false], ["q", false]]);
});
