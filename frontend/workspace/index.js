// The project workspace (SPEC §7): the header (project, Validate, Release, Export, save state),
// the project tree (an ARIA tree: Processes, Connectors; per model open, rename, download,
// duplicate, delete; "+" creates), the editor area, the resizable and collapsible properties
// panel and the problems panel. Opening a model never reloads the page: the URL names it
// (pushState), Back and Forward work, and an editor with unsaved changes is kept (marked in
// the tree) until saved or the page is left (which warns).
import { api, el, errorText } from "./dom.js";
import { setUpArchive } from "./archive.js";
import { MODEL_NAME_PATTERN, modelNameProblem } from "../lib/names.js";

const root = document.querySelector("[data-testid=workspace]");
const config = JSON.parse(document.getElementById("workspace-config").textContent);
const $ = (selector) => root.querySelector(selector);
const tree = $("[data-testid=project-tree]");
const editorsHost = $("[data-testid=editors]");
const propsHost = $("[data-testid=properties-panel]");
const overview = $("[data-testid=project-overview]");
const problemsList = $("[data-testid=problems]");
const saveButton = $("[data-testid=save]");
const saveState = $("[data-testid=save-state]");
const dialog = $("[data-testid=model-dialog]");
const GROUPS = [["PROCESS", "Processes", "process"], ["CONNECTOR", "Connectors", "connector"]];

const state = {
  models: config.models,
  editors: new Map(), // model id → editor (kept while the page lives: unsaved changes survive switching)
  current: null,
  expanded: { PROCESS: true, CONNECTOR: true },
  focusKey: null,
  opening: 0,
};

const summaryOf = (id) => state.models.find((m) => m.id === id);
const modelUrl = (id) => (summaryOf(id) || {}).url || config.projectUrl;
const pagePath = (type, id) => `${config.projectUrl}${type === "PROCESS" ? "processes" : "connectors"}/${id}/`;

// --- the tree -----------------------------------------------------------------------------------
function treeItems() {
  return [...tree.querySelectorAll("[role=treeitem]")].filter((item) => !item.closest("[role=group][hidden]"));
}
function focusItem(item) {
  for (const other of tree.querySelectorAll("[role=treeitem]")) other.tabIndex = -1;
  item.tabIndex = 0;
  item.focus();
  state.focusKey = item.dataset.key;
}
function renderTree() {
  const focused = document.activeElement && tree.contains(document.activeElement) ? document.activeElement.closest("[role=treeitem]") : null;
  const focusKey = focused ? focused.dataset.key : state.focusKey;
  tree.replaceChildren();
  for (const [type, label, word] of GROUPS) {
    const models = state.models.filter((m) => m.type === type).sort((a, b) => a.name.localeCompare(b.name));
    const group = el("ul", { role: "group", hidden: !state.expanded[type] });
    for (const model of models) {
      const editor = state.editors.get(model.id);
      const selected = state.current && state.current.id === model.id;
      const problems = model.errors ? `${model.errors} error${model.errors === 1 ? "" : "s"}` : model.warnings ? `${model.warnings} warning${model.warnings === 1 ? "" : "s"}` : "";
      group.append(el("li", {
        role: "treeitem", tabindex: "-1", "aria-selected": String(!!selected), "data-key": model.id, "data-model-id": model.id,
        "data-testid": "tree-model", "data-name": model.name, "data-type": type,
        // Named by its content (name, description, badge), so that the name holds the visible text;
        // the marks carry hidden words for what they mean.
      }, [el("div", { class: "tree-row" }, [
        el("a", { class: "tree-label", href: model.url, tabindex: "-1", title: model.description || model.name }, [
          el("span", { class: "tree-name", text: model.name }),
          model.description ? " " : null,
          model.description ? el("span", { class: "tree-description", "data-testid": "tree-description", text: model.description }) : null,
        ]),
        editor && editor.dirty ? el("span", { class: "unsaved-dot", "data-testid": "tree-unsaved", title: "Unsaved changes" }, [el("span", { "aria-hidden": "true", text: "●" }), el("span", { class: "visually-hidden", text: " unsaved changes" })]) : null,
        model.errors ? el("span", { class: "badge err", "data-testid": "tree-errors", title: problems }, [String(model.errors), el("span", { class: "visually-hidden", text: model.errors === 1 ? " error" : " errors" })])
          : model.warnings ? el("span", { class: "badge warn", "data-testid": "tree-warnings", title: problems }, [String(model.warnings), el("span", { class: "visually-hidden", text: model.warnings === 1 ? " warning" : " warnings" })]) : null,
        el("button", { type: "button", class: "tree-menu-button", tabindex: "-1", "aria-haspopup": "menu", "aria-label": `Actions of ${model.name}`, "data-testid": "model-menu-button" }),
      ])]));
    }
    if (!models.length) group.append(el("li", { role: "treeitem", tabindex: "-1", class: "tree-empty", "data-key": `empty-${type}`, "aria-disabled": "true", text: `No ${type === "PROCESS" ? "processes" : "connectors"} yet` }));
    tree.append(el("li", { role: "treeitem", tabindex: "-1", "aria-expanded": String(state.expanded[type]), "data-key": type, "data-group": type, "data-testid": `tree-group-${word}` }, [
      el("div", { class: "tree-row tree-group-row" }, [
        el("span", { class: "tree-toggle", "aria-hidden": "true", text: state.expanded[type] ? "▾" : "▸" }),
        el("span", { class: "tree-label", text: `${label} (${models.length})` }),
        config.canChange ? el("button", { type: "button", class: "tree-add", tabindex: "-1", "aria-label": `New ${word}`, "data-testid": `new-${word}`, title: `New ${word} (Insert)`, text: "+" }) : null,
      ]),
      group,
    ]));
  }
  const items = treeItems();
  const target = items.find((i) => i.dataset.key === focusKey) || items.find((i) => i.getAttribute("aria-selected") === "true") || items[0];
  if (target) {
    target.tabIndex = 0;
    if (focused) target.focus();
  }
}

