// The Run panel of the process editor (SPEC §11): under the canvas, a form for the process
// variables (typed, defaults filled, required marked) and the time limits; Start runs the saved
// process (saving unsaved changes first), then polls GET /runs/{id} and shows the run live: the
// path highlighted on the canvas with the current element marked, each service task's request
// and answer, the variables at the end, and on failure the message with the failing element
// selected. Recent runs of the model can be shown again. Stored and received text is hostile:
// every text goes in as textContent.
import { el, api } from "../../workspace/dom.js";
import { valueText, VARIABLE_TYPES } from "../../lib/values.js";
import { RUN_END, RUN_STATE_WORDS, durationText, flowsTaken, runPath, runValueText, runVariables } from "../../lib/run.js";
import { processIdOf } from "./extensions.js";

const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 1000;
const MARKERS = ["run-passed", "run-current", "run-failed"];

/** The workspace's fetch (session, CSRF, JSON), with a body object even when none came back. */
async function request(method, url, body) {
  const result = await api(method, url, body);
  return { ...result, data: result.data || {} };
}

function whenText(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso || "" : date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

function valuesTable(values, caption, testid) {
  const rows = Object.entries(values || {});
  if (!rows.length) return el("p", { class: "help", "data-testid": testid, text: `${caption}: none.` });
  return el("table", { class: "grid run-values", "data-testid": testid }, [
    el("caption", { text: caption }),
    el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: "Name" }), el("th", { scope: "col", text: "Value" })])]),
    el("tbody", {}, rows.map(([name, value]) => el("tr", { "data-name": name }, [
      el("th", { scope: "row", text: name }),
      el("td", { class: value === null || value === undefined ? "no-value" : "", text: runValueText(value) }),
    ]))),
  ]);
}

/**
 * `data`: the editor's data (modelId, name, runsUrl, runUrl); `modeler`: the bpmn-js modeler;
 * `store`: the extensions store; `editor()`: the editor's api (dirty, save(), selectElement());
 * `workspace`: the hooks (say()). Returns {panel, button, toggle(), close()}.
 */
