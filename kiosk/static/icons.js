/* motcua – the kiosk's pictograms, drawn as inline SVG (no image files, no CDN, no inline style: the CSP holds).
 * One per key of services/domain/office_config.py ICONS. Bold strokes on a 64×64 grid, in currentColor, so a
 * tile's colour decides theirs; simple shapes that read at two metres.
 *   motcuaIcons.draw("birth", "tile-svg") → <svg> | null     motcuaIcons.keys → [...]     motcuaIcons.has(key) */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var FILL = { fill: "currentColor", stroke: "none" };

  function p(d, extra) { return ["path", Object.assign({ d: d }, extra || {})]; }
  function circle(cx, cy, r, extra) { return ["circle", Object.assign({ cx: cx, cy: cy, r: r }, extra || {})]; }
  function rect(x, y, w, h, rx, extra) { return ["rect", Object.assign({ x: x, y: y, width: w, height: h, rx: rx }, extra || {})]; }

  var ICONS = {
    birth: [                                   // a pram
      p("M30 10A22 22 0 0 0 8 32H30Z", FILL),
      p("M8 32H56C56 42 46 48 32 48S8 42 8 32Z"),
      p("M56 32L58 18L63 16"),
      circle(20, 55, 5), circle(44, 55, 5)
    ],
    marriage: [                                // two rings and a stone
      circle(24, 40, 14), circle(40, 40, 14),
      p("M18 14L24 7L30 14L24 22Z", FILL)
    ],
    death: [                                   // a candle
      p("M32 6C39 14 39 20 32 24C25 20 25 14 32 6Z", FILL),
      p("M32 24V30"),
      rect(23, 30, 18, 24, 2),
      p("M14 58H50")
    ],
    family: [                                  // two adults and a child
      circle(13, 14, 7), p("M4 58V35A9 9 0 0 1 22 35V58"),
      circle(51, 14, 7), p("M42 58V35A9 9 0 0 1 60 35V58"),
      circle(32, 35, 5.5, FILL), p("M26 58V51A6 6 0 0 1 38 51V58")
    ],
    copy: [                                    // a page and its copy
      p("M22 46H8V6H38V18"),
      rect(24, 20, 32, 38, 3),
      p("M31 32H49M31 40H49M31 48H42")
    ],
    signature: [                               // a pen and a signed line
      p("M42 6L56 20L26 50L10 53L13 37Z"),
      p("M36 12L50 26"),
      p("M4 60C10 54 14 62 20 58S30 54 34 59S46 58 60 56")
    ],
    land: [                                    // a plot with a marker
      p("M29 44H16L4 60H48L60 44H43"),
      p("M36 50C32 42 25 34 25 23A11 11 0 0 1 47 23C47 34 40 42 36 50Z"),
      circle(36, 23, 4, FILL)
    ],
    house: [
      p("M6 30L32 8L58 30"),
      p("M13 25V57H51V25"),
      p("M27 57V40H37V57")
    ],
    justice: [                                 // scales
      p("M32 10V54M20 57H44M8 16H56"),
      circle(32, 9, 4, FILL),
      p("M8 16L2 34M8 16L14 34M56 16L50 34M56 16L62 34"),
      p("M0 34A8 7 0 0 0 16 34Z", FILL),
      p("M48 34A8 7 0 0 0 64 34Z", FILL)
    ],
    labour: [                                  // a safety helmet
      p("M10 44A22 22 0 0 1 54 44"),
      p("M4 48H60", { "stroke-width": 8 }),
      p("M27 23V37M37 23V37")
    ],
    social: [                                  // a hand holding a heart
      p("M32 34C21 27 15 21 15 14A8.5 8.5 0 0 1 32 11A8.5 8.5 0 0 1 49 14C49 21 43 27 32 34Z", FILL),
      p("M4 42H16C22 42 25 46 30 46H40A4 4 0 0 1 40 54H28"),
      p("M4 58H38L58 46A4 4 0 0 0 52 40L41 46")
    ],
    business: [                                // a shop
      p("M6 22L12 8H52L58 22Z"),
      p("M6 22A6.5 6 0 0 0 19 22A6.5 6 0 0 0 32 22A6.5 6 0 0 0 45 22A6.5 6 0 0 0 58 22"),
      p("M10 30V57H54V30"),
      p("M18 57V41H30V57"),
      rect(36, 40, 12, 9, 1)
    ],
    residence: [                               // a house on a map marker
      p("M32 60C22 49 11 39 11 26A21 21 0 0 1 53 26C53 39 42 49 32 60Z"),
      p("M21 29L32 19L43 29", { "stroke-width": 4 }),
      p("M25 26V38H39V26", { "stroke-width": 4 })
    ],
    money: [                                   // a banknote
      rect(4, 16, 56, 32, 4),
      circle(32, 32, 8),
      circle(13, 32, 3, FILL), circle(51, 32, 3, FILL)
    ],
    document: [
      p("M14 6H40L52 18V58H14Z"),
      p("M40 6V18H52"),
      p("M22 31H44M22 39H44M22 47H36")
    ],
    id: [                                      // an identity card
      rect(4, 12, 56, 40, 5),
      circle(20, 27, 6),
      p("M10 45A10 9 0 0 1 30 45"),
      p("M37 26H53M37 34H53M37 42H47")
    ],
    health: [                                  // a medical cross
      p("M24 6H40V24H58V40H40V58H24V40H6V24H24Z", FILL)
    ],
    education: [                               // a graduation cap
      p("M32 10L61 22L32 34L3 22Z", FILL),
      p("M16 28V41C16 47 48 47 48 41V28"),
      p("M56 25V42"),
      circle(56, 45, 3, FILL)
    ]
  };

  function draw(key, className) {
    var parts = ICONS[key];
    if (!parts) return null;
    var svg = document.createElementNS(NS, "svg");
    var attrs = { viewBox: "-2 -2 68 68", "aria-hidden": "true", focusable: "false", fill: "none",
                  stroke: "currentColor", "stroke-width": 5, "stroke-linecap": "round", "stroke-linejoin": "round" };
    Object.keys(attrs).forEach(function (k) { svg.setAttribute(k, attrs[k]); });
    if (className) svg.setAttribute("class", className);
    svg.dataset.icon = key;
    parts.forEach(function (part) {
      var node = document.createElementNS(NS, part[0]);
      Object.keys(part[1]).forEach(function (k) { node.setAttribute(k, part[1][k]); });
      svg.appendChild(node);
    });
    return svg;
  }

  window.motcuaIcons = {
    keys: Object.keys(ICONS),
    has: function (key) { return Object.prototype.hasOwnProperty.call(ICONS, key); },
    draw: draw
  };
})();
