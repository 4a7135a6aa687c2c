// Screen shares. A participant's screen is a second video track; it gets its own tile, keyed
// by the participant id and a suffix, so the camera tile stays as it is.
//
// Which track is a screen: the server names every track `site/participant/mid` with the
// publisher's own mid, and this app always puts camera and microphone on its first two
// m-lines (mids 0 and 1, a receive-only line standing in for a missing device), so a video
// track on any later mid is a screen share. Other publishers (WHIP, Firefox, webrtcbin) use
// mids 0 and 1 or names, so their video stays a camera.
const SUFFIX = "#screen";

export const screenKey = (participantId: string): string => participantId + SUFFIX;
export const isScreenKey = (key: string): boolean => key.endsWith(SUFFIX);
export const ownerOf = (key: string): string => (isScreenKey(key) ? key.slice(0, -SUFFIX.length) : key);

export function isScreenTrack(trackId: string, kind: string): boolean {
  if (kind !== "video") return false;
  const mid = trackId.slice(trackId.lastIndexOf("/") + 1);
  return /^\d{1,3}$/.test(mid) && Number(mid) >= 2;
}

// The tile key a received track belongs in.
export function tileKeyFor(participantId: string, trackId: string | undefined, kind: string): string {
  return trackId && isScreenTrack(trackId, kind) ? screenKey(participantId) : participantId;
}
