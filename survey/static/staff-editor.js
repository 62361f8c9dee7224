/* Questionnaire editor, optional: while a new code field is untouched, suggest a code from the
   text typed into the field it names (data-suggest-from), as the server would. */
(function () {
  "use strict";
  var map = { "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue" };
  function suggest(text) {
    text = text.replace(/[äöüßÄÖÜ]/g, function (c) { return map[c]; });
    text = text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
    var words = text.match(/[a-z0-9]+/g) || [], code = "";
    for (var i = 0; i < words.length; i++) {
      var next = code ? code + "_" + words[i] : words[i];
      if (next.length > 32) break;
      code = next;
    }
    if (!code && words.length) code = words[0].slice(0, 32);
    if (code && !/^[a-z]/.test(code)) code = "q_" + code;
    return code;
  }
  document.querySelectorAll("input[data-suggest-from]").forEach(function (field) {
    var source = document.getElementById(field.getAttribute("data-suggest-from"));
    if (!source) return;
    var last = field.value;
    field.addEventListener("input", function () { last = null; });
    source.addEventListener("input", function () {
      if (last === null || field.value !== last) return;  // staff typed a code of their own
      last = field.value = suggest(source.value);
    });
  });
})();
