// ruling studio: a policy workbench on the public HTTP API of `ruling serve`.
// Plain JavaScript with no dependencies, embedded in the binary; it loads
// nothing from anywhere but the server it came from.
"use strict";

const OUTCOMES = ["approve", "deny", "review", "needs_info"];
const CHECK_DELAY_MS = 250;

const state = {
  canSave: false,
  policies: [],
  policy: null,
  version: null,
  source: null,
  drafts: new Map(),
  request: {},
  dropped: [],
  draftValid: true,
  checkSequence: 0,
  checkTimer: null,
  timings: { decisions: [] },
};
window.studio = state;

// ---------------------------------------------------------------- helpers

const $ = (id) => document.getElementById(id);

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Like `replaceChildren`, without the empty children that it would show
// as the text "null".
function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

function outcomeBadge(outcome, attributes) {
  return h("span", { className: `outcome ${outcome}`, ...attributes }, outcome);
}

class ApiProblem extends Error {
  constructor(error, status) {
    super(error && error.message ? error.message : `the server answered ${status}`);
    this.kind = error && error.kind;
    this.problems = (error && error.problems) || [];
    this.status = status;
  }
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let json = null;
  try {
    json = await response.json();
  } catch (_) {
    throw new ApiProblem(null, response.status);
  }
  if (!response.ok) throw new ApiProblem(json && json.error, response.status);
  return json;
}

function problemList(problem) {
  const items = problem.problems.map((item) =>
    h("li", {}, item.line ? `line ${item.line}, column ${item.column}: ` : "", item.message || "",
      item.help ? h("div", { className: "hint" }, `help: ${item.help}`) : null));
  return h("div", { className: "bad", role: "alert" }, h("p", {}, problem.message),
    items.length ? h("ul", {}, items) : null);
}

function showProblem(text) {
  const box = $("problem");
  box.textContent = text || "";
  box.hidden = !text;
}

function pathKey(path) {
  return path.join(".");
}

function getAt(object, path) {
  let here = object;
  for (const step of path) {
    if (here === null || typeof here !== "object") return undefined;
    here = here[step];
  }
  return here;
}

function setAt(object, path, value) {
  let here = object;
  path.forEach((step, index) => {
    if (index === path.length - 1) {
      if (value === undefined) {
        if (Array.isArray(here)) here[step] = undefined;
        else delete here[step];
      } else here[step] = value;
      return;
    }
    if (here[step] === null || typeof here[step] !== "object") {
      here[step] = typeof path[index + 1] === "number" ? [] : {};
    }
    here = here[step];
  });
}

// Empty objects and unset list slots are not sent: a field left blank is
// a field not given.
function pruned(value) {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(pruned);
  if (value && typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      const kept = pruned(item);
      if (kept === undefined) continue;
      if (kept && typeof kept === "object" && !Array.isArray(kept) && Object.keys(kept).length === 0) continue;
      out[key] = kept;
    }
    return out;
  }
  return value;
}

function currentVersion() {
  return state.policy && state.policy.versions.find((version) => version.version === state.version);
}

function draftText() {
  return $("source").value;
}

function draftChanged() {
  return state.source !== null && draftText() !== state.source.text;
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    const [settings, list] = await Promise.all([api("GET", "/v1/studio"), api("GET", "/v1/policies")]);
    state.canSave = settings.can_save;
    state.policies = list.policies;
  } catch (problem) {
    showProblem(`The studio cannot reach the server: ${problem.message}`);
    return;
  }
  $("mode").textContent = state.canSave
    ? "Local studio: drafts can be saved to the policy files."
    : "Read-only: this server never writes files; run `ruling studio` to save drafts.";
  $("save").hidden = !state.canSave;
  const select = $("policy");
  for (const policy of state.policies) {
    select.append(h("option", { value: policy.id }, `${policy.title || policy.id} (${policy.id})`));
  }
  wire();
  if (state.policies.length) await choosePolicy(state.policies[0].id);
  document.body.dataset.ready = String(Math.round(performance.now()));
}

function wire() {
  $("policy").addEventListener("change", (event) => choosePolicy(event.target.value));
  $("version").addEventListener("change", (event) => chooseVersion(event.target.value));
  $("in-effect-on").addEventListener("input", showInEffect);
  $("request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    decide();
  });
  $("raw-mode").addEventListener("change", switchRaw);
  $("source").addEventListener("input", onDraftInput);
  $("source").addEventListener("scroll", syncScroll);
  $("run-cases").addEventListener("click", runCases);
  $("run-diff").addEventListener("click", runDiff);
  $("revert").addEventListener("click", revert);
  $("save").addEventListener("click", save);
  $("request-file").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) addRequestFile(file);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) addRequestFile(file);
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) addRequestFile(file);
  });
}

