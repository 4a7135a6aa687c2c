// Where tiles go: a grid that fits the window (pages past GRID_PAGE tiles), or one large tile
// with a filmstrip (a screen share, a pinned participant, or the speaker view following whoever
// speaks). Pure, so it is tested without a browser; only the tiles it returns are rendered,
// which keeps a 50-person call to a page's worth of <video> elements.
import { isScreenKey, ownerOf } from "./screen";

export const GRID_PAGE = 9;
export const STRIP_MAX = 6;

export type View = "grid" | "speaker";

export interface LayoutInput {
  tiles: readonly string[]; // tile keys in display order (self first, then by arrival)
  selfKey: string | null;
  speakers: readonly string[]; // participant ids, most recent first
  pinned: string | null;
  view: View;
  page: number;
  previousMain: string | null; // keeps the large tile steady when nobody speaks
}

export interface Layout {
  mode: "grid" | "speaker";
  main: string | null; // the large tile (speaker mode)
  shown: readonly string[]; // grid: this page's tiles; speaker: the filmstrip
  page: number;
  pages: number;
  hidden: number; // tiles not on screen now
}

export function layout(i: LayoutInput): Layout {
  const present = (k: string | null): k is string => k !== null && i.tiles.includes(k);
  // Our own screen is not featured to ourselves (a picture of the picture); others see it.
  const screens = i.tiles.filter((k) => isScreenKey(k) && ownerOf(k) !== i.selfKey);
  // A pin wins, then the newest screen share, then (speaker view) the speaker.
  let main: string | null = null;
  if (present(i.pinned)) main = i.pinned;
  else if (screens.length) main = screens[screens.length - 1];
  else if (i.view === "speaker" && i.tiles.length > 1) {
    const others = i.tiles.filter((k) => k !== i.selfKey);
    main = i.speakers.find((id) => id !== i.selfKey && others.includes(id)) ?? (present(i.previousMain) && i.previousMain !== i.selfKey ? i.previousMain : others[0]);
  }
  if (main !== null) {
    // Speakers first in the filmstrip, so whoever talks is seen even in a big room.
    const rest = i.tiles.filter((k) => k !== main);
    const rank = (k: string) => (isScreenKey(k) ? -1 : i.speakers.indexOf(ownerOf(k)));
    const ordered = [...rest.filter((k) => rank(k) >= 0).sort((a, b) => rank(a) - rank(b)), ...rest.filter((k) => rank(k) < 0)];
    const shown = ordered.slice(0, STRIP_MAX);
    return { mode: "speaker", main, shown, page: 0, pages: 1, hidden: rest.length - shown.length };
  }
  const pages = Math.max(1, Math.ceil(i.tiles.length / GRID_PAGE));
  const page = Math.min(Math.max(0, i.page), pages - 1);
  const shown = i.tiles.slice(page * GRID_PAGE, (page + 1) * GRID_PAGE);
  return { mode: "grid", main: null, shown, page, pages, hidden: i.tiles.length - shown.length };
}

// Columns and rows for n tiles in a w x h box that make each 16:9 tile largest.
export function gridShape(n: number, w: number, h: number): { cols: number; rows: number } {
  if (n <= 1 || w <= 0 || h <= 0) return { cols: 1, rows: Math.max(1, n) };
  let best = { cols: 1, rows: n, size: 0 }; // on a tie the wider grid (fewer rows)
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const tileW = Math.min(w / cols, ((h / rows) * 16) / 9);
    if (tileW >= best.size) best = { cols, rows, size: tileW };
  }
  return { cols: best.cols, rows: best.rows };
}
