import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../src/lib/backoff";

test("backoff doubles up to the cap without jitter", () => {
  const b = new Backoff({ baseMs: 500, maxMs: 5000, jitter: 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next()), [500, 1000, 2000, 4000, 5000, 5000]);
  assert.equal(b.attempt, 6);
  b.reset();
  assert.equal(b.next(), 500);
});

test("backoff jitter stays within bounds and under the cap", () => {
  const low = new Backoff({ baseMs: 1000, maxMs: 8000, jitter: 0.25 }, () => 0);
  const high = new Backoff({ baseMs: 1000, maxMs: 8000, jitter: 0.25 }, () => 0.999999);
  assert.equal(low.next(), 750);
  assert.equal(high.next(), 1250);
  for (let i = 0; i < 10; i++) high.next();
  assert.equal(high.next(), 8000);
});