async function choosePolicy(id) {
  showProblem("");
  $("policy").value = id;
  try {
    state.policy = await api("GET", `/v1/policies/${encodeURIComponent(id)}`);
  } catch (problem) {
    showProblem(problem.message);
    return;
  }
  state.drafts = new Map();
  state.dropped = [];
  state.request = {};
  $("dropped").textContent = "";
  $("test-results").replaceChildren();
  $("diff-results").replaceChildren();
  $("result").replaceChildren();
  $("what-would-it-take").replaceChildren();
  const versions = $("version");
  versions.replaceChildren(...state.policy.versions.map((version) =>
    h("option", { value: version.version }, `${version.version}` +
      (version.effective_date ? ` (from ${version.effective_date})` : ""))));
  const newest = state.policy.versions[state.policy.versions.length - 1];
  await chooseVersion(newest.version);
}

async function chooseVersion(version) {
  if (state.version && state.source) state.drafts.set(state.version, draftText());
  state.version = version;
  $("version").value = version;
  renderPolicy();
  renderForm();
  await loadSource();
  await countCases();
}

// ---------------------------------------------------------------- 1. read

function renderPolicy() {
  const policy = state.policy;
  const version = currentVersion();
  $("policy-title").textContent = `${policy.title || policy.id}, version ${version.version}` +
    (version.source ? ` — ${version.source}` : "");
  $("versions").replaceChildren(...policy.versions.map((item) =>
    h("li", {}, h("strong", {}, item.version), item.effective_date ? ` in effect from ${item.effective_date}` : " always in effect",
      item.title && item.title !== policy.title ? ` — ${item.title}` : "")));
  if (policy.date_field) {
    $("in-effect-on").disabled = false;
    showInEffect();
  } else {
    $("in-effect-on").disabled = true;
    $("in-effect").textContent = "one version decides every request";
  }
  $("fields").tBodies[0].replaceChildren(...version.fields.map((field) =>
    h("tr", {}, h("td", {}, h("code", {}, field.path)), h("td", {}, field.type), h("td", {}, field.required),
      h("td", {}, field.description || ""))));
  renderRules();
  renderFlow();
}

function renderRules() {
  const version = currentVersion();
  const written = new Map(((state.source && state.source.rules) || []).map((rule) => [rule.id, rule]));
  $("rules").tBodies[0].replaceChildren(...version.rules.map((rule, index) => {
    const text = written.get(rule.id) || {};
    return h("tr", { "data-rule": rule.id },
      h("td", {}, rule.default ? "—" : String(index + 1)),
      h("th", { scope: "row" }, h("code", {}, rule.id)),
      h("td", {}, rule.clause),
      h("td", {}, rule.section || ""),
      h("td", {}, outcomeBadge(rule.outcome)),
      h("td", {}, rule.default ? h("em", {}, "otherwise (the default)") : h("code", {}, text.when || "")),
      h("td", {}, text.reason || ""));
  }));
}

function showInEffect() {
  const date = $("in-effect-on").value;
  const output = $("in-effect");
  if (!date) {
    output.textContent = "pick a date";
    return;
  }
  const versions = state.policy.versions;
  let found = null;
  for (const version of versions) {
    if (!version.effective_date || version.effective_date <= date) found = version;
  }
  const earliest = state.source && state.source.before_first_version === "earliest";
  output.textContent = found
    ? `version ${found.version} (in effect from ${found.effective_date || "always"})`
    : earliest
      ? `version ${versions[0].version}: the earliest decides what is dated before it`
      : `no version: the first takes effect on ${versions[0].effective_date}`;
}

// Counts, per rule of the chosen version, of the folder's cases (and the
// added requests) that it decides.
async function countCases() {
  const version = state.version;
  const counts = new Map();
  try {
    const report = await api("POST", "/v1/drafts/test", { policy: state.policy.id, version });
    const coverage = report.coverage.find((item) => item.version === version);
    for (const rule of (coverage && coverage.rules) || []) counts.set(rule.id, rule.decided);
    for (const request of state.dropped) {
      try {
        const decision = await api("POST", "/v1/decide", { policy: state.policy.id, request: requestOf(request) });
        if (decision.policy.version === version) counts.set(decision.rule.id, (counts.get(decision.rule.id) || 0) + 1);
      } catch (_) {
        // A request the policy rejects decides no rule.
      }
    }
  } catch (problem) {
    showProblem(problem.message);
  }
  if (version === state.version) {
    state.counts = counts;
    renderFlow();
  }
}

