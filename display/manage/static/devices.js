/* motcua – the office's enrolled devices: enrol a kiosk, hall display or counter tablet and show its ready-to-open
 * link once (the token travels in the link's fragment), revoke one after a confirmation.
 * POST /api/devices, GET /api/devices?office=, DELETE /api/devices/{id}. */
(function () {
  "use strict";
  var S = window.motcuaSettings, cfg = S.config, el = S.el, t = S.t;
  var KINDS = { kiosk: ["Kiosk lấy số", "Ticket kiosk"], display: ["Màn hình sảnh", "Hall display"],
                tablet: ["Máy tính bảng tại quầy", "Counter tablet"] };

  var counterName = S.counterName;

  function loadDevices() { return S.loadList(cfg.urls.devices, "devices-error", render); }

  function render(devices) {
    var body = document.getElementById("devices");
    body.textContent = "";
    devices.forEach(function (device) {
      var kind = KINDS[device.kind] || [device.kind, device.kind];
      var action = el("td", { class: "right" });
      if (!device.revoked_at) {
        var revoke = el("button", { type: "button", class: "btn ghost small danger-text", "data-act": "revoke" },
          [S.bi("span", "Thu hồi", "Revoke")]);
        revoke.addEventListener("click", function () { revokeDevice(device, revoke); });
        action.appendChild(revoke);
      }
      body.appendChild(el("tr", { class: device.revoked_at ? "off" : "", "data-device": device.id }, [
        S.bi("td", kind[0], kind[1]),
        el("td", { text: device.name }),
        el("td", { text: device.counter ? counterName(device.counter) : "" }),
        el("td", { class: "nowrap", text: S.dateTime(device.created_at) }),
        el("td", {}, [device.revoked_at
          ? el("span", { class: "pill off", text: t("Đã thu hồi ", "Revoked ") + S.dateTime(device.revoked_at) })
          : S.bi("span", "Đang hoạt động", "Active", { class: "pill on" })]),
        action,
      ]));
    });
    if (!devices.length) body.appendChild(el("tr", {}, [el("td", { colspan: 6 }, [S.bi("span", "Chưa có thiết bị nào.", "No devices yet.")])]));
  }

  function revokeDevice(device, button) {
    S.confirm(t("Thu hồi “", "Revoke “") + device.name + "”?",
      t("Thiết bị ngừng hoạt động ngay và màn hình của nó báo chưa đăng ký. Muốn dùng lại phải đăng ký lại.",
        "The device stops at once and its screen says it is not enrolled. To use it again, enrol it again."),
      t("Thu hồi", "Revoke")).then(function (ok) {
      if (!ok) return;
      S.busy(button, function () {
        return S.api("DELETE", cfg.urls.devices + "/" + device.id).then(function (reply) {
          if (!reply.ok) { var box = document.getElementById("devices-error"); box.textContent = S.message(reply.error); box.hidden = false; return; }
          return loadDevices();
        });
      });
    });
  }

  function linkRow(labelVi, labelEn, url) {
    var input = el("textarea", { readOnly: true, rows: 3, class: "link", spellcheck: "false", "aria-label": labelVi + " / " + labelEn });
    input.value = url;
    input.addEventListener("focus", function () { input.select(); });
    var copy = el("button", { type: "button", class: "btn ghost small" }, [S.bi("span", "Sao chép", "Copy")]);
    copy.addEventListener("click", function () {
      input.select();
      var done = function () { copy.firstChild.textContent = t("Đã chép", "Copied"); };
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
    return el("div", { class: "link-row" }, [S.bi("span", labelVi, labelEn, { class: "label" }), el("span", { class: "with-button" }, [input, copy])]);
  }

  function showLinks(device) {
    var base = cfg.public_url.replace(/\/$/, "");
    var links = document.getElementById("links");
    links.textContent = "";
    var kind = KINDS[device.kind];
    links.appendChild(linkRow(kind[0] + ": " + device.name, kind[1] + ": " + device.name, base + device.link));
    if (device.kind === "tablet") {
      links.appendChild(linkRow("Màn hình thanh toán của quầy (cùng máy)", "The counter's pay screen (same tablet)",
        base + "/counter/" + encodeURIComponent(cfg.office) + "/" + encodeURIComponent(device.counter || "1") + "/pay#device=" + device.token));
    }
    document.getElementById("enrolled").hidden = false;
    document.getElementById("enrol").hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("enrol"), button = document.getElementById("enrol-btn");
    var select = document.getElementById("device-counter");
    cfg.counters.forEach(function (c) { select.appendChild(el("option", { value: c.id, text: c.name })); });
    function kind() { return form.querySelector('input[name="kind"]:checked').value; }
    form.addEventListener("change", function () { document.getElementById("counter-field").hidden = kind() !== "tablet"; });
    form.addEventListener("input", function (e) {
      if (e.target.classList) e.target.classList.remove("invalid");
      var holder = e.target.closest && e.target.closest("label");
      if (holder) holder.querySelectorAll(".field-error").forEach(function (n) { n.remove(); });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var errorBox = document.getElementById("enrol-error");
      S.busy(button, function () {
        S.clearErrors(form); errorBox.hidden = true;
        var body = { office: cfg.office, kind: kind(), name: form.elements.name.value.trim(),
          counter: kind() === "tablet" ? select.value || null : null };
        return S.api("POST", cfg.urls.devices, body).then(function (reply) {
          if (!reply.ok) { S.showError(form, reply.error, errorBox); return; }
          form.reset();
          document.getElementById("counter-field").hidden = true;
          showLinks(reply.body);
          return loadDevices();
        });
      });
    });
    document.getElementById("enrolled-done").addEventListener("click", function () {
      document.getElementById("links").textContent = "";       // the token leaves the page
      document.getElementById("enrolled").hidden = true;
      form.hidden = false;
    });
    window.addEventListener("beforeunload", function (e) {
      if (!document.getElementById("enrolled").hidden) { e.preventDefault(); e.returnValue = ""; }
    });
    loadDevices();
  });
})();
