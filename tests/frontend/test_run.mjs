// The Run panel's DOM-free logic (frontend/lib/run.js) under node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";
import { durationText, flowsTaken, runPath, runValueText, runVariables } from "../../frontend/lib/run.js";

const declared = [
  { name: "movieName", type: "string", required: true, value: "" },
  { name: "title", type: "string", required: false, value: "Untitled" },
  { name: "rating", type: "integer", required: false, value: 3 },
  { name: "approved", type: "boolean", required: false, value: "" },
  { name: "tags", type: "array", required: false, value: "" },
  { name: "due", type: "date", required: false, value: "" },
];

test("run variables: typed by the declared type; the defaults when untouched", () => {
  const { values, errors } = runVariables(declared, { movieName: "Alien", rating: "7", approved: "true", tags: '["a"]', due: "2026-11-28" });
  assert.deepEqual(errors, {});
  assert.deepEqual(values, { movieName: "Alien", title: "Untitled", rating: 7, approved: true, tags: ["a"], due: "2026-11-28" });
});

test("run variables: a required one empty, a wrong type, an expression and bad JSON are errors", () => {
  const { values, errors } = runVariables(declared, { movieName: "", rating: "seven", title: "${x}", tags: "[1", due: "2026-02-30" });
  assert.match(errors.movieName, /movieName is required/);
  assert.match(errors.rating, /whole number/);
  assert.match(errors.title, /not an expression/);
  assert.match(errors.tags, /Not valid JSON/);
  assert.match(errors.due, /date YYYY-MM-DD/);
  assert.deepEqual(values, {});
});

test("run variables: an empty box without a default sends nothing; one emptied of its default clears it", () => {
  const { values, errors } = runVariables(declared, { movieName: "Alien", title: "", rating: "", approved: "" });
  assert.deepEqual(errors, {});
  assert.deepEqual(values, { movieName: "Alien", title: "", rating: null });
});

test("run variables: an integer beyond what JSON keeps exactly is refused, not rounded", () => {
  const { values, errors } = runVariables(declared, { movieName: "Alien", rating: "99999999999999999999" });
  assert.match(errors.rating, /whole number within/);
  assert.equal(values.rating, undefined);
  assert.equal(runVariables(declared, { movieName: "A", rating: "9007199254740991" }).values.rating, 9007199254740991);
});

test("run path: passed in order, current = entered and not left (loops and parallel branches)", () => {
  const trace = [
    { event: "entered", elementId: "Start" }, { event: "left", elementId: "Start" },
    { event: "entered", elementId: "Split" }, { event: "left", elementId: "Split" },
    { event: "entered", elementId: "A" }, { event: "entered", elementId: "B" }, { event: "left", elementId: "A" },
    { event: "entered", elementId: "A" },
  ];
  const path = runPath(trace);
  assert.deepEqual(path.passed, ["Start", "Split", "A", "B"]);
  assert.deepEqual(path.current, ["A", "B"]);
  assert.deepEqual(path.left, ["Start", "Split", "A"]);
  assert.deepEqual(runPath(undefined), { passed: [], current: [], left: [] });
});

test("flows taken: source left and target entered; the branch not taken is not", () => {
  const path = runPath([
    { event: "entered", elementId: "G" }, { event: "left", elementId: "G" }, { event: "entered", elementId: "Yes" },
  ]);
  const flows = [{ id: "F_yes", sourceId: "G", targetId: "Yes" }, { id: "F_no", sourceId: "G", targetId: "No" }, { id: "F_on", sourceId: "Yes", targetId: "E" }];
  assert.deepEqual(flowsTaken(flows, path), ["F_yes"]);
});

test("values and durations in words", () => {
  assert.equal(runValueText("Alien"), "Alien");
  assert.equal(runValueText(7), "7");
  assert.equal(runValueText({ a: [1] }), '{"a":[1]}');
  assert.equal(runValueText(null), "(no value)");
  assert.equal(durationText("2026-11-28T10:00:00.000Z", "2026-11-28T10:00:00.420Z"), "420 ms");
  assert.equal(durationText("2026-11-28T10:00:00Z", "2026-11-28T10:00:03.140Z"), "3.1 s");
  assert.equal(durationText("2026-11-28T10:00:00Z", "2026-11-28T10:02:05Z"), "2 min 5 s");
  assert.equal(durationText("x", "2026-11-28T10:00:00Z"), "");
});
