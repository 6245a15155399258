// The editor page: a file, its form, its errors, and beside it the preview, the clause
// library, the findings and the comparison with git. Every text from the profile or the
// server is put into the page as text (textContent, option text, control values); the
// preview is policygen's own sanitised HTML shown in a sandboxed frame that runs no script.

import { ApiError, call, download } from "./api.js";
import { SchemaForm } from "./form.js";
import { ancestors } from "./paths.js";
import { ClausePanel, ComparePanel, CheckPanel } from "./panels.js";

const DEBOUNCE_MS = 300;
const $ = (id) => document.getElementById(id);

class Editor {
  constructor(session) {
    this.session = session;
    this.name = null;
    this.form = new SchemaForm(session.schema, $("form"), () => this.edited());
    this.documents = [];
    this.sequence = 0;
    this.timer = null;
    this.listedLang = this.lang;
    this.clauses = new ClausePanel(this);
    this.check = new CheckPanel(this);
    this.compare = new ComparePanel(this);
    this.fillFiles(session.files, session.start);
    this.sectionLinks();
    this.wire();
  }

  get data() { return this.form.data; }

  // The languages chosen beside the document (zh, en, zh+en); null: the profile's own.
  get lang() { return $("lang").value || null; }

  status(text, kind = "") {
    const node = $("status");
    node.textContent = text;
    node.dataset.kind = kind;
  }

  fillFiles(files, chosen) {
    const list = $("file-list");
    list.replaceChildren();
    for (const file of files) {
      const option = document.createElement("option");
      option.value = file;
      option.textContent = file;
      option.selected = file === chosen;
      list.append(option);
    }
  }

  sectionLinks() {
    const nav = $("sections");
    nav.replaceChildren();
    for (const { key, title } of this.form.sections()) {
      const link = document.createElement("a");
      link.href = `#section-${key}`;
      link.textContent = title;
      nav.append(link);
    }
  }

