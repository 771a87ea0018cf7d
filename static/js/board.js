// Group boards live: every ~2 s ask the board's small JSON endpoint whether anything changed
// (If-None-Match: an unchanged board answers 304 with no body). A changed board brings its
// columns as server-rendered, escaped HTML, which replaces the old ones; new cards by others
// are announced politely to screen readers. While someone is typing in or has opened a
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

  function apply(data) {
    var fresh = [];
    var ids = {};
    data.cards.forEach(function (card) {
      ids[card.id] = true;
      if (!known[card.id] && !card.mine) {
        fresh.push(card);
      }
    });
    known = ids;
    board.innerHTML = data.html;
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
