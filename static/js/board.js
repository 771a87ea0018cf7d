// Group boards live: every ~2 s ask the board's small JSON endpoint whether anything changed
// (If-None-Match: an unchanged board answers 304 with no body). A changed board brings its
// columns as server-rendered, escaped HTML, which replaces the old ones; new cards by others
// are announced politely to screen readers. A member's poll brings columns shared by the whole
// group (rendered once per board state on the server) plus the member's own marks as ids:
// the script puts the member's buttons on those cards from the page's <template>s. While someone is typing in or has opened a
// card's form, the update waits, so nothing they write is lost. Without JavaScript the
// forms still post and the page reloads.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.querySelector("[data-board]");
  if (!board || !window.fetch) {
    return;
  }
  var url = board.getAttribute("data-state-url");
  var announce = document.querySelector("[data-board-announce]");
  var template = board.getAttribute("data-new-card") || "{author}: {text}";
  // The page was rendered at this ETag; the first poll answers 304 if nothing changed since.
  var etag = board.getAttribute("data-etag") || null;
  var known = {};  // card ids already shown, so only new ones are announced
  Array.prototype.forEach.call(board.querySelectorAll("[data-card-id]"), function (el) {
    known[el.getAttribute("data-card-id")] = true;
  });
  var pending = null;  // an answer held back while someone edits
  var INTERVAL = 2000;

  function busy() {
    var active = document.activeElement;
    if (active && board.contains(active) && /^(TEXTAREA|SELECT|INPUT)$/.test(active.tagName)) {
      return true;
    }
    return board.querySelector("details[open]") !== null;
  }

  function idSet(list) {
    var set = {};
    (list || []).forEach(function (id) { set[id] = true; });
    return set;
  }

  // One of the member's forms from its <template>, for card `id` (the template has card 0).
  function action(name, id, label, text) {
    var tpl = document.querySelector('template[data-board-action="' + name + '"]');
    if (!tpl) {
      return null;
    }
    var node = tpl.content.cloneNode(true);
    Array.prototype.forEach.call(node.querySelectorAll("form"), function (form) {
      form.setAttribute("action", form.getAttribute("action").replace("/cards/0", "/cards/" + id));
    });
    Array.prototype.forEach.call(node.querySelectorAll("[data-card-label]"), function (el) {
      el.textContent = label;
    });
    var area = node.querySelector("textarea");
    if (area) {
      area.id = "edit-" + id;
      area.value = text;
      area.textContent = text;
      node.querySelector("label").setAttribute("for", area.id);
    }
    return node;
  }

  // The member's own marks on the shared columns: dots left, a dot per card, own cards.
  function mark(data) {
    var mine = idSet(data.mine);
    var voted = idSet(data.voted);
    var dots = board.querySelector("[data-dots-left]");
    if (dots) {
      dots.textContent = data.dots_text;
    }
    Array.prototype.forEach.call(board.querySelectorAll("[data-card-id]"), function (note) {
      var place = note.querySelector("[data-card-actions]");
      if (!place) {
        return;
      }
      var id = note.getAttribute("data-card-id");
      var label = note.getAttribute("data-card-label") || "";
      var text = note.querySelector(".tafel-note__text").textContent;
      var nodes = [];
      if (data.voting_open) {
        if (voted[id]) {
          nodes.push(action("unvote", id, label, text));
        } else if (data.dots_left) {
          nodes.push(action("vote", id, label, text));
        }
      }
      if (mine[id]) {
        nodes.push(action("edit", id, label, text));
      }
      nodes.forEach(function (node) {
        if (node) {
          place.appendChild(node);
        }
      });
    });
    if (data.csrf) {
      Array.prototype.forEach.call(document.querySelectorAll("input[name=csrf_token]"),
        function (input) { input.value = data.csrf; });
    }
  }

  function apply(data) {
    var shared = Array.isArray(data.mine);
    var mine = idSet(data.mine);
    if (shared && data.writable && !document.querySelector("template[data-board-action]")) {
      // The board opened after this page was loaded: the page brings the forms to write.
      window.location.reload();
      return;
    }
    var fresh = [];
    var ids = {};
    data.cards.forEach(function (card) {
      ids[card.id] = true;
      if (!known[card.id] && !card.mine && !mine[card.id]) {
        fresh.push(card);
      }
    });
    known = ids;
    board.innerHTML = data.html;
    if (shared) {
      mark(data);
    }
    board.setAttribute("data-version", data.version);
    if (announce && fresh.length) {
      announce.textContent = fresh.map(function (card) {
        return template.replace("{author}", card.author).replace("{text}", card.text);
      }).join(" ");
    }
  }

  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("board poll: " + response.status);
        }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (data) {
          if (busy()) {
            pending = data;
          } else {
            apply(data);
          }
        } else if (pending && !busy()) {
          apply(pending);
          pending = null;
        }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () {
        window.setTimeout(poll, INTERVAL);
      });
  }

  var refresh = document.querySelector("[data-board-refresh]");
  if (refresh) {
    refresh.hidden = true;
  }
  poll();
});
