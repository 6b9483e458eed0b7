// The trajectory page: draws the figures the server built (JSON in
// #trajectory-data) for the window of the stay it loaded, and keeps both on
// the same time range. The first figure is drawn before the second is begun,
// so a slow tablet shows the grades and vitals while the labs are still coming.
(function () {
  "use strict";

  var source = document.getElementById("trajectory-data");
  var plotlySrc = document.currentScript && document.currentScript.getAttribute("data-plotly");
  if (!source || !plotlySrc) return;

  // The grades chart is in the HTML. plotly.js takes seconds to parse on a
  // slow tablet, and a script run before the first paint holds the paint
  // back: fetch it only once the page is on screen.
  function afterPaint(then) {
    window.requestAnimationFrame(function () { window.setTimeout(then, 0); });
  }

  afterPaint(function () {
    var script = document.createElement("script");
    script.src = plotlySrc;
    script.onload = start;
    script.onerror = function () {
      document.querySelectorAll(".plot-waiting").forEach(function (note) {
        note.textContent = "The charts could not be loaded: reload the page.";
      });
    };
    document.head.appendChild(script);
  });

  function start() {
    if (!window.Plotly) return;
    var data = JSON.parse(source.textContent);
    var plots = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
    // No mode bar: its per-chart styles would need inline CSS, which the
    // Content-Security-Policy forbids. The window links, drag to zoom and
    // double-click to reset do its work.
    var config = { responsive: true, displayModeBar: false };
    var syncing = false;

    function show(range, except) {
      syncing = true;
      var updates = plots
        .filter(function (plot) { return plot !== except && plot.data; })
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

    function follow(plot) {
      // A zoom in one figure moves the other: one time axis for the whole page.
      plot.on("plotly_relayout", function (event) {
        if (syncing) return;
        if (Object.keys(event).some(function (key) { return /^xaxis\d*\.autorange$/.test(key); })) {
          // Double-click: back to the window loaded, on both figures.
          show(data.range, null);
          return;
        }
        var range = zoomedRange(event);
        if (range) show(range, plot);
      });
    }

    function draw(index) {
      if (index >= plots.length) return;
      var plot = plots[index];
      var figure = data[plot.getAttribute("data-figure")];
      plot.textContent = "";
      window.Plotly.newPlot(plot, figure.data, figure.layout, config).then(function () {
        follow(plot);
        // Let the browser paint this figure before drawing the next.
        window.requestAnimationFrame(function () {
          window.setTimeout(function () { draw(index + 1); }, 0);
        });
      });
    }

    draw(0);
  }
})();
