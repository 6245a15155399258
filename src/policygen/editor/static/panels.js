// The side panels: the clause library (exclude, replace or add a clause), the findings of
// `policygen check`, and the comparison with the last git commit. Each change a panel makes
// is a change of the profile's `clauses` section, made in the form's data: the form, the
// errors and the preview follow as they do for any edit.

import { call, download } from "./api.js";

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function button(text, onClick, className = "small") {
  const node = el("button", text, className);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

export class ClausePanel {
  constructor(editor) {
    this.editor = editor;
    this.entries = [];
    document.getElementById("clauses-refresh").addEventListener("click", () => this.refresh());
    document.getElementById("clause-document").addEventListener("change", () => this.draw());
  }

  clauses() {
    const data = this.editor.data;
    if (!data.clauses || typeof data.clauses !== "object") data.clauses = {};
    return data.clauses;
  }

  fillDocuments(documents) {
    const select = document.getElementById("clause-document");
    const previous = select.value;
    select.replaceChildren();
    const all = el("option", "全部文档");
    all.value = "";
    select.append(all);
    for (const d of documents) {
      const option = el("option", d.stem);
      option.value = d.stem;
      select.append(option);
    }
    if ([...select.options].some((o) => o.value === previous)) select.value = previous;
  }

  // Show the clauses of `stem`, the document the preview shows, when the panel opens.
  follow(stem) {
    const select = document.getElementById("clause-document");
    if (stem && [...select.options].some((o) => o.value === stem)) select.value = stem;
  }

  async refresh() {
    const note = document.getElementById("clauses-status");
    note.textContent = "正在读取条款库…";
    try {
      const answer = await call("clauses", { name: this.editor.name, data: this.editor.data });
      this.entries = answer.clauses;
      note.textContent = `共 ${answer.clauses.length} 条`;
      this.draw();
    } catch (error) {
      note.textContent = error.status === 422 ? "配置有误，改正后再查看条款库" : error.message;
    }
  }

  changed() {
    const clauses = this.clauses();
    for (const key of ["exclude", "replace", "add"]) {
      const value = clauses[key];
      if (value && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0)) delete clauses[key];
    }
    if (Object.keys(clauses).length === 0) delete this.editor.data.clauses;
    this.editor.form.render(this.editor.data);
    this.editor.edited();
    this.draw();
  }

  exclude(id) {
    const clauses = this.clauses();
    clauses.exclude = [...(clauses.exclude || []), id];
    this.changed();
  }

  restore(id) {
    const clauses = this.clauses();
    clauses.exclude = (clauses.exclude || []).filter((x) => x !== id);
    this.changed();
  }

  replace(id, text) {
    const clauses = this.clauses();
    clauses.replace = { ...(clauses.replace || {}) };
    if (text === null) delete clauses.replace[id];
    else clauses.replace[id] = text;
    this.changed();
  }

  add(after, clause) {
    const clauses = this.clauses();
    clauses.add = [...(clauses.add || []), { id: clause.id, after, ...(clause.title ? { title: clause.title } : {}), text: clause.text }];
    this.changed();
  }

  draw() {
    const chosen = document.getElementById("clause-document").value;
    const clauses = this.clauses();
    const box = document.getElementById("clause-adaptations");
    box.replaceChildren();
    const excluded = clauses.exclude || [];
    if (excluded.length) {
      box.append(el("h3", "已删除的条款"));
      const list = el("ul", undefined, "adaptations");
      for (const id of excluded) {
        const item = el("li");
        item.append(el("code", id), button("恢复", () => this.restore(id)));
        list.append(item);
      }
      box.append(list);
    }
    const replaced = Object.keys(clauses.replace || {});
    if (replaced.length) {
      box.append(el("h3", "已改写的条款"));
      const list = el("ul", undefined, "adaptations");
      for (const id of replaced) {
        const item = el("li");
        item.append(el("code", id), button("撤销改写", () => this.replace(id, null)));
        list.append(item);
      }
      box.append(list);
    }
    const rows = document.getElementById("clause-rows");
    rows.replaceChildren();
    for (const entry of this.entries.filter((e) => !chosen || e.document === chosen)) {
      const tr = el("tr");
      tr.dataset.clause = entry.id;
      const title = entry.title + (entry.replaced ? "（已改写）" : entry.added ? "（本机构新增）" : "");
      const basis = el("td");
      for (const line of entry.basis) basis.append(el("div", line, "basis"));
      if (entry.condition) basis.append(el("div", entry.condition, "help"));
      const tools = el("td", undefined, "tools");
      if (!entry.added) {
        tools.append(button("删除", () => this.exclude(entry.id)));
        tools.append(button("改写…", () => this.replaceForm(tr, entry)));
      }
      tools.append(button("在其后新增…", () => this.addForm(tr, entry)));
      tr.append(el("td", entry.id, "mono"), el("td", entry.number || "—"), el("td", title), basis, tools);
      rows.append(tr);
    }
  }

  inlineForm(row, fields, onDone) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("inline-form")) next.remove();
    const tr = el("tr", undefined, "inline-form");
    const td = el("td");
    td.colSpan = 5;
    const inputs = {};
    for (const [key, label, long, value] of fields) {
      const wrap = el("label", undefined, "inline-field");
      wrap.append(el("span", label));
      const input = document.createElement(long ? "textarea" : "input");
      if (long) input.rows = 4;
      input.value = value || "";
      input.name = `clause-${key}`;
      inputs[key] = input;
      wrap.append(input);
      td.append(wrap);
    }
    td.append(button("确定", () => onDone(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value.trim()])))),
      button("取消", () => tr.remove()));
    tr.append(td);
    row.after(tr);
  }

  replaceForm(row, entry) {
    const current = (this.clauses().replace || {})[entry.id] || "";
    this.inlineForm(row, [["text", `${entry.id} 的新正文（空行分段）`, true, current]], (values) => {
      if (values.text) this.replace(entry.id, values.text);
    });
  }

  addForm(row, entry) {
    this.inlineForm(row, [["id", "新条款 id（字母开头）", false, ""], ["title", "条标题（可不填）", false, ""],
      ["text", "条款正文（空行分段）", true, ""]], (values) => {
      if (values.id && values.text) this.add(entry.id, values);
    });
  }
}

