import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyChat, MAX_CHAT_CHARS, MAX_CHAT_MESSAGES, outgoingText, reduceChat, timeLabel } from "../src/lib/chat";

test("chat: messages from others count as unread while the panel is closed", () => {
  let s = reduceChat(emptyChat, { kind: "received", from: "p2.a", name: "Bob", text: "hi", at: 1 });
  s = reduceChat(s, { kind: "received", from: "p2.a", name: "Bob", text: "there", at: 2 });
  assert.equal(s.unread, 2);
  assert.deepEqual(s.messages.map((m) => [m.name, m.text, m.self]), [["Bob", "hi", false], ["Bob", "there", false]]);
  s = reduceChat(s, { kind: "open", open: true });
  assert.equal(s.unread, 0);
  s = reduceChat(s, { kind: "received", from: "p3.a", name: "", text: "x", at: 3 });
  assert.equal(s.unread, 0);
  assert.equal(s.messages[2].name, "Someone");
  s = reduceChat(s, { kind: "sent", name: "Alice", text: "mine", at: 4 });
  assert.equal(s.messages[3].self, true);
  assert.equal(s.unread, 0);
});

test("chat: empty, oversized and non-text messages are ignored; the log is bounded", () => {
  let s = reduceChat(emptyChat, { kind: "received", from: "p", name: "B", text: "   ", at: 1 });
  s = reduceChat(s, { kind: "received", from: "p", name: "B", text: "x".repeat(MAX_CHAT_CHARS + 1), at: 1 });
  s = reduceChat(s, { kind: "received", from: "p", name: "B", text: 42 as unknown as string, at: 1 });
  assert.equal(s.messages.length, 0);
  for (let i = 0; i < MAX_CHAT_MESSAGES + 5; i++) s = reduceChat(s, { kind: "received", from: "p", name: "B", text: `m${i}`, at: i });
  assert.equal(s.messages.length, MAX_CHAT_MESSAGES);
  assert.equal(s.messages[0].text, "m5");
  assert.equal(outgoingText("  hello \n"), "hello");
  assert.equal(outgoingText("y".repeat(MAX_CHAT_CHARS + 9)).length, MAX_CHAT_CHARS);
  assert.match(timeLabel(Date.UTC(2026, 0, 1, 9, 5)), /^\d\d:\d\d$/);
});
