// The alert badge on every page polls the inbox (htmx, every 10 s). When a
// new alert arrives for this person, the page plays the alert sound and shows
// a browser notification (Notification API, if allowed). Nothing leaves the
// hospital: no push service, the sound is served from static/.
(function () {
  "use strict";

  var KEY = "crs-alert-newest";
  // What the page did, for the person checking it and for the browser tests.
  window.crsAlerts = window.crsAlerts || { played: 0, shown: 0, lastSound: "" };

  function remembered() {
    try { return parseInt(sessionStorage.getItem(KEY) || "0", 10) || 0; } catch (e) { return 0; }
  }

  function remember(value) {
    try { sessionStorage.setItem(KEY, String(value)); } catch (e) { /* private mode */ }
  }

  function sound() {
    var audio = document.getElementById("alert-sound");
    window.crsAlerts.played += 1;
    document.body.setAttribute("data-alert-played", String(window.crsAlerts.played));
    if (!audio) return;
    try {
      audio.currentTime = 0;
      var playing = audio.play();
      if (playing && playing.then) {
        playing.then(function () {
          window.crsAlerts.lastSound = "played";
          document.body.setAttribute("data-alert-sound", "played");
        }, function () {
          // The browser wants a tap on the page first (autoplay policy).
          window.crsAlerts.lastSound = "blocked";
          document.body.setAttribute("data-alert-sound", "blocked");
        });
      }
    } catch (e) {
      window.crsAlerts.lastSound = "blocked";
    }
  }

  function notify(count, link) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    var note = new Notification("CRS Monitor: " + count + " open alert" + (count === 1 ? "" : "s"), {
      body: "Open the alert to see the patient and acknowledge.",
      tag: "crs-monitor-alert",
    });
    note.onclick = function () { window.focus(); window.location.href = link; };
    window.crsAlerts.shown += 1;
  }

  function check() {
    var badge = document.getElementById("alert-badge");
    if (!badge) return;
    var count = parseInt(badge.getAttribute("data-count") || "0", 10) || 0;
    var newest = parseInt(badge.getAttribute("data-newest") || "0", 10) || 0;
    if (count > 0 && newest > remembered()) {
      sound();
      notify(count, badge.getAttribute("href"));
    }
    if (newest > remembered()) remember(newest);
  }

  document.addEventListener("DOMContentLoaded", check);
  // After any swap (the badge's own poll replaces it whole): cheap to look.
  document.addEventListener("htmx:afterSettle", check);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-enable-alerts]");
    if (!button) return;
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission();
    }
    // A tap lets the page play sound from now on.
    var audio = document.getElementById("alert-sound");
    if (audio) { audio.muted = true; audio.play().then(function () { audio.pause(); audio.muted = false; }, function () {}); }
  });
})();
