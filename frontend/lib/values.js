// A process variable's default value against its type (SPEC §4.4), the same rules as the
// server's processes/mapping.py: date YYYY-MM-DD, datetime ISO-8601, integer, boolean, json any,
// string; any type may hold an expression ${...}. No DOM here.

export const VARIABLE_TYPES = ["string", "integer", "boolean", "date", "datetime", "json", "file", "folder", "array"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EXPECTED = { date: "a date YYYY-MM-DD", datetime: "an ISO-8601 date-time (2024-01-31T12:00:00Z)",
  integer: "a whole number within ±9007199254740991", boolean: "true or false", array: "a JSON array", file: "a JSON object",
  folder: "a JSON object", json: "valid JSON", string: "text" };

function validDate(text) {
  if (!DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** What is wrong with `value` as a default of `type`, or "". */
export function valueProblem(value, type) {
  if (value === undefined || value === null || value === "") return "";
  if (typeof value === "string" && value.startsWith("${")) return /^\$\{.*\}$/s.test(value) ? "" : "An expression looks like ${…}.";
  const fits = {
    string: (v) => typeof v === "string",
    integer: (v) => Number.isSafeInteger(v), // beyond 2^53 a number is no longer exact in JSON
    boolean: (v) => typeof v === "boolean",
    date: (v) => typeof v === "string" && validDate(v),
    datetime: (v) => typeof v === "string" && DATETIME.test(v) && validDate(v.slice(0, 10)),
    json: (v) => v !== undefined,
    file: (v) => typeof v === "object",
    folder: (v) => typeof v === "object",
    array: (v) => Array.isArray(v),
  }[type];
  if (!fits || fits(value)) return "";
  return `Expected ${EXPECTED[type] || `a value of type ${type}`}.`;
}

/** The text typed in a default-value box read as `type`: {value} or {error} (nothing stored). */
export function parseValue(text, type) {
  if (text === "") return { value: "" };
  if (text.startsWith("${")) return valueProblem(text, type) ? { error: valueProblem(text, type) } : { value: text };
  let value = text;
  if (type === "integer") value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  else if (type === "boolean") value = text === "true" ? true : text === "false" ? false : text;
  else if (["json", "file", "folder", "array"].includes(type)) {
    try { value = JSON.parse(text); } catch (error) { return { error: `Not valid JSON: ${error.message}` }; }
  }
  const problem = valueProblem(value, type);
  return problem ? { error: problem } : { value };
}

/** The text shown in a default-value box for a stored value. */
export function valueText(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
