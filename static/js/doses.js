// Dose forms (clinical-rules section 11): changing the drug clears the dose,
// and the computed dose and warnings are shown for the chosen drug only.
// Delegated listeners and data- attributes only: the CSP forbids inline script.
(function () {
  "use strict";

  function chosenDrug(form) {
    const select = form.querySelector("select[data-dose-drug]");
    if (select) return select.value;
    const radio = form.querySelector("input[data-dose-drug]:checked");
    return radio ? radio.value : "";
  }

  function showHints(form) {
    const drug = chosenDrug(form);
    form.querySelectorAll("[data-show-for-drug]").forEach(function (hint) {
      hint.hidden = !hint.dataset.showForDrug.split(" ").includes(drug);
    });
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches("[data-dose-drug]")) return;
    const form = input.closest("form");
    if (!form) return;
    // A dose typed or computed for one drug is never carried to another.
    const dose = form.querySelector("[data-dose]");
    if (dose) {
      dose.value = "";
      dose.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const computedFor = form.querySelector("input[name=computed_for]");
    if (computedFor) computedFor.value = "";
    showHints(form);
  });

  function setUp(root) {
    const forms = root.matches && root.matches("form") ? [root] : [];
    root.querySelectorAll && root.querySelectorAll("form").forEach(function (f) { forms.push(f); });
    forms.forEach(function (form) {
      if (form.querySelector("[data-dose-drug]")) showHints(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
})();
