// The unit board. htmx polls and swaps the cards that changed; this file only
// keeps the cards in the order the server sent and says so, loudly, when the
// server stops answering: a wall screen that silently froze would mislead.
(function () {
  "use strict";

  function reorder() {
    var order = document.getElementById("board-order");
    var cards = document.getElementById("board-cards");
    if (!order || !cards) return;
    var wanted = (order.getAttribute("data-order") || "").split(",").filter(Boolean);
    var shown = Array.prototype.map.call(cards.querySelectorAll(":scope > .card-slot"), function (slot) {
      return slot.id.replace("slot-", "");
    });
    if (wanted.join(",") === shown.join(",")) return;
    // appendChild moves a node: the cards are not redrawn, only placed.
    wanted.forEach(function (id) {
      var slot = document.getElementById("slot-" + id);
      if (slot) cards.appendChild(slot);
    });
  }

  function clock() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function offline(isOffline) {
    var banner = document.getElementById("board-offline");
    if (!banner) return;
    if (!isOffline) {
      banner.hidden = true;
      var stamp = banner.querySelector("[data-last-ok]");
      if (stamp) stamp.textContent = clock();
      return;
    }
    banner.hidden = false;
  }

  function fromBoard(event) {
    return event.detail && event.detail.elt && event.detail.elt.id === "board";
  }

  document.addEventListener("htmx:afterSettle", reorder);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target && event.target.id === "board-order") reorder();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (fromBoard(event)) offline(!event.detail.successful);
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (fromBoard(event)) offline(true);
  });
  document.addEventListener("htmx:timeout", function (event) {
    if (fromBoard(event)) offline(true);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
