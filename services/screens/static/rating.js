/* motcua – the satisfaction vote, shared by the counter's tablet and the citizen's phone page.
 *   MotcuaRating.faces(container, levels, onPick)      large faces with their words, best first
 *   MotcuaRating.reasons(container, reasons) → {chosen() → [codes]}
 *   new MotcuaRating.Outbox(fetchFn).send(ticketId, vote) → Promise<"sent"|"kept"|"refused">
 * A vote is given its own id (vote_id) and kept in this browser (localStorage) until the server has it: sent at
 * once, and again while the network is down (with backoff, on the browser's "online" event and at the next page
 * load). The server recognises a resent vote by its id (200), so a vote lost on the way back is never counted twice.
 * A refusal (already rated, not served, the day is over) drops the vote: sending it again would not change that. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var KEY = "motcua.votes";
  var KEEP_MS = 20 * 3600 * 1000;           // a vote counts the day of service only
  var BACKOFF_MS = [2000, 5000, 10000, 20000, 30000, 60000];
  // Colour and mouth of each face, from the least to the most satisfied (indexed by level-1 on a 5-level scale).
  var FACES5 = [["#c62828", -1], ["#ef6c00", -0.5], ["#f9a825", 0], ["#7cb342", 0.5], ["#2e7d32", 1]];
  var FACES3 = [FACES5[0], FACES5[2], FACES5[4]];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function face(level, scale) {
    var spec = (scale === 3 ? FACES3 : FACES5)[level - 1];
    var smile = spec[1];
    var root = svg("svg", { viewBox: "0 0 100 100", "aria-hidden": "true", "class": "face" });
    root.appendChild(svg("circle", { cx: 50, cy: 50, r: 46, fill: spec[0] }));
    root.appendChild(svg("circle", { cx: 34, cy: 40, r: 6, fill: "#fff" }));
    root.appendChild(svg("circle", { cx: 66, cy: 40, r: 6, fill: "#fff" }));
    var y = 68 - smile * 4, bend = 68 + smile * 14;
    root.appendChild(svg("path", { d: "M28 " + y + " Q50 " + bend + " 72 " + y, stroke: "#fff", "stroke-width": 7,
      fill: "none", "stroke-linecap": "round" }));
    return root;
  }

  function faces(container, levels, onPick) {
    container.textContent = "";
    var scale = levels.length;
    levels.forEach(function (lv) {
      var button = el("button", "rate-face rate-level-" + lv.level);
      button.type = "button";
      button.dataset.level = lv.level;
      button.setAttribute("aria-label", lv.name + " / " + lv.name_en);
      button.appendChild(face(lv.level, scale));
      button.appendChild(el("span", "rate-word", lv.name));
      button.appendChild(el("span", "rate-word-en", lv.name_en));
      button.addEventListener("click", function () { onPick(lv); });
      container.appendChild(button);
    });
  }

  function reasons(container, list) {
    container.textContent = "";
    var chosen = {};
    list.forEach(function (r) {
      var button = el("button", "rate-reason");
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.appendChild(el("span", "rate-tick", "✓"));
      button.appendChild(el("span", "rate-reason-vi", r.name));
      button.appendChild(el("span", "rate-reason-en", r.name_en));
      button.addEventListener("click", function () {
        chosen[r.code] = !chosen[r.code];
        button.setAttribute("aria-pressed", chosen[r.code] ? "true" : "false");
      });
      container.appendChild(button);
    });
    return { chosen: function () { return list.map(function (r) { return r.code; }).filter(function (c) { return chosen[c]; }); } };
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /** `fetchFn(url, init)`: how this screen calls the API (motcuaAuth.fetch on a tablet, fetch on a phone). */
  function Outbox(fetchFn, onChange) {
    this.fetch = fetchFn;
    this.onChange = onChange || function () {};
    this.attempt = 0;
    this.timer = null;
    this.busy = false;
    var self = this;
    window.addEventListener("online", function () { self.flush(); });
    this.flush();
  }
  Outbox.prototype.load = function () {
    try {
      var all = JSON.parse(localStorage.getItem(KEY) || "[]");
      return all.filter(function (v) { return Date.now() - v.at < KEEP_MS; });
    } catch (e) { return this.memory || []; }
  };
  Outbox.prototype.save = function (votes) {
    this.memory = votes;
    try { localStorage.setItem(KEY, JSON.stringify(votes)); } catch (e) { /* private mode: kept in memory */ }
    this.onChange(votes.length);
  };
  Outbox.prototype.pending = function () { return this.load().length; };
  /** Keep the vote, then try to send everything kept. */
  Outbox.prototype.send = function (ticketId, vote) {
    var votes = this.load().filter(function (v) { return v.ticket !== ticketId; });
    votes.push({ ticket: ticketId, at: Date.now(),
      body: { level: vote.level, reasons: vote.reasons || [], vote_id: uuid() } });
    this.save(votes);
    return this.flush(ticketId);
  };
  Outbox.prototype._post = function (v) {
    return this.fetch("/api/tickets/" + encodeURIComponent(v.ticket) + "/rating", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(v.body)
    }).then(function (r) {
      if (r.ok) return "sent";
      if (r.status >= 500 || r.status === 429 || r.status === 408) return "kept";
      return "refused";              // 400, 403, 404, 409: sending it again would not change the answer
    }, function () { return "kept"; });
  };
  /** Send every kept vote; resolves with the outcome of `ticketId`'s vote when given. */
  Outbox.prototype.flush = function (ticketId) {
    var self = this;
    if (this.busy) return Promise.resolve("kept");
    this.busy = true;
    window.clearTimeout(this.timer);
    var votes = this.load();
    var outcome = "sent";
    var chain = Promise.resolve();
    votes.forEach(function (v) {
      chain = chain.then(function () {
        return self._post(v).then(function (result) {
          if (v.ticket === ticketId) outcome = result;
          if (result !== "kept") {
            self.save(self.load().filter(function (k) { return k.body.vote_id !== v.body.vote_id; }));
          }
        });
      });
    });
    return chain.then(function () {
      self.busy = false;
      if (self.load().length) {
        self.timer = window.setTimeout(function () { self.flush(); },
          BACKOFF_MS[Math.min(self.attempt++, BACKOFF_MS.length - 1)]);
      } else {
        self.attempt = 0;
      }
      return outcome;
    });
  };

  window.MotcuaRating = { faces: faces, reasons: reasons, Outbox: Outbox, face: face };
})();
