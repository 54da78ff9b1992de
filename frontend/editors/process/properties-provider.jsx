// Our groups in bpmn-js-properties-panel (the way bpmn.io and Camunda extend it): for a service
// task the implementation (<connector>.<action>, with search) and its mapping (type, input and
// output tables whose variable pickers list compatible variables first and flag mismatches);
// for a process the process variables. Every change is a command (see extensions.js).
import { useService } from "bpmn-js-properties-panel";
import { useEffect, useRef, useState } from "@bpmn-io/properties-panel/preact/hooks";
import { is } from "bpmn-js/lib/util/ModelUtil";
import { MAPPING_LABELS, automaticRows, mappingTypeOf, mismatchText, variableChoices } from "../../lib/mapping.js";
import { variableNameProblem } from "../../lib/names.js";
import { VARIABLE_TYPES, parseValue, valueText } from "../../lib/values.js";
import { processIdOf } from "./extensions.js";

const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

function useProcessId(element) {
  const bpmnjs = useService("bpmnjs");
  return processIdOf(element, bpmnjs.getDefinitions());
}

function useUpdate(element, processId) {
  const commandStack = useService("commandStack");
  const store = useService("extensionsStore");
  return (change) => {
    const entry = store.entry(processId);
    change(entry);
    commandStack.execute("modeler.extensions.update", { processId, entry, elements: [element] });
  };
}

function ImplementationEntry({ element, id }) {
  const catalog = useService("connectorCatalog");
  const commandStack = useService("commandStack");
  const config = useService("modelerConfig");
  const processId = useProcessId(element);
  const [query, setQuery] = useState("");
  const current = element.businessObject.get("implementation") || "";
  const needle = query.trim().toLowerCase();
  const names = [...catalog.actions.keys()].filter((name) => !needle || name.toLowerCase().includes(needle) || name === current);
  const action = catalog.actions.get(current);
  const choose = (implementation) => commandStack.execute("modeler.implementation.set", { element, implementation, processId });
  return (
    <div class="bio-properties-panel-entry modeler-entry" data-testid="implementation-entry">
      <label class="bio-properties-panel-label" for={`${id}-search`}>Search connector actions</label>
      <input id={`${id}-search`} type="search" class="bio-properties-panel-input" data-testid="implementation-search"
        placeholder="connector or action name" value={query} disabled={!config.canChange}
        onInput={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => { if (e.key === "Enter" && names.length === 1 && names[0] !== current) choose(names[0]); }} />
      <label class="bio-properties-panel-label" for={`${id}-select`}>Connector action</label>
      <select id={`${id}-select`} class="bio-properties-panel-input" data-testid="implementation" value={current}
        disabled={!config.canChange} onChange={(e) => choose(e.target.value)}>
        <option value="">— choose an action —</option>
        {names.map((name) => <option value={name}>{name}</option>)}
        {current && !catalog.actions.has(current) ? <option value={current}>{`${current} (unknown)`}</option> : null}
      </select>
      {needle && !names.some((n) => n.toLowerCase().includes(needle)) ? <p class="help" role="status">No connector action matches “{query}”.</p> : null}
      {catalog.error ? <p class="field-error" role="alert">{catalog.error}</p> : null}
      {!catalog.error && !catalog.actions.size ? <p class="help">No connector actions yet: create a connector with actions in this project first.</p> : null}
      {current && !action && catalog.actions.size ? <p class="field-error">{`'${current}' is not an action of this project's connectors.`}</p> : null}
    </div>
  );
}

function ParameterLabel({ parameter, automatic }) {
  return (
    <span>
      <strong>{parameter.name}</strong>
      {parameter.required ? <span class="required" title="required"> *</span> : null}
      <span class="muted">{` ${parameter.type}`}</span>
      {automatic ? <span class="badge auto" title="Mapped automatically: same name">auto</span> : null}
    </span>
  );
}

