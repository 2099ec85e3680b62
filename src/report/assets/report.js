// mapsmith report: zoom and pan of the timelines, the critical-path filter, a readout of the
// time under the pointer, and #only=SECTION to show one section alone (for screenshots).
(function () {
  'use strict';
  var W = 100000;  // the timelines' x coordinates span [0, W] over [0, span] seconds

  function timeText(s) {
    var a = Math.abs(s);
    if (a === 0) return '0';
    if (a >= 1) return s.toPrecision(3) + ' s';
    if (a >= 1e-3) return (s * 1e3).toPrecision(3) + ' ms';
    if (a >= 1e-6) return (s * 1e6).toPrecision(3) + ' \u00b5s';
    return (s * 1e9).toPrecision(3) + ' ns';
  }

  function ticks(lo, hi, n) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(t);
    return out;
  }

  function setupTimelines(sec) {
    var views = Array.prototype.slice.call(sec.querySelectorAll('.tl'));
    if (!views.length) return;
    var span = parseFloat(sec.getAttribute('data-span')) || 1;
    var x0 = 0, w = W;
    var readout = sec.querySelector('.tl-readout');
    function apply() {
      views.forEach(function (v) {
        var plot = v.querySelector('svg.tl-plot');
        var h = plot.getAttribute('data-h');
        plot.setAttribute('viewBox', x0 + ' 0 ' + w + ' ' + h);
        var axis = v.querySelector('svg.tl-axis');
        var width = axis.getBoundingClientRect().width || 1000;
        var lo = x0 / W * span, hi = (x0 + w) / W * span;
        var parts = [];
        ticks(lo, hi, Math.max(2, Math.floor(width / 110))).forEach(function (t) {
          var px = (t - lo) / (hi - lo) * width;
          parts.push('<line x1="' + px + '" x2="' + px + '" y1="0" y2="5"></line>' +
                     '<text x="' + (px + 2) + '" y="14">' + timeText(t) + '</text>');
        });
        axis.innerHTML = parts.join('');
      });
    }
    function zoom(f, at) {  // at: the x in [0, 1] of the view that stays in place
      var nw = Math.min(W, Math.max(W / 1e6, w / f));
      x0 = Math.min(W - nw, Math.max(0, x0 + (w - nw) * at));
      w = nw;
      apply();
    }
    sec.querySelectorAll('button[data-zoom]').forEach(function (b) {
      b.addEventListener('click', function () {
        var z = b.getAttribute('data-zoom');
        if (z === 'in') zoom(2, 0.5); else if (z === 'out') zoom(0.5, 0.5);
        else { x0 = 0; w = W; apply(); }
      });
    });
    var crit = sec.querySelector('input.crit-only');
    if (crit) crit.addEventListener('change', function () {
      views.forEach(function (v) { v.classList.toggle('critonly', crit.checked); });
    });
    views.forEach(function (v) {
      var view = v.querySelector('.tl-view');
      var names = v.querySelectorAll('.tl-names div');
      view.addEventListener('wheel', function (e) {
        e.preventDefault();
        var r = view.getBoundingClientRect();
        zoom(e.deltaY < 0 ? 1.25 : 0.8, (e.clientX - r.left) / r.width);
      }, { passive: false });
      var drag = null;
      view.addEventListener('mousedown', function (e) { drag = { x: e.clientX, x0: x0 }; });
      window.addEventListener('mouseup', function () { drag = null; });
      view.addEventListener('dblclick', function () { x0 = 0; w = W; apply(); });
      view.addEventListener('mousemove', function (e) {
        var r = view.getBoundingClientRect();
        if (drag) {
          x0 = Math.min(W - w, Math.max(0, drag.x0 - (e.clientX - drag.x) / r.width * w));
          apply();
        }
        if (readout) {
          var t = (x0 + (e.clientX - r.left) / r.width * w) / W * span;
          var row = Math.floor((e.clientY - r.top) / 12);
          var name = row >= 0 && row < names.length ? names[row].textContent : '';
          readout.textContent = v.getAttribute('data-label') + ': ' + name + ' at ' + timeText(t);
        }
      });
    });
    window.addEventListener('resize', apply);
    apply();
  }

  function showOnly() {
    var m = /(?:^#|&)only=([a-z]+)/.exec(window.location.hash);
    if (!m) return;
    var s = document.getElementById(m[1]);
    if (!s) return;
    document.body.classList.add('only');
    s.classList.add('shown');
  }

  var t0 = performance.now();
  showOnly();
  document.querySelectorAll('section#timeline').forEach(setupTimelines);
  document.body.setAttribute('data-script-ms', (performance.now() - t0).toFixed(1));
  document.body.setAttribute('data-ready-ms', performance.now().toFixed(1));
})();
