// Camera simulcast: the camera goes out as three layers (a quarter, half and full resolution)
// and the SFU gives each viewer the one its link and tile can take. With two people the other
// one always sees us big, so only the full layer is sent then; the small ones start when a
// third joins (active flags change without renegotiating).
export const LAYER_RIDS = ["q", "h", "f"] as const;

export function simulcastEncodings(people: number): RTCRtpEncodingParameters[] {
  const active = layersActive(people);
  return [
    { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000, active: active[0] },
    { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000, active: active[1] },
    { rid: "f", maxBitrate: 1_500_000, active: active[2] },
  ];
}

// Firefox keeps all three on: layers it switched on later went out without their rid, so the
// SFU never learned their SSRCs (test_firefox test_3 in fresh-clone runs: the lowest layer).
const KEEP_ALL_ON = typeof navigator !== "undefined" && /Firefox\//.test(navigator.userAgent ?? "");

export function layersActive(people: number, keepAllOn = KEEP_ALL_ON): boolean[] {
  return keepAllOn || people > 2 ? [true, true, true] : [false, false, true];
}

// The sender's parameters with the layers for `people` switched on or off (matched by rid);
// null when nothing changes, unless forced, or when the sender does not simulcast.
export function withLayers(params: RTCRtpSendParameters, people: number, force = false): RTCRtpSendParameters | null {
  const encodings = params.encodings ?? [];
  if (encodings.length !== LAYER_RIDS.length) return null;
  const active = layersActive(people);
  const want = (e: RTCRtpEncodingParameters) => active[LAYER_RIDS.indexOf(e.rid as (typeof LAYER_RIDS)[number])] ?? true;
  if (!force && encodings.every((e) => (e.active ?? true) === want(e))) return null;
  return { ...params, encodings: encodings.map((e) => ({ ...e, active: want(e) })) };
}
