// The project list: import a project zip through the API with upload progress; a refusal shows
// its problems. Name fields get the browser-side name check (frontend/lib/names.js).
import { csrf, el } from "./workspace/dom.js";
import { MODEL_NAME_PATTERN, modelNameProblem } from "./lib/names.js";

for (const input of document.querySelectorAll("input[data-model-name]")) {
  input.pattern = MODEL_NAME_PATTERN;
  input.addEventListener("input", () => input.setCustomValidity(input.value ? modelNameProblem(input.value) : ""));
}

const panel = document.querySelector("[data-testid=import-panel]");
if (panel) {
  const form = panel.querySelector("[data-testid=import-form]");
  const progress = panel.querySelector("[data-testid=import-progress]");
  const status = panel.querySelector("[data-testid=import-status]");
  const problems = panel.querySelector("[data-testid=import-problems]");
  const submit = form.querySelector("button[type=submit]");
  const say = (text, state) => { status.textContent = text; status.dataset.state = state || ""; };
  const showProblems = (list) => {
    problems.replaceChildren(...(list || []).map((p) => el("li", { "data-testid": "problem" }, [
      el("strong", { text: p.warning ? "Warning: " : "Error: " }),
      p.problem && p.problem !== p.description ? `${p.problem}. ${p.description || ""}` : p.description || p.problem,
    ])));
    problems.hidden = !(list && list.length);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) { say("Choose a project zip first.", "error"); return; }
    const name = form.elements.name.value.trim();
    if (name && modelNameProblem(name)) { say(`New name: ${modelNameProblem(name)}`, "error"); return; }
    const data = new FormData();
    data.append("file", file);
    if (name) data.append("name", name);
    const request = new XMLHttpRequest();
    request.open("POST", `${panel.dataset.projectsApi}/import`);
    request.setRequestHeader("X-CSRFToken", csrf());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total); });
    request.upload.addEventListener("load", () => say("Uploaded; checking every file…", "busy"));
    request.addEventListener("load", () => {
      progress.hidden = true;
      submit.disabled = false;
      let body = null;
      try { body = JSON.parse(request.responseText); } catch (error) { body = null; }
      if (request.status === 201 && body) {
        say(`Imported '${body.entry.name}'. Opening it…`, "ok");
        window.location.assign(`${panel.dataset.projectPage}${body.entry.id}/`);
        return;
      }
      say(`Not imported: ${(body && body.message) || `the server answered ${request.status}`}`, "error");
      showProblems(body && body.errors);
    });
    request.addEventListener("error", () => { progress.hidden = true; submit.disabled = false; say("The upload failed (connection lost). Please retry.", "error"); });
    problems.hidden = true;
    progress.value = 0;
    progress.hidden = false;
    submit.disabled = true;
    say(`Uploading ${file.name}…`, "busy");
    request.send(data);
  });
}
