// Where the app lives: the server serves the same index.html for <prefix>/sfu, /trunk and
// /status, so the prefix is everything before the last path segment.

export type Page = "sfu" | "trunk" | "status";
const PAGES: readonly Page[] = ["sfu", "trunk", "status"];

export interface Route {
  prefix: string; // "" or "/some/path", never a trailing slash
  page: Page;
}

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, "");
  const cut = path.lastIndexOf("/");
  const segment = path.slice(cut + 1);
  const prefix = cut > 0 ? path.slice(0, cut) : "";
  if ((PAGES as readonly string[]).includes(segment)) return { prefix, page: segment as Page };
  // Unknown last segment ("/", "/x/index.html"): the call page, prefix is the folder.
  return { prefix: pathname.endsWith("/") ? path : prefix, page: "sfu" };
}

export function wsUrl(loc: { protocol: string; host: string }, prefix: string): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${prefix}/wsb`;
}

export function pageUrl(origin: string, prefix: string, page: Page, room?: string): string {
  const query = room !== undefined ? `?room=${encodeURIComponent(room)}` : "";
  return `${origin}${prefix}/${page}${query}`;
}

// Strings in the protocol are bounded (max_size 64 => 63 bytes of UTF-8): cut on a
// character boundary so the server never refuses the Join for length.
export function clipUtf8(s: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= maxBytes) return s;
  let out = "";
  let used = 0;
  for (const ch of s) {
    const n = enc.encode(ch).length;
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

export const MAX_NAME_BYTES = 63;

export function roomFromSearch(search: string): string {
  const room = new URLSearchParams(search).get("room")?.trim() ?? "";
  return room ? clipUtf8(room, MAX_NAME_BYTES) : "default";
}
