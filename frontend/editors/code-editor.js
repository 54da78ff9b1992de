// A CodeMirror 6 editor for the XML and JSON tabs: syntax highlighting, line numbers, and the
// line of an error marked (a lint diagnostic in the gutter and under the text).
import { EditorView, basicSetup } from "codemirror";
import { xml } from "@codemirror/lang-xml";
import { json } from "@codemirror/lang-json";
import { lintGutter, setDiagnostics } from "@codemirror/lint";

export function codeEditor(parent, { language, label, testid, onChange, readOnly = false }) {
  let silent = false;
  const view = new EditorView({
    parent,
    doc: "",
    extensions: [
      basicSetup,
      language === "xml" ? xml() : json(),
      lintGutter(),
      EditorView.editable.of(!readOnly),
      // tabindex: the text is in the keyboard's tab order (its scroller holds nothing else to focus).
      EditorView.contentAttributes.of({ "aria-label": label, "data-testid": testid, tabindex: "0" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && !silent && onChange) onChange();
      }),
    ],
  });
  // Tests and tools read the whole text (CodeMirror renders only the visible lines).
  view.contentDOM.getText = () => view.state.doc.toString();
  view.contentDOM.setText = (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      silent = true;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
      silent = false;
      view.dispatch(setDiagnostics(view.state, []));
    },
    /** Marks `line` (1-based; column optional) with `message`. */
    markError(line, message, column = 1) {
      const doc = view.state.doc;
      const target = doc.line(Math.min(Math.max(line || 1, 1), doc.lines));
      const from = Math.min(target.from + Math.max(column - 1, 0), target.to);
      view.dispatch(setDiagnostics(view.state, [{ from, to: target.to, severity: "error", message }]));
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
    },
    focus() {
      view.focus();
    },
  };
}

/** The 1-based line and column of a JSON.parse error in `text`, when the message says where. */
export function jsonErrorPosition(error, text) {
  const message = String(error && error.message);
  let match = /line (\d+) column (\d+)/.exec(message);
  if (match) return { line: Number(match[1]), column: Number(match[2]) };
  match = /position (\d+)/.exec(message);
  if (!match) return { line: 1, column: 1 };
  const before = text.slice(0, Number(match[1])).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