function requestOf(item) {
  return item && typeof item === "object" && item.request && item.expect ? item.request : item;
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function renderFlow() {
  const rules = currentVersion().rules;
  const counts = state.counts || new Map();
  const rowHeight = 64;
  const width = 640;
  const height = rules.length * rowHeight + 8;
  const picture = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-labelledby": "flow-title flow-desc",
  });
  picture.append(svg("title", { id: "flow-title" }, "The rules as a first-match flow"));
  picture.append(svg("desc", { id: "flow-desc" }, rules.map((rule, index) =>
    `${index + 1}. ${rule.id}: ${rule.outcome}, decides ${counts.get(rule.id) || 0} case(s)`).join("; ")));
  const defs = svg("defs", {});
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
  defs.append(marker);
  picture.append(defs);
  rules.forEach((rule, index) => {
    const y = index * rowHeight + 4;
    const count = counts.get(rule.id) || 0;
    const group = svg("g", { "data-rule": rule.id, "data-count": count });
    group.append(svg("rect", { x: 4, y, width: 360, height: 44, rx: 6, class: `box ${rule.outcome}` }));
    group.append(svg("text", { x: 14, y: y + 18, class: "decided" }, rule.default ? `otherwise: ${rule.id}` : `${index + 1}. ${rule.id}`));
    group.append(svg("text", { x: 14, y: y + 36 }, rule.clause.length > 48 ? `${rule.clause.slice(0, 47)}…` : rule.clause));
    group.append(svg("path", { d: `M364,${y + 22} L432,${y + 22}`, class: `edge ${rule.outcome}`, "marker-end": "url(#arrow)" }));
    group.append(svg("text", { x: 372, y: y + 16 }, rule.default ? "" : "holds"));
    group.append(svg("rect", { x: 436, y: y + 8, width: 96, height: 28, rx: 14, class: `pill ${rule.outcome}` }));
    group.append(svg("text", { x: 448, y: y + 27, class: "pill-text" }, rule.outcome));
    group.append(svg("text", { x: 540, y: y + 27 }, `${count} case${count === 1 ? "" : "s"}`));
    if (index < rules.length - 1) {
      group.append(svg("path", { d: `M184,${y + 44} L184,${y + rowHeight}`, class: "edge", "marker-end": "url(#arrow)" }));
      group.append(svg("text", { x: 190, y: y + 58 }, "no"));
    }
    picture.append(group);
  });
  $("flow").replaceChildren(picture);
}

// ---------------------------------------------------------------- 2. try a request

function isDate(schema) {
  return schema.type === "string" && typeof schema.pattern === "string" && schema.pattern.startsWith("^[0-9]{4}-");
}