tree.addEventListener("click", (event) => {
  const item = event.target.closest("[role=treeitem]");
  if (!item) return;
  if (event.target.closest(".tree-add")) { createModel(item.dataset.group); return; }
  if (event.target.closest(".tree-menu-button")) { openMenu(item, event.target.closest(".tree-menu-button")); return; }
  if (item.dataset.group) { toggleGroup(item.dataset.group); return; }
  if (item.dataset.modelId) {
    event.preventDefault();
    focusItem(item);
    open(item.dataset.modelId);
  }
});
function toggleGroup(type, expanded = !state.expanded[type]) {
  state.expanded[type] = expanded;
  state.focusKey = type;
  renderTree();
  const item = tree.querySelector(`[data-key="${type}"]`);
  if (item) focusItem(item);
}
tree.addEventListener("keydown", (event) => {
  const item = event.target.closest("[role=treeitem]");
  if (!item || event.target !== item) return;
  const items = treeItems();
  const index = items.indexOf(item);
  const model = item.dataset.modelId;
  const group = item.dataset.group;
  const key = event.key;
  let handled = true;
  if (key === "ArrowDown") { if (items[index + 1]) focusItem(items[index + 1]); }
  else if (key === "ArrowUp") { if (items[index - 1]) focusItem(items[index - 1]); }
  else if (key === "Home") focusItem(items[0]);
  else if (key === "End") focusItem(items[items.length - 1]);
  else if (key === "ArrowRight" && group) { if (!state.expanded[group]) toggleGroup(group, true); else if (items[index + 1]) focusItem(items[index + 1]); }
  else if (key === "ArrowLeft" && group) { if (state.expanded[group]) toggleGroup(group, false); }
  else if (key === "ArrowLeft") focusItem(item.parentElement.closest("[role=treeitem]"));
  else if ((key === "Enter" || key === " ") && group) toggleGroup(group);
  else if ((key === "Enter" || key === " ") && model) open(model);
  else if (key === "Insert" || (key === "+" && group)) createModel(group || item.dataset.type || (item.closest("[data-group]") || {}).dataset?.group);
  else if (key === "F2" && model) renameModel(model);
  else if (key === "Delete" && model) deleteModel(model);
  else if ((key === "ContextMenu" || (key === "F10" && event.shiftKey)) && model) openMenu(item, item.querySelector(".tree-menu-button"));
  else handled = false;
  if (handled) event.preventDefault();
});

