// Scheme editor: live feedback on the weights (exact sum of 100, safety at least 10%) and
// buttons that add rows. Progressive enhancement only: the server checks every rule anyway.
(function () {
  "use strict";
  var form = document.getElementById("scheme-form");
  if (!form) return;
  var feedback = document.getElementById("weights-feedback");
  var DECIMAL = /^\s*\d+(\.\d{1,2})?\s*$/;

  function rows(kind) {
    return Array.prototype.slice.call(form.querySelectorAll('[data-rows="' + kind + '"] [data-row]'));
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  // Weights in hundredths of a percent, so the sum is exact integer arithmetic.
  function hundredths(text) {
    var parts = text.trim().split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function check() {
    var total = 0, safety = null, problems = [];
    rows("criteria").forEach(function (row) {
      var key = field(row, "key").value.trim(), weight = field(row, "weight").value;
      if (!key && !weight.trim()) return;
      if (!DECIMAL.test(weight)) { problems.push(form.dataset.msgDecimals); return; }
      total += hundredths(weight);
      if (key === "safety") safety = hundredths(weight);
    });
    if (safety === null) problems.push(form.dataset.msgNoSafety);
    else if (safety < 1000) problems.push(form.dataset.msgSafety);
    if (total !== 10000) {
      problems.push(form.dataset.msgSumBad.replace("{total}", (total / 100).toFixed(2)));
    }
    feedback.textContent = problems.length ? problems.join(" ") : form.dataset.msgSumOk;
    feedback.className = "feedback " + (problems.length ? "bad" : "ok");
  }

  function addRow(editor) {
    var all = editor.querySelectorAll("[data-row]");
    var last = all[all.length - 1], next = all.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input, select, label").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/-\d+-/, "-" + next + "-"));
      });
      if (el.tagName === "INPUT") el.value = "";
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    last.parentNode.appendChild(copy);
  }

  form.querySelectorAll("[data-rows]").forEach(function (editor) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = "+ " + editor.dataset.addLabel;
    button.addEventListener("click", function () { addRow(editor); check(); });
    editor.parentNode.insertBefore(button, editor.nextSibling);
  });
  form.addEventListener("input", check);
  check();
})();