function types(schema) {
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

function renderForm() {
  const schema = currentVersion().request_schema;
  const root = h("div", {});
  renderObject(schema, [], root);
  $("form-fields").replaceChildren(...root.childNodes);
  if ($("raw-mode").checked) $("raw-request").value = JSON.stringify(pruned(state.request), null, 2);
}

function renderObject(schema, path, into) {
  const required = new Set(schema.required || []);
  for (const [name, property] of Object.entries(schema.properties || {})) {
    into.append(renderValue(property, [...path, name], required.has(name)));
  }
}

function fieldId(path) {
  return `field-${path.join("-")}`;
}

function renderValue(schema, path, required) {
  const kinds = types(schema);
  const label = String(path[path.length - 1]);
  if (kinds.includes("object") && schema.properties) {
    const box = h("fieldset", {}, h("legend", {}, label, required ? requiredMark() : null));
    renderObject(schema, path, box);
    return box;
  }
  if (kinds.includes("array")) return renderList(schema, path, label, required);
  const id = fieldId(path);
  const value = getAt(state.request, path);
  const describedBy = schema.description ? `${id}-desc` : undefined;
  let input;
  if (schema.enum) {
    input = h("select", { id, "data-path": pathKey(path), "aria-describedby": describedBy },
      h("option", { value: "" }, "(not given)"),
      schema.enum.map((choice) => h("option", { value: JSON.stringify(choice), selected: value === choice }, String(choice))));
    input.addEventListener("change", () =>
      setAt(state.request, path, input.value === "" ? undefined : JSON.parse(input.value)));
  } else if (kinds.includes("boolean")) {
    input = h("select", { id, "data-path": pathKey(path), "aria-describedby": describedBy },
      h("option", { value: "" }, "(not given)"),
      h("option", { value: "true", selected: value === true }, "yes"),
      h("option", { value: "false", selected: value === false }, "no"));
    input.addEventListener("change", () =>
      setAt(state.request, path, input.value === "" ? undefined : input.value === "true"));
  } else {
    const date = isDate(schema) && (value === undefined || /^\d{4}-\d{2}-\d{2}$/.test(String(value)));
    const numeric = kinds.includes("number") || kinds.includes("integer");
    input = h("input", {
      id, type: date ? "date" : "text", "data-path": pathKey(path), "aria-describedby": describedBy,
      inputmode: numeric && !kinds.includes("string") ? "decimal" : undefined,
      value: value === undefined || value === null ? "" : String(value),
    });
    input.addEventListener("input", () => {
      const text = input.value;
      let parsed = text === "" ? undefined : text;
      if (parsed !== undefined && numeric && !kinds.includes("string") && text.trim() !== "" && !Number.isNaN(Number(text))) {
        parsed = Number(text);
      }
      setAt(state.request, path, parsed);
    });
  }
  if (required) input.setAttribute("aria-required", "true");
  return h("div", { className: "field" },
    h("label", { for: id }, h("code", {}, pathKey(path)), required ? requiredMark() : null),
    input,
    schema.description ? h("span", { id: describedBy, className: "desc" }, schema.description) : null);
}

function requiredMark() {
  return h("span", { className: "required-mark", title: "required" }, " *", h("span", { className: "visually-hidden" }, " (required)"));
}

function renderList(schema, path, label, required) {
  const box = h("fieldset", {}, h("legend", {}, label, required ? requiredMark() : null));
  const items = getAt(state.request, path);
  const list = Array.isArray(items) ? items : [];
  list.forEach((item, index) => {
    if (item === undefined) return;
    const itemPath = [...path, index];
    const entry = h("fieldset", {}, h("legend", {}, `${label} ${index + 1}`));
    const itemSchema = schema.items || {};
    if (types(itemSchema).includes("object")) renderObject(itemSchema, itemPath, entry);
    else entry.append(renderValue(itemSchema, itemPath, false));
    entry.append(h("button", {
      type: "button",
      onclick: () => {
        setAt(state.request, itemPath, undefined);
        renderForm();
      },
    }, `Remove ${label} ${index + 1}`));
    box.append(entry);
  });
  box.append(h("button", {
    type: "button",
    onclick: () => {
      const current = getAt(state.request, path);
      const next = Array.isArray(current) ? current : [];
      next.push(types(schema.items || {}).includes("object") ? {} : undefined);
      setAt(state.request, path, next);
      renderForm();
      const added = document.querySelector(`[data-path^="${pathKey([...path, next.length - 1])}"]`);
      if (added) added.focus();
    },
  }, `Add ${label}`));
  return box;
}

function switchRaw() {
  const raw = $("raw-mode").checked;
  if (raw) {
    $("raw-request").value = JSON.stringify(pruned(state.request), null, 2);
  } else if (!readRaw()) {
    $("raw-mode").checked = true;
    return;
  }
  $("raw-wrap").hidden = !raw;
  $("form-fields").hidden = raw;
  if (!raw) renderForm();
}

function readRaw() {
  try {
    state.request = JSON.parse($("raw-request").value || "{}");
    return true;
  } catch (error) {
    $("result").replaceChildren(h("p", { className: "bad", role: "alert" }, `The request is not JSON: ${error.message}`));
    return false;
  }
}

function useDraft() {
  return $("use-draft").checked && state.source !== null;
}

function draftBody(extra) {
  return { policy: state.policy.id, version: state.version, source: draftText(), ...extra };
}

async function decide() {
  if ($("raw-mode").checked && !readRaw()) return;
  const request = pruned(state.request);
  const started = performance.now();
  let decision;
  try {
    decision = useDraft()
      ? await api("POST", "/v1/drafts/decide", draftBody({ request }))
      : await api("POST", "/v1/decide", { policy: state.policy.id, request });
  } catch (problem) {
    $("result").replaceChildren(problemList(problem));
    $("what-would-it-take").replaceChildren();
    return;
  }
  const elapsed = performance.now() - started;
  state.timings.decisions.push(elapsed);
  renderDecision(decision, elapsed);
  await whatWouldItTake(request, decision);
}

function conditionText(condition) {
  if (!condition) return "";
  const parts = [];
  const walk = (node) => {
    if (!node) return;
    if (node.operands) node.operands.forEach(walk);
    if (node.terms) node.terms.forEach(walk);
    if (!node.operands && !node.terms && node.expr !== undefined && "value" in node && String(node.value) !== node.expr) {
      parts.push(`${node.expr} = ${JSON.stringify(node.value)}`);
    }
  };
  walk(condition);
  return parts.join("; ");
}

function renderDecision(decision, elapsed) {
  const rule = decision.rule;
  const effects = Object.entries(decision.effects || {});
  const derived = Object.entries(decision.derived || {});
  fill($("result"),
    h("h3", {}, "Decision"),
    h("p", {}, outcomeBadge(decision.outcome, { id: "outcome" })),
    h("p", { className: "reason", id: "reason" }, decision.reason),
    h("p", { id: "decided-by" }, rule.default ? "By the default, " : "By rule ", h("code", {}, rule.id),
      ` (${rule.clause}) of version ${decision.policy.version}.`,
      decision.policy.selected ? h("span", { className: "hint" }, ` ${decision.policy.selected}.`) : null),
    effects.length ? h("div", {}, h("h4", {}, "Effects"),
      h("ul", {}, effects.map(([name, value]) => h("li", {}, h("code", {}, name), ` = ${JSON.stringify(value)}`)))) : null,
    decision.missing.length ? h("div", {}, h("h4", {}, "Missing fields"),
      h("ul", { id: "missing" }, decision.missing.map((path) => h("li", {}, h("code", {}, path))))) : null,
    derived.length ? h("div", {}, h("h4", {}, "Derived values"),
      h("ul", {}, derived.map(([name, value]) => h("li", {}, h("code", {}, name), ` = ${JSON.stringify(value)}`)))) : null,
    h("h4", {}, "Trace"),
    h("div", { className: "scroll" }, h("table", { className: "trace" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Rule"), h("th", { scope: "col" }, "Outcome"),
        h("th", { scope: "col" }, "Result"), h("th", { scope: "col" }, "Condition and values"))),
      h("tbody", {}, decision.trace.map((step) => h("tr", { className: step.status === "held" || step.status === "applied" ? "held" : "" },
        h("td", {}, h("code", {}, step.rule)), h("td", {}, outcomeBadge(step.outcome)),
        h("td", {}, step.status.replace(/_/g, " ")),
        h("td", {}, step.condition ? h("code", {}, step.condition.expr) : "", step.condition ? h("div", { className: "hint" }, conditionText(step.condition)) : null)))))),
    h("p", { className: "hint", id: "round-trip" }, `Decided in ${elapsed.toFixed(1)} ms (round trip in the browser).`));
}

