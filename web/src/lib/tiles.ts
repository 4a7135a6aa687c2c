// Which received tracks show in which participant's tile. The server reuses the m-line of a
// departed track for the next track of the same kind (same mid, so the same receiver track
// object, with a new msid): the browser fires `track` again with the new participant's
// stream id, and the track must move tiles rather than show in both.
export interface TileTrack {
  readonly kind: string;
  readonly readyState: string;
}

// Tiles after `track` arrived for participant `pid`: it leaves any other tile (a reused
// m-line), and replaces the tile's track of the same kind. Tiles left empty are removed;
// the maps and lists given are not changed.
export function placeTrack<T extends TileTrack>(tiles: ReadonlyMap<string, readonly T[]>, pid: string, track: T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const [id, tracks] of tiles) {
    const rest = id === pid ? tracks.filter((t) => t !== track && t.kind !== track.kind && t.readyState === "live") : tracks.filter((t) => t !== track);
    if (id === pid || rest.length) out.set(id, [...rest]);
  }
  out.set(pid, [...(out.get(pid) ?? []), track]);
  return out;
}

// Tiles after `track` went away from `pid`'s tile (removed, or ended).
export function removeTrack<T extends TileTrack>(tiles: ReadonlyMap<string, readonly T[]>, pid: string, track: T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const [id, tracks] of tiles) {
    const rest = id === pid ? tracks.filter((t) => t !== track) : [...tracks];
    if (rest.length) out.set(id, rest);
  }
  return out;
}

// The tile a track is in, if any.
export function tileOf<T extends TileTrack>(tiles: ReadonlyMap<string, readonly T[]>, track: T): string | null {
  for (const [id, tracks] of tiles) if (tracks.includes(track)) return id;
  return null;
}
