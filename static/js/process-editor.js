// The process editor: the bpmn-js modeler (the npm package's pre-built bundle, global BpmnJS)
// with our own side panel: element id and name, the implementation dropdown of a service task
// (<connector>.<action> from the implementations endpoint), its mapping type and mapping tables,
// the process-variables editor, XML and extensions tabs, a problems panel, and one save request
// (BPMN + extensions, If-Match) with saved / unsaved / conflict / error states.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const $ = (selector, root = document) => root.querySelector(selector);
  const MAPPING_LABELS = {
    DONT_MAP: "Don't map variables",
    MAP_VARIABLES: "Map variables",
    MAP_ALL: "Map all input and output variables",
    MAP_ALL_INPUTS: "Map all input variables",
    MAP_ALL_OUTPUTS: "Map all output variables",
  };
  const RESERVED = ["nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances", "loopCounter"];
  const state = {
    etag: config.etag,
    extensions: JSON.parse(JSON.stringify(config.extensions || {})),
    problems: config.problems || [],
    catalog: new Map(), // implementation → {inputs, outputs}
    catalogError: null,
    dirty: false,
    saving: false,
    selected: null,
  };
  const modeler = new BpmnJS({ container: $("[data-testid=canvas]"), keyboard: { bindTo: document } });
  window.processEditor = { modeler, state };
  const elementRegistry = modeler.get("elementRegistry");
  const modeling = modeler.get("modeling");
  const canvas = modeler.get("canvas");
  const selection = modeler.get("selection");

  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  // --- small DOM helpers ---------------------------------------------------------------------
  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, "");
      else if (value !== false && value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  function select(options, value, attrs = {}) {
    const node = el("select", attrs);
    for (const [optionValue, label] of options) {
      const option = el("option", { value: optionValue, text: label });
      if (optionValue === value) option.selected = true;
      node.append(option);
    }
    return node;
  }

  // --- states --------------------------------------------------------------------------------
  function setState(name, text) {
    const badge = $("[data-testid=save-state]");
    badge.dataset.state = name;
    badge.textContent = text;
  }
  function markDirty() {
    if (!config.canChange) return;
    state.dirty = true;
    setState("unsaved", "Unsaved changes");
  }
  function showError(text) {
    const box = $("[data-testid=editor-error]");
    box.textContent = text || "";
    box.hidden = !text;
  }
  window.addEventListener("beforeunload", (event) => {
    if (state.dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- the extensions model ------------------------------------------------------------------
  function processEntry(processId) {
    if (!state.extensions[processId]) state.extensions[processId] = { properties: {}, mappings: {}, constants: {} };
    const entry = state.extensions[processId];
    for (const key of ["properties", "mappings", "constants"]) entry[key] = entry[key] || {};
    return entry;
  }
  function variablesOf(processId) {
    return Object.values(processEntry(processId).properties);
  }
  function processIdOf(element) {
    let bo = element && element.businessObject;
    if (bo && bo.$type === "bpmn:Participant") return bo.processRef ? bo.processRef.id : null;
    while (bo) {
      if (bo.$type === "bpmn:Process") return bo.id;
      if (bo.$type === "bpmn:Collaboration") return firstProcessId();
      bo = bo.$parent;
    }
    return firstProcessId();
  }
  function firstProcessId() {
    const definitions = modeler.getDefinitions();
    const process = definitions && definitions.rootElements.find((r) => r.$type === "bpmn:Process");
    return process ? process.id : null;
  }
  function mappingTypeOf(mapping) {
    if (!mapping) return "DONT_MAP";
    if (mapping.mappingType && !mapping.inputs && !mapping.outputs) return mapping.mappingType;
    const inputs = mapping.inputs || {};
    const outputs = mapping.outputs || {};
    if (!Object.keys(inputs).length && !Object.keys(outputs).length && !mapping.mappingType) return "DONT_MAP";
    return "MAP_VARIABLES";
  }
  // SPEC §4.5, as the server applies it on save, so the rows show as soon as the action is chosen.
  function automaticRows(action, names) {
    const rows = { inputs: {}, outputs: {} };
    for (const p of action.inputs) if (names.has(p.name)) rows.inputs[p.name] = { type: "variable", value: p.name };
    for (const p of action.outputs) if (names.has(p.name)) rows.outputs[p.name] = { type: "variable", value: p.name };
    return rows;
  }
  function applyImplementation(processId, taskId, previous, implementation) {
    const entry = processEntry(processId);
    const action = state.catalog.get(implementation);
    if (!action) return;
    const names = new Set(variablesOf(processId).map((v) => v.name));
    const mapping = entry.mappings[taskId];
    const automatic = automaticRows(action, names);
    if (!mapping) {
      if (Object.keys(automatic.inputs).length || Object.keys(automatic.outputs).length) entry.mappings[taskId] = automatic;
      return;
    }
    if (previous && previous !== implementation && (mapping.inputs || mapping.outputs)) {
      const inputs = {}; const outputs = {};
      for (const [key, row] of Object.entries(mapping.inputs || {})) if (action.inputs.some((p) => p.name === key)) inputs[key] = row;
      for (const [key, row] of Object.entries(mapping.outputs || {})) {
        if (row.type !== "variable" || action.outputs.some((p) => p.name === row.value)) outputs[key] = row;
      }
      for (const [key, row] of Object.entries(automatic.inputs)) if (!(key in inputs)) inputs[key] = row;
      for (const [key, row] of Object.entries(automatic.outputs)) if (!(key in outputs)) outputs[key] = row;
      entry.mappings[taskId] = Object.assign({ inputs, outputs }, mapping.mappingType ? { mappingType: mapping.mappingType } : {});
    }
  }
  function valueProblem(variable) {
    const value = variable.value;
    const type = variable.type;
    if (value === undefined || value === null || (value === "" && type !== "string")) return null;
    if (typeof value === "string" && value.startsWith("${")) return /^\$\{.*\}$/s.test(value) ? null : "not a valid ${…} expression";
    const checks = {
      string: (v) => typeof v === "string",
      integer: (v) => Number.isInteger(v),
      boolean: (v) => typeof v === "boolean",
      date: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
      datetime: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v) && !Number.isNaN(Date.parse(v)),
      json: () => true,
      file: (v) => typeof v === "object",
      folder: (v) => typeof v === "object",
      array: (v) => Array.isArray(v),
    };
    const fits = checks[type] || (() => true);
    return fits(value) ? null : `expected ${type === "date" ? "a date YYYY-MM-DD" : type === "datetime" ? "an ISO-8601 date-time" : "a value of type " + type}`;
  }
  // The text a user types in the default-value box, read as the variable's type.
  function parseValue(text, type) {
    if (text === "") return "";
    if (text.startsWith("${")) return text;
    if (type === "integer") return /^-?\d+$/.test(text) ? Number(text) : text;
    if (type === "boolean") return text === "true" ? true : text === "false" ? false : text;
    if (["json", "file", "folder", "array"].includes(type)) { try { return JSON.parse(text); } catch (e) { return text; } }
    return text;
  }
  function valueText(value) {
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // --- the side panel ------------------------------------------------------------------------
  function render() {
    const panel = $("[data-testid=side-panel]");
    panel.replaceChildren();
    const element = state.selected && elementRegistry.get(state.selected) ? elementRegistry.get(state.selected) : canvas.getRootElement();
    if (!element || !element.businessObject) return; // the implicit root before the import finishes
    const bo = element.businessObject;
    const processId = processIdOf(element);
    panel.append(el("h2", { text: bo.$type.replace("bpmn:", "") }));
    panel.append(elementFields(element));
    if (bo.$type === "bpmn:ServiceTask" && processId) panel.append(serviceTaskFields(element, processId));
    if (processId) panel.append(variablesEditor(processId));
  }

  function elementFields(element) {
    const bo = element.businessObject;
    const idInput = el("input", { type: "text", value: bo.id, "data-testid": "element-id", disabled: !config.canChange });
    const idError = el("p", { class: "field-error", hidden: true });
    idInput.addEventListener("change", () => {
      const next = idInput.value.trim();
      if (next === bo.id) return;
      if (!/^[A-Za-z_][\w.-]*$/.test(next) || elementRegistry.get(next)) {
        idError.textContent = elementRegistry.get(next) ? `'${next}' is already used by another element` : "An id starts with a letter or '_' and holds letters, digits, '_', '-' or '.'";
        idError.hidden = false;
        return;
      }
      idError.hidden = true;
      const old = bo.id;
      const processId = processIdOf(element);
      modeling.updateProperties(element, { id: next });
      if (bo.$type === "bpmn:Process" && state.extensions[old]) {
        state.extensions[next] = state.extensions[old];
        delete state.extensions[old];
      } else if (processId) {
        const entry = processEntry(processId);
        for (const key of ["mappings", "constants"]) if (entry[key][old]) { entry[key][next] = entry[key][old]; delete entry[key][old]; }
      }
      state.selected = next;
      markDirty();
      render();
    });
    const nameInput = el("input", { type: "text", value: bo.name || "", "data-testid": "element-name", disabled: !config.canChange });
    nameInput.addEventListener("change", () => {
      modeling.updateProperties(element, { name: nameInput.value });
      markDirty();
    });
    return el("div", { class: "fields" }, [
      el("label", {}, ["Id", idInput]), idError,
      el("label", {}, ["Name", nameInput]),
    ]);
  }

  function serviceTaskFields(element, processId) {
    const bo = element.businessObject;
    const entry = processEntry(processId);
    const current = bo.get("implementation") || "";
    const options = [["", "— choose an action —"]];
    for (const implementation of state.catalog.keys()) options.push([implementation, implementation]);
    if (current && !state.catalog.has(current)) options.push([current, `${current} (unknown)`]);
    const implementationSelect = select(options, current, { "data-testid": "implementation", disabled: !config.canChange });
    implementationSelect.addEventListener("change", () => {
      const next = implementationSelect.value;
      modeling.updateProperties(element, { implementation: next || undefined });
      applyImplementation(processId, bo.id, current, next);
      markDirty();
      render();
    });
    const box = el("div", { class: "service-task" }, [
      el("h3", { text: "Implementation" }),
      el("label", {}, ["Connector action", implementationSelect]),
    ]);
    if (state.catalogError) box.append(el("p", { class: "field-error", text: state.catalogError }));
    if (!state.catalog.size && !state.catalogError) box.append(el("p", { class: "help", text: "No connector actions yet: create a connector with actions in this project first." }));
    const action = state.catalog.get(current);
    if (!action) return box;

    const mapping = entry.mappings[bo.id];
    const mappingType = mappingTypeOf(mapping);
    const typeSelect = select(Object.entries(MAPPING_LABELS), mappingType, { "data-testid": "mapping-type", disabled: !config.canChange });
    typeSelect.addEventListener("change", () => {
      const chosen = typeSelect.value;
      if (chosen === "DONT_MAP") entry.mappings[bo.id] = { inputs: {}, outputs: {} };
      else if (chosen === "MAP_VARIABLES") {
        const names = new Set(variablesOf(processId).map((v) => v.name));
        entry.mappings[bo.id] = automaticRows(action, names);
      } else entry.mappings[bo.id] = { mappingType: chosen };
      markDirty();
      render();
    });
    box.append(el("h3", { text: "Mapping" }), el("label", {}, ["Mapping type", typeSelect]));
    if (mappingType === "MAP_VARIABLES") {
      box.append(inputTable(entry, bo.id, action, processId), outputTable(entry, bo.id, action, processId));
    } else if (mappingType !== "DONT_MAP") {
      box.append(el("p", { class: "help", text: "Variables and parameters are matched by name when the process runs." }));
    }
    return box;
  }

  function variableOptions(processId, emptyLabel) {
    return [["", emptyLabel]].concat(variablesOf(processId).filter((v) => v.name).map((v) => [v.name, `${v.name} (${v.type})`]));
  }

  function inputTable(entry, taskId, action, processId) {
    const body = el("tbody");
    const mapping = entry.mappings[taskId];
    mapping.inputs = mapping.inputs || {};
    for (const parameter of action.inputs) {
      const row = mapping.inputs[parameter.name];
      const kind = row ? row.type : "variable";
      const automatic = row && row.type === "variable" && row.value === parameter.name;
      const kindSelect = select([["variable", "Variable"], ["value", "Value"]], kind, { "aria-label": `Source of ${parameter.name}`, "data-testid": `input-kind-${parameter.name}`, disabled: !config.canChange });
      let source;
      if (kind === "value") {
        source = el("input", { type: "text", value: row ? valueText(row.value) : "", placeholder: "literal or ${expression}", "aria-label": `Value of ${parameter.name}`, "data-testid": `input-value-${parameter.name}`, disabled: !config.canChange });
        source.addEventListener("input", () => { mapping.inputs[parameter.name] = { type: "value", value: source.value }; markDirty(); });
      } else {
        source = select(variableOptions(processId, "— not mapped —"), row ? row.value : "", { "aria-label": `Variable for ${parameter.name}`, "data-testid": `input-variable-${parameter.name}`, disabled: !config.canChange });
        source.addEventListener("change", () => {
          if (source.value) mapping.inputs[parameter.name] = { type: "variable", value: source.value };
          else delete mapping.inputs[parameter.name];
          markDirty();
          render();
        });
      }
      kindSelect.addEventListener("change", () => {
        mapping.inputs[parameter.name] = { type: kindSelect.value, value: "" };
        if (kindSelect.value === "variable") delete mapping.inputs[parameter.name];
        markDirty();
        render();
      });
      body.append(el("tr", { "data-testid": `input-row-${parameter.name}` }, [
        el("td", {}, [parameterLabel(parameter), automatic ? el("span", { class: "badge auto", title: "Mapped automatically: same name", text: "auto" }) : null]),
        el("td", {}, [kindSelect]),
        el("td", {}, [source]),
      ]));
    }
    return el("div", {}, [
      el("h4", { text: "Inputs" }),
      action.inputs.length ? el("table", { class: "grid mapping", "data-testid": "input-mappings" }, [el("thead", {}, [el("tr", {}, [el("th", { text: "Parameter" }), el("th", { text: "From" }), el("th", { text: "Variable or value" })])]), body]) : el("p", { class: "help", text: "This action has no inputs." }),
    ]);
  }

  function outputTable(entry, taskId, action, processId) {
    const body = el("tbody");
    const mapping = entry.mappings[taskId];
    mapping.outputs = mapping.outputs || {};
    for (const parameter of action.outputs) {
      const target = Object.keys(mapping.outputs).find((key) => mapping.outputs[key].type === "variable" && mapping.outputs[key].value === parameter.name) || "";
      const automatic = target === parameter.name;
      const targetSelect = select(variableOptions(processId, "— not mapped —"), target, { "aria-label": `Variable receiving ${parameter.name}`, "data-testid": `output-variable-${parameter.name}`, disabled: !config.canChange });
      targetSelect.addEventListener("change", () => {
        if (target) delete mapping.outputs[target];
        if (targetSelect.value) mapping.outputs[targetSelect.value] = { type: "variable", value: parameter.name };
        markDirty();
        render();
      });
      body.append(el("tr", { "data-testid": `output-row-${parameter.name}` }, [
        el("td", {}, [parameterLabel(parameter), automatic ? el("span", { class: "badge auto", title: "Mapped automatically: same name", text: "auto" }) : null]),
        el("td", {}, [targetSelect]),
      ]));
    }
    return el("div", {}, [
      el("h4", { text: "Outputs" }),
      action.outputs.length ? el("table", { class: "grid mapping", "data-testid": "output-mappings" }, [el("thead", {}, [el("tr", {}, [el("th", { text: "Parameter" }), el("th", { text: "Into variable" })])]), body]) : el("p", { class: "help", text: "This action has no outputs." }),
    ]);
  }

  function parameterLabel(parameter) {
    return el("span", {}, [
      el("strong", { text: parameter.name }),
      parameter.required ? el("span", { class: "required", title: "required", text: " *" }) : null,
      el("span", { class: "muted", text: ` ${parameter.type}` }),
    ]);
  }

  function variablesEditor(processId) {
    const entry = processEntry(processId);
    const list = el("div", { class: "variable-list", "data-testid": "variables" });
    const variables = Object.values(entry.properties);
    const names = variables.map((v) => v.name);
    variables.forEach((variable, index) => {
      const name = el("input", { type: "text", value: variable.name, placeholder: "name", "aria-label": `Name of variable ${index + 1}`, "data-testid": `variable-name-${index}`, disabled: !config.canChange });
      const type = select(config.variableTypes.map((t) => [t, t]), variable.type, { "aria-label": `Type of variable ${index + 1}`, "data-testid": `variable-type-${index}`, disabled: !config.canChange });
      const required = el("input", { type: "checkbox", checked: !!variable.required, "data-testid": `variable-required-${index}`, disabled: !config.canChange });
      const value = el("input", { type: "text", value: valueText(variable.value), placeholder: "default value", "aria-label": `Default value of variable ${index + 1}`, "data-testid": `variable-value-${index}`, disabled: !config.canChange });
      const problem = el("p", { class: "field-error", "data-testid": `variable-problem-${index}` });
      const showProblem = () => {
        const dup = names.filter((n) => n === variable.name).length > 1;
        problem.textContent = !/^[a-zA-Z][a-zA-Z0-9_]*$/.test(variable.name) ? "The name starts with a letter and holds letters, digits and '_'."
          : RESERVED.includes(variable.name) ? "This name is reserved." : dup ? "Another variable has this name." : valueProblem(variable) ? `Default value: ${valueProblem(variable)}.` : "";
        problem.hidden = !problem.textContent;
      };
      showProblem();
      name.addEventListener("change", () => { variable.name = name.value.trim(); markDirty(); render(); });
      type.addEventListener("change", () => { variable.type = type.value; variable.value = parseValue(value.value, variable.type); markDirty(); render(); });
      required.addEventListener("change", () => { variable.required = required.checked; markDirty(); });
      value.addEventListener("input", () => { variable.value = parseValue(value.value, variable.type); showProblem(); markDirty(); });
      const remove = el("button", { type: "button", class: "link danger", text: "Remove", "aria-label": `Remove variable ${variable.name}`, disabled: !config.canChange, onclick: () => { delete entry.properties[variable.id]; markDirty(); render(); } });
      list.append(el("div", { class: "variable", "data-testid": `variable-row-${index}` }, [
        name, type, remove, value, el("label", { class: "inline" }, [required, " required"]), problem,
      ]));
    });
    const add = el("button", { type: "button", "data-testid": "add-variable", text: "Add variable", disabled: !config.canChange, onclick: () => {
      const id = uuid();
      entry.properties[id] = { id, name: "", type: "string", required: false, value: "" };
      markDirty();
      render();
      const inputs = document.querySelectorAll("[data-testid^=variable-name-]");
      if (inputs.length) inputs[inputs.length - 1].focus();
    } });
    return el("div", { class: "variables" }, [
      el("h3", { text: `Process variables of ${processId}` }),
      variables.length ? list : el("p", { class: "help", text: "No process variables yet." }),
      add,
    ]);
  }

  // --- problems ------------------------------------------------------------------------------
  function renderProblems() {
    const list = $("[data-testid=problems]");
    list.replaceChildren();
    const errors = state.problems.filter((p) => !p.warning).length;
    $("[data-testid=problem-count]").textContent = state.problems.length ? `${errors} error(s), ${state.problems.length - errors} warning(s)` : "none";
    for (const problem of state.problems) {
      const target = problem.referenceId && elementRegistry.get(problem.referenceId) ? problem.referenceId : null;
      const item = el("li", { class: problem.warning ? "warning" : "error", "data-testid": "problem", "data-element": problem.referenceId || "" }, [
        el("span", { class: "kind", text: problem.warning ? "Warning" : "Error" }),
        el("span", { text: problem.description || problem.problem }),
      ]);
      if (target) {
        item.classList.add("clickable");
        item.tabIndex = 0;
        const focus = () => { const element = elementRegistry.get(target); selection.select(element); canvas.scrollToElement(element); };
        item.addEventListener("click", focus);
        item.addEventListener("keydown", (e) => { if (e.key === "Enter") focus(); });
      }
      list.append(item);
    }
  }

  // --- save, reload, downloads ---------------------------------------------------------------
  async function save() {
    if (state.saving || !config.canChange) return;
    state.saving = true;
    setState("saving", "Saving…");
    showError("");
    let response;
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const form = new FormData();
      form.append("file", new Blob([xml], { type: "application/xml" }), `${config.name}.bpmn20.xml`);
      form.append("extensions", new Blob([JSON.stringify(state.extensions)], { type: "application/json" }), `${config.name}-extensions.json`);
      response = await fetch(config.contentUrl, { method: "PUT", credentials: "same-origin", body: form, headers: { "If-Match": state.etag, "X-CSRFToken": csrf() } });
    } catch (error) {
      state.saving = false;
      setState("error", "Not saved: the server cannot be reached. Your changes are kept; try again.");
      return;
    }
    state.saving = false;
    let body = {};
    try { body = await response.json(); } catch (e) { body = {}; }
    if (response.ok) {
      state.etag = response.headers.get("ETag");
      state.extensions = body.entry.extensions || {};
      state.problems = body.problems || [];
      state.dirty = false;
      setState("saved", `Saved (version ${body.entry.version})`);
      render();
      renderProblems();
      refreshTabs();
    } else if (response.status === 412) {
      setState("conflict", "Conflict: not saved");
      $("[data-testid=conflict]").hidden = false;
    } else {
      setState("error", `Not saved: ${body.message || response.status}`);
      showError(body.message || `The server answered ${response.status}.`);
      if (body.errors && body.errors.length) { state.problems = body.errors; renderProblems(); }
    }
  }
  function download(name, text, type) {
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // --- tabs ----------------------------------------------------------------------------------
  let tab = "diagram";
  async function refreshTabs() {
    if (tab === "xml") $("[data-testid=xml-text]").value = (await modeler.saveXML({ format: true })).xml;
    if (tab === "extensions") $("[data-testid=extensions-text]").value = JSON.stringify({ id: `process-${config.modelId}`, name: config.name, type: "PROCESS", extensions: state.extensions }, null, 2);
  }
  for (const button of document.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", async () => {
      tab = button.dataset.tab;
      for (const other of document.querySelectorAll("[role=tab]")) other.setAttribute("aria-selected", String(other === button));
      for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== tab;
      await refreshTabs();
    });
  }
  $("[data-testid=apply-xml]").addEventListener("click", async () => {
    try {
      await modeler.importXML($("[data-testid=xml-text]").value);
      showError("");
      markDirty();
      render();
    } catch (error) {
      showError(`The XML cannot be shown: ${error.message}`);
    }
  });
  $("[data-testid=apply-extensions]").addEventListener("click", () => {
    try {
      const document_ = JSON.parse($("[data-testid=extensions-text]").value);
      state.extensions = document_.extensions && typeof document_.extensions === "object" ? document_.extensions : document_;
      showError("");
      markDirty();
      render();
    } catch (error) {
      showError(`The extensions JSON cannot be read: ${error.message}`);
    }
  });

  // --- wiring --------------------------------------------------------------------------------
  modeler.on("selection.changed", (event) => {
    state.selected = event.newSelection.length === 1 ? event.newSelection[0].id : null;
    render();
  });
  modeler.on("commandStack.changed", () => markDirty());
  modeler.on("element.changed", (event) => { if (state.selected && event.element.id === state.selected) renderSoon(); });
  let pending = null;
  function renderSoon() { if (!pending) pending = setTimeout(() => { pending = null; if (!document.activeElement || !$("[data-testid=side-panel]").contains(document.activeElement)) render(); }, 50); }
  const saveButton = $("[data-testid=save]");
  if (saveButton) saveButton.addEventListener("click", save);
  document.addEventListener("keydown", (e) => { if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); } });
  $("[data-testid=reload]").addEventListener("click", () => { state.dirty = false; window.location.reload(); });
  $("[data-testid=download-xml]").addEventListener("click", async () => download(`${config.name}.bpmn20.xml`, (await modeler.saveXML({ format: true })).xml, "application/xml"));
  $("[data-testid=download-svg]").addEventListener("click", async () => download(`${config.name}.svg`, (await modeler.saveSVG()).svg, "image/svg+xml"));

  async function loadCatalog() {
    try {
      const response = await fetch(config.implementationsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const body = await response.json();
      for (const { entry } of body.list.entries) state.catalog.set(entry.implementation, entry);
    } catch (error) {
      state.catalogError = `The connector actions could not be loaded (${error.message}); reload the page to try again.`;
    }
  }

  async function open() {
    const started = performance.now();
    try {
      await Promise.all([modeler.importXML(config.content), loadCatalog()]);
      canvas.zoom("fit-viewport");
    } catch (error) {
      setState("error", "The diagram cannot be shown");
      showError(`The stored BPMN cannot be shown in the editor: ${error.message}. The XML tab still holds it.`);
      $("[data-testid=xml-text]").value = config.content;
      return;
    }
    state.dirty = false;
    setState("saved", `Saved (version ${config.version})`);
    if (saveButton) saveButton.disabled = false;
    document.body.dataset.editorReady = String(Math.round(performance.now() - started));
    render();
    renderProblems();
  }
  open();
})();