async function whatWouldItTake(request, decision) {
  const box = $("what-would-it-take");
  let explanation;
  try {
    explanation = useDraft()
      ? await api("POST", "/v1/drafts/explain", draftBody({ request }))
      : await api("POST", "/v1/explain", { policy: state.policy.id, request });
  } catch (problem) {
    box.replaceChildren(problemList(problem));
    return;
  }
  const options = [];
  for (const other of explanation.why_not || []) {
    if (other.outcome === decision.outcome) continue;
    for (const counterfactual of other.counterfactuals || []) {
      options.push({ rule: other.rule.id, outcome: counterfactual.outcome || other.outcome, counterfactual });
    }
  }
  const byOutcome = OUTCOMES.filter((outcome) => outcome !== decision.outcome).map((outcome) => {
    const found = options.filter((option) => option.outcome === outcome);
    return h("li", {}, outcomeBadge(outcome), found.length
      ? h("ul", { className: "changes" }, found.map((option) => h("li", {},
        option.counterfactual.changes.map((change) => change.text).join(", and "),
        ` (rule `, h("code", {}, option.rule), `) `,
        h("button", {
          type: "button", className: "apply", "data-outcome": outcome, "data-rule": option.rule,
          onclick: () => applyCounterfactual(option.counterfactual),
        }, `Apply and decide again`))))
      : h("span", { className: "hint" }, " no single change of the request found"));
  });
  box.replaceChildren(h("h3", {}, "What would it take?"),
    h("p", { className: "hint" }, "Changes to this request that would decide otherwise, from `explain`."),
    h("ul", {}, byOutcome));
}

