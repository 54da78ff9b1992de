// Node's test runner over frontend/lib/diff.js: the line diff behind the History view's
// side-by-side comparison of two versions (run by `npm test` and tests/frontend/test_node.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { diffLines, foldUnchanged, pairLines, sideBySide, similarLines, splitLines, MAX_LINES } from "../../frontend/lib/diff.js";

/** Applies an edit script to `a`: must give `b`, and every same line must be equal. */
function check(a, b, ops) {
  const out = [];
  let ia = 0;
  for (const step of ops) {
    if (step.op === "same") { assert.equal(step.a, ia); assert.equal(a[step.a], b[step.b]); out.push(a[step.a]); ia++; }
    else if (step.op === "removed") { assert.equal(step.a, ia); ia++; }
    else out.push(b[step.b]);
  }
  assert.equal(ia, a.length);
  assert.deepEqual(out, b);
  return ops.filter((s) => s.op !== "same").length;
}

test("lines: \\n, \\r\\n and \\r; a final line break is not an extra line", () => {
  assert.deepEqual(splitLines(""), []);
  assert.deepEqual(splitLines("a\nb\n"), ["a", "b"]);
  assert.deepEqual(splitLines("a\r\nb\rc"), ["a", "b", "c"]);
  assert.deepEqual(splitLines("a\n\n"), ["a", ""]);
});

test("the edit script is minimal on known cases", () => {
  const cases = [
    [[], [], 0], [["a"], [], 1], [[], ["a"], 1], [["a"], ["a"], 0], [["a"], ["b"], 2],
    ["ABCABBA".split(""), "CBABAC".split(""), 5], // Myers' paper
    ["abcdef".split(""), "abXdef".split(""), 2],
    ["x a b c".split(" "), "a b c y".split(" "), 2],
  ];
  for (const [a, b, edits] of cases) assert.equal(check(a, b, diffLines(a, b).ops), edits, `${a} → ${b}`);
});

function lcs(a, b) {
  const table = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) table[i][j] = a[i - 1] === b[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
  return table[a.length][b.length];
}

test("random texts: the script turns a into b with the fewest edits (as many as an LCS says)", () => {
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 300; round++) {
    const a = Array.from({ length: rand(30) }, () => "abcde"[rand(5)]);
    const b = a.slice();
    for (let e = rand(8); e > 0; e--) {
      const at = rand(b.length + 1);
      if (rand(2) && b.length) b.splice(at, 1); else b.splice(at, 0, "abcdef"[rand(6)]);
    }
    const edits = check(a, b, diffLines(a, b).ops);
    assert.equal(edits, a.length + b.length - 2 * lcs(a, b), `${a.join("")} → ${b.join("")}`);
  }
});

test("side by side: a changed line pairs the removed with the added; counts and line numbers", () => {
  const left = "<a>\n  <b name=\"one\"/>\n  <c/>\n</a>\n";
  const right = "<a>\n  <b name=\"two\"/>\n  <c/>\n  <d/>\n</a>\n";
  const result = sideBySide(left, right);
  assert.equal(result.tooLarge, false);
  assert.equal(result.approximate, false);
  assert.equal(result.added, 2);
  assert.equal(result.removed, 1);
  assert.deepEqual(result.rows.map((r) => r.kind), ["same", "changed", "same", "added", "same"]);
  assert.deepEqual(result.rows[1], { kind: "changed", left: { number: 2, text: "  <b name=\"one\"/>" }, right: { number: 2, text: "  <b name=\"two\"/>" } });
  assert.deepEqual(result.rows[3], { kind: "added", left: null, right: { number: 4, text: "  <d/>" } });
  assert.deepEqual(result.rows[4].left, { number: 4, text: "</a>" });
  assert.deepEqual(result.rows[4].right, { number: 5, text: "</a>" });
  const removedOnly = sideBySide("a\nb\nc", "a\nc");
  assert.deepEqual(removedOnly.rows.map((r) => r.kind), ["same", "removed", "same"]);
  assert.deepEqual(sideBySide("same\n", "same\n").rows.map((r) => r.kind), ["same"]);
});

test("caps: over MAX_LINES lines is not compared; too many edits is one replaced block", () => {
  const big = "x\n".repeat(MAX_LINES + 1);
  assert.deepEqual(sideBySide(big, "x"), { tooLarge: true, lines: MAX_LINES + 1, maxLines: MAX_LINES });
  assert.equal(sideBySide("a\nb", "c\nd", { maxLines: 1 }).tooLarge, true);
  const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join("\n");
  const b = Array.from({ length: 50 }, (_, i) => `b${i}`).join("\n");
  const capped = sideBySide(`head\n${a}\ntail`, `head\n${b}\ntail`, { maxEdits: 10 });
  assert.equal(capped.approximate, true);
  assert.equal(capped.rows.length, 52);
  assert.deepEqual([capped.rows[0].kind, capped.rows[1].kind, capped.rows[51].kind], ["same", "changed", "same"]);
});

test("a file of 20,000 lines with scattered changes compares quickly", () => {
  const a = Array.from({ length: MAX_LINES - 1 }, (_, i) => `<line n="${i}"/>`);
  const b = a.map((line, i) => (i % 500 === 0 ? `${line} changed` : line));
  b.splice(10000, 0, "<inserted/>");
  const started = Date.now();
  const result = sideBySide(a.join("\n"), b.join("\n"));
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.equal(result.approximate, false);
  assert.equal(result.removed, 40);
  assert.equal(result.added, 41);
});

test("folding: long unchanged runs become one fold, with context around changes", () => {
  const rows = sideBySide(Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n"), Array.from({ length: 20 }, (_, i) => (i === 10 ? "X" : `l${i}`)).join("\n")).rows;
  const folded = foldUnchanged(rows, 3);
  assert.deepEqual(folded[0], { fold: 7, start: 0 });
  assert.deepEqual(folded.slice(1, 4).map((r) => r.left.number), [8, 9, 10]);
  assert.equal(folded[4].kind, "changed");
  assert.deepEqual(folded.slice(5, 8).map((r) => r.left.number), [12, 13, 14]);
  assert.deepEqual(folded[8], { fold: 6, start: 14 });
  assert.deepEqual(foldUnchanged(rows.slice(0, 5), 3), [{ fold: 5, start: 0 }]);
  assert.equal(foldUnchanged(rows.slice(7, 14), 3).length, 7); // 3 + the change + 3: nothing to fold
});

test("pairing: a changed line is beside its new version, an inserted line stands alone", () => {
  assert.ok(similarLines('  <start name="Order received" />', '<start name="Order paid" />'));
  assert.ok(!similarLines('<start name="Order received" />', "<documentation>Paid</documentation>"));
  assert.deepEqual(pairLines(["<a x=\"1\"/>"], ["<doc>new</doc>", "<a x=\"2\"/>"]), [[null, 0], [0, 1]]);
  assert.deepEqual(pairLines(["<a x=\"1\"/>", "<gone/>"], ["<a x=\"2\"/>"]), [[0, 0], [1, null]]);
  assert.deepEqual(pairLines(["one", "two"], ["uno", "dos", "tres"]), [[0, 0], [1, 1], [null, 2]]); // nothing similar: in order
  assert.deepEqual(pairLines([], ["x"]), [[null, 0]]);
  const rows = sideBySide('<p>\n  <s name="received"/>\n</p>', '<p>\n  <doc>Paid only</doc>\n  <s name="paid"/>\n</p>').rows;
  assert.deepEqual(rows.map((r) => r.kind), ["same", "added", "changed", "same"]);
  assert.deepEqual([rows[2].left.number, rows[2].right.number], [2, 3]);
});
