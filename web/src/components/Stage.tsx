import { useEffect, useRef, useState } from "preact/hooks";
import { gridShape, layout, type View } from "../lib/layout";
import type { Quality } from "../lib/quality";
import { ownerOf } from "../lib/screen";
import { Tile } from "./Tile";

export interface TileDesc {
  key: string;
  name: string;
  self: boolean;
  screen: boolean;
  stream: MediaStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
}

interface StageProps {
  tiles: readonly TileDesc[];
  selfKey: string | null;
  speakers: readonly string[];
  videoPaused?: boolean; // the SFU paused video to us for bandwidth: remote camera tiles say so
  view: View;
  quality: ReadonlyMap<string, Quality>;
  empty: string | null; // what to say when there is nobody to show
}

function useBoxSize(ref: { current: HTMLElement | null }): { w: number; h: number } {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(([e]) => setSize({ w: e.contentRect.width, h: e.contentRect.height }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return size;
}

// The tiles on screen: a paged grid, or a large tile and a filmstrip (lib/layout.ts).
export function Stage(p: StageProps) {
  const [pinned, setPinned] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const main = useRef<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const size = useBoxSize(box);
  const keys = p.tiles.map((t) => t.key);
  const l = layout({ tiles: keys, selfKey: p.selfKey, speakers: p.speakers, pinned, view: p.view, page, previousMain: main.current });
  main.current = l.main;
  const byKey = new Map(p.tiles.map((t) => [t.key, t]));
  const tile = (key: string) => {
    const t = byKey.get(key)!;
    return (
      <Tile
        key={key}
        id={key}
        name={t.name}
        self={t.self}
        screen={t.screen}
        stream={t.stream}
        audioMuted={t.audioMuted}
        videoMuted={t.videoMuted}
        speaking={!t.screen && p.speakers.includes(ownerOf(key))}
        pinned={pinned === key}
        bandwidthPaused={!!p.videoPaused && !t.self}
        quality={p.quality.get(key)}
        onPin={() => setPinned(pinned === key ? null : key)}
      />
    );
  };
  const shape = l.mode === "grid" ? gridShape(l.shown.length, size.w, size.h) : { cols: 1, rows: 1 };
  return (
    <div class={`stage ${l.mode}`} ref={box} data-testid="stage" data-layout={l.mode} data-main={l.main ?? undefined}>
      {p.tiles.length === 0 && p.empty && <div class="empty">{p.empty}</div>}
      {l.mode === "speaker" && l.main && <div class="main-tile">{tile(l.main)}</div>}
      <div
        class={l.mode === "grid" ? "grid" : "strip"}
        style={l.mode === "grid" ? { "--cols": String(shape.cols), "--rows": String(shape.rows) } : undefined}
        data-testid={l.mode === "grid" ? "grid" : "filmstrip"}
      >
        {l.shown.map(tile)}
        {l.mode === "speaker" && l.hidden > 0 && <div class="more">+{l.hidden} more</div>}
      </div>
      {l.pages > 1 && (
        <nav class="pager" aria-label="Pages of participants">
          <button onClick={() => setPage(l.page - 1)} disabled={l.page === 0} aria-label="Previous page" data-testid="page-prev">
            ‹
          </button>
          <span aria-live="polite" data-testid="page-number">
            Page {l.page + 1} of {l.pages}
          </span>
          <button onClick={() => setPage(l.page + 1)} disabled={l.page + 1 >= l.pages} aria-label="Next page" data-testid="page-next">
            ›
          </button>
        </nav>
      )}
    </div>
  );
}