// `a.b[0].c` as ["a", "b", 0, "c"].
function parsePath(text) {
  const path = [];
  for (const segment of text.split(".")) {
    const [, key, indexes] = /^([^[]*)((?:\[\d+\])*)$/.exec(segment) || [null, segment, ""];
    if (key) path.push(key);
    for (const [, index] of indexes.matchAll(/\[(\d+)\]/g)) path.push(Number(index));
  }
  return path;
}

function applyCounterfactual(counterfactual) {
  if ($("raw-mode").checked && !readRaw()) return;
  for (const change of counterfactual.changes) {
    const path = parsePath(change.path);
    setAt(state.request, path, change.op === "remove" ? undefined : change.value);
  }
  renderForm();
  decide();
}

// ---------------------------------------------------------------- 3. draft

async function loadSource() {
  const version = state.version;
  try {
    state.source = await api("GET",
      `/v1/policies/${encodeURIComponent(state.policy.id)}/versions/${encodeURIComponent(version)}/source`);
  } catch (problem) {
    showProblem(problem.message);
    return;
  }
  if (version !== state.version) return;
  $("source").value = state.drafts.get(version) ?? state.source.text;
  if (state.policy.date_field) showInEffect();
  $("save-status").textContent = "";
  renderRules();
  setDiagnostics([]);
  if (draftChanged()) scheduleCheck(0);
}

function onDraftInput() {
  renderHighlight();
  scheduleCheck(CHECK_DELAY_MS);
}

function scheduleCheck(delay) {
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(checkDraft, delay);
}

async function checkDraft() {
  const sequence = ++state.checkSequence;
  $("diagnostics-summary").textContent = "Checking…";
  let report;
  try {
    report = await api("POST", "/v1/drafts/check", draftBody({}));
  } catch (problem) {
    if (sequence === state.checkSequence) $("diagnostics-summary").textContent = problem.message;
    return;
  }
  if (sequence !== state.checkSequence) return;
  state.draftValid = report.valid;
  setDiagnostics(report.diagnostics);
  // How many checks have answered, so that a test can wait for this one.
  $("diagnostics-summary").dataset.checks = String(sequence);
}

function lineStarts(text) {
  const starts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === "\n") starts.push(index + 1);
  return starts;
}

function setDiagnostics(diagnostics) {
  state.diagnostics = diagnostics;
  const mine = diagnostics.filter((item) => !state.source || item.file === state.source.file);
  const errors = diagnostics.filter((item) => item.severity === "error").length;
  const summary = $("diagnostics-summary");
  summary.className = errors ? "bad" : "ok";
  summary.textContent = errors
    ? `${errors} problem${errors === 1 ? "" : "s"}: the draft cannot be decided, tested or saved until ${errors === 1 ? "it is" : "they are"} fixed.`
    : diagnostics.length ? `No problems; ${diagnostics.length} warning(s).` : "No problems.";
  $("diagnostics").replaceChildren(...diagnostics.map((item) => h("li", { className: item.severity, "data-line": item.line || "" },
    item.line && mine.includes(item)
      ? h("button", { type: "button", onclick: () => goTo(item.line, item.column) }, `Line ${item.line}, column ${item.column}`)
      : item.file ? h("code", {}, item.file) : null,
    ` ${item.severity}: ${item.message}`,
    item.label ? ` (${item.label})` : "",
    item.help ? h("div", { className: "hint" }, `help: ${item.help}`) : null)));
  renderHighlight();
}

function goTo(line, column) {
  const editor = $("source");
  const starts = lineStarts(editor.value);
  const offset = (starts[line - 1] || 0) + Math.max(0, (column || 1) - 1);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
  syncScroll();
}

function syncScroll() {
  const editor = $("source");
  const highlight = $("highlight");
  highlight.scrollTop = editor.scrollTop;
  highlight.scrollLeft = editor.scrollLeft;
}

const TOKEN = /("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?)|(#[^\n]*)|(^[ \t]*\[\[?[^\]\n]*\]\]?)|(^[ \t]*[A-Za-z0-9_."-]+(?=[ \t]*=))|(\b\d{4}-\d{2}-\d{2}\b|[-+]?\b\d[\d_]*(?:\.\d+)?\b)|(\btrue\b|\bfalse\b)/gm;
const TOKEN_CLASSES = ["tok-string", "tok-comment", "tok-table", "tok-key", "tok-number", "tok-bool"];

// TOML tokens as [start, end, class], in order and not overlapping.
function tokens(text) {
  const found = [];
  TOKEN.lastIndex = 0;
  let match;
  while ((match = TOKEN.exec(text)) !== null) {
    if (match[0].length === 0) {
      TOKEN.lastIndex++;
      continue;
    }
    const group = match.slice(1).findIndex((part) => part !== undefined);
    found.push([match.index, match.index + match[0].length, TOKEN_CLASSES[group]]);
  }
  return found;
}