export function createRunPanel({ data, modeler, store, editor, workspace }) {
  const id = data.modelId;
  const canvas = modeler.get("canvas");
  const elementRegistry = modeler.get("elementRegistry");
  // `token` changes when the panel closes or another run is followed: an answer that comes back
  // after that is dropped (no markers on a closed panel, no polling nobody sees).
  const state = { typed: {}, run: null, polling: null, marked: new Set(), open: false, token: 0 };

  const fields = el("div", { class: "run-fields", "data-testid": "run-variables" });
  const totalLimit = el("input", { type: "number", id: `run-total-${id}`, min: "1", max: "600", step: "1", value: "60", "data-testid": "run-timeout" });
  const stepLimit = el("input", { type: "number", id: `run-step-${id}`, min: "1", max: "600", step: "1", value: "10", "data-testid": "run-step-timeout" });
  const startButton = el("button", { type: "submit", class: "primary", "data-testid": "run-start", text: "Start" });
  const form = el("form", { class: "run-form", "data-testid": "run-form", novalidate: true }, [
    fields,
    el("details", { class: "run-limits" }, [
      el("summary", { text: "Time limits" }),
      el("div", { class: "run-limit" }, [el("label", { for: totalLimit.id, text: "Whole run, seconds" }), totalLimit]),
      el("div", { class: "run-limit" }, [el("label", { for: stepLimit.id, text: "Each service task, seconds" }), stepLimit]),
    ]),
    el("p", { class: "run-actions" }, [startButton]),
  ]);
  const status = el("p", { class: "run-status", "data-testid": "run-status", role: "status", "aria-live": "polite" });
  const failure = el("div", { class: "error run-failure", "data-testid": "run-error", role: "alert", hidden: true });
  const steps = el("ol", { class: "run-steps", "data-testid": "run-steps", "aria-label": "Elements the run passed" });
  const results = el("div", { class: "run-results", "data-testid": "run-results" });
  const recentList = el("ul", { class: "run-recent", "data-testid": "run-recent" });
  const closeButton = el("button", { type: "button", class: "run-close", "data-testid": "run-close", "aria-label": "Close the Run panel", text: "×" });
  const clearButton = el("button", { type: "button", "data-testid": "run-clear", text: "Clear highlights", hidden: true });
  const panel = el("section", { class: "run-panel", id: `run-panel-${id}`, "data-testid": "run-panel", hidden: true, "aria-label": `Test run of ${data.name}` }, [
    el("header", { class: "run-header" }, [
      el("h2", { text: "Test run" }),
      el("p", { class: "help", text: "Runs the saved process against the real connectors; unsaved changes are saved first." }),
      clearButton, closeButton,
    ]),
    el("div", { class: "run-columns" }, [
      el("div", { class: "run-start" }, [form, el("details", { class: "run-history" }, [el("summary", { text: "Recent runs" }), recentList])]),
      el("div", { class: "run-progress" }, [status, failure, steps, results]),
    ]),
  ]);
  const button = el("button", { type: "button", "data-testid": "run-open", "aria-expanded": "false", "aria-controls": panel.id, text: "Run…" });

  // While a run goes, Start stays focusable (aria-disabled, not disabled: the focus is not lost
  // and Escape still closes the panel) but does nothing.
  function setBusy(busy) {
    state.busy = Boolean(busy);
    startButton.setAttribute("aria-disabled", String(state.busy));
    startButton.textContent = state.busy ? "Running…" : "Start";
  }
  function processId() {
    return processIdOf(canvas.getRootElement(), modeler.getDefinitions());
  }
  function declared() {
    return store.variables(processId()).filter((v) => v && v.name);
  }

  // --- the form ----------------------------------------------------------------------------------
  function renderFields() {
    fields.replaceChildren();
    const variables = declared();
    if (!variables.length) {
      fields.append(el("p", { class: "help", "data-testid": "run-no-variables", text: "The process has no variables: Start runs it as it is." }));
      return;
    }
    fields.append(el("p", { class: "help", text: "Process variables (defaults filled in; * required):" }));
    for (const variable of variables) {
      const fieldId = `run-var-${id}-${variable.id || variable.name}`;
      const text = state.typed[variable.name] !== undefined ? state.typed[variable.name] : valueText(variable.value);
      const type = VARIABLE_TYPES.includes(variable.type) ? variable.type : "string";
      let input;
      if (type === "boolean") {
        input = el("select", { id: fieldId }, [
          el("option", { value: "", text: "(no value)" }), el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }),
        ]);
        input.value = text;
      } else if (["json", "file", "folder", "array"].includes(type)) {
        input = el("textarea", { id: fieldId, rows: "2", spellcheck: "false" });
        input.value = text;
      } else {
        const kinds = { integer: "number", date: "date", datetime: "text" };
        input = el("input", { id: fieldId, type: kinds[type] || "text", step: type === "integer" ? "1" : null,
          placeholder: type === "datetime" ? "2024-01-31T12:00:00Z" : null, autocomplete: "off" });
        input.value = text;
      }
      input.dataset.testid = `run-variable-${variable.name}`;
      input.dataset.name = variable.name;
      if (variable.required) input.setAttribute("aria-required", "true");
      const message = el("span", { class: "field-error", id: `${fieldId}-error`, "data-testid": `run-variable-error-${variable.name}`, hidden: true });
      input.setAttribute("aria-describedby", message.id);
      input.addEventListener("input", () => { state.typed[variable.name] = input.value; fieldError(input, message, ""); });
      fields.append(el("div", { class: "run-field" }, [
        el("label", { for: fieldId }, [
          el("span", { class: "run-var-name", text: variable.name }),
          variable.required ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null,
          el("span", { class: "run-var-type", text: ` ${type}${variable.required ? ", required" : ""}` }),
        ]),
        input, message,
      ]));
    }
  }
  function fieldError(input, message, text) {
    message.textContent = text;
    message.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  function readForm() {
    const typed = {};
    const unreadable = {};
    for (const input of fields.querySelectorAll("[data-name]")) {
      typed[input.dataset.name] = input.value;
      // A number box holding what is no number reads as "": say so rather than "required".
      if (input.validity && input.validity.badInput) unreadable[input.dataset.name] = "Not a number.";
    }
    const read = runVariables(declared(), typed);
    const values = read.values;
    const errors = Object.assign(read.errors, unreadable);
    for (const name of Object.keys(unreadable)) delete values[name];
    let first = null;
    for (const input of fields.querySelectorAll("[data-name]")) {
      const message = fields.querySelector(`#${CSS.escape(input.id)}-error`);
      fieldError(input, message, errors[input.dataset.name] || "");
      if (errors[input.dataset.name] && !first) first = input;
    }
    return { values, first };
  }
  function limit(input, fallback) {
    const value = Number(input.value);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  }

  // --- the canvas ----------------------------------------------------------------------------------
  function mark(id, marker) {
    if (!elementRegistry.get(id)) return;
    canvas.addMarker(id, marker);
    state.marked.add(id);
  }
  function clearMarks() {
    for (const elementId of state.marked) {
      if (elementRegistry.get(elementId)) for (const marker of MARKERS) canvas.removeMarker(elementId, marker);
    }
    state.marked.clear();
    clearButton.hidden = true;
  }
  function showPath(run) {
    clearMarks();
    const path = runPath(run.trace);
    const flows = elementRegistry.filter((e) => e.type === "bpmn:SequenceFlow" && e.source && e.target)
      .map((e) => ({ id: e.id, sourceId: e.source.id, targetId: e.target.id }));
    for (const elementId of [...path.passed, ...flowsTaken(flows, path)]) mark(elementId, "run-passed");
    if (run.state === "RUNNING") for (const elementId of path.current) mark(elementId, "run-current");
    const failed = run.error && run.error.elementId;
    if (failed) mark(failed, "run-failed");
    clearButton.hidden = state.marked.size === 0;
    return path;
  }

  // --- the run as it goes ------------------------------------------------------------------------
  function elementName(elementId) {
    const element = elementRegistry.get(elementId);
    const name = element && element.businessObject && element.businessObject.name;
    return name ? `${name} (${elementId})` : elementId;
  }
  function selectButton(elementId, text) {
    return el("button", { type: "button", class: "link", "data-element-id": elementId, text: text || elementName(elementId),
      onclick: () => editor().selectElement(elementId) });
  }
  function renderSteps(run, path) {
    const tasks = new Map();
    for (const task of run.serviceTasks || []) {
      if (!tasks.has(task.elementId)) tasks.set(task.elementId, []);
      tasks.get(task.elementId).push(task);
    }
    const current = new Set(run.state === "RUNNING" ? path.current : []);
    const left = new Set(path.left);
    const failed = run.error && run.error.elementId;
    steps.replaceChildren(...path.passed.map((elementId) => {
      const word = elementId === failed ? "failed" : current.has(elementId) ? "running" : left.has(elementId) ? "done" : "stopped";
      const item = el("li", { class: `run-step run-step-${word}`, "data-testid": "run-step", "data-element-id": elementId }, [
        selectButton(elementId), el("span", { class: "run-step-state", text: ` ${word}` }),
      ]);
      for (const task of tasks.get(elementId) || []) {
        const answer = task.result
          ? valuesTable(task.result.outBoundVariables, "Result (outBoundVariables)", "run-task-result")
          : task.error
            ? el("p", { class: "error", "data-testid": "run-task-error", text: `Error${task.error.errorCode ? ` ${task.error.errorCode}` : ""}: ${task.error.errorMessage || ""}` })
            : el("p", { class: "help", text: "Waiting for the answer…" });
        const took = durationText(task.sentAt, task.answeredAt);
        item.append(el("details", { class: "run-task", "data-testid": "run-task", open: task.result || task.error ? null : true }, [
          el("summary", { text: `${task.destination}${took ? ` — answered in ${took}` : ""}` }),
          valuesTable(task.inBoundVariables, "Request (inBoundVariables)", "run-task-request"),
          answer,
        ]));
      }
      return item;
    }));
  }
  function render(run) {
    state.run = run;
    const path = showPath(run);
    renderSteps(run, path);
    const words = RUN_STATE_WORDS[run.state] || run.state;
    const took = durationText(run.creationDate, run.finishedDate);
    if (run.state === "RUNNING") {
      status.textContent = path.current.length ? `Running: ${path.current.map(elementName).join(", ")}` : "Running…";
    } else {
      status.textContent = `${words}${took ? ` in ${took}` : ""} (run of version ${run.modelVersion}).`;
    }
    status.dataset.state = run.state;
    results.replaceChildren();
    failure.hidden = true;
    if (run.error) {
      failure.replaceChildren(el("strong", { text: `${words}: ` }), run.error.message);
      if (run.error.elementId) failure.append(" ", selectButton(run.error.elementId, `Show ${elementName(run.error.elementId)}`));
      failure.hidden = false;
    }
    if (RUN_END.includes(run.state)) results.append(valuesTable(run.variables, "Variables at the end", "run-final-variables"));
  }
  function stopPolling() {
    if (state.polling) clearTimeout(state.polling);
    state.polling = null;
  }
  async function follow(runId, delay = POLL_FIRST_MS, token = state.token) {
    stopPolling();
    const { ok, status: code, data: body } = await request("GET", `${data.runUrl}${runId}`).catch(() => ({ ok: false, status: 0, data: {} }));
    if (token !== state.token || !state.open) return; // closed, or another run followed meanwhile
    if (!ok) {
      if (code === 0 || code >= 500) {
        status.textContent = "The server cannot be reached; still trying…";
        state.polling = setTimeout(() => follow(runId, POLL_MAX_MS, token), POLL_MAX_MS);
      } else {
        status.textContent = `The run cannot be read: ${body.message || code}`;
        setBusy(false);
      }
      return;
    }
    render(body.entry);
    if (body.entry.state === "RUNNING") {
      state.polling = setTimeout(() => follow(runId, Math.min(delay * 1.5, POLL_MAX_MS), token), delay);
      return;
    }
    setBusy(false);
    loadRecent();
    workspace.say(`Test run of ${data.name}: ${status.textContent}`);
    if (body.entry.error && body.entry.error.elementId) editor().selectElement(body.entry.error.elementId);
  }

  async function start(event) {
    event.preventDefault();
    if (state.busy) return;
    failure.hidden = true;
    const api = editor();
    if (api.dirty) {
      status.textContent = "Saving the process first…";
      await api.save();
      if (api.dirty) {
        status.textContent = "";
        failure.replaceChildren("Not started: the process could not be saved (see above).");
        failure.hidden = false;
        return;
      }
      renderFields();
    }
    const { values, first } = readForm();
    if (first) {
      status.textContent = "Not started: fix the highlighted variables.";
      first.focus();
      return;
    }
    setBusy(true);
    stopPolling();
    const token = ++state.token;
    clearMarks();
    steps.replaceChildren();
    results.replaceChildren();
    status.textContent = "Starting…";
    const body = { variables: values, timeoutSeconds: limit(totalLimit, 60), stepTimeoutSeconds: limit(stepLimit, 10) };
    const answer = await request("POST", data.runsUrl, body).catch(() => ({ ok: false, status: 0, data: {} }));
    if (token !== state.token || !state.open) { setBusy(false); return; }
    if (!answer.ok) {
      setBusy(false);
      status.textContent = "";
      showRefusal(answer);
      return;
    }
    state.run = answer.data.entry;
    render(state.run);
    follow(state.run.id, POLL_FIRST_MS, token);
  }
  function showRefusal({ status: code, data: body }) {
    const text = code === 0 ? "The server cannot be reached: the run was not started." : `Not started: ${body.message || `the server answered ${code}`}`;
    failure.replaceChildren(el("p", { text }));
    const problems = (body.errors || []).filter((p) => p.description || p.problem);
    if (problems.length > 1 || (problems.length === 1 && problems[0].referenceId && elementRegistry.get(problems[0].referenceId))) {
      failure.append(el("ul", { "data-testid": "run-refusal" }, problems.map((p) => el("li", {}, [
        p.description || p.problem,
        p.referenceId && elementRegistry.get(p.referenceId) ? " " : null,
        p.referenceId && elementRegistry.get(p.referenceId) ? selectButton(p.referenceId, `Show ${elementName(p.referenceId)}`) : null,
      ]))));
      for (const p of problems) if (p.referenceId) mark(p.referenceId, "run-failed");
      clearButton.hidden = state.marked.size === 0;
    }
    failure.hidden = false;
  }

  async function loadRecent() {
    const { ok, data: body } = await request("GET", data.runsUrl).catch(() => ({ ok: false, data: {} }));
    if (!ok) return;
    const entries = ((body.list && body.list.entries) || []).map((e) => e.entry);
    recentList.replaceChildren(...(entries.length ? entries.map((run) => el("li", {}, [
      el("button", { type: "button", class: "link", "data-testid": "run-recent-item", text: `${whenText(run.creationDate)} — ${RUN_STATE_WORDS[run.state] || run.state} (${run.createdBy}, version ${run.modelVersion})`,
        onclick: () => { state.token += 1; state.run = { id: run.id }; setBusy(run.state === "RUNNING"); follow(run.id); } }),
    ])) : [el("li", { class: "help", text: "No runs yet." })]));
  }

  async function open() {
    // The run is shown on the diagram: from a text tab, its edits are applied first (or the tab
    // stays, saying why, and the panel stays closed).
    if (!(await editor().showDiagram())) return;
    state.open = true;
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    renderFields();
    loadRecent();
    canvas.resized();
    const box = canvas.getContainer().getBoundingClientRect();
    if (box.width > 0 && box.height > 0) canvas.zoom("fit-viewport", "auto"); // the whole path above the panel
    // The first required variable still empty, else the first one, else Start.
    const inputs = [...fields.querySelectorAll("[data-name]")];
    const first = inputs.find((input) => input.getAttribute("aria-required") === "true" && !input.value) || inputs[0];
    (first || startButton).focus();
  }
  function close() {
    state.open = false;
    state.token += 1;
    state.run = null;
    stopPolling();
    setBusy(false);
    clearMarks();
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    canvas.resized();
    button.focus();
  }
  form.addEventListener("submit", start);
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    event.preventDefault();
    close();
  });
  clearButton.addEventListener("click", clearMarks);
  button.addEventListener("click", () => (state.open ? close() : open()));

  return {
    panel,
    button,
    /** After a save: the variables may have changed. */
    refresh() { if (state.open) renderFields(); },
    close,
    destroy() { state.open = false; state.token += 1; stopPolling(); },
  };
}
