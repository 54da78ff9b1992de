// The deployment descriptor editor (templates/deployments/descriptor_edit.html).
// Data comes from the page's json_script; everything else goes through the deployment service
// API (/deployment-service/v1/). Secure values are sent when saving only, never shown back: the
// page says "set" or "not set". No inline script: the page's CSP forbids it.
(function () {
  "use strict";

  const dataNode = document.getElementById("deployment-data");
  const form = document.getElementById("descriptor-form");
  if (!dataNode || !form) return;
  const data = JSON.parse(dataNode.textContent);
  const api = data.urls.api;
  const release = data.release;
  let descriptor = data.descriptor;
  let etag = descriptor ? '"' + descriptor.version + '"' : null;
  let validateTimer = null;
  let validateSeq = 0;
  const SECURE_PLACEHOLDER = "(entered)"; // stands for a typed secure value while validating

  const q = (sel, root) => (root || document).querySelector(sel);
  const nameInput = q('[data-testid="name"]', form);
  const brokerInput = q('[data-testid="broker"]', form);
  const connectorsBox = q('[data-testid="connectors"]', form);
  const problemsList = q('[data-testid="problems"]', form);
  const validationState = q('[data-testid="validation-state"]', form);
  const saveState = q('[data-testid="save-state"]', form);
  const download = q('[data-testid="download"]', form);
  const template = document.getElementById("connector-template");

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function text(tag, value, cls) {
    const node = document.createElement(tag);
    node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  function variableRow(connector, variable, current) {
    const row = document.createElement("tr");
    row.dataset.variable = variable.name;
    row.dataset.testid = "variable";
    row.setAttribute("data-testid", "variable-" + connector.name + "-" + variable.name);
    const nameCell = document.createElement("td");
    const label = document.createElement("label");
    const inputId = "v-" + connector.name + "-" + variable.name;
    label.htmlFor = inputId;
    label.textContent = variable.name;
    if (variable.required) {
      const star = text("span", " *", "required");
      star.title = "required";
      label.appendChild(star);
    }
    nameCell.appendChild(label);
    const valueCell = document.createElement("td");
    const input = document.createElement("input");
    input.id = inputId;
    input.dataset.name = variable.name;
    input.spellcheck = false;
    if (variable.secure) {
      const state = descriptor && descriptor.connectors[connector.name]
        ? descriptor.connectors[connector.name].secureVariables[variable.name] || "not set"
        : "not set";
      input.type = "password";
      input.autocomplete = "new-password";
      input.dataset.secure = "true";
      input.placeholder = state;
      input.value = "";
      valueCell.appendChild(input);
      const badge = text("span", state, "badge");
      badge.setAttribute("data-testid", "secure-state");
      valueCell.appendChild(badge);
    } else {
      input.type = "text";
      input.dataset.secure = "false";
      input.placeholder = variable.value ? "default: " + variable.value : "";
      input.value = current !== undefined ? current : variable.value;
      valueCell.appendChild(input);
    }
    if (variable.required) input.setAttribute("aria-required", "true");
    const descriptionCell = text("td", variable.description || (variable.secure ? "secure" : ""), "help");
    row.append(nameCell, valueCell, descriptionCell);
    return row;
  }

  function extraRow(name, value) {
    const row = document.createElement("tr");
    row.dataset.extra = "true";
    const nameCell = document.createElement("td");
    const nameField = document.createElement("input");
    nameField.type = "text";
    nameField.placeholder = "NAME";
    nameField.value = name;
    nameField.setAttribute("aria-label", "Variable name");
    nameField.dataset.role = "extra-name";
    nameCell.appendChild(nameField);
    const valueCell = document.createElement("td");
    const valueField = document.createElement("input");
    valueField.type = "text";
    valueField.value = value;
    valueField.setAttribute("aria-label", "Variable value");
    valueField.dataset.role = "extra-value";
    valueCell.appendChild(valueField);
    const actionCell = document.createElement("td");
    const remove = text("button", "Remove");
    remove.type = "button";
    remove.addEventListener("click", () => {
      row.remove();
      scheduleValidate();
    });
    actionCell.appendChild(remove);
    row.append(nameCell, valueCell, actionCell);
    return row;
  }

  function buildConnectors() {
    connectorsBox.textContent = "";
    q('[data-testid="no-connectors"]', form).hidden = release.connectors.length > 0;
    for (const connector of release.connectors) {
      const node = template.content.firstElementChild.cloneNode(true);
      node.dataset.connector = connector.name;
      node.setAttribute("data-testid", "connector-" + connector.name);
      q('[data-field="name"]', node).textContent = "Connector " + connector.name;
      q('[data-field="destinations"]', node).textContent =
        connector.destinations.length ? "Consumes: " + connector.destinations.join(", ") : "No actions";
      const stored = descriptor && descriptor.connectors[connector.name];
      const image = q('[data-field="image"]', node);
      image.value = stored ? stored.image : "";
      image.setAttribute("aria-label", "Image of " + connector.name);
      const replicas = q('[data-field="replicas"]', node);
      replicas.value = stored ? stored.replicas : 1;
      replicas.setAttribute("aria-label", "Replicas of " + connector.name);
      const body = q('[data-field="variables"]', node);
      const known = new Set();
      for (const variable of connector.variables) {
        known.add(variable.name);
        body.appendChild(variableRow(connector, variable, stored ? stored.variables[variable.name] : undefined));
      }
      if (stored) {
        for (const [name, value] of Object.entries(stored.variables)) {
          if (!known.has(name)) body.appendChild(extraRow(name, value));
        }
      }
      q('[data-field="add-variable"]', node).addEventListener("click", () => {
        const row = extraRow("", "");
        body.appendChild(row);
        q("input", row).focus();
      });
      connectorsBox.appendChild(node);
    }
  }

  function collect(forValidation) {
    const body = { name: nameInput.value.trim(), releaseId: release.id, connectors: {} };
    if (brokerInput.value.trim()) body.broker = brokerInput.value.trim();
    for (const node of connectorsBox.querySelectorAll("[data-connector]")) {
      const replicasText = q('[data-field="replicas"]', node).value.trim();
      const replicas = /^-?\d+$/.test(replicasText) ? parseInt(replicasText, 10) : replicasText;
      const settings = { image: q('[data-field="image"]', node).value.trim(), replicas: replicas, variables: {} };
      for (const input of node.querySelectorAll("input[data-name]")) {
        if (input.dataset.secure === "true") {
          if (input.value !== "") settings.variables[input.dataset.name] = forValidation ? SECURE_PLACEHOLDER : input.value;
        } else {
          settings.variables[input.dataset.name] = input.value;
        }
      }
      for (const row of node.querySelectorAll("tr[data-extra]")) {
        const name = q('[data-role="extra-name"]', row).value.trim();
        if (name) settings.variables[name] = q('[data-role="extra-value"]', row).value;
      }
      // variables are merged on the server: a stored one no longer in the form is removed with null
      const stored = descriptor && descriptor.connectors[node.dataset.connector];
      if (stored) {
        for (const name of Object.keys(stored.variables)) {
          if (!(name in settings.variables)) settings.variables[name] = null;
        }
      }
      body.connectors[node.dataset.connector] = settings;
    }
    return body;
  }

  function showProblems(problems, headline) {
    problemsList.textContent = "";
    for (const problem of problems) {
      const item = text("li", (problem.warning ? "Warning: " : "") + (problem.description || problem.problem));
      item.className = problem.warning ? "warning" : "error";
      problemsList.appendChild(item);
    }
    validationState.textContent = headline;
    const errors = problems.filter((p) => !p.warning).length;
    form.dataset.valid = errors ? "false" : "true";
    for (const node of connectorsBox.querySelectorAll("[data-connector]")) {
      const bad = problems.some((p) => !p.warning && p.referenceId === node.dataset.connector);
      q('[data-field="image"]', node).setAttribute("aria-invalid", bad ? "true" : "false");
    }
  }

  async function send(method, url, body, headers) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: Object.assign(
        { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        headers || {}
      ),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = null;
    try {
      json = await response.json();
    } catch (error) {
      json = null;
    }
    return { response, json };
  }

  async function validateNow() {
    const seq = ++validateSeq;
    const suffix = descriptor ? "?descriptorId=" + encodeURIComponent(descriptor.id) : "";
    validationState.textContent = "Checking…";
    try {
      const { response, json } = await send("POST", api + "/descriptors/validate" + suffix, collect(true));
      if (seq !== validateSeq) return;
      if (response.ok) {
        const problems = (json && json.problems) || [];
        showProblems(problems, problems.length ? "Valid, with warnings" : "Valid: ready to deploy");
      } else if (json && json.errors) {
        showProblems(json.errors, json.message || "Problems found");
      } else {
        showProblems([], "Could not check (" + response.status + ")");
      }
    } catch (error) {
      if (seq === validateSeq) validationState.textContent = "Could not check: the server is unreachable";
    }
  }

  function scheduleValidate() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validateNow, 300);
  }

  function showDownload() {
    const ready = Boolean(descriptor && descriptor.state === "valid");
    if (ready) download.href = api + "/descriptors/" + encodeURIComponent(descriptor.id) + "/export";
    download.hidden = !ready;
    download.style.display = ready ? "" : "none"; // the button style would show a [hidden] link
  }

  async function save(event) {
    event.preventDefault();
    saveState.textContent = "Saving…";
    const body = collect(false);
    let result;
    try {
      if (descriptor) {
        result = await send("PUT", api + "/descriptors/" + encodeURIComponent(descriptor.id), body, { "If-Match": etag });
      } else {
        result = await send("POST", api + "/descriptors", body);
      }
    } catch (error) {
      saveState.textContent = "Not saved: the server is unreachable";
      return;
    }
    const { response, json } = result;
    if (response.status === 201 && json) {
      window.location.assign(data.urls.list + json.entry.id + "/");
      return;
    }
    if (response.ok && json) {
      descriptor = json.entry;
      etag = response.headers.get("ETag") || '"' + descriptor.version + '"';
      buildConnectors();
      saveState.textContent = "Saved (version " + descriptor.version + ")";
      showProblems(descriptor.problems, descriptor.state === "valid" ? "Valid: ready to deploy" : "Saved with problems");
      showDownload();
      return;
    }
    if (response.status === 412) {
      saveState.textContent = "Conflict: someone changed this descriptor meanwhile. Reload the page to see their version.";
    } else {
      saveState.textContent = "Not saved: " + ((json && json.message) || "error " + response.status);
    }
    if (json && json.errors) showProblems(json.errors, "Not saved");
  }

  nameInput.value = descriptor ? descriptor.name : "";
  brokerInput.value = descriptor ? descriptor.broker : "";
  buildConnectors();
  form.addEventListener("input", scheduleValidate);
  form.addEventListener("submit", save);
  showDownload();
  if (descriptor) {
    showProblems(descriptor.problems, descriptor.state === "valid" ? "Valid: ready to deploy" : "Problems found");
  } else {
    scheduleValidate();
  }
})();
