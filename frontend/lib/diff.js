// A line-based text diff for comparing two versions of a model side by side (DOM-free, tested
// under node). Myers' O((N+M)·D) algorithm on the lines left after the common head and tail are
// trimmed, with two caps: texts over MAX_LINES lines are not compared (the caller says so), and
// when the two texts differ in more than MAX_EDITS lines the middle is shown as one replaced
// block (a correct but not minimal diff, flagged `approximate`).

export const MAX_LINES = 20000;
export const MAX_EDITS = 4000;

/** The lines of `text`: split on \n, \r\n or \r; a final line break makes no empty last line. */
export function splitLines(text) {
  if (text === "" || text === null || text === undefined) return [];
  const lines = String(text).split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The edit script from `a` to `b` (arrays of strings): [{op: "same"|"removed"|"added", a?, b?}]
 * with 0-based line indexes; `approximate` when MAX_EDITS was reached. */
export function diffLines(a, b, { maxEdits = MAX_EDITS } = {}) {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ops = [];
  for (let i = 0; i < head; i++) ops.push({ op: "same", a: i, b: i });
  // Lines as small integers: comparisons in the loop are then cheap.
  const ids = new Map();
  const idOf = (line) => { let id = ids.get(line); if (id === undefined) { id = ids.size; ids.set(line, id); } return id; };
  const x = Int32Array.from(a.slice(head, a.length - tail), idOf);
  const y = Int32Array.from(b.slice(head, b.length - tail), idOf);
  const middle = myers(x, y, maxEdits);
  let approximate = false;
  if (middle) {
    for (const [op, i, j] of middle) ops.push(op === "same" ? { op, a: head + i, b: head + j } : op === "removed" ? { op, a: head + i } : { op, b: head + j });
  } else {
    approximate = true;
    for (let i = 0; i < x.length; i++) ops.push({ op: "removed", a: head + i });
    for (let j = 0; j < y.length; j++) ops.push({ op: "added", b: head + j });
  }
  for (let k = 0; k < tail; k++) ops.push({ op: "same", a: a.length - tail + k, b: b.length - tail + k });
  return { ops, approximate };
}

/** Myers' greedy forward algorithm; [op, i, j] triples, or null past `maxEdits` edits. */
function myers(x, y, maxEdits) {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) {
    const ops = [];
    for (let i = 0; i < n; i++) ops.push(["removed", i, -1]);
    for (let j = 0; j < m; j++) ops.push(["added", -1, j]);
    return ops;
  }
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = []; // v's window [-d, d] before step d (memory O(D²))
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) { i++; j++; }
      v[offset + k] = i;
      if (i >= n && j >= m) { found = d; break; }
    }
  }
  if (found < 0) return null;
  // Walk back through the saved windows.
  const ops = [];
  let i = n;
  let j = m;
  for (let d = found; d > 0; d--) {
    const before = trace[d]; // v before step d: index k ↦ before[k + d]
    const at = (k) => before[k + d];
    const k = i - j;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevI = at(prevK);
    const prevJ = prevI - prevK;
    while (i > (down ? prevI : prevI + 1) && j > (down ? prevJ + 1 : prevJ)) { i--; j--; ops.push(["same", i, j]); }
    if (down) { j--; ops.push(["added", -1, j]); } else { i--; ops.push(["removed", i, -1]); }
  }
  while (i > 0 && j > 0) { i--; j--; ops.push(["same", i, j]); }
  return ops.reverse();
}

/**
 * Side-by-side rows of two texts: {kind, left, right} where left/right are {number, text} or
 * null; kind is "same", "changed" (a removed line beside an added one), "removed" or "added".
 * Returns {rows, added, removed, approximate} or {tooLarge: true, lines} past `maxLines`.
 */
