/* motcua hall board – spoken calls, one after another.
 * Each call is queued (FIFO): a chime, then "Mời công dân có số … đến quầy số …" (text from the server, which
 * reads numbers with services/domain/speech.py). The next call starts only when the previous one has ended,
 * so none is ever cut off; a guard (stall and total duration) makes sure a broken audio never blocks the queue.
 * Voice: the browser's vi-VN speechSynthesis voice when it has one, else the server's espeak-ng WAV.
 *   var a = new MotcuaAnnouncer({urls, voice: "auto|browser|server|off", onStart, onEnd, onBlocked});
 *   a.enable(true); a.announce({type, ticket: "HT-015", counter: "3"});
 * `a.log` keeps the last 200 calls: {seq, type, ticket, counter, text, display, state, via, queued_at,
 * started_at, ended_at, error}; state is queued | playing | done | timeout | error | muted. */
(function () {
  "use strict";
  var MAX_MS = 20000;       // one call, chime included, never holds the queue longer than this
  var STALL_MS = 5000;      // audio that has not started playing by then is given up
  var INFO_MS = 4000;       // waiting for the text of a call
  var GAP_MS = 350;         // a breath between two calls
  var LOG_MAX = 200;

  function noop() {}

  function timeout(ms, value) {
    return new Promise(function (resolve) { window.setTimeout(function () { resolve(value); }, ms); });
  }

  function Announcer(options) {
    this.urls = options.urls;
    this.voiceMode = options.voice || "auto";
    this.onStart = options.onStart || noop;
    this.onEnd = options.onEnd || noop;
    this.onBlocked = options.onBlocked || noop;
    this.enabled = false;
    this.log = [];
    this.queue = [];
    this.current = null;
    this.seq = 0;
    this._info = {};          // seq -> promise of the server's announcement JSON
    this._audio = null;
    this._utterance = null;
    this._voice = null;
    var self = this;
    if (window.speechSynthesis) {
      this._pickVoice();
      window.speechSynthesis.addEventListener("voiceschanged", function () { self._pickVoice(); });
    }
  }

  Announcer.prototype._pickVoice = function () {
    var voices = window.speechSynthesis.getVoices() || [];
    var vi = voices.filter(function (v) { return /^vi([-_]|$)/i.test(v.lang || ""); });
    vi.sort(function (a, b) { return (b.localService ? 1 : 0) - (a.localService ? 1 : 0); });
    this._voice = vi[0] || null;
  };

  /** Which voice a call will use: "browser", "server" or "none". */
  Announcer.prototype.voiceKind = function () {
    if (this.voiceMode === "off") return "none";
    if (this.voiceMode !== "server" && this._voice) return "browser";
    return "server";
  };

  Announcer.prototype.enable = function (on) {
    this.enabled = !!on;
    if (!this.enabled) {
      this.queue.forEach(function (entry) { entry.state = "muted"; });
      this.queue = [];
      this._stop();
    }
  };

  Announcer.prototype.announce = function (call) {
    var entry = {
      seq: ++this.seq, type: call.type || "ticket.called", ticket: call.ticket,
      counter: call.counter, service: call.service || null, missed: !!call.missed, text: null, display: null, state: "queued", via: null,
      queued_at: Date.now(), started_at: null, ended_at: null, error: null
    };
    this.log.push(entry);
    if (this.log.length > LOG_MAX) delete this._info[this.log.shift().seq];
    this._info[entry.seq] = this._fetchInfo(entry, 2);
    if (!this.enabled) {
      entry.state = "muted";
      return entry;
    }
    this.queue.push(entry);
    this._pump();
    return entry;
  };

  Announcer.prototype._fetchInfo = function (entry, tries) {
    var self = this;
    var url = this.urls.announce + "?ticket=" + encodeURIComponent(entry.ticket) +
      "&counter=" + encodeURIComponent(entry.counter);
    return window.motcuaAuth.fetch(url, { cache: "no-store" })
      .then(function (r) {
        if (r.status >= 400 && r.status < 500) return r.json().then(function (j) { throw new Error(j.error && j.error.message_en || r.status); });
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (info) { entry.text = info.text; entry.display = info.display; return info; })
      .catch(function (err) {
        if (tries > 1 && !/Invalid|no counter|Missing/.test(String(err))) {
          return timeout(800).then(function () { return self._fetchInfo(entry, tries - 1); });
        }
        entry.error = String(err && err.message || err);
        return null;
      });
  };

  Announcer.prototype._pump = function () {
    if (this.current || !this.queue.length || !this.enabled) return;
    var self = this;
    var entry = this.queue.shift();
    this.current = entry;
    entry.state = "playing";
    entry.started_at = Date.now();
    this.onStart(entry);
    Promise.race([this._play(entry), timeout(MAX_MS, "timeout")])
      .then(function (result) { entry.state = result === "timeout" ? "timeout" : "done"; },
        function (err) {
          entry.state = "error";
          entry.error = String(err && (err.name || err.message) || err);
          if (err && err.name === "NotAllowedError") { self.enable(false); self.onBlocked(); }
        })
      .then(function () {
        self._stop();
        entry.ended_at = Date.now();
        self.current = null;
        delete self._info[entry.seq];
        self.onEnd(entry);
        window.setTimeout(function () { self._pump(); }, GAP_MS);
      });
  };

  Announcer.prototype._play = function (entry) {
    var self = this;
    var info = this._info[entry.seq] || Promise.resolve(null);
    return this.clip(this.urls.chime)
      .catch(function (err) { if (err && err.name === "NotAllowedError") throw err; })
      .then(function () { return Promise.race([info, timeout(INFO_MS, null)]); })
      .then(function (data) {
        if (!self.enabled || self.current !== entry) return null;
        var kind = self.voiceKind();
        if (!data || kind === "none" || (kind === "server" && data.audio_available === false)) {
          entry.via = "chime";                   // no voice at all: the chime and the board still call
          return null;
        }
        if (kind === "browser") {
          entry.via = "browser";
          return self._speak(data.text).catch(function () {
            self._voice = null;                  // this browser cannot speak after all: use the server's voice
            entry.via = "server";
            return self.enabled && self.current === entry ? self.voiceClip(data.audio) : null;
          });
        }
        entry.via = "server";
        return self.voiceClip(data.audio);
      });
  };

  /** The server's spoken call: fetched with this display's credentials, then played from memory. */
  Announcer.prototype.voiceClip = function (url) {
    var self = this;
    var ctrl = new AbortController(), timer = window.setTimeout(function () { ctrl.abort(); }, STALL_MS);
    return window.motcuaAuth.fetch(url, { headers: { Accept: "audio/wav" }, signal: ctrl.signal }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then(function (blob) {
      window.clearTimeout(timer);
      var local = URL.createObjectURL(blob);
      return self.clip(local).then(function () { URL.revokeObjectURL(local); },
        function (err) { URL.revokeObjectURL(local); throw err; });
    });
  };

  /** Play one audio file to its end; rejects on error, when it does not start, or when it overruns. */
  Announcer.prototype.clip = function (url) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var audio = new Audio();
      var timer = window.setTimeout(function () { reject(new Error("audio stalled")); }, STALL_MS);
      self._audio = audio;
      audio.preload = "auto";
      audio.addEventListener("playing", function () {
        window.clearTimeout(timer);
        var ms = isFinite(audio.duration) && audio.duration > 0 ? audio.duration * 1000 + 1500 : MAX_MS;
        timer = window.setTimeout(function () { reject(new Error("audio overran")); }, ms);
      });
      audio.addEventListener("ended", function () { window.clearTimeout(timer); resolve(); });
      audio.addEventListener("error", function () { window.clearTimeout(timer); reject(new Error("audio error")); });
      audio.src = url;
      var started = audio.play();
      if (started && started.catch) started.catch(function (err) { window.clearTimeout(timer); reject(err); });
    });
  };

  Announcer.prototype._speak = function (text) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = "vi-VN";
      u.voice = self._voice;
      u.rate = 0.9;
      u.onend = function () { resolve(); };
      u.onerror = function (e) { reject(new Error("speech " + (e.error || "error"))); };
      self._utterance = u;                       // keep a reference: Chrome drops events of collected ones
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(u);
    });
  };

  Announcer.prototype._stop = function () {
    if (this._audio) {
      try { this._audio.pause(); this._audio.removeAttribute("src"); this._audio.load(); } catch (e) { /* gone */ }
      this._audio = null;
    }
    if (this._utterance && window.speechSynthesis) {
      window.speechSynthesis.cancel();
      this._utterance = null;
    }
  };

  /** After a click: let audio (and speech) play from now on; a short chime confirms it. */
  Announcer.prototype.unlock = function () {
    if (window.speechSynthesis) {
      try { window.speechSynthesis.speak(new SpeechSynthesisUtterance(" ")); } catch (e) { /* optional */ }
    }
    var chime = new Audio(this.urls.chime);
    var played = chime.play();
    return played && played.catch ? played.catch(noop) : Promise.resolve();
  };

  window.MotcuaAnnouncer = Announcer;
})();