// --- the model menu (open, rename, download, duplicate, delete) --------------------------------
let menu = null;
function closeMenu(focusBack = true) {
  if (!menu) return;
  const { node, item } = menu;
  menu = null;
  node.remove();
  if (focusBack && item.isConnected) focusItem(item);
}
function fetchFile(href) {
  const link = el("a", { href, download: "" });
  document.body.append(link);
  link.click();
  link.remove();
}
function openMenu(item, button) {
  closeMenu(false);
  const id = item.dataset.modelId;
  const summary = summaryOf(id);
  const entries = [
    ["Open", () => open(id)],
    ...(config.canChange ? [["Rename…", () => renameModel(id)]] : []),
    ["Download", () => fetchFile(`${config.api}/models/${id}/export`)],
    ...(summary.type === "CONNECTOR" ? [["Download connector project", () => fetchFile(`${config.api}/models/${id}/scaffold`)]] : []),
    ...(config.canChange ? [["Duplicate…", () => duplicateModel(id)], ["Delete…", () => deleteModel(id)]] : []),
  ];
  const node = el("ul", { role: "menu", class: "tree-menu", "aria-label": `Actions of ${summary.name}`, "data-testid": "model-menu" },
    entries.map(([label, action]) => el("li", { role: "menuitem", tabindex: "-1", text: label, "data-action": label.replace("…", "").toLowerCase(), onclick: () => { closeMenu(false); action(); } })));
  const rect = button.getBoundingClientRect();
  node.style.top = `${rect.bottom + window.scrollY}px`;
  node.style.left = `${Math.max(4, rect.right - 170)}px`;
  document.body.append(node);
  menu = { node, item };
  const items = [...node.querySelectorAll("[role=menuitem]")];
  items[0].focus();
  node.addEventListener("keydown", (event) => {
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") items[(index + 1) % items.length].focus();
    else if (event.key === "ArrowUp") items[(index - 1 + items.length) % items.length].focus();
    else if (event.key === "Home") items[0].focus();
    else if (event.key === "End") items[items.length - 1].focus();
    else if (event.key === "Escape" || event.key === "Tab") closeMenu();
    else if (event.key === "Enter" || event.key === " ") document.activeElement.click();
    else return;
    event.preventDefault();
  });
}
document.addEventListener("pointerdown", (event) => { if (menu && !menu.node.contains(event.target)) closeMenu(false); });

// --- dialogs ----------------------------------------------------------------------------------
/** A modal form in the model dialog; `build(form)` adds the fields; resolves with `submit(form)`'s
 * truthy result, or null when cancelled. `submit` may return false to keep the dialog open. */
function modal(title, build, submitLabel, submit, { danger = false } = {}) {
  return new Promise((resolve) => {
    const error = el("p", { class: "error", role: "alert", "data-testid": "dialog-error", hidden: true });
    const form = el("form", { method: "dialog", novalidate: true });
    const submitButton = el("button", { type: "submit", class: danger ? "danger" : "primary", "data-testid": "dialog-submit", text: submitLabel });
    form.append(el("h2", { id: "model-dialog-title", text: title }));
    build(form);
    form.append(error, el("div", { class: "row-form" }, [submitButton, el("button", { type: "button", "data-testid": "dialog-cancel", text: "Cancel", onclick: () => dialog.close() })]));
    dialog.replaceChildren(form);
    let result = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      submitButton.disabled = true;
      try {
        const outcome = await submit(form, (text) => { error.textContent = text; error.hidden = false; });
        if (outcome) { result = outcome; dialog.close(); }
      } finally {
        submitButton.disabled = false;
      }
    });
    dialog.addEventListener("close", () => resolve(result), { once: true });
    dialog.showModal();
    const first = form.querySelector("input, button");
    if (first) { first.focus(); if (first.select) first.select(); }
  });
}
function nameField(value, label = "Name") {
  const id = `dialog-name-${Math.random().toString(36).slice(2)}`;
  const input = el("input", { type: "text", id, name: "name", value, required: true, pattern: MODEL_NAME_PATTERN, autocomplete: "off", "aria-describedby": `${id}-help ${id}-problem`, spellcheck: "false" });
  const problem = el("span", { class: "field-error", id: `${id}-problem`, "data-testid": "name-problem", "aria-live": "polite" });
  const check = () => { const text = input.value ? modelNameProblem(input.value) : ""; problem.textContent = text; input.setCustomValidity(text); input.setAttribute("aria-invalid", String(!!text)); };
  input.addEventListener("input", check);
  return el("div", { class: "field" }, [
    el("label", { for: id, text: label }), input,
    el("small", { class: "help", id: `${id}-help`, text: "Lower-case letters, digits and '-', starting with a letter, at most 26." }), problem,
  ]);
}
function readName(form, fail) {
  const name = form.elements.name.value.trim();
  const problem = modelNameProblem(name);
  if (problem) { fail(problem); form.elements.name.focus(); return null; }
  return name;
}
function usageList(usages, word) {
  return el("div", { class: "usages", "data-testid": "usages" }, [
    el("p", { text: `Used by ${usages.length} process${usages.length === 1 ? "" : "es"}; ${word}:` }),
    el("ul", {}, usages.map((u) => el("li", {}, [
      el("strong", { text: u.modelName }),
      `: ${u.tasks.map((t) => `${t.name ? `'${t.name}'` : t.id} (${t.implementation})`).join(", ")}`,
    ]))),
  ]);
}
async function usagesOf(id) {
  const result = await api("GET", `${config.projectUrl}models/${id}/usages.json`);
  return result.ok ? result.data.usages : [];
}

