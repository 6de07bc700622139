/* motcua hall board – numbers as large as the screen allows, and never cut off.
 * counters(box, samples): chooses the columns of the counter grid that give the largest number, measuring the
 * widest label the board may show (`samples`: current numbers and one per service, e.g. "HT-000") in the counters'
 * own font, and sets --cols, --rows and --num (px) on the box. A label still too wide for its card (an unusual
 * prefix) is shrunk on its own. shrink(el, room): the same for one element given the room it has (px).
 *   MotcuaFit.counters(box, ["HT-015", "CT-000"]); MotcuaFit.shrink(heroNumber, 900); MotcuaFit.last */
(function () {
  "use strict";
  var MAX_NUM_VMIN = 14;          // counters stay well below the hero's number (17vmin)
  var LINE = 1.06;                // the number's line box, in em, with a breath
  var canvas = null;

  function widthEm(texts, font) {
    canvas = canvas || document.createElement("canvas");
    var ctx = canvas.getContext("2d");
    ctx.font = font.weight + " 100px " + font.family;
    var widest = 0;
    texts.forEach(function (text) { if (text) widest = Math.max(widest, ctx.measureText(text).width / 100); });
    return widest || 3.4;
  }

  function px(value) { return parseFloat(value) || 0; }

  function counters(box, samples) {
    var cards = box.children, n = cards.length;
    if (!n || !box.clientWidth || !box.clientHeight) return null;
    var style = getComputedStyle(box), gap = px(style.columnGap) || px(style.gap) || 16;
    var card = cards[0], number = card.querySelector(".counter-number"), head = card.querySelector(".counter-head");
    var ns = getComputedStyle(number), cs = getComputedStyle(card);
    var chromeH = (head ? head.getBoundingClientRect().height : 0) + px(cs.borderTopWidth) + px(cs.borderBottomWidth);
    var chromeW = px(ns.paddingLeft) + px(ns.paddingRight) + px(cs.borderLeftWidth) + px(cs.borderRightWidth) + 4;
    var em = widthEm(samples, { weight: ns.fontWeight, family: ns.fontFamily });
    var vmin = Math.min(window.innerWidth, window.innerHeight) / 100;
    var best = null;
    for (var cols = 1; cols <= n; cols++) {
      var rows = Math.ceil(n / cols);
      if (cols > 1 && Math.ceil(n / (cols - 1)) === rows) continue;       // same rows, narrower cards: never better
      var w = (box.clientWidth - (cols - 1) * gap) / cols, h = (box.clientHeight - (rows - 1) * gap) / rows;
      var size = Math.min((h - chromeH) / LINE, (w - chromeW) / em, MAX_NUM_VMIN * vmin);
      if (!best || size > best.size + 0.5) best = { cols: cols, rows: rows, size: Math.floor(size), em: em };
    }
    box.style.setProperty("--cols", String(best.cols));
    box.style.setProperty("--rows", String(best.rows));
    box.style.setProperty("--num", Math.max(12, best.size) + "px");
    Array.prototype.forEach.call(cards, function (c) {
      var el = c.querySelector(".counter-number");
      if (el) shrink(el);
    });
    counters.last = best;
    return best;
  }

  function textWidth(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    return range.getBoundingClientRect().width;
  }

  /** Make `el`'s text fit `room` px (by default its own content box): smaller only when it would not fit. */
  function shrink(el, room) {
    el.style.fontSize = "";
    if (room === undefined) {
      var cs = getComputedStyle(el);
      room = el.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight);
    }
    var width = textWidth(el);
    if (!width || width <= room) return;
    el.style.fontSize = Math.floor(px(getComputedStyle(el).fontSize) * (room / width) * 0.98) + "px";
  }

  window.MotcuaFit = { counters: counters, shrink: shrink, get last() { return counters.last || null; } };
})();