export function sideBySide(leftText, rightText, { maxLines = MAX_LINES, maxEdits = MAX_EDITS } = {}) {
  const a = splitLines(leftText);
  const b = splitLines(rightText);
  if (a.length > maxLines || b.length > maxLines) return { tooLarge: true, lines: Math.max(a.length, b.length), maxLines };
  const { ops, approximate } = diffLines(a, b, { maxEdits });
  const rows = [];
  let added = 0;
  let removed = 0;
  let removedRun = [];
  let addedRun = [];
  const flush = () => {
    for (const [l, r] of pairLines(removedRun.map((i) => a[i]), addedRun.map((j) => b[j]))) {
      const left = l === null ? null : { number: removedRun[l] + 1, text: a[removedRun[l]] };
      const right = r === null ? null : { number: addedRun[r] + 1, text: b[addedRun[r]] };
      rows.push({ kind: left && right ? "changed" : left ? "removed" : "added", left, right });
    }
    removedRun = [];
    addedRun = [];
  };
  for (const step of ops) {
    if (step.op === "same") {
      flush();
      rows.push({ kind: "same", left: { number: step.a + 1, text: a[step.a] }, right: { number: step.b + 1, text: b[step.b] } });
    } else if (step.op === "removed") { removedRun.push(step.a); removed++; }
    else { addedRun.push(step.b); added++; }
  }
  flush();
  return { rows, added, removed, approximate, tooLarge: false };
}

/** Whether two lines are versions of one another: their common head and tail are at least half
 * of the longer (leading and trailing blanks aside). */
export function similarLines(x, y) {
  const a = x.trim();
  const b = y.trim();
  const longest = Math.max(a.length, b.length);
  if (!longest) return true;
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return (head + tail) * 2 >= longest;
}

export const MAX_PAIRING = 200;

/**
 * A block of removed lines beside the added lines that replace it: [l, r] index pairs in order,
 * null on the side without a line. Similar lines are put side by side (the most such pairs, in
 * order); in a block over MAX_PAIRING lines a side, or without similar lines, the n-th removed
 * line is beside the n-th added one.
 */
export function pairLines(removed, added) {
  const n = removed.length;
  const m = added.length;
  const pairs = [];
  const plain = () => { for (let p = 0; p < Math.max(n, m); p++) pairs.push([p < n ? p : null, p < m ? p : null]); return pairs; };
  if (!n || !m || n > MAX_PAIRING || m > MAX_PAIRING || (n === m && removed.every((line, i) => similarLines(line, added[i])))) return plain();
  // The longest common subsequence where "common" is "similar".
  const best = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      best[i][j] = similarLines(removed[i], added[j]) ? best[i + 1][j + 1] + 1 : Math.max(best[i + 1][j], best[i][j + 1]);
    }
  }
  if (!best[0][0]) return plain();
  let i = 0;
  let j = 0;
  let pendingRemoved = [];
  let pendingAdded = [];
  const emitPending = () => {
    // Unmatched lines between two matches: still side by side where both sides have some.
    for (let p = 0; p < Math.max(pendingRemoved.length, pendingAdded.length); p++) pairs.push([pendingRemoved[p] ?? null, pendingAdded[p] ?? null]);
    pendingRemoved = [];
    pendingAdded = [];
  };
  while (i < n && j < m) {
    if (similarLines(removed[i], added[j]) && best[i][j] === best[i + 1][j + 1] + 1) { emitPending(); pairs.push([i, j]); i++; j++; }
    else if (best[i + 1][j] >= best[i][j + 1]) pendingRemoved.push(i++);
    else pendingAdded.push(j++);
  }
  while (i < n) pendingRemoved.push(i++);
  while (j < m) pendingAdded.push(j++);
  emitPending();
  return pairs;
}

/** Runs of unchanged rows longer than 2·context + 1 folded: [{fold: count, start}] in their place
 * (start: the index in `rows` of the first folded row). */
export function foldUnchanged(rows, context = 3) {
  const out = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i].kind !== "same") { out.push(rows[i]); i++; continue; }
    let end = i;
    while (end < rows.length && rows[end].kind === "same") end++;
    const keepHead = i === 0 ? 0 : context;
    const keepTail = end === rows.length ? 0 : context;
    if (end - i > keepHead + keepTail + 1) {
      for (let r = i; r < i + keepHead; r++) out.push(rows[r]);
      out.push({ fold: end - i - keepHead - keepTail, start: i + keepHead });
      for (let r = end - keepTail; r < end; r++) out.push(rows[r]);
    } else {
      for (let r = i; r < end; r++) out.push(rows[r]);
    }
    i = end;
  }
  return out;
}
