// Paths into the profile data, written as policygen writes them in its messages:
// ["engagements", 0, "fee", "tax_rate"] is "engagements[0].fee.tax_rate".

export function pathText(path) {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${part}` : String(part);
  }
  return out;
}

export function getAt(data, path) {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[part];
  }
  return node;
}

// Set the value at `path`, creating the mappings and lists on the way; `undefined` removes it
// (the profile then says nothing there: the default, or the organisation's value, applies).
export function setAt(data, path, value) {
  let node = data;
  for (let i = 0; i < path.length - 1; i += 1) {
    const part = path[i];
    if (node[part] === null || typeof node[part] !== "object") {
      if (value === undefined) return;
      node[part] = typeof path[i + 1] === "number" ? [] : {};
    }
    node = node[part];
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last, 1);
    else delete node[last];
    prune(data, path.slice(0, -1));
  } else {
    node[last] = value;
  }
}

// Remove the mappings along `path` that a removal left empty, innermost first: clearing the
// last field of an engagement's override leaves no `sla: {}` behind.
function prune(data, path) {
  for (let end = path.length; end > 0; end -= 1) {
    const node = getAt(data, path.slice(0, end));
    if (!node || Array.isArray(node) || typeof node !== "object" || Object.keys(node).length) return;
    const parent = getAt(data, path.slice(0, end - 1));
    if (Array.isArray(parent)) return;
    delete parent[path[end - 1]];
  }
}

// The error paths of policygen, from the most precise to the whole profile.
export function ancestors(text) {
  const out = [text];
  let rest = text;
  while (rest) {
    const cut = Math.max(rest.lastIndexOf("."), rest.lastIndexOf("["));
    rest = cut > 0 ? rest.slice(0, cut) : "";
    if (rest) out.push(rest);
  }
  return out;
}