// The places of the draft's own diagnostics as [start, end, severity, line],
// in UTF-16 offsets of the editor's text.
function marks(text) {
  if (!state.source) return [];
  const starts = lineStarts(text);
  const offset = (line, column) => Math.min(text.length, (starts[line - 1] ?? text.length) + column - 1);
  return state.diagnostics
    .filter((item) => item.line && item.file === state.source.file)
    .map((item) => {
      const start = offset(item.line, item.column);
      let end = offset(item.end_line || item.line, item.end_column || item.column);
      if (end > start) return [start, end, item.severity, item.line];
      if (start < text.length && text[start] !== "\n") return [start, start + 1, item.severity, item.line];
      // A place at the end of a line (something missing there): the
      // line's text is underlined, so that the mark can be seen.
      const lineStart = starts[item.line - 1] ?? start;
      const first = lineStart + (text.slice(lineStart, start).length - text.slice(lineStart, start).trimStart().length);
      return first < start ? [first, start, item.severity, item.line] : [start, start, item.severity, item.line];
    });
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function renderHighlight() {
  const text = draftText();
  const found = tokens(text);
  const places = marks(text);
  const cuts = new Set([0, text.length]);
  for (const [start, end] of found) cuts.add(start).add(end);
  for (const [start, end] of places) cuts.add(start).add(end);
  const sorted = [...cuts].sort((a, b) => a - b);
  let html = "";
  let tokenIndex = 0;
  const empties = places.filter(([start, end]) => start === end);
  for (let index = 0; index < sorted.length; index++) {
    const from = sorted[index];
    for (const [start, , severity, line] of empties) {
      if (start === from) html += `<span class="diag diag-empty ${severity}" data-line="${line}"></span>`;
    }
    if (index === sorted.length - 1) break;
    const to = sorted[index + 1];
    while (tokenIndex < found.length && found[tokenIndex][1] <= from) tokenIndex++;
    const token = found[tokenIndex];
    const classes = [];
    if (token && token[0] <= from && to <= token[1]) classes.push(token[2]);
    const place = places.find(([start, end]) => start <= from && to <= end && start < end);
    if (place) classes.push("diag", place[2]);
    const piece = escapeHtml(text.slice(from, to));
    html += classes.length
      ? `<span class="${classes.join(" ")}"${place ? ` data-line="${place[3]}"` : ""}>${piece}</span>`
      : piece;
  }
  // A last empty line must take room, or the layers drift apart.
  $("highlight").innerHTML = `${html}\n `;
  syncScroll();
}

function revert() {
  if (!state.source) return;
  $("source").value = state.source.text;
  state.drafts.delete(state.version);
  setDiagnostics([]);
  $("save-status").textContent = "The draft is the saved version again.";
}

// ---------------------------------------------------------------- 4. cases and changes

async function runCases() {
  const box = $("test-results");
  box.replaceChildren(h("p", {}, "Running the cases…"));
  let report;
  try {
    report = await api("POST", "/v1/drafts/test", draftBody({}));
  } catch (problem) {
    box.replaceChildren(h("h3", {}, "Cases against the draft"), problemList(problem));
    return;
  }
  const coverage = report.coverage.find((item) => item.version === draftVersion(report)) || report.coverage[0];
  const failing = report.cases.filter((item) => !item.passed);
  const passing = report.cases.filter((item) => item.passed);
  fill(box,
    h("h3", {}, "Cases against the draft"),
    h("p", { id: "test-summary", className: report.failed ? "bad" : "ok" },
      `${report.passed} passed, ${report.failed} failed, of ${report.cases.length} case(s).`),
    failing.length ? caseTable("case-table", "Failing cases", failing) : null,
    passing.length ? h("details", {}, h("summary", {}, `${passing.length} passing case(s)`),
      caseTable("passing-table", "Passing cases", passing)) : null,
    coverage ? h("div", {}, h("h4", {}, `Rule coverage of version ${coverage.version}`),
      h("ul", { id: "coverage" }, coverage.rules.map((rule) => h("li", { className: rule.decided ? "" : "bad" },
        h("code", {}, rule.id), `: decides ${rule.decided}, reached by ${rule.reached}`)))) : null);
}

function caseTable(id, caption, cases) {
  return h("div", { className: "scroll" }, h("table", { id },
    h("caption", { className: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Case"), h("th", { scope: "col" }, "Result"),
      h("th", { scope: "col" }, "Expected"), h("th", { scope: "col" }, "Actual"))),
    h("tbody", {}, cases.map((item) => h("tr", { "data-case": item.case, "data-passed": String(item.passed) },
      h("th", { scope: "row" }, h("code", {}, item.case), item.description ? h("div", { className: "hint" }, item.description) : null),
      h("td", { className: item.passed ? "ok" : "bad" }, item.passed ? "pass" : "FAIL"),
      h("td", {}, item.expected ? [outcomeBadge(item.expected.outcome), item.expected.rule ? h("div", {}, h("code", {}, item.expected.rule)) : null] : ""),
      h("td", {}, item.actual ? [outcomeBadge(item.actual.outcome), h("div", {}, h("code", {}, item.actual.rule)), h("div", { className: "hint" }, `version ${item.actual.version}`)] : item.error || ""))))));
}

function draftVersion(report) {
  const match = /^\s*version\s*=\s*"([^"]*)"/m.exec(draftText());
  return match ? match[1] : report.coverage.length ? report.coverage[0].version : null;
}

