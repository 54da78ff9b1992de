// The process editor of the workspace: bpmn-js with bpmn-js-properties-panel and our provider,
// XML and extensions tabs (CodeMirror) and a History tab (../history.js) that replace the canvas,
// a Run panel under the canvas (./run-panel.js: test runs shown live on the diagram),
// and one save (BPMN + extensions, multipart, If-Match). Text edited in a tab is what Save sends,
// or Save refuses and says why.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import ExtensionsModule from "./extensions.js";
import ModelerPropertiesProvider from "./properties-provider.jsx";
import { codeEditor, jsonErrorPosition } from "../code-editor.js";
import { el, csrf, download } from "../../workspace/dom.js";
import { createHistoryPanel } from "../history.js";
import { createRunPanel } from "./run-panel.js";

const ProviderModule = { __init__: ["modelerPropertiesProvider"], modelerPropertiesProvider: ["type", ModelerPropertiesProvider] };

/** Orders `extensions`' variables like `previous` (the order the user made); new ones after. */
export function keepVariableOrder(extensions, previous) {
  for (const [processId, entry] of Object.entries(extensions || {})) {
    const before = previous && previous[processId] && previous[processId].properties;
    if (!before || !entry.properties) continue;
    const ordered = {};
    for (const key of Object.keys(before)) if (key in entry.properties) ordered[key] = entry.properties[key];
    for (const [key, value] of Object.entries(entry.properties)) if (!(key in ordered)) ordered[key] = value;
    entry.properties = ordered;
  }
  return extensions;
}

const SAVE_CONFLICT = "Someone else saved this process after you opened it. Your changes are still here and were not saved. ";

