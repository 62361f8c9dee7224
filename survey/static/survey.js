// Progressive enhancement, optional: every page works without it. Shows or hides a follow-up
// question as soon as its condition holds, evaluating the same condition tree as the server
// (survey/questionnaire/conditions.py). Nothing is sent anywhere; nothing is stored.
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
