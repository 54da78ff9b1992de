// Node's test runner over the DOM-free modules of frontend/lib (run by `npm test` and by
// tests/frontend/test_node.py in the pytest suite).
import assert from "node:assert/strict";
import { test } from "node:test";
import { modelNameProblem, variableNameProblem, MODEL_NAME_PATTERN } from "../../frontend/lib/names.js";
import { parseValue, valueProblem, valueText } from "../../frontend/lib/values.js";
import { automaticRows, mappingAfterImplementation, mappingTypeOf, variableChoices, mismatchText } from "../../frontend/lib/mapping.js";
import { connectorProblemText, replaceIds } from "../../frontend/lib/problems.js";

test("model names: DNS labels of at most 26, the length said as such", () => {
  assert.equal(modelNameProblem("movies"), "");
  assert.equal(modelNameProblem("a".repeat(26)), "");
  assert.match(modelNameProblem("a".repeat(27)), /cannot be greater than 26/);
  assert.match(modelNameProblem("Movies"), /lower-case/);
  assert.match(modelNameProblem("movies-"), /cannot end with '-'/);
  assert.match(modelNameProblem("9lives"), /start with a lower-case letter/);
  assert.match(modelNameProblem("mo_vies"), /not a valid DNS name/);
  assert.match(modelNameProblem(""), /Enter a name/);
});

test("the pattern attribute compiles with the v flag (as Chromium does) and agrees with the rule", () => {
  const pattern = new RegExp(`^(?:${MODEL_NAME_PATTERN})$`, "v");
  for (const name of ["movies", "a", "a-b-9", "a".repeat(26)]) assert.ok(pattern.test(name), name);
  for (const name of ["Movies", "a-", "-a", "a_b", "a".repeat(27)]) assert.ok(!pattern.test(name), name);
  assert.throws(() => new RegExp("^(?:[a-z]([-a-z0-9]{0,24}[a-z0-9])?)$", "v"));
});

test("variable names: rule, reserved, duplicates; an untouched empty name is not an error", () => {
  assert.equal(variableNameProblem("", [], false), "");
  assert.match(variableNameProblem("", [], true), /Enter a name/);
  assert.match(variableNameProblem("1x"), /starts with a letter/);
  assert.match(variableNameProblem("loopCounter"), /reserved/);
  assert.match(variableNameProblem("movie", ["movie"]), /Another variable/);
  assert.equal(variableNameProblem("movie_2", ["movie"]), "");
});

test("default values against their type; an invalid JSON default is refused", () => {
  assert.deepEqual(parseValue("42", "integer"), { value: 42 });
  assert.match(parseValue("4.2", "integer").error, /whole number/);
  assert.deepEqual(parseValue("true", "boolean"), { value: true });
  assert.match(parseValue("{bad", "json").error, /Not valid JSON/);
  assert.deepEqual(parseValue('{"a": 1}', "json"), { value: { a: 1 } });
  assert.match(parseValue("2024-02-30", "date").error, /YYYY-MM-DD/);
  assert.deepEqual(parseValue("2024-02-29", "date"), { value: "2024-02-29" });
  assert.deepEqual(parseValue("${x + 1}", "integer"), { value: "${x + 1}" });
  assert.match(parseValue("{}", "array").error, /array/);
  assert.equal(valueProblem("2024-01-31T12:00:00Z", "datetime"), "");
  assert.equal(valueText({ a: 1 }), '{"a":1}');
});

test("mappings: automatic rows, type, what a new implementation keeps", () => {
  const action = { inputs: [{ name: "movieName", type: "string" }], outputs: [{ name: "movieDescription", type: "string" }] };
  assert.deepEqual(automaticRows(action, ["movieName"]), { inputs: { movieName: { type: "variable", value: "movieName" } }, outputs: {} });
  assert.equal(mappingTypeOf(undefined), "DONT_MAP");
  assert.equal(mappingTypeOf({ inputs: {}, outputs: {} }), "DONT_MAP");
  assert.equal(mappingTypeOf({ mappingType: "MAP_ALL" }), "MAP_ALL");
  assert.equal(mappingTypeOf({ inputs: { a: { type: "value", value: 1 } } }), "MAP_VARIABLES");
  const old = { inputs: { gone: { type: "value", value: "x" } }, outputs: {} };
  assert.deepEqual(mappingAfterImplementation(old, action, ["movieName", "movieDescription"], true), {
    inputs: { movieName: { type: "variable", value: "movieName" } },
    outputs: { movieDescription: { type: "variable", value: "movieDescription" } },
  });
  assert.equal(mappingAfterImplementation(old, action, [], false), old);
});

test("variable choices: every variable, compatible types first in their own order, mismatches flagged", () => {
  const variables = [{ name: "count", type: "integer" }, { name: "title", type: "string" }, { name: "", type: "string" }, { name: "other", type: "string" }];
  const choices = variableChoices(variables, { name: "movieName", type: "string" });
  assert.deepEqual(choices.map((c) => c.name), ["title", "other", "count"]);
  assert.equal(choices[0].mismatch, "");
  assert.match(choices[2].mismatch, /Type mismatch: variable 'count' \(integer\) mapped to parameter 'movieName' \(string\)/);
  assert.equal(mismatchText({ name: "t", type: "string" }, { name: "p", type: "string" }), "");
});

test("connector problems name the action, the parameter and the field, not the JSON path", () => {
  const doc = { name: "movies", actions: { "a1b2c3d4-0000-0000-0000-000000000001": { id: "a1b2c3d4-0000-0000-0000-000000000001", name: "getMovie", inputs: [{ id: "x", name: "movieName", type: 5 }] } } };
  const { text, path } = connectorProblemText({ problem: "expected type: String, found: Integer", referenceId: "#/actions/a1b2c3d4-0000-0000-0000-000000000001/inputs/0/type" }, doc);
  assert.equal(text, "Action 'getMovie', input 1 'movieName', field 'type': must be text, not integer");
  assert.equal(path, "#/actions/a1b2c3d4-0000-0000-0000-000000000001/inputs/0/type");
  assert.equal(connectorProblemText({ problem: "extraneous key [icon] is not permitted", referenceId: "#" }, doc).text, "The connector: has a key 'icon' that a connector cannot hold");
  assert.equal(replaceIds("Duplicate in a1b2c3d4-0000-0000-0000-000000000001", doc), "Duplicate in 'getMovie'");
  assert.doesNotMatch(text, /[0-9a-f]{8}-/);
});