async function createModel(type) {
  if (!config.canChange || !type) return;
  const word = type === "PROCESS" ? "process" : "connector";
  const created = await modal(`New ${word}`, (form) => {
    form.append(nameField(""), el("label", {}, ["Description", el("input", { type: "text", name: "description", maxlength: "4000" })]));
  }, `Create ${word}`, async (form, fail) => {
    const name = readName(form, fail);
    if (!name) return false;
    const result = await api("POST", `${config.api}/projects/${config.projectId}/models`, { name, description: form.elements.description.value, type });
    if (!result.ok) { fail(errorText(result)); return false; }
    return result.data.entry;
  });
  if (!created) return;
  state.models.push({ id: created.id, name: created.name, type, description: created.description || "", version: created.version, errors: 0, warnings: 0, url: pagePath(type, created.id) });
  state.expanded[type] = true;
  await refreshModels();
  open(created.id);
}

async function renameModel(id, proposed) {
  const summary = summaryOf(id);
  if (!summary || !config.canChange) return false;
  const usages = summary.type === "CONNECTOR" ? await usagesOf(id) : [];
  const outcome = await modal(`Rename ${summary.name}`, (form) => {
    form.append(nameField(proposed || summary.name, "New name"));
    if (usages.length) {
      form.append(usageList(usages, "their implementations name it"),
        el("label", { class: "inline" }, [el("input", { type: "checkbox", name: "update", checked: true, "data-testid": "update-processes" }), " Update their implementations to the new name"]));
    }
  }, "Rename", async (form, fail) => {
    const name = readName(form, fail);
    if (!name) return false;
    if (name === summary.name) return { name, updated: [] };
    const result = await api("POST", `${config.projectUrl}models/${id}/rename`, { name, updateProcesses: !!(form.elements.update && form.elements.update.checked) });
    if (!result.ok) { fail(errorText(result)); return false; }
    return { name, updated: result.data.updatedProcesses };
  });
  if (!outcome) return false;
  Object.assign(summary, { name: outcome.name });
  const editor = state.editors.get(id);
  if (editor && editor.renamed) {
    const fresh = await api("GET", `${config.projectUrl}models/${id}/editor.json`);
    if (fresh.ok) editor.renamed(fresh.data);
  } else if (editor && !editor.dirty) {
    dropEditor(id);
  }
  // Processes the rename updated: an open editor without changes shows the new version.
  for (const name of outcome.updated) {
    const process = state.models.find((m) => m.type === "PROCESS" && m.name === name);
    const processEditor = process && state.editors.get(process.id);
    if (!processEditor || processEditor.dirty) continue;
    if (state.current === processEditor) await hooks.reloadModel(processEditor);
    else dropEditor(process.id);
  }
  if (outcome.updated.length) say(`Renamed to '${outcome.name}'; updated ${outcome.updated.join(", ")}.`, "ok");
  else say(`Renamed to '${outcome.name}'.`, "ok");
  if (summary.type === "CONNECTOR") await revalidate();
  else await refreshModels();
  if (state.current && state.current.id === id) showCurrentTitle();
  return true;
}

