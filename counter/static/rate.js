/* motcua – the satisfaction tablet of a counter. Follows the counter's rate stream (services/live/ratings.py):
 *   snapshot {name, counter, ask}    ask: the ticket just completed here (or null)
 *   ask {ticket_id, number, …}       the clerk completed a ticket: ask its citizen
 *   rated {ticket_id}                that ticket got its vote elsewhere (the phone page)
 * Idle → the faces → (unhappy) the reasons → thanks → idle by itself. Votes go through MotcuaRating.Outbox, which
 * keeps them on the tablet until the server has them. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var ASK_MS = 90000, WHY_MS = 45000, THANKS_MS = 6000;
  var st = { screen: "idle", ticket: null, level: null, timer: null, voted: {}, reasons: null };

  function $(id) { return document.getElementById(id); }

  function show(screen, ms) {
    st.screen = screen;
    ["idle", "ask", "why", "thanks"].forEach(function (n) { $("screen-" + n).hidden = n !== screen; });
    document.body.dataset.screen = screen;
    window.clearTimeout(st.timer);
    if (ms) st.timer = window.setTimeout(timeout, ms);
  }

  function timeout() {
    if (st.screen === "why") return vote([]);      // the face was chosen: it counts even without reasons
    idle();
  }

  function idle() { st.ticket = null; show("idle"); }

  function ask(ticket) {
    if (!ticket || st.voted[ticket.ticket_id]) return;
    st.ticket = ticket;
    $("ask-number").textContent = ticket.number;
    $("ask-number-en").textContent = ticket.number;
    show("ask", ASK_MS);
  }

  function pick(level) {
    if (!st.ticket || st.screen !== "ask") return;      // a late second tap on the faces changes nothing
    st.level = level;
    if (level.unhappy) {
      st.reasons = MotcuaRating.reasons($("why-reasons"), cfg.rating.reasons);
      show("why", WHY_MS);
    } else {
      vote([]);
    }
  }

  function vote(reasons) {
    var ticket = st.ticket;
    if (!ticket || st.voted[ticket.ticket_id]) return;
    st.voted[ticket.ticket_id] = true;
    $("thanks-kept").hidden = true;
    show("thanks", THANKS_MS);
    outbox.send(ticket.ticket_id, { level: st.level.level, reasons: reasons }).then(function (outcome) {
      $("thanks-kept").hidden = outcome !== "kept";
    });
  }

  function pending(n) {
    var el = $("pending");
    el.hidden = !n;
    el.textContent = n ? n + " đánh giá chờ gửi · " + n + " vote(s) waiting to be sent" : "";
  }

  var outbox = new MotcuaRating.Outbox(function (url, init) { return motcuaAuth.fetch(url, init); }, pending);
  pending(outbox.pending());
  MotcuaRating.faces($("ask-faces"), cfg.rating.levels, pick);
  var calm = cfg.rating.levels.slice().reverse();
  calm.forEach(function (lv) { $("idle-faces").appendChild(MotcuaRating.face(lv.level, calm.length)); });
  $("why-send").addEventListener("click", function () { vote(st.reasons ? st.reasons.chosen() : []); });
  $("why-skip").addEventListener("click", function () { vote([]); });

  new MotcuaStream(cfg.urls.events, {
    events: ["ask", "rated"],
    onSnapshot: function (snap) {
      if (snap.ask && (!st.ticket || st.ticket.ticket_id !== snap.ask.ticket_id)) ask(snap.ask);
    },
    onEvent: function (name, data) {
      if (name === "ask") ask(data);
      if (name === "rated" && st.ticket && st.ticket.ticket_id === data.ticket_id && st.screen === "ask") idle();
    },
    onUp: function () { $("offline").hidden = true; },
    onDown: function () { $("offline").hidden = false; },
    onFatal: function (why) {
      if (why === "unauthenticated") return;           // motcuaAuth shows the enrolment notice
      var text = why === "forbidden"
        ? ["Máy tính bảng này được đăng ký cho quầy khác.", "This tablet is enrolled for another counter."]
        : ["Không tìm thấy quầy này.", "This counter does not exist."];
      var p = document.querySelector(".rate-text");
      p.textContent = text[0];
      var en = document.createElement("span");
      en.className = "en";
      en.textContent = text[1];
      p.appendChild(en);
      p.classList.add("rate-refused");
    }
  }).start();
})();
