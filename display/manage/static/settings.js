/* motcua – the office's configuration page: loads GET /api/offices/{office}/configuration, edits it in place and
 * saves it with PUT /api/offices/{office} (the same document). A refusal names its field (details.field), shown
 * beside it; saving is one request at a time; leaving with unsaved changes asks first. */
(function () {
  "use strict";
  var S = window.motcuaSettings, cfg = S.config, el = S.el, t = S.t;
  var form, doc = null, savedText = "", known = { services: {}, procedures: {}, counters: {}, categories: {} };
  var categories = [];          // the priority categories as rows: [{code, name, name_en}]
  var categoriesAbsent = false;  // the office relies on the default categories (settings has none)
  var autoPrefix = new WeakMap(); // a new service whose prefix follows its code until edited

  // ------------------------------------------------------------ paths into the document

  function steps(path) {
    var out = [];
    path.replace(/([^.[\]]+)|\[(\d+)\]/g, function (_, key, index) { out.push(index !== undefined ? +index : key); });
    return out;
  }
  function getAt(path) {
    return steps(path).reduce(function (node, key) { return node == null ? undefined : node[key]; }, doc);
  }
  function setAt(path, value) {
    var keys = steps(path), node = doc;
    keys.slice(0, -1).forEach(function (key, i) {
      if (node[key] == null) node[key] = typeof keys[i + 1] === "number" ? [] : {};
      node = node[key];
    });
    var last = keys[keys.length - 1];
    if (value === undefined) delete node[last]; else node[last] = value;
  }

  // ------------------------------------------------------------ what is saved, and whether it changed

  function sameCategories(rows, defaults) {
    return JSON.stringify(rows) === JSON.stringify(defaults);
  }
  function current() {
    var out = JSON.parse(JSON.stringify(doc));
    var rows = categories.map(function (c) { return { code: c.code.trim(), name: c.name, name_en: c.name_en }; });
    if (categoriesAbsent && sameCategories(rows, cfg.default_priority_categories)) {
      delete out.settings.priority_categories;
    } else {
      var object = {};
      rows.forEach(function (c) { object[c.code] = { name: c.name, name_en: c.name_en || c.name }; });
      out.settings.priority_categories = object;
    }
    return out;
  }
  function dirty() { return doc !== null && JSON.stringify(current()) !== savedText; }

  var stateEl, saveBtn, discardBtn, lastSaved = null;
  function updateState(text) {
    var changed = dirty();
    saveBtn.disabled = !changed || saveBtn.dataset.busy === "1";
    discardBtn.disabled = !changed || saveBtn.dataset.busy === "1";
    document.getElementById("savebar").classList.toggle("changed", changed);
    if (text) { stateEl.textContent = text; return; }
    if (changed) stateEl.textContent = t("Có thay đổi chưa lưu", "Unsaved changes");
    else if (lastSaved) stateEl.textContent = t("Đã lưu lúc ", "Saved at ") + lastSaved;
    else stateEl.textContent = t("Chưa có thay đổi", "No changes");
  }

  // ------------------------------------------------------------ inputs bound to the document

  function groupDigits(n) { return n == null ? "" : String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }

  /** Bind `input` to `path`. kind: text | int | scaled (data-scale) | time | prefix (empty → null) | fee | bool. */
  function bind(input, path, kind, after) {
    input.dataset.path = path;
    var value = getAt(path);
    var scale = +(input.dataset.scale || 1);
    if (kind === "bool") input.checked = !!value;
    else if (kind === "fee") input.value = groupDigits(value);
    else if (kind === "scaled" || kind === "int") {
      var shown = value === undefined ? input.dataset.default : value;
      input.value = shown === undefined || shown === null ? "" : (kind === "scaled" ? Math.round(+shown / scale) : shown);
    } else if (kind === "time") input.value = value || input.dataset.default || "";
    else input.value = value == null ? "" : value;
    input.addEventListener(kind === "bool" ? "change" : "input", function () {
      var raw = input.value;
      if (kind === "bool") setAt(path, input.checked);
      else if (kind === "fee") {
        var digits = raw.replace(/\D/g, "");
        setAt(path, digits ? parseInt(digits, 10) : null);
      } else if (kind === "int" || kind === "scaled") {
        setAt(path, raw === "" ? undefined : Math.round(parseFloat(raw) * (kind === "scaled" ? scale : 1)));
      } else if (kind === "time") setAt(path, raw || undefined);
      else if (kind === "prefix") setAt(path, raw.trim() === "" ? null : raw.trim().toUpperCase());
      else setAt(path, raw);
      input.classList.remove("invalid");
      var holder = input.closest("label, .field, td");
      if (holder) holder.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
      if (after) after(input);
      updateState();
    });
    if (kind === "fee") input.addEventListener("blur", function () { input.value = groupDigits(getAt(path)); });
    return input;
  }

  function field(labelVi, labelEn, input, cls) {
    return el("label", { class: "field " + (cls || "") }, [S.bi("span", labelVi, labelEn), input]);
  }
  function textInput(extra) { return el("input", Object.assign({ type: "text" }, extra || {})); }

  // ------------------------------------------------------------ the fixed part: name, hours, rules, province

  function renderFixed() {
    form.querySelectorAll("input[data-path]").forEach(function (input) {
      if (input.closest("#services, #counters, #categories")) return;
      var path = input.dataset.path;
      if (/^settings\.province\./.test(path)) return;
      var kind = input.dataset.kind === "time" ? "time" : input.type === "number" ? (input.dataset.scale ? "scaled" : "int") : "text";
      var fresh = input.cloneNode(true);          // drop the listeners of an earlier load
      input.replaceWith(fresh);
      bind(fresh, path, kind);
    });
    ["code", "name"].forEach(function (part) {
      var old = form.querySelector('[data-path="settings.province.' + part + '"]');
      var input = old.cloneNode(true);
      old.replaceWith(input);
      var province = doc.settings.province || {};
      input.value = province[part] || "";
      input.disabled = !cfg.may_set_province;      // who reads the office's figures: admins decide
      input.addEventListener("input", function () {
        var code = form.querySelector('[data-path="settings.province.code"]').value.trim();
        var name = form.querySelector('[data-path="settings.province.name"]').value.trim();
        if (!code && !name) delete doc.settings.province; else doc.settings.province = { code: code, name: name };
        updateState();
      });
    });
    document.getElementById("province-hint").hidden = cfg.may_set_province;
    form.querySelectorAll('input[name="rating_scale"]').forEach(function (radio) {
      radio.checked = String(doc.settings.rating_scale || 5) === radio.value;
      radio.onchange = function () { doc.settings.rating_scale = +radio.value; updateState(); };
    });
  }

  function renderCategories() {
    var box = document.getElementById("categories");
    box.textContent = "";
    categories.forEach(function (row, i) {
      var isKnown = known.categories[row.code];
      var code = textInput({ value: row.code, maxlength: 40, readOnly: !!isKnown, "aria-label": "Mã / code",
        class: "narrow-input", "data-path": "settings.priority_categories" });
      code.addEventListener("input", function () { row.code = code.value; updateState(); });
      var name = textInput({ value: row.name, maxlength: 80, "aria-label": "Tên / name",
        "data-path": "settings.priority_categories." + row.code + ".name" });
      name.addEventListener("input", function () { row.name = name.value; updateState(); });
      var nameEn = textInput({ value: row.name_en || "", maxlength: 80, "aria-label": "English",
        "data-en-placeholder": "English name", placeholder: t("Tên tiếng Anh", "English name") });
      nameEn.addEventListener("input", function () { row.name_en = nameEn.value; updateState(); });
      var remove = el("button", { type: "button", class: "icon-btn remove", title: t("Bỏ", "Remove"),
        "aria-label": t("Bỏ đối tượng", "Remove category"), text: "✕", on: { click: function () {
          categories.splice(i, 1); renderCategories(); updateState();
        } } });
      box.appendChild(el("div", { class: "list-row" }, [code, name, nameEn, remove]));
    });
  }

  // ------------------------------------------------------------ services and their procedures

  function iconButton(path, fallbackVi) {
    var button = el("button", { type: "button", class: "icon-pick", "data-path": path });
    function draw() {
      button.textContent = "";
      var key = getAt(path);
      var svg = key && window.motcuaIcons ? window.motcuaIcons.draw(key, "pick-svg") : null;
      if (svg) button.appendChild(svg); else button.appendChild(el("span", { class: "no-icon", text: "?" }));
      var names = key && cfg.icons[key];
      button.title = names ? t(names.vi, names.en) : t(fallbackVi || "Chọn hình", "Choose a pictogram");
      button.setAttribute("aria-label", t("Hình minh hoạ: ", "Pictogram: ") + (names ? t(names.vi, names.en) : t("chưa chọn", "none")));
    }
    draw();
    button.addEventListener("click", function () {
      pickIcon(getAt(path)).then(function (choice) {
        if (choice === undefined) return;
        setAt(path, choice);
        draw();
        updateState();
      });
    });
    return button;
  }

  function pickIcon(currentKey) {
    var dialog = document.getElementById("icon-dialog"), grid = document.getElementById("icon-grid");
    grid.textContent = "";
    Object.keys(cfg.icons).forEach(function (key) {
      var names = cfg.icons[key];
      var svg = window.motcuaIcons ? window.motcuaIcons.draw(key, "pick-svg") : null;
      grid.appendChild(el("button", { type: "submit", value: "icon:" + key, class: "icon-choice" + (key === currentKey ? " chosen" : ""),
        "aria-pressed": String(key === currentKey) }, [svg, el("span", { text: t(names.vi, names.en) })]));
    });
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        var value = dialog.returnValue || "cancel";
        resolve(value === "none" ? null : value.indexOf("icon:") === 0 ? value.slice(5) : undefined);
      });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  function sample(service) {
    if (service.prefix == null) return String((service.start || 0) + 1);
    var seq = "1";
    while (seq.length < (service.width || 3)) seq = "0" + seq;
    return service.prefix + "-" + seq;
  }

  function renderServices() {
    var box = document.getElementById("services");
    box.textContent = "";
    doc.services.forEach(function (service, i) { box.appendChild(serviceCard(service, i)); });
    if (!doc.services.length) box.appendChild(S.bi("p", "Chưa có dịch vụ nào.", "No services yet.", { class: "empty" }));
  }

  function serviceCard(service, i) {
    var base = "services[" + i + "]", isKnown = known.services[service.code];
    var number = el("span", { class: "sample", text: sample(service) });
    var startField = field("Số bắt đầu", "Starts after", bind(el("input", { type: "number", min: 0, step: 1 }), base + ".start", "int",
      function () { number.textContent = sample(service); }), "narrow");
    startField.hidden = service.prefix != null;
    var prefix = bind(textInput({ maxlength: 6, class: "upper" }), base + ".prefix", "prefix", function () {
      autoPrefix.delete(service);
      number.textContent = sample(service);
      startField.hidden = service.prefix != null;
    });
    var previousCode = service.code;
    var code = bind(textInput({ maxlength: 40, readOnly: !!isKnown, required: true }), base + ".code", "text", function () {
      renameService(previousCode, service.code);
      previousCode = service.code;
      if (autoPrefix.get(service)) {
        service.prefix = service.code.trim().toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 6) || null;
        prefix.value = service.prefix || "";
        number.textContent = sample(service);
        startField.hidden = service.prefix != null;
      }
    });
    var name = bind(textInput({ maxlength: 120, required: true }), base + ".name", "text", renderCounters);
    var remove = el("button", { type: "button", class: "btn ghost small danger-text", on: { click: function () {
      S.confirm(t("Bỏ dịch vụ “", "Remove the service “") + (service.name || service.code) + "”?",
        t("Sau khi lưu, kiosk không cấp số cho dịch vụ này nữa và các quầy thôi phục vụ nó. Số liệu cũ vẫn được giữ.",
          "Once saved, the kiosk stops issuing tickets for it and the counters stop serving it. Past figures are kept."),
        t("Bỏ dịch vụ", "Remove service")).then(function (ok) {
        if (!ok) return;
        doc.services.splice(i, 1);
        doc.counters.forEach(function (c) { c.services = c.services.filter(function (s) { return s !== service.code; }); });
        renderServices(); renderCounters(); updateState();
      });
    } } }, [S.bi("span", "Bỏ dịch vụ", "Remove service")]);
    var head = el("div", { class: "service-head" }, [
      el("div", { class: "service-icon" }, [iconButton(base + ".icon")]),
      field("Tên dịch vụ", "Service name", name, "grow"),
      field("Tên tiếng Anh", "English name", bind(textInput({ maxlength: 120 }), base + ".name_en", "text"), "grow"),
      field("Lĩnh vực", "Field", bind(textInput({ maxlength: 120 }), base + ".field", "text"), "grow"),
    ]);
    var numbering = el("div", { class: "service-numbering" }, [
      field("Mã dịch vụ", "Service code", code, "narrow"),
      field("Tiền tố số phiếu", "Ticket prefix", prefix, "narrow"),
      startField,
      el("div", { class: "sample-box" }, [S.bi("span", "Số phiếu đầu tiên", "First ticket"), number]),
      el("div", { class: "spacer" }),
      remove,
    ]);
    return el("article", { class: "service", "data-path": base }, [head, numbering, proceduresTable(service, base)]);
  }

  function renameService(old, newCode) {
    doc.counters.forEach(function (c) { c.services = c.services.map(function (s) { return s === old ? newCode : s; }); });
    renderCounters();
  }

  function proceduresTable(service, base) {
    var body = el("tbody");
    service.procedures.forEach(function (procedure, j) {
      var path = base + ".procedures[" + j + "]", isKnown = known.procedures[procedure.code];
      var remove = el("button", { type: "button", class: "icon-btn remove", title: t("Bỏ thủ tục", "Remove procedure"),
        "aria-label": t("Bỏ thủ tục", "Remove procedure"), text: "✕", on: { click: function () {
          service.procedures.splice(j, 1);
          renderServices(); updateState();
        } } });
      body.appendChild(el("tr", { "data-path": path }, [
        el("td", {}, [iconButton(path + ".icon")]),
        el("td", {}, [bind(textInput({ maxlength: 40, readOnly: !!isKnown, "aria-label": "Mã thủ tục / code" }), path + ".code", "text")]),
        el("td", {}, [bind(textInput({ maxlength: 120, "aria-label": "Tên thủ tục / name" }), path + ".name", "text")]),
        el("td", {}, [bind(textInput({ maxlength: 120, "aria-label": "English" }), path + ".name_en", "text")]),
        el("td", {}, [bind(textInput({ inputmode: "numeric", class: "money", placeholder: "—", "aria-label": "Phí / fee (VND)" }), path + ".fee", "fee")]),
        el("td", { class: "center" }, [bind(el("input", { type: "checkbox", "aria-label": "Thường dùng / popular" }), path + ".popular", "bool")]),
        el("td", {}, [remove]),
      ]));
    });
    var add = el("button", { type: "button", class: "btn ghost small", on: { click: function () {
      var used = {}, n = service.procedures.length + 1;
      doc.services.forEach(function (s) { s.procedures.forEach(function (p) { used[p.code] = true; }); });
      while (used[service.code + "-" + n]) n++;
      service.procedures.push({ code: service.code + "-" + n, name: "", name_en: "", icon: service.icon || null,
        popular: false, fee: null });
      renderServices(); updateState();
      var rows = document.querySelectorAll('[data-path="' + base + '"] tbody tr');
      var last = rows[rows.length - 1];
      if (last) last.querySelectorAll("input")[1].focus();
    } } }, ["+ ", S.bi("span", "Thêm thủ tục", "Add a procedure")]);
    var head = el("tr", {}, [
      S.bi("th", "Hình", "Picture"), S.bi("th", "Mã", "Code"), S.bi("th", "Tên thủ tục", "Procedure"),
      S.bi("th", "Tên tiếng Anh", "English name"), S.bi("th", "Phí thường thu (đ)", "Usual fee (VND)"),
      S.bi("th", "Thường dùng", "Popular"), el("th"),
    ]);
    return el("div", { class: "procedures", "data-path": base + ".procedures" }, [
      el("table", { class: "table" }, [el("thead", {}, [head]), body]), add]);
  }

  // ------------------------------------------------------------ counters

  function renderCounters() {
    var body = document.getElementById("counters");
    if (!body || !doc) return;
    body.textContent = "";
    doc.counters.forEach(function (counter, i) {
      var base = "counters[" + i + "]", isKnown = known.counters[counter.id];
      var served = el("div", { class: "chips", "data-path": base + ".services" });
      doc.services.forEach(function (service) {
        var box = el("input", { type: "checkbox", checked: counter.services.indexOf(service.code) >= 0 });
        box.addEventListener("change", function () {
          var order = doc.services.map(function (s) { return s.code; });
          var set = counter.services.filter(function (s) { return s !== service.code; });
          if (box.checked) set.push(service.code);
          counter.services = set.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
          served.classList.remove("invalid");
          updateState();
        });
        served.appendChild(el("label", { class: "chip" }, [box, el("span", { text: service.name || service.code || "…" })]));
      });
      var remove = el("button", { type: "button", class: "btn ghost small danger-text", on: { click: function () {
        S.confirm(t("Đóng ", "Close ") + (counter.name || counter.id) + "?",
          t("Sau khi lưu, quầy này không còn gọi số. Số liệu cũ vẫn được giữ.",
            "Once saved, this counter no longer calls tickets. Past figures are kept."),
          t("Đóng quầy", "Close counter")).then(function (ok) {
          if (!ok) return;
          doc.counters.splice(i, 1); renderCounters(); updateState();
        });
      } } }, [S.bi("span", "Đóng quầy", "Close counter")]);
      body.appendChild(el("tr", { "data-path": base }, [
        el("td", {}, [bind(textInput({ maxlength: 40, readOnly: !!isKnown, class: "narrow-input", "aria-label": "Số quầy / counter number" }), base + ".id", "text")]),
        el("td", {}, [bind(textInput({ maxlength: 60, "aria-label": "Tên quầy / counter name" }), base + ".name", "text")]),
        el("td", {}, [served]),
        el("td", { class: "right" }, [remove]),
      ]));
    });
  }

  // ------------------------------------------------------------ loading and saving

  function adopt(loaded) {
    doc = loaded;
    doc.settings = doc.settings || {};
    known = { services: {}, procedures: {}, counters: {}, categories: {} };
    doc.services.forEach(function (s) {
      known.services[s.code] = true;
      s.procedures.forEach(function (p) { known.procedures[p.code] = true; });
    });
    doc.counters.forEach(function (c) { known.counters[c.id] = true; });
    var stored = doc.settings.priority_categories;
    categoriesAbsent = !stored;
    categories = stored ? Object.keys(stored).map(function (code) {
      return { code: code, name: stored[code].name, name_en: stored[code].name_en || "" };
    }) : cfg.default_priority_categories.map(function (c) { return Object.assign({}, c); });
    categories.forEach(function (c) { known.categories[c.code] = true; });
    savedText = JSON.stringify(current());
    renderFixed(); renderCategories(); renderServices(); renderCounters();
    form.hidden = false;
    document.getElementById("savebar").hidden = false;
    if (window.motcuaLang) window.motcuaLang.apply(form);
    updateState();
  }

  function load() {
    return S.api("GET", cfg.urls.configuration).then(function (reply) {
      if (!reply.ok) {
        var box = document.getElementById("load-error");
        box.textContent = S.message(reply.error);
        box.hidden = false;
        return false;
      }
      adopt(reply.body);
      return true;
    });
  }

  function save() {
    if (!dirty()) return;
    S.busy(saveBtn, function () {
      S.clearErrors(form);
      updateState(t("Đang lưu…", "Saving…"));
      return S.api("PUT", cfg.urls.office, current()).then(function (reply) {
        if (reply.ok) {
          var now = new Date();
          lastSaved = (now.getHours() < 10 ? "0" : "") + now.getHours() + ":" + (now.getMinutes() < 10 ? "0" : "") + now.getMinutes();
          return load();
        }
        S.showError(form, reply.error);
        updateState(t("Chưa lưu: ", "Not saved: ") + S.message(reply.error));
        stateEl.classList.add("error");
        return false;
      });
    }).then(function (result) {
      if (result !== false) stateEl.classList.remove("error");
      saveBtn.disabled = !dirty();
      discardBtn.disabled = !dirty();
      if (result !== false) updateState();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("office-form");
    stateEl = document.getElementById("save-state");
    saveBtn = document.getElementById("save");
    discardBtn = document.getElementById("discard");
    form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
    saveBtn.addEventListener("click", save);
    discardBtn.addEventListener("click", function () {
      S.confirm(t("Hoàn tác mọi thay đổi?", "Discard every change?"),
        t("Trang trở lại cấu hình đang dùng.", "The page goes back to the configuration in use."),
        t("Hoàn tác", "Discard")).then(function (ok) {
        if (!ok) return;
        S.clearErrors(form); stateEl.classList.remove("error");
        adopt(JSON.parse(savedText));
      });
    });
    document.getElementById("add-service").addEventListener("click", function () {
      var service = { code: "", name: "", name_en: "", field: "", prefix: null, width: 3, start: 0, icon: null, procedures: [] };
      autoPrefix.set(service, true);
      doc.services.push(service);
      renderServices(); renderCounters(); updateState();
      var cards = document.querySelectorAll("#services .service");
      var card = cards[cards.length - 1];
      card.scrollIntoView({ block: "center" });
      card.querySelector('input[data-path$=".name"]').focus();
    });
    document.getElementById("add-counter").addEventListener("click", function () {
      var numbers = doc.counters.map(function (c) { return parseInt(c.id, 10); }).filter(function (n) { return !isNaN(n); });
      var next = String((numbers.length ? Math.max.apply(null, numbers) : 0) + 1);
      doc.counters.push({ id: next, name: "Quầy " + next, services: [] });
      renderCounters(); updateState();
      var rows = document.querySelectorAll("#counters tr");
      rows[rows.length - 1].querySelectorAll("input")[1].focus();
    });
    document.getElementById("add-category").addEventListener("click", function () {
      categories.push({ code: "", name: "", name_en: "" });
      renderCategories(); updateState();
      var rows = document.querySelectorAll("#categories .list-row");
      rows[rows.length - 1].querySelector("input").focus();
    });
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); }
    });
    window.addEventListener("beforeunload", function (e) {
      if (dirty()) { e.preventDefault(); e.returnValue = ""; }
    });
    if (window.motcuaLang) window.motcuaLang.onChange(function () {
      if (!doc) return;
      renderServices(); renderCounters(); renderCategories(); updateState();
    });
    load();
  });

  window.motcuaOfficeSettings = { dirty: dirty, current: function () { return doc && current(); } };
})();
