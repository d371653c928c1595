// Builds DOM nodes from data without innerHTML, so names from the registry can never inject markup.

/** Appends children, skipping null and false (so `cond ? node : null` reads naturally) and flattening arrays. */
export function add(node, ...children) {
  append(node, children);
  return node;
}

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

/**
 * A table that scrolls sideways on a phone instead of breaking the page. The scrolling box is a
 * named, focusable region so it can be scrolled from the keyboard too.
 */
export function scrollBox(label, ...content) {
  return h("div", { class: "table-scroll", role: "region", tabindex: "0", "aria-label": label }, ...content);
}

/** `stack`: at phone width each row becomes a block of "heading: value" lines (see app.css). */
export function table(caption, headings, rows, { numeric = [], label = caption, stack = false } = {}) {
  if (stack) {
    for (const row of rows) [...row.children].forEach((cell, i) => { cell.dataset.label = headings[i]; });
  }
  return scrollBox(label,
    h("table", { class: stack ? "stack" : null },
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, headings.map((text, i) =>
        h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, text)))),
      h("tbody", {}, rows)));
}

export function notice(text, kind = "") {
  return h("p", { class: `notice ${kind}`.trim() }, text);
}
