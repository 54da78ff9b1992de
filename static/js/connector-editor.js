// The connector editor: a form over the connector JSON (SPEC §4.2), a JSON tab, and saving
// with If-Match so that a stale copy gets the conflict state instead of overwriting.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const $ = (selector, root = document) => root.querySelector(selector);
  const state = { doc: JSON.parse(config.content), storedText: config.content, etag: config.etag,
                  dirty: false, tab: "form", jsonDirty: false };

  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function setState(name, text) {
    const badge = $("[data-testid=save-state]");
    badge.dataset.state = name;
    badge.textContent = text;
  }
  function markDirty() {
    state.dirty = true;
    setState("unsaved", "Unsaved changes");
  }
  window.addEventListener("beforeunload", (event) => {
    if (state.dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, "");
      else if (value !== false && value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  // An input bound to obj[key]; empty optional strings are removed so the JSON stays minimal.
  function textInput(obj, key, attrs = {}) {
    return el("input", Object.assign({ type: "text", value: obj[key] ?? "", oninput: (e) => {
      if (e.target.value === "" && attrs.optional) delete obj[key]; else obj[key] = e.target.value;
      markDirty();
    } }, attrs, { optional: false }));
  }
  function checkbox(obj, key, attrs = {}, after) {
    return el("input", Object.assign({ type: "checkbox", checked: !!obj[key], onchange: (e) => {
      obj[key] = e.target.checked; markDirty(); if (after) after();
    } }, attrs));
  }
  function button(text, onclick, attrs = {}) {
    return el("button", Object.assign({ type: "button", text, onclick }, attrs));
  }
  function move(list, index, delta) {
    const target = index + delta;
    if (target < 0 || target >= list.length) return;
    [list[index], list[target]] = [list[target], list[index]];
  }

  function parameterRow(list, index, direction, actionName) {
    const p = list[index];
    const label = `${direction} ${index + 1} of ${actionName}`;
    return el("tr", { "data-testid": `${direction}-row` }, [
      el("td", {}, [textInput(p, "name", { "aria-label": `${label}: name`, "data-testid": "param-name" })]),
      el("td", {}, [textInput(p, "type", { list: "parameter-types", "aria-label": `${label}: type`, "data-testid": "param-type" })]),
      el("td", {}, [checkbox(p, "required", { "aria-label": `${label}: required`, "data-testid": "param-required" })]),
      el("td", {}, [textInput(p, "description", { optional: true, "aria-label": `${label}: description` })]),
      el("td", {}, [button("Remove", () => { list.splice(index, 1); markDirty(); renderForm(); }, { class: "link danger" })]),
    ]);
  }
  function parameterTable(action, direction) {
    action[direction] = action[direction] || [];
    const list = action[direction];
    const body = el("tbody", {}, list.map((_, i) => parameterRow(list, i, direction.slice(0, -1), action.name)));
    return el("div", { "data-testid": direction }, [
      el("h3", { text: direction === "inputs" ? "Inputs (process → connector)" : "Outputs (connector → process)" }),
      el("table", { class: "grid" }, [
        el("thead", {}, [el("tr", {}, ["Name", "Type", "Required", "Description", ""].map((h) => el("th", { text: h })))]),
        body,
      ]),
      button(direction === "inputs" ? "Add input" : "Add output", () => {
        list.push({ id: uuid(), name: "", type: "string", required: false });
        markDirty(); renderForm();
        const rows = $(`[data-action-id="${action.id}"] [data-testid=${direction}] tbody`).rows;
        rows[rows.length - 1].querySelector("input").focus();
      }, { "data-testid": `add-${direction.slice(0, -1)}` }),
    ]);
  }

  function renderActions() {
    const doc = state.doc;
    doc.actions = doc.actions || {};
    const keys = Object.keys(doc.actions);
    const container = $("[data-testid=actions]");
    container.replaceChildren(...keys.map((key, index) => {
      const action = doc.actions[key];
      const reorder = (delta) => {
        move(keys, index, delta);
        const reordered = {};
        for (const k of keys) reordered[k] = doc.actions[k];
        doc.actions = reordered; markDirty(); renderForm();
      };
      return el("div", { class: "action", "data-testid": "action", "data-action-id": action.id }, [
        el("div", { class: "action-head" }, [
          el("label", { text: "Action name " }, [textInput(action, "name", { "data-testid": "action-name" })]),
          el("label", { text: "Description " }, [textInput(action, "description", { optional: true })]),
          button("↑", () => reorder(-1), { title: "Move up", "aria-label": "Move action up" }),
          button("↓", () => reorder(1), { title: "Move down", "aria-label": "Move action down" }),
          button("Remove action", () => {
            if (!confirm(`Remove action '${action.name}'?`)) return;
            delete doc.actions[key]; markDirty(); renderForm();
          }, { class: "danger" }),
        ]),
        parameterTable(action, "inputs"),
        parameterTable(action, "outputs"),
      ]);
    }));
    if (!keys.length) container.append(el("p", { class: "empty", text: "No actions yet." }));
  }

  function renderConfig() {
    const list = state.doc.config || [];
    $("[data-testid=config] tbody").replaceChildren(...list.map((item, index) => {
      const value = textInput(item, "value", { optional: true, "aria-label": `Variable ${index + 1}: default value`,
                                               disabled: !!item.secure, placeholder: item.secure ? "entered at deployment" : "" });
      return el("tr", { "data-testid": "config-row" }, [
        el("td", {}, [textInput(item, "name", { "aria-label": `Variable ${index + 1}: name`, "data-testid": "config-name" })]),
        el("td", {}, [textInput(item, "description", { optional: true, "aria-label": `Variable ${index + 1}: description` })]),
        el("td", {}, [value]),
        el("td", {}, [checkbox(item, "required", { "aria-label": `Variable ${index + 1}: required` })]),
        el("td", {}, [checkbox(item, "secure", { "aria-label": `Variable ${index + 1}: secure`, "data-testid": "config-secure" },
                               () => { if (item.secure) item.value = ""; renderConfig(); })]),
        el("td", {}, [button("Remove", () => { list.splice(index, 1); markDirty(); renderForm(); }, { class: "link danger" })]),
      ]);
    }));
  }

  function renderErrors() {
    const list = state.doc.errors || [];
    $("[data-testid=errors] tbody").replaceChildren(...list.map((item, index) => el("tr", {}, [
      el("td", {}, [textInput(item, "name", { "aria-label": `Error ${index + 1}: name` })]),
      el("td", {}, [textInput(item, "code", { optional: true, "aria-label": `Error ${index + 1}: code` })]),
      el("td", {}, [textInput(item, "description", { optional: true, "aria-label": `Error ${index + 1}: description` })]),
      el("td", {}, [button("Remove", () => { list.splice(index, 1); markDirty(); renderForm(); }, { class: "link danger" })]),
    ])));
  }

  function renderForm() {
    $("[data-testid=connector-name]").value = state.doc.name ?? "";
    $("[data-testid=connector-description]").value = state.doc.description ?? "";
    renderActions(); renderConfig(); renderErrors();
  }

  $("[data-testid=connector-name]").addEventListener("input", (e) => { state.doc.name = e.target.value; markDirty(); });
  $("[data-testid=connector-description]").addEventListener("input", (e) => { state.doc.description = e.target.value; markDirty(); });
  $("[data-testid=add-action]").addEventListener("click", () => {
    const id = uuid();
    state.doc.actions = state.doc.actions || {};
    state.doc.actions[id] = { id, name: "", inputs: [], outputs: [] };
    markDirty(); renderForm();
    $(`[data-action-id="${id}"] [data-testid=action-name]`).focus();
  });
  $("[data-testid=add-config]").addEventListener("click", () => {
    (state.doc.config = state.doc.config || []).push({ name: "", required: false, secure: false });
    markDirty(); renderForm();
  });
  $("[data-testid=add-error]").addEventListener("click", () => {
    (state.doc.errors = state.doc.errors || []).push({ name: "" });
    markDirty(); renderForm();
  });

  // The JSON tab shows exactly the stored text until the form changes the document.
  const jsonText = $("[data-testid=json-text]");
  jsonText.addEventListener("input", () => { state.jsonDirty = true; markDirty(); });
  function currentText() {
    if (state.tab === "json") return jsonText.value;
    return state.dirty ? JSON.stringify(state.doc, null, 2) + "\n" : state.storedText;
  }
  function showTab(tab) {
    if (tab === state.tab) return;
    if (tab === "form") {
      try { state.doc = JSON.parse(jsonText.value); }
      catch (error) { showJsonError(`The JSON cannot be read: ${error.message}. Fix it before going back to the form.`); return; }
      renderForm();
    } else {
      jsonText.value = currentText();
    }
    $("[data-testid=json-error]").hidden = true;
    state.tab = tab;
    for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab;
  }
  function showJsonError(text) {
    const box = $("[data-testid=json-error]");
    box.textContent = text; box.hidden = false;
  }
  for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));

  function showProblems(problems) {
    const list = $("[data-testid=problems]");
    list.replaceChildren(...problems.map((p) => el("li", { text: p.description || p.problem })));
    list.hidden = problems.length === 0;
  }

  async function save() {
    const text = currentText();
    if (state.tab === "json") {
      try { JSON.parse(text); } catch (error) { showJsonError(`The JSON cannot be read: ${error.message}`); setState("error", "Not saved: invalid JSON"); return; }
    }
    setState("saving", "Saving…");
    let response;
    try {
      response = await fetch(config.contentUrl, { method: "PUT", credentials: "same-origin", body: text,
        headers: { "Content-Type": "application/json", "If-Match": state.etag, "X-CSRFToken": csrf() } });
    } catch (error) {
      setState("error", "Not saved: the server cannot be reached. Your changes are kept; try again.");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      state.etag = response.headers.get("ETag");
      state.storedText = text; state.doc = JSON.parse(text);
      state.dirty = false; state.jsonDirty = false;
      $("[data-testid=conflict]").hidden = true;
      showProblems(body.problems || []);
      $("[data-testid=connector-title]").textContent = body.entry.name;
      setState("saved", `Saved (version ${body.entry.version})`);
      if (state.tab === "form") renderForm(); else jsonText.value = text;
    } else if (response.status === 412) {
      $("[data-testid=conflict]").hidden = false;
      setState("conflict", "Conflict: not saved");
    } else {
      showProblems(body.errors || [{ problem: body.message || `Error ${response.status}` }]);
      setState("error", `Not saved: ${body.message || response.status}`);
      if (state.tab === "json") showJsonError(body.message || "");
    }
  }
  $("[data-testid=save]").addEventListener("click", save);
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); }
  });
  $("[data-testid=reload]").addEventListener("click", () => { state.dirty = false; location.reload(); });

  renderForm();
})();
