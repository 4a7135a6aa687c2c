import { test } from "node:test";
import assert from "node:assert/strict";
import { GRID_PAGE, gridShape, layout, STRIP_MAX, type LayoutInput } from "../src/lib/layout";

const base = (tiles: string[], over: Partial<LayoutInput> = {}): LayoutInput => ({ tiles, selfKey: "me", speakers: [], pinned: null, view: "grid", page: 0, previousMain: null, ...over });
const people = (n: number) => ["me", ...Array.from({ length: n - 1 }, (_, i) => `p${i}`)];

test("up to a page the grid shows everyone", () => {
  const l = layout(base(people(GRID_PAGE)));
  assert.equal(l.mode, "grid");
  assert.equal(l.shown.length, GRID_PAGE);
  assert.equal(l.pages, 1);
  assert.equal(l.hidden, 0);
});

test("50 people: pages of the grid, only one page's tiles shown", () => {
  const tiles = people(50);
  const first = layout(base(tiles));
  assert.equal(first.pages, 6);
  assert.deepEqual(first.shown, tiles.slice(0, GRID_PAGE));
  const last = layout(base(tiles, { page: 99 }));
  assert.equal(last.page, 5, "a page past the end shows the last one");
  assert.deepEqual(last.shown, tiles.slice(45));
  assert.equal(last.hidden, 45);
});

test("a screen share takes the stage, speakers lead the filmstrip", () => {
  const tiles = [...people(12), "p3#screen"];
  const l = layout(base(tiles, { speakers: ["p9", "p7"] }));
  assert.equal(l.mode, "speaker");
  assert.equal(l.main, "p3#screen");
  assert.deepEqual(l.shown.slice(0, 2), ["p9", "p7"]);
  assert.equal(l.shown.length, STRIP_MAX);
  assert.equal(l.hidden, tiles.length - 1 - STRIP_MAX);
});

test("our own screen share is not featured to ourselves", () => {
  assert.equal(layout(base(["me", "me#screen", "a"])).mode, "grid");
  assert.equal(layout(base(["me", "me#screen", "a", "a#screen"])).main, "a#screen");
});

test("a pin beats a screen share; a pin of someone gone is ignored", () => {
  const tiles = ["me", "a", "b", "b#screen"];
  assert.equal(layout(base(tiles, { pinned: "a" })).main, "a");
  assert.equal(layout(base(tiles, { pinned: "zz" })).main, "b#screen");
});

test("speaker view follows the first speaker who is not us, and stays when all are quiet", () => {
  const tiles = ["me", "a", "b", "c"];
  assert.equal(layout(base(tiles, { view: "speaker", speakers: ["me", "c", "a"] })).main, "c");
  assert.equal(layout(base(tiles, { view: "speaker", speakers: [], previousMain: "b" })).main, "b");
  assert.equal(layout(base(tiles, { view: "speaker", speakers: [], previousMain: "gone" })).main, "a");
  assert.equal(layout(base(["me"], { view: "speaker" })).mode, "grid", "alone: nobody to feature");
});

test("the grid shape fills a 16:9 window best", () => {
  assert.deepEqual(gridShape(1, 1600, 900), { cols: 1, rows: 1 });
  assert.deepEqual(gridShape(2, 1600, 900), { cols: 2, rows: 1 });
  assert.deepEqual(gridShape(4, 1600, 900), { cols: 2, rows: 2 });
  assert.deepEqual(gridShape(9, 1600, 900), { cols: 3, rows: 3 });
  assert.deepEqual(gridShape(3, 400, 900), { cols: 1, rows: 3 }, "a tall phone stacks");
  assert.deepEqual(gridShape(12, 1600, 900), { cols: 4, rows: 3 });
});
