// A form generated from the profile's JSON Schema (policygen schema): one fieldset per
// section, a field per value with its title, help text and default; lists of records as
// editable tables (or, for records holding records, as cards); an engagement's sections
// show the organisation's value each field overrides. Every text reaches the page through
// textContent or a form control's value: nothing the profile holds becomes markup.

import { getAt, pathText, setAt } from "./paths.js";

const LONG_TEXT = 200;
const CJK = /[\u3400-\u9fff]/;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export class SchemaForm {
  constructor(schema, root, onChange) {
    this.schema = schema;
    this.defs = schema.$defs || {};
    this.root = root;
    this.onChange = onChange;
    this.open = new Set();
    this.data = {};
  }

  // ----------------------------------------------------------------- schema reading

  // The schema node `node` stands for: references followed, the annotations of the
  // referring place (title, description, default) kept over the referenced ones;
  // `nullable` when null is one of its choices.
  resolve(node) {
    let out = { ...node };
    const seen = new Set();
    while (out.$ref && !seen.has(out.$ref)) {
      seen.add(out.$ref);
      const target = this.defs[out.$ref.split("/").pop()] || {};
      const { $ref, ...here } = out;
      out = { ...target, ...here };
      if (!here.title && target.title) out.title = target.title;
    }
    const choices = out.anyOf || out.oneOf;
    if (choices) {
      const real = choices.filter((c) => c.type !== "null");
      const nullable = real.length < choices.length;
      const { anyOf, oneOf, ...here } = out;
      if (real.length && real.every((c) => "const" in c)) {
        // An enum whose values carry their labels: [{const: "banking", title: "银行业"}, …]
        return { ...here, enum: real.map((c) => c.const), nullable,
          enumTitles: Object.fromEntries(real.map((c) => [c.const, c.title || c.description || String(c.const)])) };
      }
      if (real.length === 1) {
        const inner = this.resolve(real[0]);
        return { ...inner, ...here, title: here.title || inner.title, nullable, innerDescription: inner.description };
      }
      const resolved = real.map((c) => this.resolve(c));
      const strings = resolved.every((c) => c.type === "string" && !c.enum);
      return { ...here, type: strings ? "string" : "union", choices: resolved, nullable };
    }
    return out;
  }

  // The label of enum `value`: from x-enum-labels ({value: label}), from oneOf/anyOf with
  // const and title, or from x-enumNames (labels in the order of enum); else the value.
  enumLabel(node, value) {
    const names = node["x-enumNames"] || node.enumNames;
    const byOrder = Array.isArray(names) && node.enum ? Object.fromEntries(node.enum.map((v, i) => [v, names[i]])) : {};
    const labels = { ...byOrder, ...(node.enumTitles || {}), ...(node["x-enum-labels"] || {}) };
    const label = labels[value];
    if (!label || label === String(value)) return String(value);
    return label.includes(String(value)) ? label : `${label}（${value}）`;
  }

  kindOf(node) {
    if (node.enum) return "enum";
    if (node.type === "object" && node.properties) return "object";
    if (node.type === "object") return "map";
    if (node.type === "array") {
      const items = this.resolve(node.items || {});
      if (items.enum) return "enum-list";
      if (items.type === "object" && items.properties) {
        const simple = Object.values(items.properties).every((p) => this.cellable(this.resolve(p)));
        return simple ? "table" : "cards";
      }
      return "list";
    }
    if (node.type === "boolean") return "boolean";
    if (node.type === "number" || node.type === "integer") return "number";
    if (node.type === "union") return "union";
    return "string";
  }

  cellable(node) {
    const kind = this.kindOf(node);
    return !["object", "map", "table", "cards"].includes(kind);
  }

  // ----------------------------------------------------------------- building

  render(data) {
    this.data = data;
    this.captureOpen();
    this.root.replaceChildren();
    const props = this.schema.properties || {};
    const required = new Set(this.schema.required || []);
    for (const [key, sub] of Object.entries(props)) {
      const node = this.resolve(sub);
      const section = this.section([key], key, node, required.has(key));
      section.id = `section-${key}`;
      this.root.append(section);
    }
    this.restoreOpen();
  }

  captureOpen() {
    for (const details of this.root.querySelectorAll("details[data-path]")) {
      if (details.open) this.open.add(details.dataset.path);
      else this.open.delete(details.dataset.path);
    }
  }

  restoreOpen() {
    for (const details of this.root.querySelectorAll("details[data-path]")) {
      if (this.open.has(details.dataset.path)) details.open = true;
    }
  }

  sections() {
    return Object.keys(this.schema.properties || {}).map((key) => {
      const node = this.resolve(this.schema.properties[key]);
      return { key, title: this.titleOf(key, node) };
    });
  }

  // The label of a field: its title; while a schema's titles are still English and its
  // description Chinese, the description's first phrase (统一社会信用代码 for "Credit Code").
  titleOf(key, node) {
    const title = node.title || "";
    if (CJK.test(title)) return title;
    const description = node.description || node.innerDescription || "";
    const phrase = description.split(/[；，。（(：:、\n]/)[0].trim();
    if (CJK.test(phrase) && phrase.length <= 16) return phrase;
    return title || String(key);
  }

  // The section an engagement's field overrides: ["sla", ...] for ["engagements", 0, "sla", ...].
  basePath(path) {
    if (path[0] !== "engagements" || path.length < 3) return null;
    const section = path[2];
    if (!(this.schema.properties || {})[section]) return null;
    return path.slice(2);
  }

  section(path, key, node, required) {
    const kind = this.kindOf(node);
    const text = pathText(path);
    const details = el("details", { className: `group kind-${kind}`, "data-path": text });
    if (path.length === 1) details.open = true;
    const summary = el("summary", {}, el("span", { className: "group-title", text: this.titleOf(key, node) }),
      el("code", { className: "key", text: key }));
    if (required) summary.append(el("span", { className: "required", text: "*", title: "必填" }));
    details.append(summary);
    const help = node.description || node.innerDescription;
    if (help && help !== this.titleOf(key, node)) details.append(el("p", { className: "help", text: help }));
    details.append(el("p", { className: "field-error", role: "alert" }));
    const base = this.basePath(path);
    if (base && path.length === 3) {
      const own = getAt(this.data, path);
      details.classList.add("override");
      details.append(el("p", { className: "override-note",
        text: own ? "本合同写出的字段覆盖组织设置；留空的沿用组织设置（灰色提示为组织的值）。"
          : "本合同未另行约定，沿用组织设置；填写任一字段即仅对本合同覆盖该字段。" }));
    }
    details.append(this.body(path, node));
    return details;
  }

  body(path, node) {
    const kind = this.kindOf(node);
    if (kind === "object") return this.objectBody(path, node);
    if (kind === "map") return this.mapBody(path, node);
    if (kind === "table") return this.table(path, node);
    if (kind === "cards") return this.cards(path, node);
    return this.field(path, path[path.length - 1], node, false);
  }

  objectBody(path, node) {
    const box = el("div", { className: "fields" });
    const required = new Set(node.required || []);
    for (const [key, sub] of Object.entries(node.properties || {})) {
      const child = this.resolve(sub);
      const childPath = [...path, key];
      if (this.cellable(child)) box.append(this.field(childPath, key, child, required.has(key)));
      else box.append(this.section(childPath, key, child, required.has(key)));
    }
    return box;
  }

  // ----------------------------------------------------------------- single values

  field(path, key, node, required) {
    const text = pathText(path);
    const wrap = el("div", { className: "field", "data-path": text });
    const id = `f-${text.replace(/[^\w-]/g, "_")}`;
    const label = el("label", { for: id }, el("span", { className: "label", text: this.titleOf(key, node) }),
      el("code", { className: "key", text: String(key) }));
    if (required) label.append(el("span", { className: "required", text: "*", title: "必填" }));
    wrap.append(label, this.control(path, node, id, required));
    const hints = [];
    const description = node.description || node.innerDescription;
    if (description && description !== this.titleOf(key, node)) hints.push(description);
    if (node.default !== undefined && node.default !== null) hints.push(`默认：${this.show(node, node.default)}`);
    const base = this.basePath(path);
    if (base) {
      const inherited = getAt(this.data, base);
      const own = getAt(this.data, path);
      if (own !== undefined) {
        wrap.classList.add("overrides");
        hints.push(`覆盖组织设置：${inherited === undefined ? "（未填写）" : this.show(node, inherited)}`);
      } else if (inherited !== undefined) {
        hints.push(`沿用组织设置：${this.show(node, inherited)}`);
      }
    }
    if (hints.length) wrap.append(el("p", { className: "help", text: hints.join("　") }));
    wrap.append(el("p", { className: "field-error", role: "alert" }));
    return wrap;
  }

  show(node, value) {
    if (value === null) return "null";
    if (Array.isArray(value)) return value.map((v) => this.show(this.resolve(node.items || {}), v)).join("、");
    if (typeof value === "object") return JSON.stringify(value);
    if (node.enum) return this.enumLabel(node, value);
    if (typeof value === "boolean") return value ? "是" : "否";
    return String(value);
  }

  control(path, node, id, required) {
    const kind = this.kindOf(node);
    const value = getAt(this.data, path);
    const name = pathText(path);
    const base = this.basePath(path);
    const inherited = base ? getAt(this.data, base) : undefined;
    const commit = (next) => {
      setAt(this.data, path, next);
      this.onChange(path);
    };
    if (kind === "enum" || kind === "boolean") {
      const select = el("select", { id, name });
      const choices = kind === "boolean" ? [true, false] : node.enum;
      const empty = inherited !== undefined ? `（沿用：${this.show(node, inherited)}）`
        : node.default !== undefined && node.default !== null ? `（默认：${this.show(node, node.default)}）` : "（未填写）";
      select.append(el("option", { value: "", text: empty }));
      choices.forEach((choice, index) => {
        const option = el("option", { value: String(index), text: kind === "boolean" ? (choice ? "是" : "否") : this.enumLabel(node, choice) });
        if (value === choice) option.selected = true;
        select.append(option);
      });
      if (value !== undefined && value !== null && !choices.includes(value)) {
        select.append(el("option", { value: "kept", text: `${String(value)}（不在可选值中）`, selected: true }));
      }
      if (value === null && node.nullable) {
        select.append(el("option", { value: "null", text: "null（不适用）", selected: true }));
      }
      select.addEventListener("change", () => {
        if (select.value === "") commit(undefined);
        else if (select.value === "null") commit(null);
        else if (select.value === "kept") commit(value);
        else commit(choices[Number(select.value)]);
      });
      return select;
    }
    if (kind === "enum-list") {
      const items = this.resolve(node.items || {});
      const box = el("div", { className: "checks", id, role: "group" });
      const chosen = new Set(Array.isArray(value) ? value : []);
      for (const choice of items.enum) {
        const box1 = el("input", { type: "checkbox", name, value: String(choice) });
        box1.checked = chosen.has(choice);
        box1.addEventListener("change", () => {
          const now = items.enum.filter((c, i) => box.querySelectorAll("input")[i].checked);
          commit(now.length ? now : undefined);
        });
        box.append(el("label", { className: "check" }, box1, document.createTextNode(this.enumLabel(items, choice))));
      }
      return box;
    }
    if (kind === "list") {
      const items = this.resolve(node.items || {});
      const area = el("textarea", { id, name, rows: Math.min(8, Math.max(2, (value || []).length + 1)),
        placeholder: inherited !== undefined ? this.show(node, inherited) : "每行一项" });
      area.value = Array.isArray(value) ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join("\n") : "";
      area.addEventListener("input", () => {
        const lines = area.value.split("\n").map((s) => s.trim()).filter(Boolean);
        const numeric = items.type === "number" || items.type === "integer";
        commit(lines.length ? lines.map((s) => (numeric ? this.number(s) : s)) : undefined);
      });
      return area;
    }
    const long = kind === "string" && node.maxLength !== undefined && node.maxLength > LONG_TEXT;
    const input = long ? el("textarea", { id, name, rows: 2 }) : el("input", { id, name, type: "text" });
    if (kind === "number") input.setAttribute("inputmode", "decimal");
    const placeholder = inherited !== undefined ? this.show(node, inherited)
      : node.default !== undefined && node.default !== null ? this.show(node, node.default)
        : node.examples ? `例：${node.examples[0]}` : "";
    if (placeholder) input.setAttribute("placeholder", placeholder);
    input.value = this.written(value);
    input.addEventListener("input", () => {
      const raw = input.value;
      if (raw.trim() === "") commit(undefined);
      else if (kind === "number") commit(this.number(raw.trim()));
      else if (kind === "union") commit(this.union(raw.trim()));
      else commit(raw);
    });
    return input;
  }

  // A value as a text box shows it: a list of words as "a, b" (read back by `union`).
  written(value) {
    if (value === undefined || value === null) return "";
    if (Array.isArray(value) && value.every((v) => typeof v === "string" && !/[,，]/.test(v))) return value.join(", ");
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  // A number as typed, or the text itself when it is none: policygen then says what is wrong.
  number(text) {
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }

  union(text) {
    if (/^[[{]/.test(text)) {
      try { return JSON.parse(text); } catch { return text; }
    }
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text.includes(",") || text.includes("，")) return text.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    return text;
  }

  // ----------------------------------------------------------------- lists and maps

  table(path, node) {
    const items = this.resolve(node.items || {});
    const rows = getAt(this.data, path);
    const list = Array.isArray(rows) ? rows : [];
    const text = pathText(path);
    const box = el("div", { className: "table-box", "data-path": text });
    const table = el("table", { className: "grid" });
    const head = el("tr");
    const required = new Set(items.required || []);
    const columns = Object.entries(items.properties || {}).map(([key, sub]) => [key, this.resolve(sub)]);
    for (const [key, sub] of columns) {
      const th = el("th", { title: sub.description || "" }, el("span", { text: this.titleOf(key, sub) }), el("code", { className: "key", text: key }));
      if (required.has(key)) th.append(el("span", { className: "required", text: "*" }));
      head.append(th);
    }
    head.append(el("th"));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    list.forEach((_row, index) => {
      const tr = el("tr", { "data-path": pathText([...path, index]) });
      for (const [key, sub] of columns) {
        const cellPath = [...path, index, key];
        const td = el("td", { className: "field", "data-path": pathText(cellPath) });
        const control = this.control(cellPath, sub, `f-${pathText(cellPath).replace(/[^\w-]/g, "_")}`, required.has(key));
        control.setAttribute("aria-label", `${this.titleOf(key, sub)}（第 ${index + 1} 行）`);
        td.append(control);
        td.append(el("p", { className: "field-error", role: "alert" }));
        tr.append(td);
      }
      tr.append(el("td", {}, this.removeButton(path, index)));
      body.append(tr);
    });
    table.append(body);
    box.append(table, this.addButton(path, {}), el("p", { className: "field-error", role: "alert" }));
    const base = this.basePath(path);
    const inherited = base ? getAt(this.data, base) : undefined;
    if (Array.isArray(inherited)) {
      box.prepend(el("p", { className: Array.isArray(rows) ? "override-note" : "help",
        text: Array.isArray(rows) ? `本合同另行约定，覆盖组织设置的 ${inherited.length} 项。`
          : `沿用组织设置（${inherited.length} 项）；新增一行即仅对本合同另行约定。` }));
    }
    return box;
  }

  cards(path, node) {
    const items = this.resolve(node.items || {});
    const rows = getAt(this.data, path);
    const list = Array.isArray(rows) ? rows : [];
    const box = el("div", { className: "cards", "data-path": pathText(path) });
    list.forEach((row, index) => {
      const rowPath = [...path, index];
      const details = el("details", { className: "card", "data-path": pathText(rowPath) });
      const name = row && typeof row === "object" ? [row.contract_no, row.title, row.name, row.id].filter(Boolean).join(" · ") : "";
      details.append(el("summary", {}, el("span", { className: "group-title", text: name || `第 ${index + 1} 项` })));
      details.append(el("p", { className: "field-error", role: "alert" }));
      details.append(this.objectBody(rowPath, items), this.removeButton(path, index));
      box.append(details);
    });
    box.append(this.addButton(path, {}), el("p", { className: "field-error", role: "alert" }));
    return box;
  }

  mapBody(path, node) {
    const value = getAt(this.data, path);
    const entries = value && typeof value === "object" ? Object.entries(value) : [];
    const box = el("div", { className: "map-box", "data-path": pathText(path) });
    const table = el("table", { className: "grid" });
    table.append(el("thead", {}, el("tr", {}, el("th", { text: "键" }), el("th", { text: "值" }), el("th"))));
    const body = el("tbody");
    for (const [key, item] of entries) {
      const cellPath = [...path, key];
      const td = el("td", { className: "field", "data-path": pathText(cellPath) });
      const area = el("textarea", { name: pathText(cellPath), rows: 3 });
      area.value = typeof item === "string" ? item : JSON.stringify(item);
      area.addEventListener("input", () => { setAt(this.data, cellPath, area.value); this.onChange(cellPath); });
      td.append(area, el("p", { className: "field-error", role: "alert" }));
      const remove = el("button", { type: "button", className: "small", text: "删除" });
      remove.addEventListener("click", () => { setAt(this.data, cellPath, undefined); this.changed(path); });
      body.append(el("tr", {}, el("td", {}, el("code", { text: key })), td, el("td", {}, remove)));
    }
    table.append(body);
    const keyInput = el("input", { type: "text", placeholder: "新的键", "aria-label": "新的键" });
    const add = el("button", { type: "button", className: "small", text: "添加" });
    add.addEventListener("click", () => {
      const key = keyInput.value.trim();
      if (!key) return;
      setAt(this.data, [...path, key], "");
      this.changed(path);
    });
    box.append(table, el("div", { className: "row-tools" }, keyInput, add), el("p", { className: "field-error", role: "alert" }));
    return box;
  }

  addButton(path, blank) {
    const button = el("button", { type: "button", className: "small add", text: "＋ 添加一项", "data-add": pathText(path) });
    button.addEventListener("click", () => {
      const list = getAt(this.data, path);
      if (Array.isArray(list)) list.push(structuredClone(blank));
      else setAt(this.data, path, [structuredClone(blank)]);
      this.open.add(pathText([...path, (getAt(this.data, path) || []).length - 1]));
      this.changed(path);
    });
    return button;
  }

  removeButton(path, index) {
    const button = el("button", { type: "button", className: "small remove", text: "删除", title: "删除这一项" });
    button.addEventListener("click", () => {
      const list = getAt(this.data, path);
      if (!Array.isArray(list)) return;
      list.splice(index, 1);
      if (list.length === 0) setAt(this.data, path, undefined);
      this.changed(path);
    });
    return button;
  }

  // A change of shape (a row added or removed): build the form again, then report it.
  changed(path) {
    this.render(this.data);
    this.onChange(path);
  }

  // ----------------------------------------------------------------- errors

  elementFor(text) {
    for (const node of this.root.querySelectorAll("[data-path]")) {
      if (node.dataset.path === text) return node;
    }
    return null;
  }
}
