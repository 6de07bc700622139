/* motcua – counter: who the current ticket's citizen is, when the kiosk identified them (ticket.citizen_id).
 * For the clerk only: the name and ID number come from GET /api/citizens/{id} (each read is audited), fetched once
 * per ticket and forgotten as soon as another ticket is shown. A citizen who withdraws consent has their face
 * erased here (DELETE /api/citizens/{id}/face), with a second press to confirm.
 *   motcuaCitizen.show(ticket | null)     called by counter.js whenever it renders the current ticket */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var RETRY_MS = 5000, TIMEOUT_MS = 10000, ARMED_MS = 5000;
  var current = null;        // {ticket, citizen, state: "loading" | "ok" | "error", data, error, status, note}
  var retryTimer = null, armedTimer = null;

  function t(vi, en) { return L.t(vi, en); }
  function $(id) { return document.getElementById(id); }
  function h(tag, cls, text) { var el = document.createElement(tag); if (cls) el.className = cls; if (text != null) el.textContent = text; return el; }

  function call(method, url) {
    var ctrl = new AbortController(), timer = setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS);
    var init = { method: method, headers: { Accept: "application/json" }, signal: ctrl.signal, cache: "no-store" };
    if (method !== "GET") { init.body = "{}"; init.headers["Content-Type"] = "application/json"; }
    return window.motcuaAuth.fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, status: res.status, data: data, error: data && data.error };
      });
    }, function () { return { ok: false, status: 0, data: null, error: null }; })
      .finally(function () { clearTimeout(timer); });
  }

  function url(citizenId, tail) { return "/api/citizens/" + encodeURIComponent(citizenId) + (tail || ""); }

  function load(entry) {
    entry.state = "loading";
    call("GET", url(entry.citizen)).then(function (res) {
      if (current !== entry) return;                     // another ticket by now: this answer is not shown
      if (res.ok) { entry.state = "ok"; entry.data = res.data; }
      else {
        entry.state = "error";
        entry.status = res.status;
        entry.error = res.error;
        if (res.status === 0 || res.status >= 500) retryTimer = setTimeout(function () { if (current === entry) load(entry); }, RETRY_MS);
      }
      render();
    });
  }

  function problem(entry) {
    var e = entry.error;
    if (entry.status === 403) return t("Tài khoản này không được xem thông tin công dân.", "This account may not see citizens' details.");
    if (entry.status === 404) return t("Không tìm thấy hồ sơ công dân này.", "This citizen's record was not found.");
    var why = e ? t(e.message, e.message_en) : t("Mất kết nối tới hệ thống.", "Lost the connection to the system.");
    return why + " " + t("Đang thử lại…", "Retrying…");
  }

  function eraseButton(entry) {
    var b = h("button", "btn ghost citizen-erase");
    b.type = "button";
    b.textContent = entry.armed ? t("Bấm lần nữa để xác nhận xoá", "Press again to confirm")
                                : t("Xoá khuôn mặt (rút lại đồng ý)", "Erase face (consent withdrawn)");
    b.classList.toggle("armed", !!entry.armed);
    b.addEventListener("click", function () {
      if (!entry.armed) {
        entry.armed = true;
        clearTimeout(armedTimer);
        armedTimer = setTimeout(function () { entry.armed = false; render(); }, ARMED_MS);
        render();
        return;
      }
      entry.armed = false;
      b.disabled = true;
      call("DELETE", url(entry.citizen, "/face")).then(function (res) {
        if (current !== entry) return;
        if (res.ok) { entry.data.face_enrolled = false; entry.note = [true, "Đã xoá dữ liệu khuôn mặt.", "The face data was erased."]; }
        else entry.note = res.error ? [false, res.error.message, res.error.message_en]
                                    : [false, "Chưa xoá được – vui lòng thử lại.", "Not erased – please try again."];
        render();
      });
    });
    return b;
  }

  function render() {
    var box = $("cur-citizen");
    if (!box) return;
    box.textContent = "";
    box.hidden = !current;
    if (!current) return;
    box.className = "cur-citizen " + current.state;
    box.appendChild(h("div", "label", t("Công dân đã xác thực tại kiosk", "Citizen identified at the kiosk")));
    if (current.state === "loading") { box.appendChild(h("div", "citizen-note", t("Đang tải thông tin công dân…", "Loading the citizen's details…"))); return; }
    if (current.state === "error") {
      box.appendChild(h("div", "citizen-note bad", problem(current)));
      return;
    }
    var d = current.data;
    box.appendChild(h("div", "citizen-name", d.name));
    var facts = h("div", "citizen-facts");
    facts.appendChild(h("span", "citizen-id", t("Số định danh: ", "ID number: ") + d.id_number));
    if (d.birth_date) facts.appendChild(h("span", "", t("Ngày sinh: ", "Born: ") + d.birth_date.split("-").reverse().join("/")));
    if (d.face_enrolled) facts.appendChild(h("span", "citizen-face", t("Đã lưu khuôn mặt", "Face saved")));
    box.appendChild(facts);
    if (d.face_enrolled) box.appendChild(eraseButton(current));
    if (current.note) box.appendChild(h("div", "citizen-note " + (current.note[0] ? "good" : "bad"), t(current.note[1], current.note[2])));
  }

  function show(ticket) {
    var citizen = ticket && ticket.citizen_id;
    if (current && (!citizen || current.ticket !== ticket.id)) {      // another ticket: forget the last citizen
      clearTimeout(retryTimer);
      current = null;
    }
    if (citizen && !current) { current = { ticket: ticket.id, citizen: citizen }; load(current); }
    render();
  }

  window.motcuaCitizen = { show: show };
})();
