// What the environment reads from and checks on the page, installed in every document
// before the site's own scripts: the accessibility-tree text, the target of an action,
// and whether the page has settled. Ids come from the site's data-sg attributes.
(() => {
  "use strict";
  const INTERACTIVE = new Set(["button", "link", "textbox", "combobox", "checkbox", "radio", "option", "listbox", "searchbox"]);
  const CONTAINERS = new Set(["dialog", "navigation", "main", "form", "group", "region", "list", "table", "row", "alert", "status", "grid", "banner", "contentinfo"]);
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const quote = (s) => JSON.stringify(clean(s).slice(0, 300));

  const hidden = (el) => {
    if (el.hidden || el.getAttribute("aria-hidden") === "true") return true;
    if (el.tagName === "INPUT" && el.type === "hidden") return true;
    const style = getComputedStyle(el);
    return style.display === "none" || style.visibility === "hidden";
  };

  const role = (el) => {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag === "A" && el.hasAttribute("href")) return "link";
    if (tag === "BUTTON") return "button";
    if (tag === "SELECT") return "combobox";
    if (tag === "TEXTAREA") return "textbox";
    if (tag === "INPUT") {
      const type = el.type;
      if (type === "checkbox" || type === "radio") return type;
      if (["button", "submit", "reset"].includes(type)) return "button";
      return "textbox";
    }
    if (/^H[1-6]$/.test(tag)) return "heading";
    return { NAV: "navigation", MAIN: "main", FORM: el.getAttribute("aria-label") ? "form" : "", FIELDSET: "group",
      TABLE: "table", TR: "row", OL: "list", UL: "list", SECTION: el.getAttribute("aria-label") ? "region" : "",
      HEADER: "banner", FOOTER: "contentinfo" }[tag] || "";
  };

  const labelOf = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria) return aria;
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ");
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) return label.textContent;
    }
    const wrapping = el.closest("label");
    if (wrapping) return wrapping.textContent;
    if (el.tagName === "FIELDSET") return el.querySelector("legend")?.textContent || "";
    if (["BUTTON", "A", "LI", "OPTION"].includes(el.tagName) || el.getAttribute("role") === "option") return el.textContent;
    return el.getAttribute("placeholder") || el.getAttribute("title") || "";
  };

  const describe = (el, r) => {
    const id = el.dataset.sg;
    let line = (id ? `[${id}] ` : INTERACTIVE.has(r) ? "[?] " : "") + r;
    const name = clean(labelOf(el));
    if (name) line += " " + quote(name);
    if (el.tagName === "SELECT") {
      const chosen = el.selectedOptions[0];
      line += ` value=${quote(chosen ? chosen.textContent : "")} options: ` +
        [...el.options].map((o) => clean(o.textContent)).join(" | ");
    } else if (r === "textbox" || r === "combobox" || r === "searchbox") {
      line += ` value=${quote(el.value)}`;
      if (el.readOnly) line += " readonly";
    }
    if (r === "checkbox" || r === "radio") line += el.checked ? " checked" : " unchecked";
    if (el.disabled || el.getAttribute("aria-disabled") === "true") line += " disabled";
    for (const [attr, word] of [["aria-expanded", "expanded"], ["aria-pressed", "pressed"], ["aria-selected", "selected"], ["aria-current", "current"]]) {
      const v = el.getAttribute(attr);
      if (v === "true" || (attr === "aria-current" && v)) line += " " + word;
    }
    if (el.getAttribute("aria-invalid") === "true") line += " invalid";
    if (el === document.activeElement) line += " focused";
    return line;
  };

  // Inline elements with nothing to act on inside read as part of the text around them
  // ("Booking reference: <strong>ABC234</strong>" is one line).
  const inlineText = (el) => !el.querySelector("[data-sg], a[href], button, input, select, textarea") &&
    (getComputedStyle(el).display.startsWith("inline") || el.classList.contains("sr-only")) && !role(el);

  const walk = (node, depth, out, skipText) => {
    let text = "";
    const flush = () => {
      if (clean(text)) out.push("  ".repeat(depth) + "text " + quote(text));
      text = "";
    };
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        if (!skipText) text += child.textContent;
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE || ["SCRIPT", "STYLE", "TEMPLATE", "LEGEND"].includes(child.tagName)) continue;
      if (hidden(child)) continue;
      if (!skipText && child.tagName !== "LABEL" && inlineText(child) && !child.dataset.sg) {
        text += child.textContent;
        continue;
      }
      flush();
      if (child.tagName === "LABEL" && child.querySelector("input, select, textarea")) {
        walk(child, depth, out, true);  // the control inside carries the label as its name
        continue;
      }
      if (child.tagName === "LABEL" && child.htmlFor && document.getElementById(child.htmlFor)) continue;
      const r = role(child);
      if (INTERACTIVE.has(r) || child.dataset.sg) {
        out.push("  ".repeat(depth) + describe(child, r || "generic"));
        if (r === "listbox") walk(child, depth + 1, out);
      } else if (r === "heading") {
        out.push("  ".repeat(depth) + `heading ${quote(child.textContent)}`);
      } else if (CONTAINERS.has(r)) {
        const name = clean(labelOf(child));
        out.push("  ".repeat(depth) + r + (name ? " " + quote(name) : ""));
        walk(child, depth + 1, out);
      } else {
        walk(child, depth, out);
      }
    }
    flush();
  };

  window.__sgObserve = () => {
    const out = [];
    walk(document.body, 0, out);
    const focused = document.activeElement && document.activeElement !== document.body
      ? (document.activeElement.dataset.sg || role(document.activeElement)) : "";
    return { tree: out.join("\n"), title: document.title, focused, url: location.href,
      scroll: `${Math.round(scrollY)} of ${Math.max(0, document.documentElement.scrollHeight - innerHeight)} px` };
  };

  // Where an action on [id] lands, after the checks a person would make by looking.
  window.__sgTarget = (id, kind) => {
    const el = document.querySelector(`[data-sg="${CSS.escape(id)}"]`);
    if (!el) {
      const ids = [...document.querySelectorAll("[data-sg]")].filter((e) => !hidden(e)).map((e) => e.dataset.sg);
      return { error: "unknown", ids };
    }
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      if (hidden(node)) return { error: `[${id}] is on the page but not visible now.` };
    }
    const r = role(el);
    if (el.disabled || el.getAttribute("aria-disabled") === "true") return { error: `[${id}] ${r} is disabled.` };
    if (kind === "fill") {
      if (!["textbox", "combobox", "searchbox"].includes(r) || el.tagName === "SELECT") return { error: `[${id}] is a ${r}, not a text field; fill expects a textbox.` };
      if (el.readOnly) return { error: `[${id}] is read-only${el.getAttribute("aria-haspopup") ? "; click it to open its picker" : ""}.` };
    }
    if (kind === "select" && el.tagName !== "SELECT") return { error: `[${id}] is a ${r}, not a drop-down; select expects a combobox with options.` };
    if (kind === "check" && !["checkbox", "radio"].includes(r)) return { error: `[${id}] is a ${r}, not a checkbox or radio button.` };
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return { error: `[${id}] has no size on screen.` };
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    if (hit && hit !== el && !el.contains(hit) && !(hit.tagName === "LABEL" && (hit === label || hit.contains(el)))) {
      const cover = hit.closest("[role=dialog]") || hit;
      const name = clean(labelOf(cover)) || clean(cover.textContent).slice(0, 60);
      return { error: `[${id}] is covered by ${role(cover) || cover.tagName.toLowerCase()} "${name}"; deal with it first.` };
    }
    return { x, y, role: r };
  };

  window.__sgSettled = () => !window.__sg || (window.__sg.pending === 0 && document.readyState === "complete");
  window.__sgLeaving = () => Boolean(window.__sg && window.__sg.leaving);

  // Draw every visible id on the page for a screenshot (and take the labels away again).
  window.__sgLabels = (show) => {
    document.querySelectorAll(".__sg-label").forEach((n) => n.remove());
    if (!show) return;
    for (const el of document.querySelectorAll("[data-sg]")) {
      if (hidden(el)) continue;
      const box = el.getBoundingClientRect();
      if (box.bottom < 0 || box.top > innerHeight || box.width === 0) continue;
      const tag = document.createElement("div");
      tag.className = "__sg-label";
      tag.textContent = el.dataset.sg;
      tag.style.cssText = `position:fixed;left:${Math.max(0, box.left)}px;top:${Math.max(0, box.top - 13)}px;` +
        "z-index:2147483647;background:#ffde21;color:#000;font:10px/12px monospace;padding:0 2px;pointer-events:none;border:1px solid #000";
      document.documentElement.append(tag);
    }
  };
})();
