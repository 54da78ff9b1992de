// Problems of the server in a modeler's words: a connector schema problem names the action,
// the parameter and the field instead of a JSON path of ids (SPEC §7 "naming things by their
// names, not by ids"). No DOM here.

const UUIDISH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const FIELD_WORDS = { name: "name", type: "type", id: "id", required: "required", description: "description", value: "value", code: "code", secure: "secure" };

/** "Action 'getMovie', input 2 'movieName', field type" for "#/actions/<id>/inputs/1/type". */
export function connectorPathLabel(path, doc) {
  if (!path || path === "#") return "The connector";
  const parts = path.replace(/^#\/?/, "").split("/");
  const words = [];
  let node = doc;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    const parent = parts[i - 1];
    node = node && typeof node === "object" ? node[part] : undefined;
    if (parent === "actions" && parts[i - 1] === "actions") {
      const action = node || (doc && doc.actions && Object.values(doc.actions).find((a) => a && a.id === part));
      words.push(`action '${(action && action.name) || "(unnamed)"}'`);
    } else if ((parent === "inputs" || parent === "outputs") && /^\d+$/.test(part)) {
      const label = parent === "inputs" ? "input" : "output";
      words.push(`${label} ${Number(part) + 1}${node && node.name ? ` '${node.name}'` : ""}`);
    } else if ((parent === "config" || parent === "errors") && /^\d+$/.test(part)) {
      words.push(`${parent === "config" ? "connector variable" : "error"} ${Number(part) + 1}${node && node.name ? ` '${node.name}'` : ""}`);
    } else if (["actions", "inputs", "outputs", "config", "errors"].includes(part)) {
      continue;
    } else {
      words.push(`field '${FIELD_WORDS[part] || part}'`);
    }
  }
  const text = words.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plainMessage(message) {
  let m;
  if (/^expected minLength: 1, actual: 0$/.test(message)) return "must not be empty";
  if ((m = /^expected type: (\w+), found: (\w+)$/.exec(message))) return `must be ${m[1].toLowerCase() === "string" ? "text" : m[1].toLowerCase()}, not ${m[2].toLowerCase()}`;
  if ((m = /^extraneous key \[(.+)\] is not permitted$/.exec(message))) return `has a key '${m[1]}' that a connector cannot hold`;
  if ((m = /^required key \[(.+)\] not found$/.exec(message))) return `needs a ${m[1]}`;
  return message;
}

/** One connector problem as {text, path}: the path stays for marking the field. */
export function connectorProblemText(problem, doc) {
  const path = problem.referenceId && problem.referenceId.startsWith("#") ? problem.referenceId : "";
  if (path) return { text: `${connectorPathLabel(path, doc)}: ${plainMessage(problem.problem || "")}`, path };
  return { text: replaceIds(problem.description || problem.problem || "", doc), path: "" };
}

/** Ids of actions replaced by their names in free text. */
export function replaceIds(text, doc) {
  const actions = (doc && doc.actions) || {};
  return text.replace(UUIDISH, (id) => {
    const action = actions[id] || Object.values(actions).find((a) => a && a.id === id);
    return action && action.name ? `'${action.name}'` : id;
  });
}
