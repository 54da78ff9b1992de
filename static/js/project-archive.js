// Project archive pages: validate, release, releases (download, restore), export and copy on the
// project page; import (with upload progress) on the project list. Everything goes through the
// modeling API; the pages pass their data as data-* attributes (no inline script: strict CSP).
(function () {
  "use strict";
  const $ = (selector, root = document) => root.querySelector(selector);
  const csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== undefined && value !== null) node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  async function api(method, url, body) {
    const headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (error) { data = null; }
    }
    return { status: response.status, ok: response.ok, data };
  }

  function errorText(result) {
    if (result.data && result.data.message) return result.data.message;
    return `The server answered ${result.status}. Please retry.`;
  }

  // A problem row: what and where, the model named and linked (the editor opens on the model).
  function renderProblems(list, problems, editorUrl) {
    list.replaceChildren();
    for (const problem of problems || []) {
      const kind = problem.warning ? "Warning" : "Error";
      const row = el("li", { "data-testid": "problem", "data-warning": problem.warning ? "true" : "false" });
      row.append(el("strong", { text: `${kind}: ` }));
      const url = problem.modelId && editorUrl ? editorUrl(problem) : null;
      if (url) {
        row.append(el("a", { href: url, "data-testid": "problem-model", text: `${problem.modelName}` }), " — ");
      }
      const described = problem.modelName
        ? (problem.description || problem.problem).replace(/^[a-z]+ '[^']*': /, "")
        : (problem.description || problem.problem);
      row.append(problem.problem && problem.problem !== described ? `${problem.problem}. ${described}` : described);
      if (problem.referenceId && problem.modelId) row.append(el("span", { class: "muted", text: ` (${problem.referenceId})` }));
      list.append(row);
    }
    list.hidden = !(problems && problems.length);
  }

  // --- the project page ---------------------------------------------------------------------
  function projectPage(panel) {
    const projectsApi = panel.dataset.projectsApi;
    const api_root = projectsApi.replace(/\/projects$/, "");
    const projectId = panel.dataset.projectId;
    const canChange = panel.dataset.canChange === "true";
    const editors = { CONNECTOR: panel.dataset.editorConnector, PROCESS: panel.dataset.editorProcess };
    const status = $("[data-testid=archive-status]", panel);
    const problems = $("[data-testid=problems]", panel);
    const editorUrl = (problem) => {
      const base = editors[problem.modelType];
      if (!base) return null;
      return `${base}${problem.modelId}/` + (problem.referenceId ? `#element=${encodeURIComponent(problem.referenceId)}` : "");
    };
    const say = (text, state) => { status.textContent = text; status.dataset.state = state || ""; };
    let busy = false;
    async function run(label, work) {
      if (busy) return;
      busy = true;
      panel.setAttribute("aria-busy", "true");
      say(label, "busy");
      try { await work(); } catch (error) { say("The server could not be reached. Please retry.", "error"); }
      finally { busy = false; panel.removeAttribute("aria-busy"); }
    }

    $("[data-testid=validate]", panel).addEventListener("click", () => run("Validating…", async () => {
      const result = await api("GET", `${projectsApi}/${projectId}/validate`);
      if (result.status === 204) {
        renderProblems(problems, [], editorUrl);
        say("No problems found: the project can be released.", "ok");
      } else if (result.status === 400 && result.data) {
        const errors = result.data.errors.filter((p) => !p.warning).length;
        const warnings = result.data.errors.length - errors;
        const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
        say(`${result.data.message} (${count(errors, "error")}, ${count(warnings, "warning")})`, errors ? "error" : "warning");
        renderProblems(problems, result.data.errors, editorUrl);
      } else {
        say(errorText(result), "error");
      }
    }));

    const releaseForm = $("[data-testid=release-form]", panel);
    if (releaseForm) {
      releaseForm.addEventListener("submit", (event) => {
        event.preventDefault();
        const comment = releaseForm.elements.comment.value;
        run("Validating and releasing…", async () => {
          const result = await api("POST", `${projectsApi}/${projectId}/releases`, { comment });
          if (result.status === 201) {
            releaseForm.reset();
            renderProblems(problems, [], editorUrl);
            say(`Release ${result.data.entry.version} created.`, "ok");
            await loadReleases();
          } else if (result.status === 400 && result.data && result.data.errors) {
            say(`Not released: ${result.data.message}`, "error");
            renderProblems(problems, result.data.errors, editorUrl);
          } else {
            say(errorText(result), "error");
          }
        });
      });
    }

    const table = $("[data-testid=release-list]", panel);
    const noReleases = $("[data-testid=no-releases]", panel);
    const dialog = $("[data-testid=restore-dialog]", panel);
    function confirmRestore(release) {
      return new Promise((resolve) => {
        $("[data-field=version]", dialog).textContent = release.version;
        dialog.addEventListener("close", () => resolve(dialog.returnValue === "restore"), { once: true });
        dialog.showModal();
      });
    }
    async function restore(release) {
      if (!(await confirmRestore(release))) return;
      run(`Restoring release ${release.version}…`, async () => {
        const result = await api("POST", `${api_root}/releases/${release.id}/restore`);
        if (result.ok) {
          say(`Release ${release.version} restored. Reloading…`, "ok");
          window.location.reload();
        } else {
          say(errorText(result), "error");
          renderProblems(problems, result.data && result.data.errors, editorUrl);
        }
      });
    }
    async function loadReleases() {
      const result = await api("GET", `${projectsApi}/${projectId}/releases?maxItems=1000`);
      if (!result.ok) { say(errorText(result), "error"); return; }
      const body = $("tbody", table);
      body.replaceChildren();
      for (const { entry } of result.data.list.entries) {
        const actions = el("td", {}, [
          el("a", { href: `${api_root}/releases/${entry.id}/export?attachment=true`, download: "",
                    "data-testid": "release-download", text: "Download" }),
        ]);
        if (canChange) {
          actions.append(" ", el("button", { type: "button", class: "link", "data-testid": "release-restore",
                                             text: "Restore…", onclick: () => restore(entry) }));
        }
        body.append(el("tr", { "data-testid": "release-row", "data-version": entry.version }, [
          el("td", { text: `${entry.version}${entry.imported ? " (uploaded)" : ""}` }),
          el("td", { text: entry.comment }),
          el("td", { text: entry.createdBy }),
          el("td", { text: new Date(entry.creationDate).toLocaleString() }),
          actions,
        ]));
      }
      const any = result.data.list.entries.length > 0;
      table.hidden = !any;
      noReleases.hidden = any;
    }

    const copyForm = $("[data-testid=copy-form]", panel);
    copyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = copyForm.elements.name.value.trim();
      run("Copying…", async () => {
        const result = await api("POST", `${projectsApi}/${projectId}/copy?name=${encodeURIComponent(name)}`);
        if (result.ok) {
          say(`Copied to '${result.data.entry.name}'. Opening it…`, "ok");
          window.location.assign(`${window.location.pathname.replace(/[^/]+\/$/, "")}${result.data.entry.id}/`);
        } else {
          say(`Not copied: ${errorText(result)}`, "error");
          renderProblems(problems, result.data && result.data.errors, null);
        }
      });
    });

    loadReleases();
  }

  // --- the project list: import ---------------------------------------------------------------
  function importPanel(panel) {
    const form = $("[data-testid=import-form]", panel);
    const progress = $("[data-testid=import-progress]", panel);
    const status = $("[data-testid=import-status]", panel);
    const problems = $("[data-testid=import-problems]", panel);
    const say = (text, state) => { status.textContent = text; status.dataset.state = state || ""; };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const file = form.elements.file.files[0];
      if (!file) { say("Choose a project zip first.", "error"); return; }
      const data = new FormData();
      data.append("file", file);
      if (form.elements.name.value.trim()) data.append("name", form.elements.name.value.trim());
      const request = new XMLHttpRequest();
      request.open("POST", `${panel.dataset.projectsApi}/import`);
      request.setRequestHeader("X-CSRFToken", csrf());
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
      });
      request.upload.addEventListener("load", () => say("Uploaded; checking every file…", "busy"));
      request.addEventListener("load", () => {
        progress.hidden = true;
        form.querySelector("button[type=submit]").disabled = false;
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (error) { body = null; }
        if (request.status === 201 && body) {
          say(`Imported '${body.entry.name}'. Opening it…`, "ok");
          window.location.assign(`${panel.dataset.projectPage}${body.entry.id}/`);
          return;
        }
        say(`Not imported: ${(body && body.message) || `the server answered ${request.status}`}`, "error");
        renderProblems(problems, body && body.errors, null);
      });
      request.addEventListener("error", () => {
        progress.hidden = true;
        form.querySelector("button[type=submit]").disabled = false;
        say("The upload failed (connection lost). Please retry.", "error");
      });
      problems.hidden = true;
      progress.value = 0;
      progress.hidden = false;
      form.querySelector("button[type=submit]").disabled = true;
      say(`Uploading ${file.name}…`, "busy");
      request.send(data);
    });
  }

  const archive = document.querySelector("[data-testid=archive-panel]");
  if (archive) projectPage(archive);
  const importer = document.querySelector("[data-testid=import-panel]");
  if (importer) importPanel(importer);
})();
