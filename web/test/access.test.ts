import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bearer,
  inviteLink,
  loadAdminSecret,
  saveAdminSecret,
  tokenFromSearch,
  tokenHints,
  tokenRequestPath,
  recordRequestPath,
  type SecretStore,
} from "../src/lib/access";

// A token as `umbrella token --room lobby --identity ann --name Ann --viewer` makes (signature elided).
const claims = { room: "lobby", sub: "ann", name: "Ann", canPublish: false, canSubscribe: true, exp: 2000000000 };
const b64url = (s: string) => Buffer.from(s).toString("base64url");
const token = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.sig`;

test("token comes from ?token=, and only a bounded one", () => {
  assert.equal(tokenFromSearch(`?room=x&token=${token}`), token);
  assert.equal(tokenFromSearch("?room=x"), "");
  assert.equal(tokenFromSearch(`?token=${"a".repeat(1024)}`), "");
});

test("token hints preset the lobby: room, name, viewer", () => {
  assert.deepEqual(tokenHints(token), { room: "lobby", name: "Ann", canPublish: false });
  const publisher = `h.${b64url(JSON.stringify({ room: "r", sub: "s", exp: 1 }))}.s`;
  assert.deepEqual(tokenHints(publisher), { room: "r", name: "", canPublish: true });
  assert.equal(tokenHints("not a token"), null);
  assert.equal(tokenHints("a.%%%.c"), null);
  assert.equal(tokenHints(`a.${b64url('{"sub":"no room"}')}.c`), null);
});

test("the administrator secret lives in the given (session) store only, and goes as a bearer", () => {
  const m = new Map<string, string>();
  const store: SecretStore = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
  assert.equal(loadAdminSecret(store), "");
  saveAdminSecret("s3cret", store);
  assert.equal(loadAdminSecret(store), "s3cret");
  assert.deepEqual(bearer("s3cret"), { Authorization: "Bearer s3cret" });
  assert.deepEqual(bearer(""), {});
  saveAdminSecret("", store);
  assert.equal(m.size, 0);
  assert.equal(loadAdminSecret(null), "");
});

test("an invite asks the server for a token and links the call page with it", () => {
  const path = tokenRequestPath("/umbrella", { room: "r 1", identity: "ann", name: "Ann & co", ttl: "1d", viewer: true });
  const q = new URL(path, "https://x").searchParams;
  assert.ok(path.startsWith("/umbrella/token?"));
  assert.deepEqual([q.get("room"), q.get("identity"), q.get("name"), q.get("ttl"), q.get("viewer")], ["r 1", "ann", "Ann & co", "1d", "1"]);
  assert.equal(new URL(tokenRequestPath("", { room: "r", identity: "i", name: "", ttl: "1h", viewer: false }), "https://x").searchParams.has("viewer"), false);
  const link = inviteLink("https://ap.local:8081", "", token);
  assert.equal(new URL(link).pathname, "/sfu");
  assert.equal(tokenFromSearch(new URL(link).search), token);
});

test("the recording switch names the room and on/off in the query", () => {
  const q = new URL(recordRequestPath("/umbrella", "r 1&x", true), "https://x");
  assert.equal(q.pathname, "/umbrella/record");
  assert.deepEqual([q.searchParams.get("room"), q.searchParams.get("on")], ["r 1&x", "1"]);
  assert.equal(new URL(recordRequestPath("", "r", false), "https://x").searchParams.get("on"), "0");
});
