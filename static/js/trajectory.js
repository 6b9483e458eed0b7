// The trajectory page: draws the figures the server built (JSON in
// #trajectory-data) and keeps both on the same time range.
(function () {
  "use strict";

  var source = document.getElementById("trajectory-data");
  if (!source || !window.Plotly) return;
  var data = JSON.parse(source.textContent);
  var plots = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-range]"));
  // No mode bar: its per-chart styles would need inline CSS, which the
  // Content-Security-Policy forbids. The range buttons, drag to zoom and
  // double-click to reset do its work.
  var config = { responsive: true, displayModeBar: false };
  var syncing = false;

  function press(name) {
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-range") === name));
    });
  }

  function show(range, except) {
    syncing = true;
    var updates = plots
      .filter(function (plot) { return plot !== except; })
      .map(function (plot) { return window.Plotly.relayout(plot, { "xaxis.range": range }); });
    Promise.all(updates).then(function () { syncing = false; });
  }

  // The panels of a figure share linked x axes (xaxis, xaxis2, ...): a zoom
  // in any of them reports its own axis.
  function zoomedRange(event) {
    var keys = Object.keys(event);
    for (var i = 0; i < keys.length; i++) {
      var match = /^(xaxis\d*)\.range\[0\]$/.exec(keys[i]);
      if (match) return [event[keys[i]], event[match[1] + ".range[1]"]];
      if (/^xaxis\d*\.range$/.test(keys[i])) return event[keys[i]];
    }
    return null;
  }

  Promise.all(plots.map(function (plot) {
    var figure = data[plot.getAttribute("data-figure")];
    plot.textContent = "";
    return window.Plotly.newPlot(plot, figure.data, figure.layout, config);
  })).then(function () {
    press(data.initial);
    plots.forEach(function (plot) {
      // A zoom in one figure moves the other: one time axis for the whole page.
      plot.on("plotly_relayout", function (event) {
        if (syncing) return;
        if (Object.keys(event).some(function (key) { return /^xaxis\d*\.autorange$/.test(key); })) {
          // Double-click: back to the whole episode, on both figures.
          press("episode");
          show(data.ranges.episode, null);
          return;
        }
        var range = zoomedRange(event);
        if (!range) return;
        press(null);
        show(range, plot);
      });
    });
  });

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-range");
      press(name);
      show(data.ranges[name], null);
    });
  });
})();
