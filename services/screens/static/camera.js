/* motcua – the screen's camera, started and stopped in one place, so no step leaves it running.
 *   var cam = new MotcuaCamera();
 *   cam.start(videoElement, timeoutMs) → Promise (playing), rejected with {code: "unsupported" | "denied" | "absent" |
 *                                        "busy" | "timeout" | "failed"}
 *   cam.stop()                         every track ended, the preview emptied; a start still pending is cancelled
 *   cam.grab(maxSide) → canvas | null   the current frame, scaled so its longest side is at most maxSide
 *   cam.jpeg(maxSide, quality) → Promise<Blob | null>
 *   cam.active                         true while a stream is open */
(function () {
  "use strict";

  function Camera() {
    this.stream = null;
    this.video = null;
    this.generation = 0;        // a start that resolves after a stop (or a newer start) closes its stream at once
    this.canvas = document.createElement("canvas");
  }

  function failure(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return { code: "denied" };
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return { code: "absent" };
    if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return { code: "busy" };
    return { code: "failed", detail: String(name || error) };
  }

  function end(stream) {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
  }

  Object.defineProperty(Camera.prototype, "active", { get: function () { return !!this.stream; } });

  Camera.prototype.start = function (video, timeoutMs) {
    var self = this, generation = ++this.generation;
    this.release();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject({ code: "unsupported" });        // no camera API: an insecure origin or an old browser
    }
    var constraints = { audio: false, video: { width: { ideal: 1280 }, height: { ideal: 720 } } };
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {                  // an unanswered permission prompt must not hang the step
        if (generation === self.generation) self.generation += 1;
        reject({ code: "timeout" });
      }, timeoutMs || 10000);
      navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
        if (generation !== self.generation) { end(stream); clearTimeout(timer); reject({ code: "cancelled" }); return; }
        self.stream = stream;
        self.video = video;
        video.muted = true;
        video.setAttribute("playsinline", "");
        video.srcObject = stream;
        var played = video.play();
        (played && played.then ? played : Promise.resolve()).then(function () {
          clearTimeout(timer);
          if (generation !== self.generation) { reject({ code: "cancelled" }); return; }
          resolve();
        }, function (error) { clearTimeout(timer); self.stop(); reject(failure(error)); });
      }, function (error) {
        clearTimeout(timer);
        reject(failure(error));
      });
    });
  };

  Camera.prototype.release = function () {
    end(this.stream);
    this.stream = null;
    if (this.video) { this.video.pause(); this.video.srcObject = null; }
    this.video = null;
  };

  Camera.prototype.stop = function () {
    this.generation += 1;
    this.release();
  };

  Camera.prototype.grab = function (maxSide) {
    var v = this.video;
    if (!this.stream || !v || !v.videoWidth || !v.videoHeight) return null;
    var scale = Math.min(1, (maxSide || 10000) / Math.max(v.videoWidth, v.videoHeight));
    var c = this.canvas;
    c.width = Math.round(v.videoWidth * scale);
    c.height = Math.round(v.videoHeight * scale);
    c.getContext("2d", { willReadFrequently: true }).drawImage(v, 0, 0, c.width, c.height);
    return c;
  };

  Camera.prototype.jpeg = function (maxSide, quality) {
    var c = this.grab(maxSide);
    if (!c) return Promise.resolve(null);
    return new Promise(function (resolve) { c.toBlob(resolve, "image/jpeg", quality || 0.9); });
  };

  window.MotcuaCamera = Camera;
})();