async function duplicateModel(id) {
  const summary = summaryOf(id);
  const copy = await modal(`Duplicate ${summary.name}`, (form) => {
    form.append(nameField(`${summary.name.slice(0, 21)}-copy`, "Name of the copy"));
  }, "Duplicate", async (form, fail) => {
    const name = readName(form, fail);
    if (!name) return false;
    const result = await api("POST", `${config.projectUrl}models/${id}/duplicate`, { name });
    if (!result.ok) { fail(errorText(result)); return false; }
    return result.data.model;
  });
  if (!copy) return;
  state.models.push(copy);
  await refreshModels();
  open(copy.id);
}

async function deleteModel(id) {
  const summary = summaryOf(id);
  if (!summary || !config.canChange) return;
  const usages = summary.type === "CONNECTOR" ? await usagesOf(id) : [];
  const done = await modal(`Delete ${summary.name}?`, (form) => {
    form.append(el("p", { text: `The ${summary.type === "PROCESS" ? "process" : "connector"} '${summary.name}' and its history are deleted.` }));
    if (usages.length) form.append(usageList(usages, "their service tasks will name a connector that no longer exists"));
    const editor = state.editors.get(id);
    if (editor && editor.dirty) form.append(el("p", { class: "error", text: "It has unsaved changes, which are lost." }));
  }, "Delete", async (form, fail) => {
    const result = await api("DELETE", `${config.api}/models/${id}`);
    if (!result.ok) { fail(errorText(result)); return false; }
    return true;
  }, { danger: true });
  if (!done) return;
  dropEditor(id);
  state.models = state.models.filter((m) => m.id !== id);
  say(`Deleted '${summary.name}'.`, "ok");
  if (state.current && state.current.id === id) { state.current = null; showOverview(); }
  if (summary.type === "CONNECTOR") await revalidate(); else renderTree();
}

function dropEditor(id) {
  const editor = state.editors.get(id);
  if (!editor) return;
  editor.destroy();
  state.editors.delete(id);
}

// --- opening models, the URL ------------------------------------------------------------------
function showOverview(push = true) {
  if (state.current) state.current.hide();
  state.current = null;
  overview.hidden = false;
  propsHost.querySelector("[data-testid=properties-empty]").hidden = false;
  if (push && location.pathname !== config.projectUrl) history.pushState({}, "", config.projectUrl);
  document.title = `${config.projectName} · Modeler`;
  showCurrentTitle();
  showModelProblems();
  renderTree();
}

async function open(id, { push = true, element = null } = {}) {
  const summary = summaryOf(id);
  if (!summary) { showOverview(push); return; }
  const ticket = ++state.opening;
  const target = summary.url + (element ? `#element=${encodeURIComponent(element)}` : "");
  if (push && location.pathname + location.hash !== target) history.pushState({ model: id }, "", target);
  if (state.current && state.current.id !== id) state.current.hide();
  overview.hidden = true;
  propsHost.querySelector("[data-testid=properties-empty]").hidden = true;
  let editor = state.editors.get(id);
  if (!editor) {
    showSaveState({ name: "loading", text: "Opening…" });
    // The editor's code and the model's data load in parallel.
    const preloaded = config.openData && config.openData.modelId === id ? { ok: true, data: config.openData } : null;
    config.openData = null; // only for the first opening: later ones read the current version
    const [result, module] = await Promise.all([
      preloaded || api("GET", `${config.projectUrl}models/${id}/editor.json`),
      summary.type === "PROCESS" ? import("../editors/process/editor.js") : import("../editors/connector/editor.js"),
    ]);
    if (!result.ok) { say(`Cannot open '${summary.name}': ${errorText(result)}`, "error"); if (ticket === state.opening) showOverview(false); return; }
    const create = summary.type === "PROCESS" ? module.createProcessEditor : module.createConnectorEditor;
    if (state.editors.has(id)) editor = state.editors.get(id);
    else {
      editor = await create({ host: editorsHost, propsHost, data: result.data, workspace: hooks, parameterTypes: config.parameterTypes });
      state.editors.set(id, editor);
    }
  }
  if (ticket !== state.opening) { editor.hide(); return; }
  for (const [other, e] of state.editors) if (other !== id) e.hide();
  editor.show();
  state.current = editor;
  document.title = `${summary.name} · ${config.projectName} · Modeler`;
  showCurrentTitle();
  showSaveState(editor.saveState);
  showModelProblems();
  renderTree();
  if (element) editor.selectElement(element);
  performance.mark("modeler:editor-ready");
  document.body.dataset.editorReady = String(Date.now());
}