  wire() {
    $("open-file").addEventListener("click", () => this.open($("file-list").value));
    $("new-file").addEventListener("click", () => this.create());
    $("save").addEventListener("click", () => this.save());
    $("document").addEventListener("change", () => this.refreshPreview());
    $("lang").addEventListener("change", () => this.update());
    for (const button of document.querySelectorAll("[data-download]")) {
      button.addEventListener("click", () => this.download(button.dataset.download));
    }
    for (const tab of document.querySelectorAll("[data-tab]")) {
      tab.addEventListener("click", () => this.showTab(tab.dataset.tab));
    }
    window.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        this.save();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (!$("dirty").hidden) event.preventDefault();
    });
  }

  showTab(name) {
    for (const tab of document.querySelectorAll("[data-tab]")) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(on));
      $(`panel-${tab.dataset.tab}`).hidden = !on;
    }
    if (name === "clauses") {
      this.clauses.follow($("preview").dataset.stem);
      this.clauses.refresh();
    }
  }

  async open(name) {
    if (!name) return;
    if (!$("dirty").hidden && !window.confirm("当前配置尚未保存，仍要打开另一个文件吗？")) return;
    try {
      const answer = await call("open", { name });
      this.load(answer.name, answer.data);
      this.status(`已打开 ${answer.name}`);
    } catch (error) {
      this.failed(error);
    }
  }

  async create() {
    if (!$("dirty").hidden && !window.confirm("当前配置尚未保存，仍要新建吗？")) return;
    const name = window.prompt("新配置的文件名（工作目录中，.yaml）", "policygen.yaml");
    if (!name) return;
    try {
      const answer = await call("new", { name });
      const session = await call("session", undefined, "GET");
      this.fillFiles(session.files, answer.name);
      this.load(answer.name, answer.data);
      this.status(`已新建 ${answer.name}（起始配置）`);
    } catch (error) {
      this.failed(error);
    }
  }

  load(name, data) {
    this.name = name;
    $("file-name").textContent = name;
    document.title = `${name} — policygen`;
    this.form.render(data);
    this.setDirty(false);
    this.update();
  }

  setDirty(dirty) {
    $("dirty").hidden = !dirty;
  }

  edited() {
    this.setDirty(true);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(), DEBOUNCE_MS);
  }

  // Check the profile and refresh the preview; an answer older than the last edit is dropped.
  // When the languages changed, the documents are listed in them first (their names and
  // languages change), and the preview follows the list.
  async update() {
    const mine = ++this.sequence;
    const body = { name: this.name, data: this.data, lang: this.lang };
    const relisting = body.lang !== this.listedLang;
    const preview = relisting ? null : this.refreshPreview(mine);
    try {
      const answer = await call("validate", body);
      if (mine !== this.sequence) return;
      this.showErrors(answer.errors);
      if (answer.documents) {
        this.listedLang = body.lang;
        this.fillDocuments(answer.documents);
      }
    } catch (error) {
      if (mine === this.sequence) this.failed(error);
    }
    await preview;
    if (mine === this.sequence && !$("panel-clauses").hidden) this.clauses.refresh();
  }

  fillDocuments(documents) {
    const select = $("document");
    const key = (d) => `${d.kind}|${d.contract_no || ""}|${d.lang}`;
    const keys = documents.map(key);
    if (keys.join("\n") === this.documentKeys) return;
    this.documentKeys = keys.join("\n");
    // The same document in other languages stays chosen.
    const same = (k) => k.split("|").slice(0, 2).join("|") === select.value.split("|").slice(0, 2).join("|");
    const previous = keys.find(same);
    select.replaceChildren();
    documents.forEach((d) => {
      const option = document.createElement("option");
      option.value = key(d);
      option.textContent = d.stem;
      select.append(option);
    });
    const contract = documents.find((d) => d.kind === "contract");
    select.value = previous || (contract ? key(contract) : keys[0] || "");
    this.clauses.fillDocuments(documents);
    const chosen = select.selectedOptions[0];
    if (chosen && chosen.textContent !== $("preview").dataset.stem) this.refreshPreview();
  }

  // The document the preview shows, in the languages it is listed in (a kind without
  // English text is listed, and shown, in Chinese).
  chosenDocument() {
    const value = $("document").value;
    if (!value) return { kind: "contract", contract_no: null, lang: this.lang };
    const [kind, number, lang] = value.split("|");
    return { kind, contract_no: number || null, lang: lang || null };
  }

  async refreshPreview(mine = this.sequence) {
    const frame = $("preview");
    const note = $("preview-status");
    const started = performance.now();
    note.textContent = "正在更新预览…";
    try {
      const answer = await call("preview", { name: this.name, data: this.data, ...this.chosenDocument() });
      if (mine !== this.sequence) return;
      const scroll = frame.contentWindow ? frame.contentWindow.scrollY : 0;
      frame.addEventListener("load", () => {
        if (frame.contentWindow) frame.contentWindow.scrollTo(0, scroll);
      }, { once: true });
      frame.srcdoc = answer.html;
      frame.dataset.stem = answer.stem;
      frame.dataset.changed = String(answer.changed.length);
      const took = Math.round(performance.now() - started);
      note.textContent = answer.changed.length
        ? `已更新（${took} 毫秒）；自上次保存以来 ${answer.changed.length} 处条款有变化`
        : `已更新（${took} 毫秒）`;
      note.dataset.kind = "ok";
    } catch (error) {
      if (mine !== this.sequence) return;
      note.dataset.kind = "error";
      note.textContent = error instanceof ApiError && error.status === 422
        ? "配置有误，预览暂停在上一次有效的版本（见左侧错误）"
        : `预览失败：${error.message}`;
    }
  }

  showErrors(errors) {
    for (const node of document.querySelectorAll(".has-error")) node.classList.remove("has-error");
    for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
    const list = $("error-list");
    list.replaceChildren();
    $("errors").hidden = errors.length === 0;
    $("error-count").textContent = errors.length ? `（${errors.length}）` : "";
    for (const error of errors) {
      const target = this.fieldFor(error.path);
      if (target) {
        target.classList.add("has-error");
        const slot = [...target.children].find((c) => c.classList.contains("field-error"));
        if (slot) slot.textContent = slot.textContent ? `${slot.textContent}；${error.message}` : error.message;
      }
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#";
      link.className = "error-link";
      link.dataset.path = error.path;
      const where = document.createElement("code");
      where.textContent = error.path || "（整个配置）";
      link.append(where, document.createTextNode(` ${error.message}`));
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.reveal(target);
      });
      item.append(link);
      list.append(item);
    }
  }

  fieldFor(path) {
    for (const candidate of ancestors(path)) {
      const found = this.form.elementFor(candidate);
      if (found) return found;
    }
    return null;
  }

  reveal(target) {
    if (!target) return;
    for (let node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    target.scrollIntoView({ block: "center" });
    const control = target.querySelector("input, select, textarea");
    if (control) control.focus({ preventScroll: true });
  }

  async save() {
    if (!this.name) return;
    try {
      const answer = await call("save", { name: this.name, data: this.data });
      this.setDirty(false);
      this.status(answer.valid ? `已保存 ${answer.name}` : `已保存 ${answer.name}（仍有 ${answer.errors.length} 处错误）`, answer.valid ? "ok" : "warn");
      this.showErrors(answer.errors);
      this.refreshPreview();
    } catch (error) {
      this.failed(error);
    }
  }

  async download(format) {
    const body = { name: this.name, data: this.data, format, lang: this.lang };
    if (format !== "zip") Object.assign(body, this.chosenDocument());
    this.status(format === "zip" ? "正在生成整套文档…" : "正在生成…");
    try {
      const file = await download("download", body);
      this.status(`已下载 ${file}`, "ok");
    } catch (error) {
      this.failed(error);
    }
  }

  failed(error) {
    if (error instanceof ApiError && error.status === 422 && error.body && error.body.errors) {
      this.showErrors(error.body.errors);
      this.status("配置有误，请先改正左侧列出的错误", "error");
      return;
    }
    this.status(error.message || String(error), "error");
  }
}

async function start() {
  const session = await call("session", undefined, "GET");
  const editor = new Editor(session);
  window.policygenEditor = editor;
  const first = session.start || session.files[0];
  if (first) await editor.open(first);
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  const node = $("status");
  node.textContent = `无法启动编辑器：${error.message}`;
  node.dataset.kind = "error";
});
