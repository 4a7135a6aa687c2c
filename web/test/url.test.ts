import { test } from "node:test";
import assert from "node:assert/strict";
import { clipUtf8, pageUrl, parseRoute, roomFromSearch, wsUrl } from "../src/lib/url";

test("route: page is the last segment, prefix is what comes before", () => {
  assert.deepEqual(parseRoute("/sfu"), { prefix: "", page: "sfu" });
  assert.deepEqual(parseRoute("/trunk"), { prefix: "", page: "trunk" });
  assert.deepEqual(parseRoute("/status"), { prefix: "", page: "status" });
  assert.deepEqual(parseRoute("/umbrella/sfu"), { prefix: "/umbrella", page: "sfu" });
  assert.deepEqual(parseRoute("/a/b/status/"), { prefix: "/a/b", page: "status" });
});

test("route: unknown paths fall back to the call page", () => {
  assert.deepEqual(parseRoute("/"), { prefix: "", page: "sfu" });
  assert.deepEqual(parseRoute(""), { prefix: "", page: "sfu" });
  assert.deepEqual(parseRoute("/x/index.html"), { prefix: "/x", page: "sfu" });
  assert.deepEqual(parseRoute("/x/"), { prefix: "/x", page: "sfu" });
});

test("websocket URL follows the page's scheme and prefix", () => {
  assert.equal(wsUrl({ protocol: "https:", host: "sfu.example:8443" }, "/p"), "wss://sfu.example:8443/p/wsb");
  assert.equal(wsUrl({ protocol: "http:", host: "localhost:8080" }, ""), "ws://localhost:8080/wsb");
});

test("room links encode the room", () => {
  assert.equal(pageUrl("https://h", "/p", "sfu", "a b&c"), "https://h/p/sfu?room=a%20b%26c");
  assert.equal(pageUrl("https://h", "", "status"), "https://h/status");
});

test("room comes from ?room=, default 'default'", () => {
  assert.equal(roomFromSearch(""), "default");
  assert.equal(roomFromSearch("?room=%20%20"), "default");
  assert.equal(roomFromSearch("?room=team%20standup"), "team standup");
  assert.equal(new TextEncoder().encode(roomFromSearch("?room=" + "é".repeat(40))).length, 62);
});

test("clipUtf8 never splits a character", () => {
  assert.equal(clipUtf8("hello", 63), "hello");
  assert.equal(clipUtf8("abc", 2), "ab");
  assert.equal(clipUtf8("aé", 2), "a");
  assert.equal(clipUtf8("😀😀", 7), "😀");
});