function routeFromLocation() {
  const match = /\/(processes|connectors)\/([0-9a-f-]{36})\/$/.exec(location.pathname);
  const element = /^#element=(.+)$/.exec(location.hash);
  if (match) open(match[2], { push: false, element: element ? decodeURIComponent(element[1]) : null });
  else showOverview(false);
}
window.addEventListener("popstate", routeFromLocation);
$("[data-route=overview]").addEventListener("click", (event) => { event.preventDefault(); showOverview(); });

// --- header: title, save state, save -----------------------------------------------------------
function showCurrentTitle() {
  const title = $("[data-testid=model-title]");
  const summary = state.current && summaryOf(state.current.id);
  title.textContent = summary ? ` / ${summary.name}` : "";
  title.dataset.type = summary ? summary.type : "";
  if (saveButton) saveButton.hidden = !summary;
  if (!summary) showSaveState(null);
}
function showSaveState(value) {
  saveState.dataset.state = value ? value.name : "none";
  saveState.textContent = value ? value.text : "";
}
if (saveButton) saveButton.addEventListener("click", () => state.current && state.current.save());
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "s") {
    event.preventDefault();
    if (state.current) state.current.save();
  }
});
window.addEventListener("beforeunload", (event) => {
  if ([...state.editors.values()].some((e) => e.dirty)) { event.preventDefault(); event.returnValue = ""; }
});

// --- the problems panel -----------------------------------------------------------------------
const status = $("[data-testid=archive-status]");
function say(text, kind) { status.textContent = text; status.dataset.state = kind || ""; }
function renderProblemRows(problems, { project = false } = {}) {
  problemsList.replaceChildren();
  for (const problem of problems) {
    const row = el("li", { class: problem.warning ? "warning" : "error", "data-testid": "problem", "data-warning": problem.warning ? "true" : "false", "data-element": problem.referenceId || "" });
    row.append(el("span", { class: "kind", text: problem.warning ? "Warning" : "Error" }));
    const summary = project && problem.modelId ? summaryOf(problem.modelId) : null;
    if (summary) {
      const target = problem.referenceId && !problem.referenceId.startsWith("#") ? problem.referenceId : null;
      row.append(el("a", { href: summary.url + (target ? `#element=${encodeURIComponent(target)}` : ""), "data-testid": "problem-model", text: summary.name, onclick: (event) => { event.preventDefault(); open(summary.id, { element: target }); } }), " — ");
      const described = (problem.description || problem.problem || "").replace(/^[a-z]+ '[^']*': /, "");
      row.append(el("span", { text: problem.problem && problem.problem !== described && !described.includes(problem.problem) ? `${problem.problem}. ${described}` : described }));
    } else {
      const text = problem.text || problem.description || problem.problem || "";
      const target = problem.path || problem.referenceId;
      if (target && state.current) {
        // A real button in the list item (a list may only hold items): keyboard and screen
        // readers reach it; a click anywhere on the row does the same.
        row.classList.add("clickable");
        row.append(el("button", { type: "button", class: "link problem-go", "data-testid": "problem-go", text }));
        row.addEventListener("click", () => state.current && state.current.selectElement(target));
      } else {
        row.append(el("span", { text }));
      }
    }
    problemsList.append(row);
  }
  const errors = problems.filter((p) => !p.warning).length;
  const warnings = problems.length - errors;
  $("[data-testid=problem-count]").textContent = problems.length ? `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}` : "";
  problemsList.hidden = problems.length === 0;
  $("[data-testid=no-problems]").hidden = problems.length !== 0;
}
function showModelProblems() {
  renderProblemRows(state.current ? state.current.problems || [] : []);
}

async function refreshModels() {
  const result = await api("GET", config.modelsUrl);
  if (result.ok) state.models = result.data.models;
  renderTree();
}
async function revalidate() {
  const result = await api("POST", config.revalidateUrl);
  if (result.ok) state.models = result.data.models;
  renderTree();
}

