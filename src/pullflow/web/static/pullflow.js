// pullflow's board page: live refresh and dragging cards in the options. Everything works
// without this file (plain forms); it only saves reloading and offers drag and drop.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // A key that finds "the same" control again after the board is swapped.
  function focusKey(element) {
    if (!element || element === document.body) return null;
    if (element.id) return { id: element.id };
    var form = element.form || element.closest("form");
    var card = element.closest("[data-item]");
    return {
      action: form ? form.getAttribute("action") : null,
      item: card ? card.getAttribute("data-item") : null,
      text: (element.textContent || "").trim(),
      tag: element.tagName
    };
  }

  function refocus(key, root) {
    if (!key) return;
    var found = null;
    if (key.id) {
      found = document.getElementById(key.id);
    } else {
      var candidates = root.querySelectorAll(key.tag);
      for (var i = 0; i < candidates.length && !found; i++) {
        var c = candidates[i];
        var form = c.form || c.closest("form");
        var card = c.closest("[data-item]");
        if ((form ? form.getAttribute("action") : null) === key.action &&
            (card ? card.getAttribute("data-item") : null) === key.item &&
            (c.textContent || "").trim() === key.text) {
          found = c;
        }
      }
    }
    if (found && typeof found.focus === "function") found.focus({ preventScroll: true });
  }

  function openDetails(root) {
    var open = [];
    root.querySelectorAll("details[open]").forEach(function (d) {
      var summary = d.querySelector("summary");
      if (summary) open.push(summary.textContent.trim());
    });
    return open;
  }

  function reopen(root, open) {
    root.querySelectorAll("details").forEach(function (d) {
      var summary = d.querySelector("summary");
      if (summary && open.indexOf(summary.textContent.trim()) >= 0) d.open = true;
    });
  }

  var refreshing = false;
  var again = false;

  function refresh() {
    var live = document.getElementById("board-live");
    if (!live) return;
    if (refreshing) { again = true; return; }
    // Do not wipe what someone is typing in a form on the board.
    var active = document.activeElement;
    if (active && live.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) &&
        active.value) {
      again = true;
      return;
    }
    refreshing = true;
    fetch(live.getAttribute("data-fragment"), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (answer) {
      if (!answer.ok) throw new Error(String(answer.status));
      return answer.text();
    }).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#board-live");
      var current = document.getElementById("board-live");
      if (!fresh || !current) return;
      var key = live.contains(document.activeElement) ? focusKey(document.activeElement) : null;
      var open = openDetails(current);
      current.replaceWith(fresh);
      reopen(fresh, open);
      refocus(key, fresh);
      enableDragging(fresh);
    }).catch(function () { /* the next change tries again */ }).then(function () {
      refreshing = false;
      if (again) { again = false; setTimeout(refresh, 300); }
    });
  }

  function listen() {
    var live = document.getElementById("board-live");
    if (!live || !window.EventSource) return;
    var source = new EventSource(live.getAttribute("data-live"));
    source.addEventListener("change", refresh);
    // A stream that reopens after a drop has missed what changed meanwhile: read the board again.
    var opened = false;
    source.addEventListener("open", function () {
      if (opened) refresh();
      opened = true;
    });
    document.addEventListener("focusout", function () { if (again) setTimeout(refresh, 200); });
  }

  // Drag and drop in the options: dropping a card before another sends its new position.
  function enableDragging(root) {
    var list = root.querySelector("ul[data-rerank]");
    if (!list) return;
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      var card = event.target.closest ? event.target.closest("li.card[draggable]") : null;
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-item"));
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      list.querySelectorAll(".drop-before").forEach(function (c) { c.classList.remove("drop-before"); });
      dragged = null;
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest ? event.target.closest("li.card") : null;
      list.querySelectorAll(".drop-before").forEach(function (c) { c.classList.remove("drop-before"); });
      if (over && over !== dragged) over.classList.add("drop-before");
    });
    list.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var cards = Array.prototype.slice.call(list.querySelectorAll("li.card"));
      var over = event.target.closest ? event.target.closest("li.card") : null;
      var from = cards.indexOf(dragged);
      var to = over ? cards.indexOf(over) : cards.length - 1;
      if (to < 0 || to === from) return;
      // Dropped before a card below it: it takes the place just above that card.
      var position = (to > from ? to : to + 1);
      if (!over) position = cards.length;
      var item = dragged.getAttribute("data-item");
      var body = new URLSearchParams();
      body.set("position", String(position));
      fetch(list.getAttribute("data-rerank") + "/" + item + "/rank", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken() },
        body: body
      }).then(function () { refresh(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("board-live");
    if (!live) return;
    enableDragging(document);
    listen();
  });
})();