function VariablePicker({ variables, parameter, value, label, testid, disabled, onChange }) {
  const choices = variableChoices(variables, parameter);
  const fit = choices.filter((c) => !c.mismatch);
  const rest = choices.filter((c) => c.mismatch);
  return (
    <select class="bio-properties-panel-input" aria-label={label} data-testid={testid} value={value} disabled={disabled}
      onChange={(e) => onChange(e.target.value)}>
      <option value="">— not mapped —</option>
      {fit.map((c) => <option value={c.name}>{`${c.name} (${c.type})`}</option>)}
      {rest.length ? (
        <optgroup label={`Other types (not ${parameter.type})`}>
          {rest.map((c) => <option value={c.name}>{`${c.name} (${c.type}) — type mismatch`}</option>)}
        </optgroup>
      ) : null}
      {value && !choices.some((c) => c.name === value) ? <option value={value}>{`${value} (not a process variable)`}</option> : null}
    </select>
  );
}

function ValueInput({ value, label, testid, disabled, onCommit }) {
  const [text, setText] = useState(valueText(value));
  useEffect(() => setText(valueText(value)), [value]);
  return (
    <input type="text" class="bio-properties-panel-input" aria-label={label} data-testid={testid} value={text}
      placeholder="literal or ${expression}" disabled={disabled}
      onInput={(e) => setText(e.target.value)} onChange={(e) => onCommit(e.target.value)} />
  );
}

