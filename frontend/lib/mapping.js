// Mappings of a service task (SPEC §4.4, §4.5), the same rules as the server's
// processes/mapping.py: the mapping type of an entry, the automatic rows (same names), what a
// change of implementation keeps, and the variable choices of a parameter (compatible types
// first, mismatches flagged). No DOM here.

export const MAPPING_LABELS = {
  DONT_MAP: "Don't map variables",
  MAP_VARIABLES: "Map variables",
  MAP_ALL: "Map all input and output variables",
  MAP_ALL_INPUTS: "Map all input variables",
  MAP_ALL_OUTPUTS: "Map all output variables",
};

export function mappingTypeOf(mapping) {
  if (!mapping) return "DONT_MAP";
  if (mapping.mappingType && !mapping.inputs && !mapping.outputs) return mapping.mappingType;
  const empty = !Object.keys(mapping.inputs || {}).length && !Object.keys(mapping.outputs || {}).length;
  if (empty && !mapping.mappingType) return "DONT_MAP";
  return "MAP_VARIABLES";
}

/** §4.5: each parameter whose name is a declared variable's name gets a variable row. */
export function automaticRows(action, variableNames) {
  const names = new Set(variableNames);
  const rows = { inputs: {}, outputs: {} };
  for (const p of action.inputs || []) if (names.has(p.name)) rows.inputs[p.name] = { type: "variable", value: p.name };
  for (const p of action.outputs || []) if (names.has(p.name)) rows.outputs[p.name] = { type: "variable", value: p.name };
  return rows;
}

/** The mapping entry of a task after its implementation becomes `action` (undefined: none). */
export function mappingAfterImplementation(mapping, action, variableNames, implementationChanged) {
  const automatic = automaticRows(action, variableNames);
  const hasRows = Object.keys(automatic.inputs).length || Object.keys(automatic.outputs).length;
  if (!mapping) return hasRows ? automatic : undefined;
  if (!implementationChanged || !(mapping.inputs || mapping.outputs)) return mapping;
  const inputs = {};
  const outputs = {};
  for (const [key, row] of Object.entries(mapping.inputs || {})) if ((action.inputs || []).some((p) => p.name === key)) inputs[key] = row;
  for (const [key, row] of Object.entries(mapping.outputs || {})) {
    if (row.type !== "variable" || (action.outputs || []).some((p) => p.name === row.value)) outputs[key] = row;
  }
  for (const [key, row] of Object.entries(automatic.inputs)) if (!(key in inputs)) inputs[key] = row;
  for (const [key, row] of Object.entries(automatic.outputs)) if (!(key in outputs)) outputs[key] = row;
  return Object.assign({ inputs, outputs }, mapping.mappingType ? { mappingType: mapping.mappingType } : {});
}

/** Whether a variable of `variableType` fits a parameter of `parameterType` (custom types: by name). */
export function compatible(variableType, parameterType) {
  return variableType === parameterType || (parameterType === "json" && variableType !== "file" && variableType !== "folder");
}

/** The choices of a variable picker for a parameter: every named variable, the compatible ones
 * first (each group in the variables' own order), the others flagged with the mismatch. */
export function variableChoices(variables, parameter) {
  const named = variables.filter((v) => v.name);
  const fit = named.filter((v) => compatible(v.type, parameter.type));
  const rest = named.filter((v) => !compatible(v.type, parameter.type));
  return [
    ...fit.map((v) => ({ name: v.name, type: v.type, mismatch: "" })),
    ...rest.map((v) => ({ name: v.name, type: v.type, mismatch: mismatchText(v, parameter) })),
  ];
}

export function mismatchText(variable, parameter) {
  if (!variable || compatible(variable.type, parameter.type)) return "";
  return `Type mismatch: variable '${variable.name}' (${variable.type}) mapped to parameter '${parameter.name}' (${parameter.type})`;
}