// --- what the editors call --------------------------------------------------------------------
const hooks = {
  saveStateChanged(editor) {
    if (state.current === editor) showSaveState(editor.saveState);
    const item = tree.querySelector(`[data-model-id="${editor.id}"]`);
    if (item && !!item.querySelector("[data-testid=tree-unsaved]") !== editor.dirty) renderTree();
  },
  problemsChanged(editor, problems) {
    const summary = summaryOf(editor.id);
    if (summary) {
      summary.errors = problems.filter((p) => !p.warning).length;
      summary.warnings = problems.length - summary.errors;
    }
    if (state.current === editor) renderProblemRows(problems);
    renderTree();
  },
  async modelSaved(editor, entry) {
    const summary = summaryOf(editor.id);
    if (summary) { summary.version = entry.version; summary.name = entry.name; }
    if (editor.type === "CONNECTOR") {
      await revalidate();
      for (const other of state.editors.values()) if (other.refreshCatalog) other.refreshCatalog();
    } else {
      renderTree();
    }
  },
  async reloadModel(editor) {
    const id = editor.id;
    const wasCurrent = state.current === editor;
    editor.destroy();
    state.editors.delete(id);
    if (wasCurrent) { state.current = null; await open(id, { push: false }); }
  },
  renameModel,
  say,
  /** A confirmation in the model dialog: `body` (nodes) under `title`; `action(fail)` runs on
   * submit and resolves truthy to close (its result is returned), false to keep the dialog open
   * with the text given to `fail`. Null when cancelled. */
  confirm({ title, body, submitLabel, action, danger = false }) {
    return modal(title, (form) => { for (const node of body) if (node) form.append(node); }, submitLabel, (form, fail) => action(fail), { danger });
  },
  open: (id) => open(id),
  modelUrl,
  usagesUrl: (id) => `${config.projectUrl}models/${id}/usages.json`,
  showProjectProblems(problems) {
    renderProblemRows(problems, { project: true });
  },
  refreshModels,
  projectListUrl: () => config.projectUrl.replace(/[^/]+\/$/, ""),
  confirmDiscardAll() {
    const dirty = [...state.editors.values()].filter((e) => e.dirty);
    return !dirty.length || window.confirm(`Unsaved changes in ${dirty.map((e) => e.name).join(", ")} will be lost. Continue?`);
  },
  forgetUnsaved() { for (const id of [...state.editors.keys()]) dropEditor(id); },
};

// --- the properties panel: resizable, collapsible ------------------------------------------------
const resizer = $("[data-testid=properties-resizer]");
const toggle = $("[data-testid=toggle-properties]");
function setPropsWidth(width) {
  const clamped = Math.round(Math.min(720, Math.max(240, width)));
  root.style.setProperty("--props-width", `${clamped}px`);
  resizer.setAttribute("aria-valuenow", String(clamped));
  try { localStorage.setItem("modeler.propsWidth", String(clamped)); } catch (error) { /* private mode */ }
  if (state.current && state.current.modeler) state.current.modeler.get("canvas").resized();
}
function setPropsOpen(openPanel) {
  root.classList.toggle("props-collapsed", !openPanel);
  toggle.setAttribute("aria-expanded", String(openPanel));
  if (state.current && state.current.modeler) state.current.modeler.get("canvas").resized();
}
setPropsWidth(Number(localStorage.getItem("modeler.propsWidth")) || 400);
toggle.addEventListener("click", () => setPropsOpen(root.classList.contains("props-collapsed")));
resizer.addEventListener("keydown", (event) => {
  const now = Number(resizer.getAttribute("aria-valuenow"));
  if (event.key === "ArrowLeft") setPropsWidth(now + 20);
  else if (event.key === "ArrowRight") setPropsWidth(now - 20);
  else if (event.key === "Enter") setPropsOpen(root.classList.contains("props-collapsed"));
  else return;
  event.preventDefault();
});
resizer.addEventListener("pointerdown", (event) => {
  resizer.setPointerCapture(event.pointerId);
  const right = root.getBoundingClientRect().right;
  const move = (e) => setPropsWidth(right - e.clientX);
  resizer.addEventListener("pointermove", move);
  resizer.addEventListener("pointerup", () => resizer.removeEventListener("pointermove", move), { once: true });
});

// --- name fields of the overview (copy) get the same browser-side check ------------------------
for (const input of root.querySelectorAll("input[data-model-name]")) {
  input.pattern = MODEL_NAME_PATTERN;
  input.addEventListener("input", () => input.setCustomValidity(input.value ? modelNameProblem(input.value) : ""));
}

// For the benchmark and the browser tests: the editor open now (its bpmn-js modeler).
window.modelerWorkspace = { get current() { return state.current; } };

setUpArchive({ root, workspace: hooks });
renderTree();
routeFromLocation();
