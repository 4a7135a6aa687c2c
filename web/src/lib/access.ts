// Credentials in the web app (README "Access control"): the room access token a link carries
// (?token=), and the administrator secret the /trunk and /status pages ask for, kept only in
// this tab's sessionStorage.

export const MAX_TOKEN_BYTES = 1023; // Join.token's bound (proto/umbrella.options)

export function tokenFromSearch(search: string): string {
  const t = new URLSearchParams(search).get("token")?.trim() ?? "";
  return t.length <= MAX_TOKEN_BYTES ? t : "";
}

export interface TokenHints {
  room: string;
  name: string;
  canPublish: boolean;
}

// What the token says about itself, to set up the lobby (room, name, viewer). Not a check:
// only the server, which has the key, verifies it. null when it cannot be read.
export function tokenHints(token: string): TokenHints | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof claims.room !== "string") return null;
    return {
      room: claims.room,
      name: typeof claims.name === "string" ? claims.name : "",
      canPublish: claims.canPublish !== false,
    };
  } catch {
    return null;
  }
}

const ADMIN_KEY = "umbrella.adminSecret";

// Minimal Storage, so tests can pass a Map-backed one.
export interface SecretStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function sessionStore(): SecretStore | null {
  try {
    return sessionStorage;
  } catch {
    return null; // storage disabled: the secret is asked for again on each load
  }
}

export function loadAdminSecret(store: SecretStore | null = sessionStore()): string {
  return store?.getItem(ADMIN_KEY) ?? "";
}

export function saveAdminSecret(secret: string, store: SecretStore | null = sessionStore()): void {
  if (secret) store?.setItem(ADMIN_KEY, secret);
  else store?.removeItem(ADMIN_KEY);
}

export function bearer(secret: string): Record<string, string> {
  return secret ? { Authorization: `Bearer ${secret}` } : {};
}

export interface InviteRequest {
  room: string;
  identity: string;
  name: string;
  ttl: string; // "90s", "15m", "1h", "7d"
  viewer: boolean;
}

// POST here with the administrator secret: the server answers a signed room access token.
export function tokenRequestPath(prefix: string, r: InviteRequest): string {
  const q = new URLSearchParams({ room: r.room, identity: r.identity, ttl: r.ttl });
  if (r.name) q.set("name", r.name);
  if (r.viewer) q.set("viewer", "1");
  return `${prefix}/token?${q.toString()}`;
}

// The status page's recording switch: POST <prefix>/record?room=R&on=1 (0 stops).
export function recordRequestPath(prefix: string, room: string, on: boolean): string {
  return `${prefix}/record?${new URLSearchParams({ room, on: on ? "1" : "0" }).toString()}`;
}

// The link to hand out: the call page with the token (the lobby reads room, name and viewer mode from it).
export function inviteLink(origin: string, prefix: string, token: string): string {
  return `${origin}${prefix}/sfu?${new URLSearchParams({ token }).toString()}`;
}
