// Name rules of SPEC §3, the same as the server's (projects/names.py): model names are DNS-1035
// labels of at most 26 characters; process variable names are identifiers, unique, not reserved.
// No DOM here: tested by tests/frontend with node's test runner.

export const MODEL_NAME_MAX = 26;
export const MODEL_NAME = /^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$/;
// The `pattern` attribute is compiled with the `v` flag, where '-' in a class must be escaped.
export const MODEL_NAME_PATTERN = "[a-z](?:[a-z0-9\\-]{0,24}[a-z0-9])?";
export const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
export const RESERVED_VARIABLE_NAMES = ["nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances", "loopCounter"];

/** What is wrong with a model (project, connector, process) name, or "" when it is fine. */
export function modelNameProblem(name) {
  if (!name) return "Enter a name.";
  if (name.length > MODEL_NAME_MAX) return `The name length cannot be greater than ${MODEL_NAME_MAX} (it has ${name.length} characters).`;
  if (/[A-Z]/.test(name)) return "Use lower-case letters only.";
  if (!/^[a-z]/.test(name)) return "The name must start with a lower-case letter.";
  if (name.endsWith("-")) return "The name cannot end with '-'.";
  if (!MODEL_NAME.test(name)) return "The name is not a valid DNS name: use lower-case letters, digits and '-'.";
  return "";
}

/** What is wrong with a process variable's name among `otherNames`, or "". An empty name is
 * only a problem once the user has left the field (`touched`). */
export function variableNameProblem(name, otherNames = [], touched = true) {
  if (!name) return touched ? "Enter a name." : "";
  if (!VARIABLE_NAME.test(name)) return "The name starts with a letter and holds letters, digits and '_'.";
  if (RESERVED_VARIABLE_NAMES.includes(name)) return `'${name}' is reserved.`;
  if (otherNames.includes(name)) return `Another variable is named '${name}'.`;
  return "";
}
