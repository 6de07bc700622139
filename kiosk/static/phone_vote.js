/* motcua – the satisfaction vote on the citizen's own phone page, once their ticket is served, the same day (the
 * ticket's id is their key: POST /api/tickets/{id}/rating). Hears the page's ticket through the "motcua:ticket"
 * event of phone.js; the vote goes through MotcuaRating.Outbox, kept in the phone until the server has it. A ticket
 * already rated (on the counter's tablet, or before on this phone) says thanks and asks nothing. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("config").textContent);
  var KEY = "motcua.voted." + cfg.ticket.id;
  var st = { shown: false, level: null, reasons: null };
  var outbox = null;

  function $(id) { return document.getElementById(id); }
  function t(vi, en) { return window.motcuaLang && window.motcuaLang.lang === "en" ? en : vi; }
  function day(when) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: cfg.timezone || "Asia/Ho_Chi_Minh" }).format(when);
  }
  function remember() { try { localStorage.setItem(KEY, "1"); } catch (e) { /* private mode */ } }
  function remembered() { try { return !!localStorage.getItem(KEY); } catch (e) { return false; } }

  function done(note) {
    $("vote-faces").hidden = true;
    $("vote-why").hidden = true;
    $("vote-thanks").hidden = false;
    $("vote-note").hidden = !note;
    $("vote-note").textContent = note || "";
  }

  function send(reasons) {
    if (!outbox) outbox = new MotcuaRating.Outbox(function (url, init) { return fetch(url, init); });
    remember();
    done(null);
    outbox.send(cfg.ticket.id, { level: st.level.level, reasons: reasons }).then(function (outcome) {
      if (outcome === "kept") done(t("Đánh giá sẽ được gửi khi điện thoại có mạng.", "Your vote will be sent when the phone is back online."));
      if (outcome === "refused") done(t("Phiếu này đã được đánh giá. Cảm ơn bạn!", "This ticket has already been rated. Thank you!"));
    });
  }

  function pick(level) {
    if (st.level) return;
    st.level = level;
    if (level.unhappy) {
      $("vote-faces").hidden = true;
      $("vote-why").hidden = false;
      st.reasons = MotcuaRating.reasons($("vote-reasons"), cfg.rating.reasons);
    } else {
      send([]);
    }
  }

  document.addEventListener("motcua:ticket", function (e) {
    var tk = e.detail;
    if (st.shown || tk.status !== "done" || !tk.finished_at) return;
    if (day(new Date(tk.finished_at)) !== day(new Date())) return;     // a vote counts the day of service only
    st.shown = true;
    $("vote-card").hidden = false;
    if (remembered()) { done(null); return; }
    MotcuaRating.faces($("vote-faces"), cfg.rating.levels, pick);
  });

  document.addEventListener("DOMContentLoaded", function () {
    $("vote-send").addEventListener("click", function () { send(st.reasons ? st.reasons.chosen() : []); });
  });
})();
