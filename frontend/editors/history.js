// The History tab of a model editor (process or connector): the saved versions of the model,
// newest first (version, who, when, size); two of them compared side by side, line by line
// (frontend/lib/diff.js); and, for a user who may change the project, Restore: a version's
// content saved again as the newest version (POST …/versions/{v}/restore with If-Match).
// Stored content is hostile: every text goes in as textContent.
import { el, csrf } from "../workspace/dom.js";
import { foldUnchanged, sideBySide } from "../lib/diff.js";

const CONTEXT_LINES = 3;

export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function whenText(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * `data`: the editor's data (modelId, name, modelUrl, canChange); `kind`: "process" or
 * "connector"; `editor()`: the editor's api (etag, dirty, conflicted()); `workspace`: the hooks.
 * Returns {panel, show()}: the tab panel, and what the tab calls each time it is shown.
 */
export function createHistoryPanel({ data, kind, editor, workspace }) {
  const id = data.modelId;
  const status = el("p", { class: "help", "data-testid": "history-status", role: "status", "aria-live": "polite" });
  const versionsBody = el("tbody");
  const versionsTable = el("table", { class: "grid history-versions", "data-testid": "versions" }, [
    el("caption", { class: "visually-hidden", text: `Saved versions of ${data.name}, newest first` }),
    el("thead", {}, [el("tr", {}, ["Version", "Saved by", "When", "Size", "Actions"].map((h) => el("th", { scope: "col", text: h })))]),
    versionsBody,
  ]);
  const leftSelect = el("select", { id: `diff-left-${id}`, "data-testid": "diff-left" });
  const rightSelect = el("select", { id: `diff-right-${id}`, "data-testid": "diff-right" });
  const fileSelect = kind === "process" ? el("select", { id: `diff-file-${id}`, "data-testid": "diff-file" }, [
    el("option", { value: "content", text: "BPMN XML" }),
    el("option", { value: "extensions", text: "Extensions JSON" }),
  ]) : null;
  const summary = el("p", { class: "diff-summary", "data-testid": "diff-summary", role: "status", "aria-live": "polite" });
  const diffHost = el("div", { class: "diff-scroll", "data-testid": "diff", role: "region", tabindex: "0", "aria-label": "Differences between the two versions" });
  const compare = el("div", { class: "history-compare", hidden: true }, [
    el("div", { class: "row-form" }, [
      el("label", { for: leftSelect.id, text: "Compare" }), leftSelect,
      el("label", { for: rightSelect.id, text: "with" }), rightSelect,
      fileSelect ? el("label", { for: fileSelect.id, text: "File" }) : null, fileSelect,
    ]),
    summary,
  ]);
  const panel = el("section", { class: "tab-panel history-panel", "data-panel": "history", role: "tabpanel", hidden: true, id: `panel-${id}-history`, "aria-labelledby": `tab-${id}-history`, "data-testid": "history" }, [
    el("div", { class: "history-top" }, [
      el("p", { class: "help", text: `Saved versions, newest first${data.canChange ? "; restoring one saves its content again as the newest version" : ""}. Unsaved changes are not in the history.` }),
      status,
      el("div", { class: "history-list" }, [versionsTable]),
    ]),
    compare,
    diffHost,
  ]);

  const state = { versions: [], texts: new Map(), loading: 0, left: null, right: null };
  const versionUrl = (version) => `${data.modelUrl}/versions/${encodeURIComponent(version)}`;

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error((body && body.message) || `The server answered ${response.status}.`);
    return body;
  }
  /** The text of one version: its stored content, or (processes) its extensions as JSON. */
  async function versionText(version, file) {
    const key = `${file}:${version}`;
    if (!state.texts.has(key)) {
      state.texts.set(key, (async () => {
        if (file === "extensions") {
          const body = await getJson(versionUrl(version));
          return `${JSON.stringify(body.entry.extensions ?? {}, null, 2)}\n`;
        }
        const response = await fetch(`${versionUrl(version)}/content`, { credentials: "same-origin" });
        if (!response.ok) throw new Error(`The server answered ${response.status}.`);
        return (await response.text()).replace(/^\uFEFF/, "");
      })());
      state.texts.get(key).catch(() => state.texts.delete(key));
    }
    return state.texts.get(key);
  }

  async function show() {
    const ticket = ++state.loading;
    status.textContent = "Loading the versions…";
    let body;
    try {
      body = await getJson(`${data.modelUrl}/versions?maxItems=1000`);
    } catch (error) {
      if (ticket === state.loading) status.textContent = `The versions cannot be read: ${error.message}`;
      return;
    }
    if (ticket !== state.loading) return;
    state.versions = body.list.entries.map((e) => e.entry);
    const total = body.list.pagination && body.list.pagination.totalItems;
    status.textContent = total > state.versions.length ? `The newest ${state.versions.length} of ${total} versions.` : "";
    const names = state.versions.map((v) => v.version);
    if (!names.includes(state.right) || state.right !== names[0]) state.right = names[0];
    if (!names.includes(state.left) || state.left === state.right) state.left = names[1] || names[0];
    renderVersions();
    renderSelects();
    await renderDiff();
  }

  function renderVersions() {
    versionsBody.replaceChildren();
    state.versions.forEach((version, index) => {
      const current = index === 0;
      const picked = version.version === state.left;
      versionsBody.append(el("tr", { "data-testid": "version-row", "data-version": version.version, class: picked ? "picked" : "" }, [
        el("td", {}, [el("strong", { text: version.version }), current ? el("span", { class: "muted", text: " (current)" }) : null]),
        el("td", { text: version.createdBy || "" }),
        el("td", {}, [el("time", { datetime: version.creationDate, title: version.creationDate, text: whenText(version.creationDate) })]),
        el("td", { text: sizeText(version.contentSize) }),
        el("td", { class: "history-actions" }, [
          current ? null : el("button", { type: "button", "data-testid": "compare-version", "aria-pressed": String(picked), text: "Compare",
            "aria-label": `Compare version ${version.version} with the current version`, onclick: () => pick(version.version, state.versions[0].version) }),
          data.canChange && !current ? el("button", { type: "button", "data-testid": "restore-version", text: "Restore…",
            "aria-label": `Restore version ${version.version}`, onclick: () => restore(version) }) : null,
        ]),
      ]));
    });
  }
  function renderSelects() {
    compare.hidden = state.versions.length < 2;
    for (const [select, value] of [[leftSelect, state.left], [rightSelect, state.right]]) {
      select.replaceChildren(...state.versions.map((v, index) => el("option", { value: v.version, text: `${v.version}${index === 0 ? " (current)" : ""}`, selected: v.version === value })));
    }
  }
  function pick(left, right) {
    state.left = left;
    state.right = right;
    renderVersions();
    renderSelects();
    renderDiff();
  }
  leftSelect.addEventListener("change", () => pick(leftSelect.value, state.right));
  rightSelect.addEventListener("change", () => pick(state.left, rightSelect.value));
  if (fileSelect) fileSelect.addEventListener("change", () => renderDiff());

  const labelOf = (version) => `Version ${version}${state.versions.length && state.versions[0].version === version ? " (current)" : ""}`;

  async function renderDiff() {
    if (state.versions.length < 2) {
      summary.textContent = "";
      diffHost.replaceChildren(el("p", { class: "help", text: state.versions.length ? "Only one version so far: nothing to compare." : "" }));
      return;
    }
    const { left, right } = state;
    const file = fileSelect ? fileSelect.value : "content";
    const ticket = ++state.loading;
    summary.textContent = "Comparing…";
    let texts;
    try {
      texts = await Promise.all([versionText(left, file), versionText(right, file)]);
    } catch (error) {
      if (ticket === state.loading) { summary.textContent = `The versions cannot be read: ${error.message}`; diffHost.replaceChildren(); }
      return;
    }
    if (ticket !== state.loading) return;
    const result = sideBySide(texts[0], texts[1]);
    if (result.tooLarge) {
      summary.textContent = `Too large to compare here: ${result.lines.toLocaleString("en")} lines (the limit is ${result.maxLines.toLocaleString("en")}). Download the two versions to compare them with another tool.`;
      diffHost.replaceChildren(el("p", {}, [
        el("a", { href: `${versionUrl(left)}/content`, download: "", text: `Download version ${left}` }), " · ",
        el("a", { href: `${versionUrl(right)}/content`, download: "", text: `Download version ${right}` }),
      ]));
      return;
    }
    const same = result.added === 0 && result.removed === 0;
    summary.textContent = same ? `${labelOf(left)} and ${labelOf(right).toLowerCase()} are identical.`
      : `${plural(result.removed, "line")} removed, ${plural(result.added, "line")} added from ${left} to ${right}.${result.approximate ? " The versions differ too much for a line-by-line match: the changed part is shown as one block." : ""}`;
    renderTable(result.rows, left, right);
  }

  function renderTable(rows, left, right) {
    const tbody = el("tbody");
    const cells = (side, mark) => side
      ? [el("td", { class: "num", text: String(side.number) }), el("td", { class: "mark", text: mark }), el("td", { class: "text", text: side.text })]
      : [el("td", { class: "num" }), el("td", { class: "mark" }), el("td", { class: "text empty" })];
    const rowNode = (row) => el("tr", { class: `diff-${row.kind}`, "data-testid": "diff-row", "data-kind": row.kind },
      [...cells(row.left, row.kind === "same" ? "" : "removed"), ...cells(row.right, row.kind === "same" ? "" : "added")]);
    const append = (items, before = null) => {
      for (const item of items) {
        let node;
        if (item.fold) {
          const folded = rows.slice(item.start, item.start + item.fold);
          node = el("tr", { class: "diff-fold" }, [el("td", { colspan: "6" }, [el("button", { type: "button", class: "link", "data-testid": "diff-unfold",
            text: `Show ${plural(item.fold, "unchanged line")} (${folded[0].left.number}–${folded[folded.length - 1].left.number})`,
            onclick: () => { const after = node.nextSibling; node.remove(); append(folded, after); } })])]);
        } else {
          node = rowNode(item);
        }
        tbody.insertBefore(node, before);
      }
    };
    append(foldUnchanged(rows, CONTEXT_LINES));
    diffHost.replaceChildren(el("table", { class: "diff" }, [
      el("caption", { class: "visually-hidden", text: `${labelOf(left)} (left) beside ${labelOf(right).toLowerCase()} (right); each changed line is marked removed or added` }),
      el("colgroup", {}, ["num", "mark", "text", "num", "mark", "text"].map((c) => el("col", { class: c }))),
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "colgroup", colspan: "3", "data-testid": "diff-left-title", text: labelOf(left) }),
        el("th", { scope: "colgroup", colspan: "3", "data-testid": "diff-right-title", text: labelOf(right) }),
      ])]),
      tbody,
    ]));
    // The first change in view, under a little of its context.
    const first = tbody.querySelector("[data-kind=changed], [data-kind=removed], [data-kind=added]");
    const header = diffHost.querySelector("thead");
    if (first && header) diffHost.scrollTop = Math.max(0, first.getBoundingClientRect().top - header.getBoundingClientRect().bottom - 40);
  }

  async function restore(version) {
    const target = editor();
    const current = state.versions[0];
    const outcome = await workspace.confirm({
      title: `Restore version ${version.version} of ${data.name}?`,
      body: [
        el("p", { text: `The content of version ${version.version} (saved${version.createdBy ? ` by ${version.createdBy}` : ""} ${whenText(version.creationDate)}) is saved as a new version after ${current.version}. No version is deleted.` }),
        target.dirty ? el("p", { class: "error", text: "The editor has unsaved changes, which are lost." }) : null,
      ],
      submitLabel: `Restore version ${version.version}`,
      async action(fail) {
        let response;
        try {
          response = await fetch(`${versionUrl(version.version)}/restore`, { method: "POST", credentials: "same-origin",
            headers: { Accept: "application/json", "X-CSRFToken": csrf(), ...(target.etag ? { "If-Match": target.etag } : {}) } });
        } catch (error) {
          fail("The server cannot be reached. Nothing was restored; try again.");
          return false;
        }
        const body = await response.json().catch(() => ({}));
        if (response.ok) return { entry: body.entry };
        if (response.status === 412) return { conflict: true };
        fail(body.message || `The server answered ${response.status}. Nothing was restored.`);
        return false;
      },
    });
    if (!outcome) return;
    if (outcome.conflict) {
      target.conflicted(`Someone else saved ${data.name} after you opened it: version ${version.version} was not restored. `);
      return;
    }
    if (outcome.entry.version === current.version) {
      workspace.say(`Version ${version.version} of ${data.name} has the same content as the current version ${current.version}: no new version was made.`, "ok");
      return;
    }
    await workspace.modelSaved(target, outcome.entry);
    workspace.say(`Restored version ${version.version} of ${data.name} as version ${outcome.entry.version}.`, "ok");
    await workspace.reloadModel(target);
  }

  return { panel, show };
}

const plural = (n, word) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
