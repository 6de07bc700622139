/* motcua – the kiosk's optional identification step, between "Lấy số" and the number (templates/identify.html).
 * The citizen may skip it at any moment ("Bỏ qua / Skip" is on every one of its screens); the ticket is then issued
 * as before. Otherwise:
 *   ID card   its QR read through the camera (jsQR) or a USB scanner (scanner.js) → POST cccd → "Is this you?" →
 *             only then recorded (POST citizens, consent false) → optionally, with explicit consent, the face is
 *             enrolled (POST citizens, consent true + photo)
 *   face      a frame → POST identify → "Is this you?"; no face, several faces, no match or an ambiguous match
 *             offer the ID card instead
 * The camera runs only while its screen shows (leaving it, a reset of the kiosk, or a hidden page stop it), and
 * nothing about the citizen outlives the press: reset() forgets it.
 *   var id = new MotcuaIdentify({cfg, request, show, taps, back, done: fn(citizenId | null)});
 *   id.enabled, id.begin(), id.reset(), id.left(screen), id.accepting(), id.scanned(text) */
(function () {
  "use strict";
  var L = window.motcuaLang;
  var SCREENS = ["identify", "id-camera", "id-busy", "id-confirm", "id-consent", "id-problem"];
  var CAMERA_START_MS = 10000, CARD_MS = 10000, FACE_MS = 25000, ENROL_MS = 35000;
  var QR_EVERY_MS = 150, QR_MAX_SIDE = 960, FACE_MAX_SIDE = 800;
  var FACES_OFF_MS = 10 * 60 * 1000;        // after a 503 for faces, the face option rests this long

  function $(id) { return document.getElementById(id); }

  /** Text that follows the language switch: lang.js swaps data-vi / data-en on every change. */
  function say(el, vi, en) {
    el.dataset.vi = vi;
    el.dataset.en = en || vi;
    el.textContent = L.lang === "en" && en ? en : vi;
  }

  /** 001061000001 → 0010******01: enough for the citizen to recognise their own card, not for a passer-by. */
  function masked(idNumber) {
    var s = String(idNumber || "");
    if (s.length <= 6) return s.replace(/./g, "*");
    return s.slice(0, 4) + s.slice(4, -2).replace(/./g, "*") + s.slice(-2);
  }

  var CAMERA_PROBLEMS = {
    unsupported: ["Thiết bị này không mở được camera.", "This device cannot open a camera."],
    denied: ["Kiosk chưa được cấp quyền dùng camera.", "The kiosk is not allowed to use the camera."],
    absent: ["Không tìm thấy camera trên kiosk.", "No camera was found on the kiosk."],
    busy: ["Camera đang bận hoặc bị lỗi.", "The camera is busy or faulty."],
    timeout: ["Camera không phản hồi.", "The camera does not respond."],
    failed: ["Không mở được camera.", "The camera could not be opened."],
    frame: ["Chưa lấy được hình từ camera.", "No picture came from the camera yet."]
  };
  var NETWORK = ["Chưa kết nối được với hệ thống. Vui lòng thử lại hoặc bỏ qua bước này.",
                 "The system cannot be reached. Try again or skip this step."];

  function Identify(o) {
    this.o = o;
    this.cfg = o.cfg.identify || { mode: "off" };
    this.enabled = this.cfg.mode !== "off";
    this.camera = new window.MotcuaCamera();
    this.facesOffUntil = 0;
    this.generation = 0;      // bumped by every reset or skip: a late answer of an abandoned request does nothing
    this.forget();
  }

  Identify.SCREENS = SCREENS;
  Identify.masked = masked;

  Identify.prototype.forget = function () {
    this.mode = null;         // camera: "card" | "face" | "enrol"
    this.card = null;         // {qr, fields}: read, not yet confirmed
    this.found = null;        // {name, id_number, citizen_id?, source: "card" | "face"}: shown for confirmation
    this.citizen = null;      // {citizen_id}: confirmed by the citizen (and recorded)
    this.consent = false;
    this.retry = null;
    $("who-name").textContent = $("who-id").textContent = "";
  };

  Identify.prototype.facesOn = function () { return this.cfg.mode === "on" && Date.now() >= this.facesOffUntil; };

  Identify.prototype.start = function () {
    var self = this, on = function (id, fn) { self.o.taps.on($(id), fn); };
    document.querySelectorAll("[data-id=skip]").forEach(function (b) { self.o.taps.on(b, function () { self.skip(); }); });
    document.querySelectorAll("[data-id=back]").forEach(function (b) { self.o.taps.on(b, function () { self.back(); }); });
    on("id-by-card", function () { self.openCamera("card"); });
    on("id-by-face", function () { self.openCamera("face"); });
    on("cam-shoot", function () { self.shoot(); });
    on("cam-card", function () { self.openCamera("card"); });
    on("who-yes", function () { self.confirmed(); });
    on("who-no", function () { self.begin(); });
    on("consent-box", function () { self.toggleConsent(); });
    on("consent-yes", function () { if (self.consent) self.openCamera("enrol"); });
    on("problem-retry", function () { if (self.retry) self.retry(); });
    on("problem-card", function () { self.openCamera("card"); });
    document.addEventListener("visibilitychange", function () {     // no camera behind a hidden page
      if (document.hidden) self.camera.stop();
      else if (self.screen() === "id-camera" && !self.camera.active) self.openCamera(self.mode);
    });
    this.scanner = new window.MotcuaScanner({ field: $("scan-field"), accepting: function () { return self.accepting(); },
                                              onScan: function (text) { self.scanned(text); } }).start();
    return this;
  };

  // ------------------------------------------------------------ screens
  Identify.prototype.screen = function () { return this.o.screen(); };

  Identify.prototype.go = function (name) {
    this.renderSkips();
    this.o.show(name);
    if (this.accepting()) this.scanner.arm();
  };

  /** Called by the kiosk on every screen change: the camera stops as soon as its screen is left. */
  Identify.prototype.left = function (name) {
    if (name !== "id-camera") this.camera.stop();
  };

  Identify.prototype.renderSkips = function () {
    var after = !!this.citizen;            // confirmed: skipping now keeps the identification, drops the face
    document.querySelectorAll("[data-id=skip] .skip-label").forEach(function (el) {
      if (after) say(el, "Không lưu khuôn mặt – lấy số", "Don't save my face – get my number");
      else say(el, "Bỏ qua – lấy số ngay", "Skip – get my number now");
    });
  };

  Identify.prototype.begin = function () {
    this.forget();
    $("id-by-face").hidden = !this.facesOn();
    this.go("identify");
  };

  Identify.prototype.reset = function () {
    this.generation += 1;
    this.camera.stop();
    this.forget();
    $("scan-field").value = "";
  };

  /** On to the number: with the confirmed citizen, if any (skipping before the confirmation identifies nobody). */
  Identify.prototype.finish = function () {
    var citizen = this.citizen;
    this.reset();
    this.o.done(citizen ? citizen.citizen_id : null);
  };

  Identify.prototype.skip = function () { this.finish(); };

  Identify.prototype.back = function () {
    var screen = this.screen();
    if (screen === "identify") { this.reset(); this.o.back(); return; }
    if (screen === "id-camera" && this.mode === "enrol") { this.go("id-consent"); return; }
    this.begin();
  };

  Identify.prototype.accepting = function () {
    var screen = this.screen();
    return !this.citizen && (screen === "identify" || screen === "id-problem" ||
                             (screen === "id-camera" && this.mode !== "enrol"));
  };

  Identify.prototype.busy = function (vi, en) {
    say($("busy-title"), vi, en);
    this.go("id-busy");
    return ++this.generation;
  };

  Identify.prototype.current = function (generation) { return generation === this.generation; };

  /** A refusal or a failure, both languages at once, and a way on: retry, the ID card, or skip (always there). */
  Identify.prototype.problem = function (title, message, retry, offerCard) {
    say($("problem-title"), title[0], title[1]);
    $("problem-vi").textContent = message[0] || "";
    $("problem-en").textContent = message[1] && message[1] !== message[0] ? message[1] : "";
    this.retry = retry ? retry.run : null;
    $("problem-retry").hidden = !retry;
    if (retry) say($("problem-retry-label"), retry.label[0], retry.label[1]);
    $("problem-card").hidden = !offerCard;
    this.go("id-problem");
  };

  function errorText(res, fallback) {
    var e = res.error;
    if (res.status === 0 || res.status === 408 || res.status === 504 || (!e && res.status >= 500)) return NETWORK;
    return e ? [e.message, e.message_en] : fallback;
  }

  // ------------------------------------------------------------ camera
  Identify.prototype.openCamera = function (mode) {
    var self = this, generation = ++this.generation;
    this.mode = mode;
    var titles = {
      card: ["Quét mã QR trên thẻ căn cước", "Scan the QR code on your ID card"],
      face: ["Nhận diện khuôn mặt", "Face identification"],
      enrol: ["Chụp ảnh khuôn mặt để lưu", "A photo of your face to save"]
    };
    var hints = {
      card: ["Đưa mã QR ở mặt trước thẻ vào giữa khung, giữ yên một lát. Hoặc quét thẻ bằng máy quét.",
             "Hold the QR code on the front of the card in the frame for a moment. Or use the card scanner."],
      face: ["Nhìn thẳng vào camera, bỏ khẩu trang và kính râm, rồi bấm “Chụp ảnh”.",
             "Look straight at the camera, without a mask or sunglasses, then press “Take photo”."],
      enrol: ["Nhìn thẳng vào camera, bỏ khẩu trang và kính râm, rồi bấm “Chụp ảnh và lưu”.",
              "Look straight at the camera, without a mask or sunglasses, then press “Take photo and save”."]
    };
    say($("cam-title"), titles[mode][0], titles[mode][1]);
    say($("cam-hint"), hints[mode][0], hints[mode][1]);
    say($("cam-shoot-label"), mode === "enrol" ? "Chụp ảnh và lưu" : "Chụp ảnh", mode === "enrol" ? "Take photo and save" : "Take photo");
    $("cam-shoot").hidden = mode === "card";
    $("cam-shoot").disabled = true;
    $("cam-card").hidden = mode !== "face";
    $("cam-frame").className = "cam-frame " + (mode === "card" ? "qr" : "face");
    $("cam-wait").hidden = false;
    say($("cam-wait"), "Đang mở camera…", "Opening the camera…");
    this.go("id-camera");
    this.camera.start($("cam-video"), CAMERA_START_MS).then(function () {
      if (!self.current(generation) || self.screen() !== "id-camera") { self.camera.stop(); return; }
      $("cam-wait").hidden = true;
      $("cam-shoot").disabled = false;
      if (mode === "card") self.readQr(generation);
    }, function (why) {
      if (!self.current(generation) || why.code === "cancelled") return;
      self.cameraProblem(why.code, mode);
    });
  };

  Identify.prototype.cameraProblem = function (code, mode) {
    var self = this, text = CAMERA_PROBLEMS[code] || CAMERA_PROBLEMS.failed;
    var more = mode === "card" ? [" Bạn vẫn có thể quét thẻ bằng máy quét, hoặc bỏ qua bước này.",
                                  " You can still use the card scanner, or skip this step."]
                               : [" Bạn có thể dùng thẻ căn cước, hoặc bỏ qua bước này.",
                                  " You can use your ID card instead, or skip this step."];
    if (mode === "enrol") more = [" Bạn vẫn được lấy số như bình thường.", " You still get your number as usual."];
    this.problem(["Không dùng được camera", "The camera cannot be used"], [text[0] + more[0], text[1] + more[1]],
                 { label: ["Thử lại", "Try again"], run: function () { self.openCamera(mode); } }, mode === "face");
  };

  /** Look for a QR code in the preview a few times a second until one is read or the screen is left. */
  Identify.prototype.readQr = function (generation) {
    var self = this;
    if (!this.current(generation) || this.screen() !== "id-camera" || !this.camera.active) return;
    var canvas = this.camera.grab(QR_MAX_SIDE), code = null;
    if (canvas && window.jsQR) {
      var image = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    }
    if (code && code.binaryData && code.binaryData.length) {
      this.readCard(new TextDecoder("utf-8").decode(new Uint8Array(code.binaryData)));   // names are UTF-8
      return;
    }
    setTimeout(function () { self.readQr(generation); }, QR_EVERY_MS);
  };

  // ------------------------------------------------------------ ID card
  Identify.prototype.scanned = function (text) {
    if (this.accepting()) this.readCard(text);
  };

  Identify.prototype.readCard = function (text) {
    var self = this, generation = this.busy("Đang đọc thẻ…", "Reading your card…");
    this.o.request("POST", this.o.cfg.urls.cccd, { qr: text }, undefined, CARD_MS).then(function (res) {
      if (!self.current(generation)) return;
      if (res.ok) {
        self.card = { qr: text, fields: res.data };
        self.ask({ name: res.data.name, id_number: res.data.id_number, source: "card" });
        return;
      }
      var network = errorText(res, null) === NETWORK;
      self.problem(network ? ["Chưa đọc được thẻ", "The card was not read"]
                           : ["Thẻ không hợp lệ hoặc không đọc được", "The card is not valid or could not be read"],
                   errorText(res, NETWORK),
                   network ? { label: ["Thử lại", "Try again"], run: function () { self.readCard(text); } }
                           : { label: ["Quét lại", "Scan again"], run: function () { self.openCamera("card"); } }, false);
    });
  };

  Identify.prototype.ask = function (found) {
    this.found = found;
    $("who-name").textContent = found.name;
    $("who-id").textContent = masked(found.id_number);
    this.go("id-confirm");
  };

  /** "Đúng là tôi": a face match is the citizen; a card is recorded first (without a face), then may enrol one. */
  Identify.prototype.confirmed = function () {
    var self = this, found = this.found;
    if (!found) return;
    if (found.source === "face") { this.citizen = { citizen_id: found.citizen_id }; this.finish(); return; }
    var generation = this.busy("Đang ghi nhận…", "Recording…");
    this.o.request("POST", this.o.cfg.urls.citizens, { cccd: this.card.qr, consent: false, office: this.o.cfg.office },
                   undefined, CARD_MS).then(function (res) {
      if (!self.current(generation)) return;
      if (!res.ok) {
        self.problem(["Chưa ghi nhận được", "Could not be recorded"], errorText(res, NETWORK),
                     { label: ["Thử lại", "Try again"], run: function () { self.confirmed(); } }, false);
        return;
      }
      self.citizen = { citizen_id: res.data.citizen_id };
      if (self.facesOn() && !res.data.face_enrolled) self.offerFace(); else self.finish();
    });
  };

  // ------------------------------------------------------------ face
  Identify.prototype.offerFace = function () {
    this.consent = false;
    this.renderConsent();
    this.go("id-consent");
  };

  Identify.prototype.toggleConsent = function () {
    this.consent = !this.consent;
    this.renderConsent();
  };

  Identify.prototype.renderConsent = function () {
    $("consent-box").setAttribute("aria-checked", String(this.consent));
    $("consent-box").querySelector(".mark").textContent = this.consent ? "✓" : "";
    $("consent-yes").disabled = !this.consent;
  };

  Identify.prototype.shoot = function () {
    var self = this, mode = this.mode;
    if (mode === "enrol" && !this.consent) return;         // never a photo without the citizen's consent
    this.camera.jpeg(FACE_MAX_SIDE, 0.9).then(function (blob) {
      if (!blob) { self.cameraProblem("frame", mode); return; }
      if (mode === "face") self.identify(blob); else self.enrol(blob);
    });
  };

  Identify.prototype.faceAnswer = function (res, mode) {
    var self = this, again = { label: ["Chụp lại", "Take another photo"], run: function () { self.openCamera(mode); } };
    if (res.status === 503 && res.error && (res.error.details || {}).reason === "faces_unavailable") {
      this.facesOffUntil = Date.now() + FACES_OFF_MS;
      this.problem(["Nhận diện khuôn mặt đang tạm ngừng", "Face identification is not available now"],
                   [res.error.message, res.error.message_en], null, mode === "face");
      return;
    }
    var network = errorText(res, null) === NETWORK;
    this.problem(mode === "face" ? ["Chưa nhận diện được", "You were not recognised"]
                                 : ["Chưa lưu được khuôn mặt", "Your face was not saved"],
                 errorText(res, NETWORK), network ? { label: ["Thử lại", "Try again"], run: again.run } : again,
                 mode === "face");
  };

  Identify.prototype.identify = function (blob) {
    var self = this, generation = this.busy("Đang nhận diện…", "Identifying…");
    this.o.request("POST", this.o.cfg.urls.identify, blob, undefined, FACE_MS).then(function (res) {
      if (!self.current(generation)) return;
      if (res.ok && res.data.match) {
        var m = res.data.match;
        self.ask({ name: m.name, id_number: m.id_number, citizen_id: m.citizen_id, source: "face" });
      } else if (res.ok) {
        self.problem(["Chưa nhận diện được", "You were not recognised"], [res.data.message, res.data.message_en],
                     { label: ["Chụp lại", "Take another photo"], run: function () { self.openCamera("face"); } }, true);
      } else {
        self.faceAnswer(res, "face");
      }
    });
  };

  Identify.prototype.enrol = function (blob) {
    var self = this, generation = this.busy("Đang lưu khuôn mặt…", "Saving your face…");
    var reader = new FileReader();
    reader.onload = function () {
      if (!self.current(generation)) return;
      var photo = String(reader.result).replace(/^data:[^,]*,/, "");
      self.o.request("POST", self.o.cfg.urls.citizens,
                     { cccd: self.card.qr, consent: true, photo: photo, office: self.o.cfg.office },
                     undefined, ENROL_MS).then(function (res) {
        if (!self.current(generation)) return;
        if (res.ok && res.data.face_enrolled) { self.finish(); return; }
        self.faceAnswer(res, "enrol");
      });
    };
    reader.readAsDataURL(blob);
  };

  window.MotcuaIdentify = Identify;
})();