async function runDiff() {
  const box = $("diff-results");
  box.replaceChildren(h("p", {}, "Comparing…"));
  let report;
  try {
    report = await api("POST", "/v1/drafts/diff", draftBody({ requests: state.dropped }));
  } catch (problem) {
    box.replaceChildren(h("h3", {}, "Saved → draft"), problemList(problem));
    return;
  }
  fill(box,
    h("h3", {}, "Saved → draft"),
    h("p", { id: "diff-summary" }, `${report.compared} compared: ${report.changed} changed, ${report.unchanged} unchanged` +
      (report.rejected.length ? `, ${report.rejected.length} rejected by one side` : "") + "."),
    ...report.groups.map((group) => h("div", { className: "group", "data-from": group.from, "data-to": group.to },
      h("h4", {}, outcomeBadge(group.from), " → ", outcomeBadge(group.to), ` (${group.count})`),
      h("ul", {}, group.requests.map((item) => h("li", {}, h("code", {}, item.name), ": ",
        h("code", {}, item.old.rule), " → ", h("code", {}, item.new.rule)))))),
    report.rejected.length ? h("div", {}, h("h4", {}, "Rejected"),
      h("ul", {}, report.rejected.map((item) => h("li", {}, h("code", {}, item.name), `: ${item.message}`)))) : null,
    report.structure ? structureList(report.structure) : null);
}

// What the draft changes in the file, item by item, as `ruling diff` says.
function structureList(structure) {
  const items = [];
  const parts = (changes) => h("ul", {}, changes.map((part) => h("li", {}, `${part.part}: `,
    part.old !== null ? h("del", {}, h("code", {}, part.old)) : "(none)", " → ",
    part.new !== null ? h("ins", {}, h("code", {}, part.new)) : "(none)")));
  if (structure.policy.length) items.push(h("li", {}, "[policy]", parts(structure.policy)));
  for (const kind of ["fields", "derived", "constraints", "shared_effects"]) {
    for (const item of structure[kind]) {
      items.push(h("li", {}, `${kind.replace("_", " ")} `, h("code", {}, item.id), ` ${item.change}`, parts(item.parts)));
    }
  }
  for (const rule of structure.rules) {
    items.push(h("li", {}, "rule ", h("code", {}, rule.id), ` ${rule.change}${rule.moved ? ", moved" : ""}`, parts(rule.parts)));
  }
  if (structure.default.length) items.push(h("li", {}, "[default]", parts(structure.default)));
  return h("div", { id: "structure" }, h("h4", {}, "What the draft changes in the file"),
    items.length ? h("ul", {}, items) : h("p", {}, "Nothing but comments and layout."));
}

async function addRequestFile(file) {
  const text = await file.text();
  let requests = [];
  try {
    const parsed = JSON.parse(text);
    requests = Array.isArray(parsed) ? parsed : [parsed];
  } catch (_) {
    try {
      requests = text.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
    } catch (error) {
      $("dropped").textContent = `${file.name} is neither JSON nor NDJSON: ${error.message}`;
      return;
    }
  }
  state.dropped = requests;
  $("dropped").textContent = `${requests.length} request(s) from ${file.name}: counted in the picture (1) and compared in the diff.`;
  await countCases();
  if (state.source) await runDiff();
}

async function save() {
  const status = $("save-status");
  status.className = "";
  status.textContent = "Saving…";
  let saved;
  try {
    saved = await api("POST", "/v1/drafts/save", draftBody({ base_sha256: state.source.sha256 }));
  } catch (problem) {
    status.className = "bad";
    status.textContent = `Not saved: ${problem.message}`;
    if (problem.problems.length) setDiagnostics(problem.problems);
    return;
  }
  state.drafts.delete(state.version);
  const version = state.version;
  try {
    state.policy = await api("GET", `/v1/policies/${encodeURIComponent(state.policy.id)}`);
  } catch (problem) {
    showProblem(problem.message);
  }
  const still = state.policy.versions.some((item) => item.version === version);
  state.version = still ? version : state.policy.versions[state.policy.versions.length - 1].version;
  $("version").value = state.version;
  renderPolicy();
  renderForm();
  await loadSource();
  status.className = "ok";
  status.textContent = saved.reloaded
    ? `Saved ${saved.file}, formatted.`
    : `Saved ${saved.file}, formatted; the folder has problems elsewhere, so the server still answers with the policies loaded before.`;
  await countCases();
}

document.addEventListener("DOMContentLoaded", start);