export async function createProcessEditor({ host, propsHost, data, workspace }) {
  performance.mark("modeler:editor-start");
  const canChange = data.canChange;
  const root = el("div", { class: "model-editor process-model-editor", "data-testid": "process-editor" });
  const tabs = el("div", { class: "tabs", role: "tablist", "aria-label": "Views of the process" });
  const panels = {};
  const tabButtons = {};
  for (const [key, label] of [["diagram", "Diagram"], ["xml", "XML"], ["extensions", "Extensions"], ["history", "History"]]) {
    tabButtons[key] = el("button", { type: "button", role: "tab", id: `tab-${data.modelId}-${key}`, "aria-selected": key === "diagram" ? "true" : "false",
      "aria-controls": `panel-${data.modelId}-${key}`, "data-tab": key, tabindex: key === "diagram" ? "0" : "-1", text: label });
    tabs.append(tabButtons[key]);
  }
  const tools = el("div", { class: "editor-tools" }, [
    el("button", { type: "button", "data-testid": "download-xml", text: "Download BPMN" }),
    el("button", { type: "button", "data-testid": "download-svg", text: "Download SVG" }),
  ]);
  const conflict = el("div", { class: "conflict", "data-testid": "conflict", hidden: true }, [
    SAVE_CONFLICT,
    el("button", { type: "button", "data-testid": "reload", text: "Load their version (discard mine)" }),
  ]);
  const errorBox = el("p", { class: "error", "data-testid": "editor-error", role: "alert", hidden: true });
  const canvasHost = el("div", { class: "canvas", "data-testid": "canvas", "aria-label": "BPMN diagram", role: "application" });
  panels.diagram = el("section", { class: "tab-panel diagram-panel", "data-panel": "diagram", role: "tabpanel", id: `panel-${data.modelId}-diagram`, "aria-labelledby": `tab-${data.modelId}-diagram` }, [el("div", { class: "canvas-wrap" }, [canvasHost])]);
  panels.xml = el("section", { class: "tab-panel code-panel", "data-panel": "xml", role: "tabpanel", hidden: true, id: `panel-${data.modelId}-xml`, "aria-labelledby": `tab-${data.modelId}-xml` }, [
    el("p", { class: "help", text: "The BPMN 2.0 XML of the diagram. Edit it, then apply it to the diagram or save it as it is." }),
  ]);
  panels.extensions = el("section", { class: "tab-panel code-panel", "data-panel": "extensions", role: "tabpanel", hidden: true, id: `panel-${data.modelId}-extensions`, "aria-labelledby": `tab-${data.modelId}-extensions` }, [
    el("p", { class: "help", text: `processes/${data.name}-extensions.json: process variables, mappings and constants (written on every save).` }),
  ]);
  const history = createHistoryPanel({ data, kind: "process", editor: () => api, workspace });
  panels.history = history.panel;
  root.append(el("div", { class: "editor-bar" }, [tabs, tools]), conflict, errorBox, panels.diagram, panels.xml, panels.extensions, panels.history);
  host.append(root);
  const propsRoot = el("div", { class: "props-root", "data-testid": "properties-panel-content" });
  propsHost.append(propsRoot);

  const state = { etag: data.etag, dirty: false, saving: false, tab: "diagram", xmlEdited: false, extensionsEdited: false, problems: data.problems || [] };
  const xmlEditor = codeEditor(panels.xml, { language: "xml", label: "BPMN XML", testid: "xml-text", readOnly: !canChange, onChange: () => { state.xmlEdited = true; markDirty(); } });
  const extensionsEditor = codeEditor(panels.extensions, { language: "json", label: "Process extensions JSON", testid: "extensions-text", readOnly: !canChange, onChange: () => { state.extensionsEdited = true; markDirty(); } });
  if (canChange) {
    panels.xml.append(el("p", {}, [el("button", { type: "button", "data-testid": "apply-xml", text: "Apply to the diagram", onclick: () => applyXml() })]));
    panels.extensions.append(el("p", {}, [el("button", { type: "button", "data-testid": "apply-extensions", text: "Apply", onclick: () => applyExtensions() })]));
  }

  const modeler = new BpmnModeler({
    container: canvasHost,
    propertiesPanel: { parent: propsRoot, layout: { groups: { general: { open: true }, "modeler-implementation": { open: true }, "modeler-mapping": { open: true }, "modeler-variables": { open: true } } } },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ExtensionsModule, ProviderModule, { modelerConfig: ["value", { canChange }] }],
  });
  const store = modeler.get("extensionsStore");
  const catalog = modeler.get("connectorCatalog");
  const canvas = modeler.get("canvas");
  const elementRegistry = modeler.get("elementRegistry");
  const selection = modeler.get("selection");
  store.load(data.extensions);
  const runs = canChange && data.runsUrl ? createRunPanel({ data, modeler, store, editor: () => api, workspace }) : null;
  if (runs) {
    tools.prepend(runs.button);
    panels.diagram.append(runs.panel);
  }

  function setState(name, text) {
    state.saveState = { name, text };
    workspace.saveStateChanged(api);
  }
  function markDirty() {
    if (!canChange || state.loading) return;
    state.dirty = true;
    setState("unsaved", "Unsaved changes");
  }
  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }
  function extensionsDocument() {
    return JSON.stringify({ id: `process-${data.modelId}`, name: data.name, type: "PROCESS", extensions: store.extensions }, null, 2);
  }
  async function fillTab(tab) {
    if (tab === "xml" && !state.xmlEdited) xmlEditor.text = (await modeler.saveXML({ format: true })).xml;
    if (tab === "extensions" && !state.extensionsEdited) extensionsEditor.text = extensionsDocument();
    if (tab === "history") history.show();
  }
  async function showTab(tab) {
    state.tab = tab;
    for (const [key, button] of Object.entries(tabButtons)) {
      button.setAttribute("aria-selected", String(key === tab));
      button.tabIndex = key === tab ? 0 : -1;
    }
    for (const [key, panel] of Object.entries(panels)) panel.hidden = key !== tab;
    // The properties edit the diagram: while a text tab replaces it, they are inert.
    propsRoot.inert = tab !== "diagram";
    await fillTab(tab);
    if (tab === "diagram") canvas.resized();
  }
  tabs.addEventListener("click", (event) => {
    const button = event.target.closest("[data-tab]");
    if (button) switchTab(button.dataset.tab);
  });
  tabs.addEventListener("keydown", (event) => {
    const order = ["diagram", "xml", "extensions", "history"];
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    const next = order[(order.indexOf(state.tab) + delta + order.length) % order.length];
    switchTab(next).then(() => tabButtons[next].focus());
  });
  // Leaving a tab whose text was edited applies it, or stays there and says why.
  async function switchTab(tab) {
    if (tab === state.tab) return;
    if (state.tab === "xml" && state.xmlEdited && !(await applyXml())) return;
    if (state.tab === "extensions" && state.extensionsEdited && !applyExtensions()) return;
    await showTab(tab);
  }

  async function applyXml() {
    try {
      const result = await modeler.importXML(xmlEditor.text);
      for (const warning of result.warnings || []) console.warn(warning.message);
    } catch (error) {
      const line = /line (\d+)/i.exec(error.message);
      xmlEditor.markError(line ? Number(line[1]) : 1, error.message);
      showError(`The XML cannot be read: ${error.message}`);
      return false;
    }
    state.xmlEdited = false;
    xmlEditor.clearError();
    showError("");
    markDirty();
    return true;
  }
  function applyExtensions() {
    const text = extensionsEditor.text;
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const { line, column } = jsonErrorPosition(error, text);
      extensionsEditor.markError(line, error.message, column);
      showError(`The extensions JSON cannot be read: ${error.message}`);
      return false;
    }
    const extensions = parsed && typeof parsed.extensions === "object" ? parsed.extensions : parsed;
    if (!extensions || typeof extensions !== "object" || Array.isArray(extensions)) {
      extensionsEditor.markError(1, "Expected an object");
      showError("The extensions JSON must be an object: {\"extensions\": {\"Process_…\": {…}}}.");
      return false;
    }
    const root = canvas.getRootElement();
    for (const processId of new Set([...Object.keys(store.extensions), ...Object.keys(extensions)])) {
      modeler.get("commandStack").execute("modeler.extensions.update", { processId, entry: extensions[processId], elements: [root] });
    }
    state.extensionsEdited = false;
    extensionsEditor.clearError();
    showError("");
    markDirty();
    return true;
  }

  async function save() {
    if (state.saving || !canChange) return;
    showError("");
    // Nothing changed since the last save or the opening: nothing is sent, no version is made
    // (bpmn-js writes the XML its own way, so re-sending would store different bytes).
    if (!state.dirty) { workspace.say(`Nothing to save: ${data.name} has no changes.`); return; }
    // Edited text is what is saved: applied first, or the save is refused with the reason.
    if (state.tab === "xml" && state.xmlEdited && !(await applyXml())) { setState("error", "Not saved: the XML cannot be read"); return; }
    if (state.tab === "extensions" && state.extensionsEdited && !applyExtensions()) { setState("error", "Not saved: the extensions JSON cannot be read"); return; }
    if (store.pendingErrors.size) {
      const [first] = store.pendingErrors.values();
      setState("error", "Not saved: fix the highlighted fields");
      showError(first);
      return;
    }
    state.saving = true;
    setState("saving", "Saving…");
    let response;
    const sentExtensions = JSON.parse(JSON.stringify(store.extensions));
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const form = new FormData();
      form.append("file", new Blob([xml], { type: "application/xml" }), `${data.name}.bpmn20.xml`);
      form.append("extensions", new Blob([JSON.stringify(sentExtensions)], { type: "application/json" }), `${data.name}-extensions.json`);
      response = await fetch(data.contentUrl, { method: "PUT", credentials: "same-origin", body: form, headers: { "If-Match": state.etag, "X-CSRFToken": csrf(), Accept: "application/json" } });
    } catch (error) {
      state.saving = false;
      setState("error", "Not saved: the server cannot be reached. Your changes are kept; try again.");
      return;
    }
    state.saving = false;
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      state.etag = response.headers.get("ETag");
      conflict.hidden = true;
      state.loading = true;
      store.load(keepVariableOrder(body.entry.extensions || {}, sentExtensions));
      state.loading = false;
      state.dirty = false;
      state.problems = body.problems || [];
      setState("saved", `Saved (version ${body.entry.version})`);
      refreshPanel();
      if (runs) runs.refresh();
      if (state.tab !== "diagram") { state.xmlEdited = false; state.extensionsEdited = false; await fillTab(state.tab); }
      workspace.problemsChanged(api, problemsInWords(state.problems));
      workspace.modelSaved(api, body.entry);
    } else if (response.status === 412) {
      setState("conflict", "Conflict: not saved");
      conflict.firstChild.textContent = SAVE_CONFLICT;
      conflict.hidden = false;
    } else {
      setState("error", `Not saved: ${body.message || response.status}`);
      showError(body.message || `The server answered ${response.status}.`);
      if (body.errors && body.errors.length) {
        const lined = body.errors.find((p) => /line (\d+)/.test(p.description || ""));
        if (lined && state.tab === "xml") xmlEditor.markError(Number(/line (\d+)/.exec(lined.description)[1]), lined.description);
        workspace.problemsChanged(api, problemsInWords(body.errors));
      }
    }
  }

  function refreshPanel() {
    const selected = selection.get();
    const element = selected.length === 1 ? selected[0] : canvas.getRootElement();
    modeler.get("eventBus").fire("elements.changed", { elements: [element] });
    markProblems();
  }
  // Problems name elements by their names where they have one ('look up' (Task_1)), not only ids.
  function problemsInWords(problems) {
    return problems.map((problem) => {
      const text = (problem.description || problem.problem || "").replace(/'([A-Za-z_][\w.-]*)'/g, (quoted, id) => {
        const element = elementRegistry.get(id);
        const name = element && element.businessObject && element.businessObject.name;
        return name ? `'${name}' (${id})` : quoted;
      });
      return Object.assign({}, problem, { text });
    });
  }
  let marked = [];
  function markProblems() {
    for (const id of marked) if (elementRegistry.get(id)) canvas.removeMarker(id, "has-problem");
    marked = [...new Set(state.problems.map((p) => p.referenceId).filter((id) => id && elementRegistry.get(id)))];
    for (const id of marked) canvas.addMarker(id, "has-problem");
  }

  tools.querySelector("[data-testid=download-xml]").addEventListener("click", async () => download(`${data.name}.bpmn20.xml`, (await modeler.saveXML({ format: true })).xml, "application/xml"));
  tools.querySelector("[data-testid=download-svg]").addEventListener("click", async () => download(`${data.name}.svg`, (await modeler.saveSVG()).svg, "image/svg+xml"));
  conflict.querySelector("[data-testid=reload]").addEventListener("click", () => workspace.reloadModel(api));
  modeler.on("commandStack.changed", () => markDirty());

  const api = {
    id: data.modelId,
    type: "PROCESS",
    get name() { return data.name; },
    get dirty() { return state.dirty; },
    get saveState() { return state.saveState; },
    get etag() { return state.etag; },
    get problems() { return problemsInWords(state.problems); },
    modeler,
    /** A restore refused with 412: the conflict box (with its reload button) and state. */
    conflicted(message) {
      conflict.firstChild.textContent = message;
      conflict.hidden = false;
      setState("conflict", "Conflict: not restored");
    },
    save,
    /** Back to the diagram (a text tab's edits applied first); false when the tab refused to go. */
    async showDiagram() { await switchTab("diagram"); return state.tab === "diagram"; },
    show() { root.hidden = false; propsRoot.hidden = false; if (state.tab === "diagram") canvas.resized(); },
    hide() { root.hidden = true; propsRoot.hidden = true; },
    destroy() { if (runs) runs.destroy(); modeler.destroy(); root.remove(); propsRoot.remove(); },
    selectElement(id) {
      const element = elementRegistry.get(id);
      if (!element) return false;
      if (state.tab !== "diagram") showTab("diagram");
      selection.select(element);
      canvas.scrollToElement(element, { top: 80, bottom: 80, left: 160, right: 80 }); // clear of the palette
      return true;
    },
    async refreshCatalog() { await catalog.load(data.implementationsUrl); refreshPanel(); },
  };

  state.loading = true;
  setState("loading", "Opening the diagram…");
  performance.mark("modeler:import-start");
  try {
    const [result] = await Promise.all([modeler.importXML(data.content), catalog.load(data.implementationsUrl)]);
    performance.mark("modeler:imported");
    for (const warning of result.warnings || []) console.warn(warning.message);
    canvas.zoom("fit-viewport");
    performance.mark("modeler:fitted");
  } catch (error) {
    state.loading = false;
    setState("error", "The diagram cannot be shown");
    showError(`The stored BPMN cannot be shown in the editor: ${error.message}. The XML tab holds it.`);
    xmlEditor.text = data.content;
    state.xmlEdited = true;
    await showTab("xml");
    return api;
  }
  state.loading = false;
  state.dirty = false;
  setState("saved", `Saved (version ${data.version})`);
  markProblems();
  return api;
}
