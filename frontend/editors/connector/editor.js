// The connector editor of the workspace: a form over the connector JSON (SPEC §4.2) — actions,
// typed inputs/outputs (the type chosen from a list, or an explicit custom type), connector
// variables, errors — a JSON tab (CodeMirror) and a History tab (../history.js). Save sends the
// text with If-Match; problems are shown on their field and in words (names, not JSON paths and ids).
import { codeEditor, jsonErrorPosition } from "../code-editor.js";
import { el, csrf } from "../../workspace/dom.js";
import { modelNameProblem } from "../../lib/names.js";
import { connectorProblemText } from "../../lib/problems.js";
import { createHistoryPanel } from "../history.js";

const CUSTOM = "__custom__";
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

const SAVE_CONFLICT = "Someone else saved this connector after you opened it. Your changes are still here and were not saved. ";

export async function createConnectorEditor({ host, propsHost, data, workspace, parameterTypes }) {
  const canChange = data.canChange;
  const state = { doc: JSON.parse(data.content.replace(/^\uFEFF/, "")), storedText: data.content, etag: data.etag, dirty: false, tab: "form", jsonEdited: false, problems: data.problems || [] };
  const root = el("div", { class: "model-editor connector-editor", "data-testid": "connector-editor" });
  const tabButtons = {
    form: el("button", { type: "button", role: "tab", "data-tab": "form", id: `tab-${data.modelId}-form`, "aria-controls": `panel-${data.modelId}-form`, "aria-selected": "true", text: "Form" }),
    json: el("button", { type: "button", role: "tab", "data-tab": "json", id: `tab-${data.modelId}-json`, "aria-controls": `panel-${data.modelId}-json`, "aria-selected": "false", tabindex: "-1", text: "JSON" }),

    history: el("button", { type: "button", role: "tab", "data-tab": "history", id: `tab-${data.modelId}-history`, "aria-controls": `panel-${data.modelId}-history`, "aria-selected": "false", tabindex: "-1", text: "History" }),
  };
  const tabs = el("div", { class: "tabs", role: "tablist", "aria-label": "Views of the connector" }, Object.values(tabButtons));
  const conflict = el("div", { class: "conflict", "data-testid": "conflict", hidden: true }, [
    SAVE_CONFLICT,
    el("button", { type: "button", "data-testid": "reload", text: "Load their version (discard mine)", onclick: () => workspace.reloadModel(api) }),
  ]);
  const nameInput = el("input", { type: "text", id: `connector-name-${data.modelId}`, "data-testid": "connector-name", readonly: true, "aria-describedby": `connector-name-help-${data.modelId}` });
  const descriptionInput = el("input", { type: "text", id: `connector-description-${data.modelId}`, "data-testid": "connector-description", disabled: !canChange });
  const actionsBox = el("div", { "data-testid": "actions" });
  const configBody = el("tbody");
  const errorsBody = el("tbody");
  const formPanel = el("section", { class: "tab-panel form-panel", "data-panel": "form", role: "tabpanel", id: `panel-${data.modelId}-form`, "aria-labelledby": `tab-${data.modelId}-form` }, [
    el("div", { class: "grid2" }, [
      el("div", {}, [
        el("label", { for: `connector-name-${data.modelId}`, text: "Connector name" }),
        el("div", { class: "row-form" }, [nameInput, canChange ? el("button", { type: "button", "data-testid": "rename-connector", text: "Rename…", onclick: () => workspace.renameModel(data.modelId) }) : null]),
        el("p", { class: "help", id: `connector-name-help-${data.modelId}`, text: "Renaming says which processes use the connector and can update them." }),
      ]),
      el("div", {}, [el("label", { for: `connector-description-${data.modelId}`, text: "Description" }), descriptionInput]),
    ]),
    el("div", { class: "row-form scaffold" }, [
      el("a", { class: "button", href: `${data.modelUrl}/scaffold`, download: "", "data-testid": "download-scaffold", text: "Download connector project" }),
      el("p", { class: "help", text: "A Python project for the connector image, from the saved definition: a handler per action, its tests, a Dockerfile and a README (step 1)." }),
    ]),
    el("h2", { text: "Actions" }),
    actionsBox,
    canChange ? el("button", { type: "button", "data-testid": "add-action", text: "Add action", onclick: addAction }) : null,
    el("h2", { text: "Connector variables" }),
    el("p", { class: "help", text: "Environment of the connector image at deployment. A secure value is never stored in the project: it is entered when deploying." }),
    el("table", { class: "grid", "data-testid": "config" }, [el("thead", {}, [el("tr", {}, ["Name", "Description", "Default value", "Required", "Secure", "Actions"].map((h) => el("th", { scope: "col", text: h })))]), configBody]),
    canChange ? el("button", { type: "button", "data-testid": "add-config", text: "Add variable", onclick: () => { (state.doc.config = state.doc.config || []).push({ name: "", required: false, secure: false }); changed(); renderForm(); } }) : null,
    el("h2", { text: "Errors" }),
    el("table", { class: "grid", "data-testid": "errors" }, [el("thead", {}, [el("tr", {}, ["Name", "Code", "Description", "Actions"].map((h) => el("th", { scope: "col", text: h })))]), errorsBody]),
    canChange ? el("button", { type: "button", "data-testid": "add-error", text: "Add error", onclick: () => { (state.doc.errors = state.doc.errors || []).push({ name: "" }); changed(); renderForm(); } }) : null,
  ]);
  const jsonError = el("p", { class: "error", "data-testid": "json-error", role: "alert", hidden: true });
  const jsonPanel = el("section", { class: "tab-panel code-panel", "data-panel": "json", role: "tabpanel", hidden: true, id: `panel-${data.modelId}-json`, "aria-labelledby": `tab-${data.modelId}-json` }, [jsonError]);
  const history = createHistoryPanel({ data, kind: "connector", editor: () => api, workspace });
  root.append(el("div", { class: "editor-bar" }, [tabs]), conflict, formPanel, jsonPanel, history.panel);
  host.append(root);
  const jsonEditor = codeEditor(jsonPanel, { language: "json", label: "Connector JSON", testid: "json-text", readOnly: !canChange, onChange: () => { state.jsonEdited = true; changed(); } });
  // The properties panel of a connector: what it is and where it is used.
  const propsRoot = el("div", { class: "props-root connector-props", "data-testid": "properties-panel-content" });
  propsHost.append(propsRoot);

  function setState(name, text) { state.saveState = { name, text }; workspace.saveStateChanged(api); }
  function changed() { if (!canChange) return; state.dirty = true; setState("unsaved", "Unsaved changes"); }

  function input(obj, key, attrs = {}) {
    const { optional, ...rest } = attrs;
    return el("input", Object.assign({ type: "text", value: obj[key] ?? "", disabled: !canChange, oninput: (event) => {
      if (event.target.value === "" && optional) delete obj[key]; else obj[key] = event.target.value;
      changed();
    } }, rest));
  }
  function checkbox(obj, key, attrs = {}, after) {
    return el("input", Object.assign({ type: "checkbox", checked: !!obj[key], disabled: !canChange, onchange: (event) => { obj[key] = event.target.checked; changed(); if (after) after(); } }, attrs));
  }
  function typePicker(parameter, label, path) {
    const known = parameterTypes.includes(parameter.type);
    const select = el("select", { "aria-label": `${label}: type`, "data-testid": "param-type", "data-path": path, disabled: !canChange });
    for (const type of parameterTypes) select.append(el("option", { value: type, text: type, selected: type === parameter.type }));
    select.append(el("option", { value: CUSTOM, text: "Custom type…", selected: !known }));
    const custom = el("input", { type: "text", "aria-label": `${label}: custom type`, "data-testid": "param-custom-type", value: known ? "" : parameter.type || "", hidden: known, disabled: !canChange,
      placeholder: "custom type name", oninput: (event) => { parameter.type = event.target.value; changed(); } });
    select.addEventListener("change", () => {
      if (select.value === CUSTOM) { custom.hidden = false; parameter.type = custom.value; custom.focus(); }
      else { custom.hidden = true; parameter.type = select.value; }
      changed();
    });
    return el("div", { class: "type-picker" }, [select, custom]);
  }
  function parameterRow(list, index, direction, action, actionKey) {
    const parameter = list[index];
    const label = `${direction} ${index + 1} of ${action.name || "the action"}`;
    const path = `#/actions/${actionKey}/${direction}s/${index}`;
    return el("tr", { "data-testid": `${direction}-row` }, [
      el("td", {}, [input(parameter, "name", { "aria-label": `${label}: name`, "data-testid": "param-name", "data-path": `${path}/name` })]),
      el("td", {}, [typePicker(parameter, label, `${path}/type`)]),
      el("td", {}, [checkbox(parameter, "required", { "aria-label": `${label}: required`, "data-testid": "param-required" })]),
      el("td", {}, [input(parameter, "description", { optional: true, "aria-label": `${label}: description` })]),
      el("td", {}, [canChange ? el("button", { type: "button", class: "link danger", text: "Remove", "aria-label": `Remove ${label}`, onclick: () => { list.splice(index, 1); changed(); renderForm(); } }) : null]),
    ]);
  }
  function parameterTable(action, actionKey, direction) {
    action[direction] = action[direction] || [];
    const list = action[direction];
    const single = direction.slice(0, -1);
    return el("div", { "data-testid": direction }, [
      el("h3", { text: direction === "inputs" ? "Inputs (process → connector)" : "Outputs (connector → process)" }),
      el("table", { class: "grid" }, [
        el("thead", {}, [el("tr", {}, ["Name", "Type", "Required", "Description", "Actions"].map((h) => el("th", { scope: "col", text: h })))]),
        el("tbody", {}, list.map((_, i) => parameterRow(list, i, single, action, actionKey))),
      ]),
      canChange ? el("button", { type: "button", "data-testid": `add-${single}`, text: direction === "inputs" ? "Add input" : "Add output", onclick: () => {
        list.push({ id: uuid(), name: "", type: "string", required: false });
        changed(); renderForm();
        const rows = root.querySelector(`[data-action-key="${actionKey}"] [data-testid=${direction}] tbody`).rows;
        rows[rows.length - 1].querySelector("input").focus();
      } }) : null,
    ]);
  }
  function renderActions() {
    const doc = state.doc;
    doc.actions = doc.actions || {};
    const keys = Object.keys(doc.actions);
    actionsBox.replaceChildren(...keys.map((key, index) => {
      const action = doc.actions[key];
      const reorder = (delta) => {
        const target = index + delta;
        if (target < 0 || target >= keys.length) return;
        [keys[index], keys[target]] = [keys[target], keys[index]];
        const reordered = {};
        for (const k of keys) reordered[k] = doc.actions[k];
        doc.actions = reordered; changed(); renderForm();
      };
      return el("div", { class: "action", "data-testid": "action", "data-action-key": key }, [
        el("div", { class: "action-head" }, [
          el("label", { text: "Action name " }, [input(action, "name", { "data-testid": "action-name", "data-path": `#/actions/${key}/name` })]),
          el("label", { text: "Description " }, [input(action, "description", { optional: true })]),
          canChange ? el("button", { type: "button", text: "↑", title: "Move up", "aria-label": `Move ${action.name || "action"} up`, onclick: () => reorder(-1) }) : null,
          canChange ? el("button", { type: "button", text: "↓", title: "Move down", "aria-label": `Move ${action.name || "action"} down`, onclick: () => reorder(1) }) : null,
          canChange ? el("button", { type: "button", class: "danger", text: "Remove action", onclick: () => {
            if (!window.confirm(`Remove action '${action.name}'?`)) return;
            delete doc.actions[key]; changed(); renderForm();
          } }) : null,
        ]),
        parameterTable(action, key, "inputs"),
        parameterTable(action, key, "outputs"),
      ]);
    }));
    if (!keys.length) actionsBox.append(el("p", { class: "empty", text: "No actions yet." }));
  }
  function renderConfig() {
    const list = state.doc.config || [];
    configBody.replaceChildren(...list.map((item, index) => el("tr", { "data-testid": "config-row" }, [
      el("td", {}, [input(item, "name", { "aria-label": `Variable ${index + 1}: name`, "data-testid": "config-name", "data-path": `#/config/${index}/name` })]),
      el("td", {}, [input(item, "description", { optional: true, "aria-label": `Variable ${index + 1}: description` })]),
      el("td", {}, [input(item, "value", { optional: true, "aria-label": `Variable ${index + 1}: default value`, disabled: !canChange || !!item.secure, placeholder: item.secure ? "entered at deployment" : "" })]),
      el("td", {}, [checkbox(item, "required", { "aria-label": `Variable ${index + 1}: required` })]),
      el("td", {}, [checkbox(item, "secure", { "aria-label": `Variable ${index + 1}: secure`, "data-testid": "config-secure" }, () => { if (item.secure) delete item.value; renderConfig(); })]),
      el("td", {}, [canChange ? el("button", { type: "button", class: "link danger", text: "Remove", "aria-label": `Remove variable ${index + 1}`, onclick: () => { list.splice(index, 1); changed(); renderForm(); } }) : null]),
    ])));
  }
  function renderErrors() {
    const list = state.doc.errors || [];
    errorsBody.replaceChildren(...list.map((item, index) => el("tr", {}, [
      el("td", {}, [input(item, "name", { "aria-label": `Error ${index + 1}: name`, "data-path": `#/errors/${index}/name` })]),
      el("td", {}, [input(item, "code", { optional: true, "aria-label": `Error ${index + 1}: code` })]),
      el("td", {}, [input(item, "description", { optional: true, "aria-label": `Error ${index + 1}: description` })]),
      el("td", {}, [canChange ? el("button", { type: "button", class: "link danger", text: "Remove", "aria-label": `Remove error ${index + 1}`, onclick: () => { list.splice(index, 1); changed(); renderForm(); } }) : null]),
    ])));
  }
  function renderForm() {
    nameInput.value = state.doc.name ?? "";
    descriptionInput.value = state.doc.description ?? "";
    renderActions(); renderConfig(); renderErrors();
    markFields();
  }
  function renderProps(usages) {
    propsRoot.replaceChildren(
      el("h2", { class: "props-title", text: "Connector" }),
      el("dl", { class: "facts" }, [
        el("dt", { text: "Name" }), el("dd", { text: data.name }),
        el("dt", { text: "Version" }), el("dd", { text: data.version }),
        el("dt", { text: "Actions" }), el("dd", { text: String(Object.keys(state.doc.actions || {}).length) }),
      ]),
      el("h3", { text: "Used by" }),
      usages === undefined ? el("p", { class: "help", text: "…" }) : usages.length
        ? el("ul", { class: "plain", "data-testid": "connector-usages" }, usages.map((u) => el("li", {}, [
          el("a", { href: workspace.modelUrl(u.modelId), text: u.modelName, onclick: (event) => { event.preventDefault(); workspace.open(u.modelId); } }),
          `: ${u.tasks.map((t) => (t.name ? `'${t.name}' (${t.implementation})` : `${t.id} (${t.implementation})`)).join(", ")}`,
        ])))
        : el("p", { class: "help", text: "No process uses this connector yet." }),
    );
  }
  descriptionInput.addEventListener("input", () => { state.doc.description = descriptionInput.value; changed(); });

  function addAction() {
    const id = uuid();
    state.doc.actions = state.doc.actions || {};
    state.doc.actions[id] = { id, name: "", inputs: [], outputs: [] };
    changed(); renderForm();
    root.querySelector(`[data-action-key="${id}"] [data-testid=action-name]`).focus();
  }

  // Problems: on their field (aria-invalid + the text under it) and, in words, in the problems panel.
  function shownDocument() {
    if (state.tab !== "json") return state.doc;
    try { return JSON.parse(jsonEditor.text); } catch (error) { return state.doc; }
  }
  function problemsInWords(problems) {
    const doc = shownDocument();
    return problems.map((p) => {
      const { text, path } = connectorProblemText(p, doc);
      return Object.assign({}, p, { text, path });
    });
  }
  function markFields() {
    for (const node of root.querySelectorAll("[aria-invalid=true]")) node.removeAttribute("aria-invalid");
    for (const node of root.querySelectorAll(".field-error.inline-problem")) node.remove();
    for (const p of problemsInWords(state.problems)) {
      if (!p.path) continue;
      const field = root.querySelector(`[data-path="${CSS.escape(p.path)}"]`);
      if (!field) continue;
      field.setAttribute("aria-invalid", "true");
      field.closest("td, label, div").append(el("span", { class: "field-error inline-problem", text: p.text.split(": ").slice(-1)[0] }));
    }
  }
  function setProblems(problems) {
    state.problems = problems;
    markFields();
    workspace.problemsChanged(api, problemsInWords(problems));
  }

  function currentText() {
    if (state.tab === "json") return jsonEditor.text;
    return state.dirty ? `${JSON.stringify(state.doc, null, 2)}\n` : state.storedText;
  }
  function showJsonError(text, error) {
    jsonError.textContent = text;
    jsonError.hidden = !text;
    if (error) { const { line, column } = jsonErrorPosition(error, jsonEditor.text); jsonEditor.markError(line, error.message, column); }
  }
  async function showTab(tab) {
    if (tab === state.tab) return;
    // Leaving the JSON tab reads its text back into the document (or stays there and says why).
    if (state.tab === "json") {
      try { state.doc = JSON.parse(jsonEditor.text); }
      catch (error) { showJsonError(`The JSON cannot be read: ${error.message}. Fix it before leaving the JSON tab.`, error); return; }
    }
    if (tab === "form") renderForm();
    if (tab === "json") {
      jsonEditor.text = currentText();
      state.jsonEdited = false;
    }
    showJsonError("");
    state.tab = tab;
    for (const [key, button] of Object.entries(tabButtons)) { button.setAttribute("aria-selected", String(key === tab)); button.tabIndex = key === tab ? 0 : -1; }
    formPanel.hidden = tab !== "form";
    jsonPanel.hidden = tab !== "json";
    history.panel.hidden = tab !== "history";
    if (tab === "history") history.show();
  }
  tabs.addEventListener("click", (event) => { const b = event.target.closest("[data-tab]"); if (b) showTab(b.dataset.tab); });
  tabs.addEventListener("keydown", (event) => {
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    const order = ["form", "json", "history"];
    const next = order[(order.indexOf(state.tab) + delta + order.length) % order.length];
    showTab(next).then(() => tabButtons[next].focus());
  });

  async function save() {
    if (!canChange || state.saving) return;
    if (!state.dirty) { workspace.say(`Nothing to save: ${data.name} has no changes.`); return; }
    const text = currentText();
    let parsed;
    try { parsed = JSON.parse(text); }
    catch (error) { showJsonError(`The JSON cannot be read: ${error.message}`, error); setState("error", "Not saved: invalid JSON"); return; }
    if (parsed && typeof parsed.name === "string" && parsed.name !== data.name) {
      const problem = modelNameProblem(parsed.name);
      if (problem) { setState("error", `Not saved: ${problem}`); showJsonError(`Connector name: ${problem}`); return; }
      // A rename goes through the rename dialog: it says which processes use the connector.
      if (!(await workspace.renameModel(data.modelId, parsed.name))) { setState("unsaved", "Unsaved changes (the rename was cancelled)"); return; }
    }
    state.saving = true;
    setState("saving", "Saving…");
    let response;
    try {
      response = await fetch(data.contentUrl, { method: "PUT", credentials: "same-origin", body: text,
        headers: { "Content-Type": "application/json", Accept: "application/json", "If-Match": state.etag, "X-CSRFToken": csrf() } });
    } catch (error) {
      state.saving = false;
      setState("error", "Not saved: the server cannot be reached. Your changes are kept; try again.");
      return;
    }
    state.saving = false;
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      state.etag = response.headers.get("ETag");
      state.storedText = text; state.doc = JSON.parse(text);
      state.dirty = false; state.jsonEdited = false;
      conflict.hidden = true;
      showJsonError("");
      jsonEditor.clearError();
      data.version = body.entry.version;
      setState("saved", `Saved (version ${body.entry.version})`);
      if (state.tab === "form") renderForm(); else jsonEditor.text = text;
      if (state.tab === "history") history.show();
      setProblems(body.problems || []);
      workspace.modelSaved(api, body.entry);
      loadUsages();
    } else if (response.status === 412) {
      conflict.firstChild.textContent = SAVE_CONFLICT;
      conflict.hidden = false;
      setState("conflict", "Conflict: not saved");
    } else {
      setState("error", `Not saved: ${body.message || response.status}`);
      const problems = body.errors && body.errors.length ? body.errors : [{ problem: body.message || `Error ${response.status}` }];
      setProblems(problems);
      if (state.tab === "json") showJsonError(problemsInWords(problems).map((p) => p.text).join(" "));
    }
  }

  async function loadUsages() {
    try {
      const response = await fetch(workspace.usagesUrl(data.modelId), { credentials: "same-origin", headers: { Accept: "application/json" } });
      renderProps(response.ok ? (await response.json()).usages : []);
    } catch (error) {
      renderProps([]);
    }
  }

  const api = {
    id: data.modelId,
    type: "CONNECTOR",
    get name() { return data.name; },
    get dirty() { return state.dirty; },
    get saveState() { return state.saveState; },
    get etag() { return state.etag; },
    get problems() { return problemsInWords(state.problems); },
    save,
    /** A restore refused with 412: the conflict box (with its reload button) and state. */
    conflicted(message) {
      conflict.firstChild.textContent = message;
      conflict.hidden = false;
      setState("conflict", "Conflict: not restored");
    },
    show() { root.hidden = false; propsRoot.hidden = false; },
    hide() { root.hidden = true; propsRoot.hidden = true; },
    destroy() { root.remove(); propsRoot.remove(); },
    /** After a rename (from the tree or from this editor): the new name and version tag. */
    renamed(fresh) {
      data.name = fresh.name;
      data.version = fresh.version;
      state.etag = fresh.etag;
      if (state.dirty) state.doc.name = fresh.name;
      else { state.storedText = fresh.content; state.doc = JSON.parse(fresh.content.replace(/^\uFEFF/, "")); }
      if (state.tab === "form") renderForm(); else if (!state.jsonEdited) jsonEditor.text = currentText();
      if (!state.dirty) setState("saved", `Saved (version ${fresh.version})`);
      loadUsages();
    },
    selectElement(path) {
      const field = path && root.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (state.tab !== "form") showTab("form");
      if (field) { field.focus(); return true; }
      return false;
    },
  };
  renderForm();
  renderProps(undefined);
  loadUsages();
  setState("saved", "Saved");
  return api;
}
