// Bedside charting helpers. Everything hangs off data- attributes and
// delegated listeners: no inline script, so a strict CSP can forbid them.
(function () {
  "use strict";

  // --- Never lost: a failed save keeps the form and says so ----------------

  function chartForm(event) {
    const elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest("form[data-chart-form]") : null;
  }

  function showNotSaved(event, reason) {
    const form = chartForm(event);
    const box = form && form.querySelector("[data-send-failed]");
    if (!box) return;
    box.querySelector("[data-reason]").textContent = reason;
    box.hidden = false;
    box.focus();
    box.scrollIntoView({ block: "center" });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = chartForm(event);
    const box = form && form.querySelector("[data-send-failed]");
    if (box) box.hidden = true;
  });
  document.addEventListener("htmx:sendError", function (event) {
    showNotSaved(event, "The connection to the server was lost.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    showNotSaved(event, "The server did not answer in time.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : "";
    const reason =
      status === 403
        ? "You are not allowed to chart on this patient (error 403)."
        : status === 503
          ? "The database did not answer (error 503)."
          : "The server could not save it (error " + status + ").";
    showNotSaved(event, reason);
  });

  // --- Closing the entry panel without a round trip -------------------------

  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-close-entry]");
    if (!close) return;
    const entry = document.getElementById("entry");
    if (!entry) return;
    event.preventDefault();
    // Closed on purpose: nothing to keep.
    entry.querySelectorAll("form[data-chart-form]").forEach(function (form) {
      sessionStorage.removeItem(draftKey(form));
    });
    entry.replaceChildren();
  });

  // --- Time shortcuts: "now" in ward time, and setting the time back --------

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // The field holds ward wall-clock time; do the sums in UTC so the tablet's
  // own time zone and its daylight-saving changes never enter into it.
  function parseWallClock(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : null;
  }

  function formatWallClock(ms) {
    const d = new Date(ms);
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes())
    );
  }

  const loadedAt = new WeakMap();

  function wardNow(button) {
    // The server said what time it was on the ward when it drew the form.
    const then = parseWallClock(button.dataset.timeNow);
    return then + (Date.now() - (loadedAt.get(button) || Date.now()));
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-time-now], [data-time-shift]");
    if (!button) return;
    const input = document.getElementById(button.dataset.for);
    if (!input) return;
    if (button.dataset.timeNow !== undefined) {
      input.value = formatWallClock(wardNow(button));
    } else {
      const form = button.closest("form");
      const nowButton = form && form.querySelector("[data-time-now]");
      const from = parseWallClock(input.value) ?? (nowButton ? wardNow(nowButton) : null);
      if (from === null) return;
      input.value = formatWallClock(from + Number(button.dataset.timeShift) * 60000);
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // --- Temperature: show the other scale while typing -----------------------

  function showConversion(field) {
    const input = field.querySelector("input[type=text]");
    const unit = field.querySelector("input[type=radio]:checked");
    const output = field.querySelector("[data-converted]");
    const value = parseFloat((input.value || "").replace(",", "."));
    if (!output) return;
    if (!isFinite(value) || !unit) {
      output.textContent = "";
      return;
    }
    output.textContent =
      unit.value === "F"
        ? "= " + (((value - 32) * 5) / 9).toFixed(1) + " °C"
        : "= " + ((value * 9) / 5 + 32).toFixed(1) + " °F";
  }

  // --- Neuro: the score is computed from the items, never typed -------------

  function showScore(section) {
    const output = section.querySelector("[data-score-output]");
    const form = section.closest("form");
    const unable = form.querySelector("input[name=unable_to_perform]");
    if (!output) return;
    if (unable && unable.checked) {
      output.textContent = "Cannot be assessed";
      return;
    }
    const items = section.querySelectorAll(".item");
    let answered = 0;
    let points = 0;
    items.forEach(function (item) {
      const checked = item.querySelector("input[type=radio]:checked");
      if (!checked) return;
      answered += 1;
      if (section.dataset.scoreTool === "ICE") {
        points += checked.value === "True" ? 1 : 0;
      } else {
        const frequency = Number(checked.value);
        points += item.hasAttribute("data-reversed") ? 4 - frequency : frequency;
      }
    });
    const most = section.dataset.scoreTool === "ICE" ? 10 : 32;
    output.textContent =
      answered === 0
        ? items.length + " items to answer"
        : section.dataset.scoreTool + " " + points + "/" + most +
          (answered < items.length ? " so far, " + (items.length - answered) + " to answer" : "");
  }

  // "Attributable to another cause" only where there is a finding to attribute,
  // and the notes only when they are needed: a shorter form for the usual case.
  function findingPresent(section) {
    const domain = section.dataset.domain;
    const checked = section.querySelector(".choices input[type=radio]:checked");
    if (domain === "score") {
      const unable = section.querySelector("input[name=unable_to_perform]");
      if (unable && unable.checked) return true;
      const answers = section.querySelectorAll(".item input[type=radio]:checked");
      return Array.prototype.some.call(answers, function (answer) {
        const item = answer.closest(".item");
        if (section.dataset.scoreTool === "ICE") return answer.value === "False";
        const frequency = Number(answer.value);
        return (item.hasAttribute("data-reversed") ? 4 - frequency : frequency) > 0;
      });
    }
    if (domain === "motor") {
      const box = section.querySelector("input[name=motor_weakness]");
      return Boolean(box && box.checked);
    }
    return Boolean(checked && checked.value !== "alert" && checked.value !== "none");
  }

  function showWhatIsNeeded(form) {
    let anyExcluded = false;
    form.querySelectorAll("[data-domain]").forEach(function (section) {
      const toggle = section.querySelector("[data-other-cause]");
      if (!toggle) return;
      const box = toggle.querySelector("input");
      anyExcluded = anyExcluded || box.checked;
      toggle.hidden = !(box.checked || findingPresent(section));
    });
    const note = form.querySelector("[data-show-if-excluded]");
    if (note) note.hidden = !anyExcluded;
    const modified = form.querySelector("input[name=modified_for]:checked");
    const how = form.querySelector("[data-show-if-modified]");
    if (how) how.hidden = !(modified && modified.value !== "");
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-all-correct]");
    if (!button) return;
    const section = button.closest("[data-score-tool]");
    section.querySelectorAll(".item input[type=radio][value=True]").forEach(function (radio) {
      radio.checked = true;
    });
    showScore(section);
    showWhatIsNeeded(section.closest("form"));
  });

  document.addEventListener("input", refresh);
  document.addEventListener("change", refresh);

  function refresh(event) {
    const temperature = event.target.closest && event.target.closest("[data-temperature]");
    if (temperature) showConversion(temperature);
    const form = event.target.closest && event.target.closest("form");
    const score = form && form.querySelector("[data-score-tool]");
    if (score) {
      showScore(score);
      showWhatIsNeeded(form);
    }
  }

  // --- Vasopressors: ticking one answers "changed" -------------------------
  // The server reads a tick the same way; this shows the nurse what she said.

  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("input[name=vasopressors]") || !box.checked) return;
    const form = box.closest("form");
    const changed = form && form.querySelector("input[name=vasopressor_action][value=change]");
    if (changed && !changed.checked) {
      changed.checked = true;
      changed.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // --- New content: set it up, and bring a refused form's summary into view -

  function setUp(root) {
    root.querySelectorAll("[data-time-now]").forEach(function (b) {
      loadedAt.set(b, Date.now());
    });
    root.querySelectorAll("[data-temperature]").forEach(showConversion);
    root.querySelectorAll("[data-score-tool]").forEach(function (section) {
      showScore(section);
      showWhatIsNeeded(section.closest("form"));
    });
    const summary = root.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  // --- Kept across a sign-out: what was typed but not saved -----------------
  // A shared tablet signs out when idle; the entry typed before that waits in
  // this tab (sessionStorage, gone when the tab closes) until it is saved.

  const NOT_KEPT = new Set(["csrfmiddlewaretoken", "idempotency_key"]);

  function draftKey(form) {
    return "draft:" + form.getAttribute("action");
  }

  function keepDraft(form) {
    const values = {};
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || NOT_KEPT.has(field.name) || field.type === "hidden") return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      (values[field.name] = values[field.name] || []).push(field.value);
    });
    sessionStorage.setItem(draftKey(form), JSON.stringify(values));
  }

  function restoreDraft(form) {
    if (form.querySelector("[data-saved-event]")) {
      // A fresh form handed back after a save: what was typed is saved.
      sessionStorage.removeItem(draftKey(form));
      return;
    }
    const kept = sessionStorage.getItem(draftKey(form));
    if (!kept || form.querySelector("[data-error-summary]")) return;
    const values = JSON.parse(kept);
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || NOT_KEPT.has(field.name) || field.type === "hidden") return;
      const wanted = values[field.name] || [];
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = wanted.includes(field.value);
      } else if (wanted.length) {
        field.value = wanted[0];
      }
    });
    const notice = document.createElement("p");
    notice.className = "message";
    notice.setAttribute("role", "status");
    notice.textContent = "Restored what you typed before: check it and save.";
    form.prepend(notice);
  }

  document.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form[data-chart-form]");
    if (form) keepDraft(form);
  });
  document.addEventListener("change", function (event) {
    const form = event.target.closest && event.target.closest("form[data-chart-form]");
    if (form) keepDraft(form);
  });

  let lastSent = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = chartForm(event);
    if (form) lastSent = draftKey(form);
  });
  document.addEventListener("htmx:afterSwap", function () {
    // Saved: the draft has done its job.
    if (lastSent && document.querySelector("#entry [data-saved]")) {
      sessionStorage.removeItem(lastSent);
      lastSent = null;
    }
  });

  document.addEventListener("htmx:load", function (event) {
    setUp(event.detail.elt);
    const root = event.detail.elt;
    const forms = root.matches && root.matches("form[data-chart-form]")
      ? [root]
      : Array.from(root.querySelectorAll ? root.querySelectorAll("form[data-chart-form]") : []);
    forms.forEach(restoreDraft);
  });
})();
