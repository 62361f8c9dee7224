// Progressive enhancement, optional: every page works without it.

// A lost connection never loses a page. The answers of the page are kept in sessionStorage (this
// tab only; gone when it closes, and as soon as the server confirmed the save), and the form is
// sent by this script, so that a failed request leaves the respondent on her page with a message
// instead of the browser's error page. A retry sends the same answers again: saving a page is
// idempotent on the server. The server marks its answers to these posts (X-Survey-Answered) and
// names a redirect's target instead of redirecting (survey/respondent/script_posts.py).
(function () {
  "use strict";
  var PREFIX = "survey-kept:";
  var store = null;
  try { store = window.sessionStorage; store.getItem(PREFIX); } catch (e) { store = null; }

  function forget(scope) {
    if (!store) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX + scope) === 0) store.removeItem(name);
    }
  }
  // After sending or deleting: nothing of the answers stays in this tab either.
  var done = document.querySelector("[data-forget-kept]");
  if (done) forget(done.getAttribute("data-forget-kept"));

  var form = document.querySelector("form[data-send]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) return;
  var key = PREFIX + location.pathname;
  var notice = document.getElementById("connection-lost");

  function fields() {
    return form.querySelectorAll("input[name]:not([type=hidden]), textarea[name], select[name]:not([name=new_language])");
  }
  function keep() {
    if (!store) return;
    var list = fields(), names = [], pairs = [];
    for (var i = 0; i < list.length; i++) {
      var f = list[i];
      if (names.indexOf(f.name) < 0) names.push(f.name);
      if ((f.type === "checkbox" || f.type === "radio") ? f.checked : f.value !== "") pairs.push([f.name, f.value]);
    }
    try { store.setItem(key, JSON.stringify({names: names, pairs: pairs})); } catch (e) { /* full: nothing kept */ }
  }
  function restore() {
    var kept = null;
    try { kept = store && JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.names) return;
    var list = fields();
    for (var i = 0; i < list.length; i++) {
      var f = list[i], values = [];
      if (kept.names.indexOf(f.name) < 0) continue;
      for (var j = 0; j < kept.pairs.length; j++) if (kept.pairs[j][0] === f.name) values.push(kept.pairs[j][1]);
      if (f.type === "checkbox" || f.type === "radio") f.checked = values.indexOf(f.value) >= 0;
      else f.value = values.length ? values[0] : "";
    }
    form.dispatchEvent(new Event("change"));
  }
  function failed() {
    form.removeAttribute("aria-busy");
    if (notice) notice.hidden = false;
  }

  restore();
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  var clicked = null, sending = false;
  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (button) clicked = button;
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    var button = event.submitter || clicked, data = new FormData(form);
    if (button && button.name) data.append(button.name, button.value);
    keep();
    sending = true;
    form.setAttribute("aria-busy", "true");
    if (notice) notice.hidden = true;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 45000) : null;
    // getAttribute: the buttons are named "action", which shadows form.action.
    fetch(form.getAttribute("action"), {method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
                        headers: {"X-Survey-Script": "1"}, signal: controller ? controller.signal : undefined})
      .then(function (response) {
        // Not our answer (a proxy's error page, a portal's login page): as if there were no connection.
        if (!response.headers.get("X-Survey-Answered")) throw new Error("no answer from the survey");
        var target = response.headers.get("X-Survey-Location");
        if (target) {
          forget(location.pathname);
          location.assign(target);
          return null;
        }
        // The server's own page (a question to correct, a busy server): shown as it came.
        return response.text().then(function (html) {
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () { sending = false; failed(); })
      .then(function () { if (timer) clearTimeout(timer); });
  });
})();

// A counter under each text field with a limit, counting characters as the server does (code
// points, not the UTF-16 units of the browser's maxlength, which cut emoji-rich text silently).
(function () {
  "use strict";
  var form = document.querySelector("form[data-counter-text]");
  if (!form) return;
  var text = form.getAttribute("data-counter-text");
  var fields = form.querySelectorAll("[data-max-length]");
  function track(field) {
    var maximum = +field.getAttribute("data-max-length");
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = field.id + "-counter";
    field.parentNode.insertBefore(counter, field.nextSibling);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var count = Array.from(field.value).length;
      counter.textContent = text.replace("%(count)s", count).replace("%(maximum)s", maximum);
      counter.className = count > maximum ? "counter over" : "counter";
    }
    field.addEventListener("input", update);
    update();
  }
  for (var i = 0; i < fields.length; i++) if (fields[i].id) track(fields[i]);
})();

