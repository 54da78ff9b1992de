// Validate, release, releases (download, restore), export and copy of the workspace's project,
// through the modeling API. Project problems go to the workspace's problems panel, each naming
// its model (a link that opens the model in the workspace).
import { api, el, errorText } from "./dom.js";

export function setUpArchive({ root, workspace }) {
  const $ = (selector) => root.querySelector(selector);
  const projectsApi = root.dataset.projectsApi;
  const apiRoot = projectsApi.replace(/\/projects$/, "");
  const projectId = root.dataset.projectId;
  const canChange = root.dataset.canChange === "true";
  const status = $("[data-testid=archive-status]");
  const say = (text, state) => { status.textContent = text; status.dataset.state = state || ""; };
  let busy = false;
  async function run(label, work) {
    if (busy) return;
    busy = true;
    root.setAttribute("aria-busy", "true");
    say(label, "busy");
    try { await work(); } catch (error) { say("The server could not be reached. Please retry.", "error"); }
    finally { busy = false; root.removeAttribute("aria-busy"); }
  }
  const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  $("[data-testid=validate]").addEventListener("click", () => run("Validating…", async () => {
    const result = await api("GET", `${projectsApi}/${projectId}/validate`);
    if (result.status === 204) {
      workspace.showProjectProblems([]);
      say("No problems found: the project can be released.", "ok");
    } else if (result.status === 400 && result.data) {
      const errors = result.data.errors.filter((p) => !p.warning).length;
      say(`${result.data.message} (${count(errors, "error")}, ${count(result.data.errors.length - errors, "warning")})`, errors ? "error" : "warning");
      workspace.showProjectProblems(result.data.errors);
    } else {
      say(errorText(result), "error");
    }
    workspace.refreshModels();
  }));

  const dialog = $("[data-testid=release-dialog]");
  if (dialog) {
    const form = $("[data-testid=release-form]");
    $("[data-testid=open-release]").addEventListener("click", () => { dialog.showModal(); form.elements.comment.focus(); });
    $("[data-testid=release-cancel]").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const comment = form.elements.comment.value;
      dialog.close();
      run("Validating and releasing…", async () => {
        const result = await api("POST", `${projectsApi}/${projectId}/releases`, { comment });
        if (result.status === 201) {
          form.reset();
          workspace.showProjectProblems([]);
          say(`Release ${result.data.entry.version} created.`, "ok");
          await loadReleases();
        } else if (result.status === 400 && result.data && result.data.errors) {
          say(`Not released: ${result.data.message}`, "error");
          workspace.showProjectProblems(result.data.errors);
        } else {
          say(errorText(result), "error");
        }
      });
    });
  }

  const table = $("[data-testid=release-list]");
  const noReleases = $("[data-testid=no-releases]");
  const restoreDialog = $("[data-testid=restore-dialog]");
  function confirmRestore(release) {
    return new Promise((resolve) => {
      restoreDialog.querySelector("[data-field=version]").textContent = release.version;
      restoreDialog.addEventListener("close", () => resolve(restoreDialog.returnValue === "restore"), { once: true });
      restoreDialog.showModal();
    });
  }
  async function restore(release) {
    if (!(await confirmRestore(release))) return;
    if (!workspace.confirmDiscardAll()) return;
    run(`Restoring release ${release.version}…`, async () => {
      const result = await api("POST", `${apiRoot}/releases/${release.id}/restore`);
      if (result.ok) {
        say(`Release ${release.version} restored. Reloading…`, "ok");
        workspace.forgetUnsaved();
        window.location.reload();
      } else {
        say(errorText(result), "error");
        workspace.showProjectProblems((result.data && result.data.errors) || []);
      }
    });
  }
  async function loadReleases() {
    const result = await api("GET", `${projectsApi}/${projectId}/releases?maxItems=1000`);
    if (!result.ok) { say(errorText(result), "error"); return; }
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const { entry } of result.data.list.entries) {
      const actions = el("td", {}, [
        el("a", { href: `${apiRoot}/releases/${entry.id}/export?attachment=true`, download: "", "data-testid": "release-download", text: "Download" }),
      ]);
      if (canChange) actions.append(" ", el("button", { type: "button", class: "link", "data-testid": "release-restore", text: "Restore…", onclick: () => restore(entry) }));
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

  const copyForm = $("[data-testid=copy-form]");
  copyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = copyForm.elements.name.value.trim();
    run("Copying…", async () => {
      const result = await api("POST", `${projectsApi}/${projectId}/copy?name=${encodeURIComponent(name)}`);
      if (result.ok) {
        say(`Copied to '${result.data.entry.name}'. Opening it…`, "ok");
        window.location.assign(`${workspace.projectListUrl()}${result.data.entry.id}/`);
      } else {
        say(`Not copied: ${errorText(result)}`, "error");
        workspace.showProjectProblems((result.data && result.data.errors) || []);
      }
    });
  });

  loadReleases();
}
