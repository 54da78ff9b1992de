// The process extensions (SPEC §4.4) the editor keeps beside the diagram, as a bpmn-js module:
// `extensionsStore` holds them; every change is a command on the diagram's command stack
// ('modeler.extensions.update', 'modeler.implementation.set'), so undo/redo covers variables
// and mappings like any diagram change, and the properties panel re-renders on them.
import CommandInterceptor from "diagram-js/lib/command/CommandInterceptor";
import { mappingAfterImplementation } from "../../lib/mapping.js";

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

export function processIdOf(element, definitions) {
  let bo = element && element.businessObject;
  if (bo && bo.$type === "bpmn:Participant") return bo.processRef ? bo.processRef.id : null;
  while (bo) {
    if (bo.$type === "bpmn:Process") return bo.id;
    bo = bo.$parent;
  }
  const process = definitions && (definitions.rootElements || []).find((r) => r.$type === "bpmn:Process");
  return process ? process.id : null;
}

export class ExtensionsStore {
  constructor() {
    this.extensions = {};
    this.pendingErrors = new Map(); // variable id → text of a default value not yet accepted
  }
  load(extensions) {
    this.extensions = clone(extensions || {});
  }
  /** A copy of a process's entry, with its three maps present. */
  entry(processId) {
    const entry = clone(this.extensions[processId]) || {};
    for (const key of ["properties", "mappings", "constants"]) entry[key] = entry[key] || {};
    return entry;
  }
  variables(processId) {
    return Object.values(this.entry(processId).properties);
  }
  raw(processId) {
    return clone(this.extensions[processId]);
  }
  set(processId, entry) {
    if (entry === undefined) delete this.extensions[processId];
    else this.extensions[processId] = clone(entry);
  }
}

class UpdateExtensionsHandler {
  constructor(store) {
    this._store = store;
  }
  execute(context) {
    context.oldEntry = this._store.raw(context.processId);
    this._store.set(context.processId, context.entry);
    return context.elements || [];
  }
  revert(context) {
    this._store.set(context.processId, context.oldEntry);
    return context.elements || [];
  }
}

// The implementation attribute and the mapping rows that follow it, as one undoable step.
class SetImplementationHandler extends UpdateExtensionsHandler {
  constructor(store, modeling, catalog) {
    super(store);
    this._modeling = modeling;
    this._catalog = catalog;
  }
  preExecute(context) {
    const { element, implementation, processId } = context;
    const previous = element.businessObject.get("implementation") || "";
    this._modeling.updateProperties(element, { implementation: implementation || undefined });
    const entry = this._store.entry(processId);
    const action = this._catalog.actions.get(implementation);
    if (action) {
      const names = Object.values(entry.properties).map((v) => v.name).filter(Boolean);
      const next = mappingAfterImplementation(entry.mappings[element.id], action, names, previous !== implementation && !!previous);
      if (next === undefined) delete entry.mappings[element.id];
      else entry.mappings[element.id] = next;
    }
    context.entry = entry;
    context.elements = [element];
  }
}

// Ids are the keys of mappings and constants (and of the process entry): they follow renames.
class IdFollower extends CommandInterceptor {
  constructor(eventBus, commandStack, store) {
    super(eventBus);
    this.postExecuted("element.updateProperties", (event) => {
      const { element, properties, oldProperties } = event.context;
      if (!properties || !("id" in properties) || !oldProperties || oldProperties.id === properties.id) return;
      const oldId = oldProperties.id;
      const newId = properties.id;
      const bo = element.businessObject;
      if (bo.$type === "bpmn:Process") {
        const entry = store.raw(oldId);
        if (!entry) return;
        commandStack.execute("modeler.extensions.update", { processId: oldId, entry: undefined, elements: [] });
        commandStack.execute("modeler.extensions.update", { processId: newId, entry, elements: [element] });
        return;
      }
      for (const processId of Object.keys(store.extensions)) {
        const entry = store.entry(processId);
        let moved = false;
        for (const key of ["mappings", "constants"]) {
          if (entry[key][oldId]) {
            entry[key][newId] = entry[key][oldId];
            delete entry[key][oldId];
            moved = true;
          }
        }
        if (moved) commandStack.execute("modeler.extensions.update", { processId, entry, elements: [element] });
      }
    });
  }
}
IdFollower.$inject = ["eventBus", "commandStack", "extensionsStore"];

export class ConnectorCatalog {
  constructor() {
    this.actions = new Map(); // implementation → {implementation, inputs, outputs}
    this.error = "";
  }
  async load(url) {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const body = await response.json();
      this.actions = new Map(body.list.entries.map(({ entry }) => [entry.implementation, entry]));
      this.error = "";
    } catch (error) {
      this.error = `The connector actions could not be loaded (${error.message}).`;
    }
  }
}

function registerCommands(commandStack, store, modeling, catalog) {
  commandStack.register("modeler.extensions.update", new UpdateExtensionsHandler(store));
  commandStack.register("modeler.implementation.set", new SetImplementationHandler(store, modeling, catalog));
  return true;
}
registerCommands.$inject = ["commandStack", "extensionsStore", "modeling", "connectorCatalog"];

export default {
  __init__: ["modelerExtensionCommands", "modelerIdFollower"],
  extensionsStore: ["type", ExtensionsStore],
  connectorCatalog: ["type", ConnectorCatalog],
  modelerExtensionCommands: ["factory", registerCommands],
  modelerIdFollower: ["type", IdFollower],
};