function MappingEntry({ element }) {
  const catalog = useService("connectorCatalog");
  const store = useService("extensionsStore");
  const config = useService("modelerConfig");
  const processId = useProcessId(element);
  const update = useUpdate(element, processId);
  const taskId = element.businessObject.id;
  const action = catalog.actions.get(element.businessObject.get("implementation") || "");
  if (!action || !processId) return <p class="help modeler-entry">Choose a connector action to map its inputs and outputs.</p>;
  const entry = store.entry(processId);
  const mapping = entry.mappings[taskId];
  const mappingType = mappingTypeOf(mapping);
  const variables = Object.values(entry.properties);
  const byName = new Map(variables.map((v) => [v.name, v]));
  const disabled = !config.canChange;
  const setType = (chosen) => update((e) => {
    const names = Object.values(e.properties).map((v) => v.name).filter(Boolean);
    if (chosen === "DONT_MAP") e.mappings[taskId] = { inputs: {}, outputs: {} };
    else if (chosen === "MAP_VARIABLES") e.mappings[taskId] = automaticRows(action, names);
    else e.mappings[taskId] = { mappingType: chosen };
  });
  const rows = (e) => {
    const m = (e.mappings[taskId] = e.mappings[taskId] || {});
    m.inputs = m.inputs || {};
    m.outputs = m.outputs || {};
    return m;
  };
  return (
    <div class="modeler-entry" data-testid="mapping-entry">
      <label class="bio-properties-panel-label" for={`mapping-type-${taskId}`}>Mapping type</label>
      <select id={`mapping-type-${taskId}`} class="bio-properties-panel-input" data-testid="mapping-type" value={mappingType}
        disabled={disabled} onChange={(e) => setType(e.target.value)}>
        {Object.entries(MAPPING_LABELS).map(([value, label]) => <option value={value}>{label}</option>)}
      </select>
      {mappingType === "MAP_VARIABLES" ? (
        <div>
          <h4>Inputs <span class="muted">(process → connector)</span></h4>
          {action.inputs.length ? (
            <table class="grid mapping" data-testid="input-mappings">
              <thead><tr><th scope="col">Parameter</th><th scope="col">From</th><th scope="col">Variable or value</th></tr></thead>
              <tbody>
                {action.inputs.map((parameter) => {
                  const row = (mapping.inputs || {})[parameter.name];
                  const kind = row ? row.type : "variable";
                  const chosen = row && row.type === "variable" ? row.value : "";
                  const warning = chosen ? mismatchText(byName.get(chosen), parameter) : "";
                  return (
                    <tr data-testid={`input-row-${parameter.name}`} key={parameter.name}>
                      <td><ParameterLabel parameter={parameter} automatic={row && row.type === "variable" && row.value === parameter.name} /></td>
                      <td>
                        <select class="bio-properties-panel-input" aria-label={`Source of ${parameter.name}`} data-testid={`input-kind-${parameter.name}`}
                          value={kind} disabled={disabled}
                          onChange={(e) => update((x) => { const m = rows(x); if (e.target.value === "value") m.inputs[parameter.name] = { type: "value", value: "" }; else delete m.inputs[parameter.name]; })}>
                          <option value="variable">Variable</option>
                          <option value="value">Value</option>
                        </select>
                      </td>
                      <td>
                        {kind === "value" ? (
                          <ValueInput value={row.value} label={`Value of ${parameter.name}`} testid={`input-value-${parameter.name}`} disabled={disabled}
                            onCommit={(text) => update((x) => { rows(x).inputs[parameter.name] = { type: "value", value: text }; })} />
                        ) : (
                          <VariablePicker variables={variables} parameter={parameter} value={chosen} label={`Variable for ${parameter.name}`}
                            testid={`input-variable-${parameter.name}`} disabled={disabled}
                            onChange={(name) => update((x) => { const m = rows(x); if (name) m.inputs[parameter.name] = { type: "variable", value: name }; else delete m.inputs[parameter.name]; })} />
                        )}
                        {warning ? <p class="mapping-warning" data-testid={`input-mismatch-${parameter.name}`}>{warning}</p> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : <p class="help">This action has no inputs.</p>}
          <h4>Outputs <span class="muted">(connector → process)</span></h4>
          {action.outputs.length ? (
            <table class="grid mapping" data-testid="output-mappings">
              <thead><tr><th scope="col">Parameter</th><th scope="col">Into variable</th></tr></thead>
              <tbody>
                {action.outputs.map((parameter) => {
                  const outputs = mapping.outputs || {};
                  const target = Object.keys(outputs).find((key) => outputs[key].type === "variable" && outputs[key].value === parameter.name) || "";
                  const warning = target ? mismatchText(byName.get(target), parameter) : "";
                  return (
                    <tr data-testid={`output-row-${parameter.name}`} key={parameter.name}>
                      <td><ParameterLabel parameter={parameter} automatic={target === parameter.name} /></td>
                      <td>
                        <VariablePicker variables={variables} parameter={parameter} value={target} label={`Variable receiving ${parameter.name}`}
                          testid={`output-variable-${parameter.name}`} disabled={disabled}
                          onChange={(name) => update((x) => { const m = rows(x); if (target) delete m.outputs[target]; if (name) m.outputs[name] = { type: "variable", value: parameter.name }; })} />
                        {warning ? <p class="mapping-warning" data-testid={`output-mismatch-${parameter.name}`}>{warning}</p> : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : <p class="help">This action has no outputs.</p>}
        </div>
      ) : mappingType !== "DONT_MAP" ? <p class="help">Variables and parameters are matched by name when the process runs.</p> : null}
    </div>
  );
}

function VariableRow({ variable, index, others, disabled, update, pending, focusName }) {
  const [touched, setTouched] = useState(false);
  const [valueError, setValueError] = useState("");
  const nameRef = useRef(null);
  const valueRef = useRef(null);
  // The default-value box is not a controlled input: what the user typed stays there (with its
  // error) until it is accepted. A stored value or type change rewrites it, but only while it
  // still shows the text last written or accepted: text typed since (even between a type change
  // and the panel drawing it) is never replaced.
  const shownText = useRef("");
  useEffect(() => {
    const box = valueRef.current;
    if (box && box.value !== shownText.current) return;
    const text = valueText(variable.value);
    if (box) box.value = text;
    shownText.current = text;
    setValueError("");
    pending.delete(variable.id);
  }, [variable.value, variable.type]);
  useEffect(() => { if (focusName && nameRef.current) nameRef.current.focus(); }, [focusName]);
  const nameProblem = variableNameProblem(variable.name, others, touched || !!variable.name);
  const label = variable.name || `variable ${index + 1}`;
  const commitValue = (text, type) => {
    const parsed = parseValue(text, type);
    if (parsed.error) {
      setValueError(parsed.error);
      pending.set(variable.id, `The default value of '${label}': ${parsed.error}`);
      if (type !== variable.type) update((e) => { e.properties[variable.id].type = type; });
      return;
    }
    setValueError("");
    pending.delete(variable.id);
    shownText.current = text;  // accepted: the stored value's own text may now replace it
    update((e) => {
      const v = e.properties[variable.id];
      if (parsed.value === "") delete v.value; else v.value = parsed.value;
      v.type = type;
    });
  };
  return (
    <div class={`variable${nameProblem ? " invalid" : ""}`} data-testid={`variable-row-${index}`}>
      <input ref={nameRef} type="text" class="bio-properties-panel-input" value={variable.name} placeholder="name"
        aria-label={`Name of variable ${index + 1}`} aria-invalid={nameProblem ? "true" : "false"} data-testid={`variable-name-${index}`} disabled={disabled}
        onBlur={() => setTouched(true)}
        onChange={(e) => { setTouched(true); const name = e.target.value.trim(); update((x) => { x.properties[variable.id].name = name; }); }} />
      <select class="bio-properties-panel-input" value={variable.type} aria-label={`Type of ${label}`} data-testid={`variable-type-${index}`} disabled={disabled}
        onChange={(e) => commitValue(valueRef.current ? valueRef.current.value : "", e.target.value)}>
        {VARIABLE_TYPES.map((t) => <option value={t}>{t}</option>)}
      </select>
      <label class="inline">
        <input type="checkbox" checked={!!variable.required} data-testid={`variable-required-${index}`} disabled={disabled}
          onChange={(e) => update((x) => { x.properties[variable.id].required = e.target.checked; })} /> required
      </label>
      <input ref={valueRef} type="text" class="bio-properties-panel-input" placeholder="default value"
        aria-label={`Default value of ${label}`} aria-invalid={valueError ? "true" : "false"} data-testid={`variable-value-${index}`} disabled={disabled}
        onChange={(e) => commitValue(e.target.value, variable.type)} />
      <button type="button" class="link danger" aria-label={`Remove ${label}`} disabled={disabled}
        onClick={() => { pending.delete(variable.id); update((x) => { delete x.properties[variable.id]; }); }}>Remove</button>
      {nameProblem || valueError ? (
        <p class="field-error" data-testid={`variable-problem-${index}`} role="alert">{nameProblem || `Default value: ${valueError}`}</p>
      ) : null}
    </div>
  );
}

function VariablesEntry({ element }) {
  const store = useService("extensionsStore");
  const config = useService("modelerConfig");
  const processId = useProcessId(element);
  const update = useUpdate(element, processId);
  const [added, setAdded] = useState(null);
  if (!processId) return <p class="help">This diagram has no process.</p>;
  const variables = store.variables(processId);
  const disabled = !config.canChange;
  return (
    <div class="modeler-entry variables" data-testid="variables">
      {variables.length ? null : <p class="help">No process variables yet.</p>}
      {variables.map((variable, index) => (
        <VariableRow key={variable.id} variable={variable} index={index} disabled={disabled} update={update}
          pending={store.pendingErrors} focusName={added === variable.id}
          others={variables.filter((v) => v.id !== variable.id).map((v) => v.name)} />
      ))}
      <button type="button" class="bio-properties-panel-add-entry-button modeler-add" data-testid="add-variable" disabled={disabled}
        onClick={() => { const vid = uuid(); setAdded(vid); update((e) => { e.properties[vid] = { id: vid, name: "", type: "string", required: false }; }); }}>
        Add variable
      </button>
    </div>
  );
}

function rootProcessElement(element) {
  return is(element, "bpmn:Process") || is(element, "bpmn:Participant") || is(element, "bpmn:Collaboration");
}

export default class ModelerPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(400, this);
  }
  getGroups(element) {
    return (groups) => {
      if (is(element, "bpmn:ServiceTask")) {
        groups.splice(1, 0,
          { id: "modeler-implementation", label: "Implementation", entries: [{ id: "modeler-implementation-entry", component: ImplementationEntry, isEdited: () => false }] },
          { id: "modeler-mapping", label: "Mapping", entries: [{ id: "modeler-mapping-entry", component: MappingEntry, isEdited: () => false }] });
      }
      if (rootProcessElement(element)) {
        groups.splice(1, 0, { id: "modeler-variables", label: "Process variables", entries: [{ id: "modeler-variables-entry", component: VariablesEntry, isEdited: () => false }] });
      }
      return groups;
    };
  }
}
ModelerPropertiesProvider.$inject = ["propertiesPanel"];
