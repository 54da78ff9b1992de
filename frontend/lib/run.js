// Test runs (SPEC §11) as the Run panel shows them, with no DOM: the values typed in the run form
// read by each variable's type (the server's rules, ./values.js), and a run's trace turned into
// the path to highlight on the canvas (what was passed, what is running now, what failed).

import { parseValue, valueText } from "./values.js";

export const RUN_END = ["COMPLETED", "FAILED", "TIMED_OUT"];
export const RUN_STATE_WORDS = { RUNNING: "Running", COMPLETED: "Completed", FAILED: "Failed", TIMED_OUT: "Timed out" };

/**
 * The variables of a run from the form. `declared`: the process variables ({name, type, required,
 * value}); `typed`: name → the text in its box (booleans: "", "true" or "false").
 * Returns {values, errors}: the values to send (an empty box without a default sends nothing; a
 * box emptied of its default sends "" for a string, null for the others), and name → what is wrong.
 */
export function runVariables(declared, typed) {
  const values = {};
  const errors = {};
  for (const variable of declared) {
    const name = variable.name;
    if (!name) continue;
    const text = typed[name] === undefined ? valueText(variable.value) : String(typed[name]);
    if (text === "") {
      if (variable.required) errors[name] = `${name} is required: give it a value.`;
      // A default the user emptied is cleared: "" for a string, no value (null) for the others.
      else if (valueText(variable.value) !== "") values[name] = variable.type === "string" ? "" : null;
      continue;
    }
    if (text.startsWith("${")) {
      errors[name] = "A run needs a value here, not an expression.";
      continue;
    }
    const read = parseValue(text, variable.type);
    if (read.error) errors[name] = read.error;
    else values[name] = read.value;
  }
  return { values, errors };
}

/**
 * The path of a run from its trace ([{event: "entered"|"left", elementId}], in order):
 * `passed` every element entered (in the order first entered), `current` those entered more times
 * than left (running now; several in parallel branches), `left` those left at least once.
 */
export function runPath(trace) {
  const entered = new Map();
  const left = new Map();
  for (const step of trace || []) {
    const counts = step.event === "entered" ? entered : step.event === "left" ? left : null;
    if (!counts || !step.elementId) continue;
    counts.set(step.elementId, (counts.get(step.elementId) || 0) + 1);
  }
  const current = [...entered.keys()].filter((id) => entered.get(id) > (left.get(id) || 0));
  return { passed: [...entered.keys()], current, left: [...left.keys()] };
}

/** The sequence flows a run took: those whose source was left and whose target was entered. */
export function flowsTaken(flows, path) {
  const left = new Set(path.left);
  const passed = new Set(path.passed);
  return flows.filter((flow) => left.has(flow.sourceId) && passed.has(flow.targetId)).map((flow) => flow.id);
}

/** A value of a run shown in one line: strings as they are, the rest as JSON, null as "(no value)". */
export function runValueText(value) {
  if (value === undefined || value === null) return "(no value)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The time between two ISO instants in words ("4 ms", "3.1 s", "2 min 5 s"); "" when unknown. */
export function durationText(fromIso, toIso) {
  const from = Date.parse(fromIso);
  const to = Date.parse(toIso);
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) return "";
  const seconds = (to - from) / 1000;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