export class CheckPanel {
  constructor(editor) {
    this.editor = editor;
    document.getElementById("check-run").addEventListener("click", () => this.run());
  }

  async run() {
    const note = document.getElementById("check-status");
    const box = document.getElementById("check-results");
    note.textContent = "正在核对…";
    try {
      const answer = await call("check", { name: this.editor.name, data: this.editor.data, lang: this.editor.lang });
      box.replaceChildren();
      const covered = answer.findings.length - answer.missing;
      note.textContent = `${covered}/${answer.findings.length} 项要素已覆盖；用语问题 ${answer.wording.length} 处`;
      const table = el("table", undefined, "grid");
      const head = el("tr");
      for (const title of ["结果", "文档", "条号", "要素", "依据"]) head.append(el("th", title));
      table.append(head);
      const ordered = [...answer.findings].sort((a, b) => Number(a.covered) - Number(b.covered));
      for (const f of ordered) {
        const tr = el("tr", undefined, f.covered ? "covered" : "missing");
        tr.append(el("td", f.covered ? "✓" : `缺失：${f.reason}`), el("td", f.document), el("td", f.number || "—"),
          el("td", f.title), el("td", f.source));
        table.append(tr);
      }
      box.append(el("h3", "要素核对"), table);
      if (answer.wording.length) {
        const list = el("table", undefined, "grid");
        const top = el("tr");
        for (const title of ["文档", "位置", "规则", "原文", "说明"]) top.append(el("th", title));
        list.append(top);
        for (const w of answer.wording) {
          const tr = el("tr");
          for (const key of ["document", "where", "rule", "excerpt", "message"]) tr.append(el("td", w[key]));
          list.append(tr);
        }
        box.append(el("h3", "用语检查"), list);
      }
      const untranslated = Object.entries(answer.untranslated || {});
      if (untranslated.length) {
        // The profile's texts the English prints in Chinese: give them in meta.translations.
        const list = el("table", undefined, "grid untranslated");
        const top = el("tr");
        for (const title of ["文档", "没有英文译文的配置文字（可在 meta.translations 中给出）"]) top.append(el("th", title));
        list.append(top);
        for (const [name, texts] of untranslated) {
          for (const text of texts) {
            const tr = el("tr");
            tr.append(el("td", name), el("td", text));
            list.append(tr);
          }
        }
        const count = new Set(untranslated.flatMap(([, texts]) => texts)).size;
        note.textContent += `；${count} 段配置文字没有英文译文`;
        box.append(el("h3", "英文译文"), list);
      }
    } catch (error) {
      note.textContent = error.status === 422 ? "配置有误，改正后再核对" : error.message;
    }
  }
}

const STATUS = { added: "新增", removed: "删除", changed: "修改", renumbered: "仅条号调整", references: "引用条号调整" };

export class ComparePanel {
  constructor(editor) {
    this.editor = editor;
    document.getElementById("compare-run").addEventListener("click", () => this.run());
    document.getElementById("redline-download").addEventListener("click", () => this.redline());
  }

  body() {
    return { name: this.editor.name, data: this.editor.data, ...this.editor.chosenDocument() };
  }

  async run() {
    const note = document.getElementById("compare-status");
    const box = document.getElementById("compare-results");
    note.textContent = "正在比较…";
    try {
      const summary = await call("compare", this.body());
      box.replaceChildren();
      const counts = Object.entries(summary.counts).filter(([, n]) => n).map(([k, n]) => `${STATUS[k] || k} ${n}`);
      note.textContent = `${summary.document}：${summary.old.version} → ${summary.new.version}；${counts.join("，") || "没有变化"}`;
      const table = el("table", undefined, "grid");
      const head = el("tr");
      for (const title of ["变化", "原条号", "新条号", "标题", "修改内容"]) head.append(el("th", title));
      table.append(head);
      for (const clause of summary.clauses) {
        const tr = el("tr", undefined, `status-${clause.status}`);
        tr.append(el("td", STATUS[clause.status] || clause.status), el("td", clause.old_number || "—"),
          el("td", clause.new_number || "—"), el("td", clause.title), el("td", clause.changes || ""));
        table.append(tr);
      }
      box.append(table);
    } catch (error) {
      note.textContent = error.status === 422 ? "配置有误，改正后再比较" : error.message;
    }
  }

  async redline() {
    const note = document.getElementById("compare-status");
    try {
      note.textContent = `已下载 ${await download("redline", this.body())}`;
    } catch (error) {
      note.textContent = error.message;
    }
  }
}