// Shows or hides a follow-up question as soon as its condition holds, evaluating the same
// condition tree as the server (survey/questionnaire/conditions/expression.py).
(function () {
  "use strict";
  var form = document.querySelector("form[data-conditional]");
  if (!form) return;
  var savedEl = document.getElementById("saved-answers");
  var saved = savedEl ? JSON.parse(savedEl.textContent) : {};
  var shown = form.querySelector("input[name=_shown]");
  var blocks = form.querySelectorAll(".question[data-code]");

  function block(code) { return form.querySelector('.question[data-code="' + code + '"]'); }
  function digits(s) {
    return s.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) { return String(c.charCodeAt(0) & 15); });
  }
  function value(code) {
    var b = block(code);
    if (!b) return Object.prototype.hasOwnProperty.call(saved, code) ? saved[code] : null;
    if (b.hidden) return null;
    var inputs = b.querySelectorAll('[name="' + code + '"]');
    var i, out = [];
    if (inputs.length && (inputs[0].type === "checkbox" || inputs[0].type === "radio")) {
      for (i = 0; i < inputs.length; i++) if (inputs[i].checked) out.push(inputs[i].value);
      if (!out.length) return null;
      return inputs[0].type === "checkbox" ? out : out[0];
    }
    var text = inputs.length ? digits(inputs[0].value.trim()) : "";
    return text === "" ? null : text;
  }
  function num(v) {
    if (typeof v === "boolean") return +v;
    if (typeof v === "number") return isFinite(v) ? v : null;
    if (typeof v === "string" && v.trim() !== "" && !isNaN(v)) return +v;
    return null;
  }
  function truthy(v) {
    if (v === null || v === undefined) return false;
    return (Array.isArray(v) || typeof v === "string") ? v.length > 0 : !!v;
  }
  function eq(a, b) {
    if (a === null || b === null) return a === null && b === null;
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.join("\u0000") === b.join("\u0000");
    }
    if (typeof a === "string" && typeof b === "string") return a === b;
    var x = num(a), y = num(b);
    return x !== null && y !== null && x === y;
  }
  function has(c, item) {
    if (c === null || item === null) return false;
    return Array.isArray(c) ? c.map(String).indexOf(String(item)) >= 0 : String(c) === String(item);
  }
  function ev(n) {
    var op = n[0], a, b;
    if (op === "lit") return n[1];
    if (op === "name") {
      a = value(n[1]);
      return a === "" || (Array.isArray(a) && !a.length) ? null : a;
    }
    if (op === "not") return !truthy(ev(n[1]));
    if (op === "and") return truthy(ev(n[1])) && truthy(ev(n[2]));
    if (op === "or") return truthy(ev(n[1])) || truthy(ev(n[2]));
    if (op === "answered") return ev(n[1]) !== null;
    if (op === "count") { a = ev(n[1]); return a === null ? 0 : (Array.isArray(a) ? a.length : 1); }
    if (op === "selected") return has(ev(n[1]), ev(n[2]));
    a = ev(n[1]);
    if (op === "neg") { a = num(a); return a === null ? null : -a; }
    b = ev(n[2]);
    if (op === "==") return eq(a, b);
    if (op === "!=") return !eq(a, b);
    if (op === "in") return has(b, a);
    if (op === "not in") return !has(b, a);
    a = num(a); b = num(b);
    if (a === null || b === null) return /^[<>]/.test(op) ? false : null;
    if (op === "<") return a < b;
    if (op === "<=") return a <= b;
    if (op === ">") return a > b;
    if (op === ">=") return a >= b;
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    return b === 0 ? null : a / b;
  }
  function update() {
    var codes = [];
    for (var i = 0; i < blocks.length; i++) {
      var b = blocks[i], condition = b.getAttribute("data-condition");
      if (condition) b.hidden = !truthy(ev(JSON.parse(condition)));
      if (!b.hidden) codes.push(b.getAttribute("data-code"));
    }
    shown.value = codes.join(" ");
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
