/* semantic-audit report: image tooltips on the t-SNE plots and the rotating 3-D views.
   Plain ES2017, no dependencies; all text goes through textContent. */
(function () {
  'use strict';
  var island = document.getElementById('sa-data');
  if (!island) return;
  var data = JSON.parse(island.textContent || '{}');
  var tip = document.getElementById('sa-tip');
  var tipThumb = tip.querySelector('.th');
  var tipLabel = tip.querySelector('.tip-label');
  var tipPath = tip.querySelector('.tip-path');

  function showTip(setKey, i, x, y) {
    var set = data.sets[setKey];
    if (!set || i < 0 || i >= set.paths.length) return;
    /* Images without a thumbnail (beyond the page's sample, see thumbnails.max) show no picture. */
    tipThumb.className = 'th th-' + set.thumbs[i];
    tipThumb.hidden = set.thumbs[i] < 0;
    tipLabel.textContent = set.classes[set.labels[i]];
    tipPath.textContent = set.paths[i];
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = x + 14, top = y + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, x - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, y - h - 14);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }
  function hideTip() { tip.hidden = true; }

  /* 2-D scatter plots: hover or focus a marker; arrow keys step through markers. */
  Array.prototype.forEach.call(document.querySelectorAll('svg.scatter'), function (svg) {
    var key = svg.getAttribute('data-set');
    var pts = svg.querySelectorAll('.pt');
    var current = -1;
    function select(el) {
      var on = svg.querySelector('.pt.on');
      if (on) on.classList.remove('on');
      if (!el) { hideTip(); return; }
      el.classList.add('on');
      var r = el.getBoundingClientRect();
      showTip(key, Number(el.getAttribute('data-i')), r.right, r.top);
    }
    svg.addEventListener('pointerover', function (e) {
      if (e.target.classList && e.target.classList.contains('pt')) select(e.target);
    });
    svg.addEventListener('pointerout', function (e) {
      if (e.target.classList && e.target.classList.contains('pt')) select(null);
    });
    svg.addEventListener('keydown', function (e) {
      if (!pts.length) return;
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') current = (current + 1) % pts.length;
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') current = (current - 1 + pts.length) % pts.length;
      else if (e.key === 'Escape') { select(null); return; }
      else return;
      e.preventDefault();
      select(pts[current]);
    });
    svg.addEventListener('blur', function () { select(null); });
  });

  /* t-SNE filter by class and search by path (per model section): markers of other classes, or
     whose path does not contain the text, are dimmed; matches are outlined. Dense markers drawn
     in one path per class cannot be told apart and are dimmed while a filter is on. */
  Array.prototype.forEach.call(document.querySelectorAll('.tsne-tools'), function (tools) {
    var section = tools.closest('section') || document;
    var select = tools.querySelector('.tsne-class');
    var search = tools.querySelector('.tsne-search');
    var count = tools.querySelector('.tsne-count');
    function apply() {
      var cls = select.value === '' ? -1 : Number(select.value);
      var text = search.value.trim().toLowerCase();
      var active = cls >= 0 || text !== '';
      var shown = 0, total = 0;
      Array.prototype.forEach.call(section.querySelectorAll('svg.scatter'), function (svg) {
        var set = data.sets[svg.getAttribute('data-set')];
        if (!set) return;
        svg.classList.toggle('filtered', active);
        Array.prototype.forEach.call(svg.querySelectorAll('.pt, .ring'), function (el) {
          var i = Number(el.getAttribute('data-i'));
          var ok = (cls < 0 || set.labels[i] === cls) && (text === '' || set.paths[i].toLowerCase().indexOf(text) >= 0);
          el.classList.toggle('dim', active && !ok);
          el.classList.toggle('hit', text !== '' && ok);
          if (el.classList.contains('pt')) { total++; if (ok) shown++; }
        });
      });
      count.textContent = active ? shown + ' of ' + total + ' hoverable markers match' : '';
    }
    select.addEventListener('change', apply);
    search.addEventListener('input', apply);
  });

  /* 3-D views: perspective projection of the unit-ball cloud, rotated by yaw (y axis) then pitch (x axis). */
  function marker(ctx, shape, x, y, r, noStroke) {
    ctx.beginPath();
    if (shape === 'circle') ctx.arc(x, y, r, 0, 2 * Math.PI);
    else if (shape === 'square') { var s = r * 0.885; ctx.rect(x - s, y - s, 2 * s, 2 * s); }
    else if (shape === 'triangle') { var t = r * 1.35; ctx.moveTo(x, y - t * 1.15); ctx.lineTo(x + t, y + t * 0.6); ctx.lineTo(x - t, y + t * 0.6); ctx.closePath(); }
    else if (shape === 'triangle-down') { var u = r * 1.35; ctx.moveTo(x, y + u * 1.15); ctx.lineTo(x + u, y - u * 0.6); ctx.lineTo(x - u, y - u * 0.6); ctx.closePath(); }
    else { var d = r * 1.3; ctx.moveTo(x, y - d); ctx.lineTo(x + d, y); ctx.lineTo(x, y + d); ctx.lineTo(x - d, y); ctx.closePath(); }
    ctx.fill();
    if (!noStroke) ctx.stroke();
  }

  Array.prototype.forEach.call(document.querySelectorAll('canvas.cloud'), function (cv) {
    var cloud = data.clouds[cv.id];
    if (!cloud) return;
    var set = data.sets[cloud.set];
    var n = Math.floor(cloud.coords.length / 3);
    var W = cv.width, H = cv.height, dpr = window.devicePixelRatio || 1;
    cv.width = W * dpr; cv.height = H * dpr; cv.style.width = W + 'px'; cv.style.height = H + 'px';
    var ctx = cv.getContext('2d');
    ctx.scale(dpr, dpr);
    var yaw = 0.6, pitch = 0.35, spinning = false, dragging = null;
    var sx = new Float32Array(n), sy = new Float32Array(n), sz = new Float32Array(n), order = [];
    for (var i = 0; i < n; i++) order.push(i);
    var R = Math.min(W, H) * 0.4, cam = 3;
    /* Dense clouds (tens of thousands of images): smaller markers without outline. */
    var dense = n > 2000, r0 = dense ? 2 : 3.2;
    cv.setAttribute('data-yaw', yaw.toFixed(3));
    cv.setAttribute('data-pitch', pitch.toFixed(3));

    function project(x, y, z, cy, syw, cp, sp) {
      var x1 = cy * x + syw * z, z1 = -syw * x + cy * z;
      var y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;
      var f = cam / (cam + z2);
      return [W / 2 + x1 * f * R, H / 2 - y2 * f * R, z2, f];
    }
    function draw() {
      var cy = Math.cos(yaw), syw = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
      ctx.clearRect(0, 0, W, H);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, W, H);
      /* axes of the bounding cube, for orientation */
      var axes = [[1, 0, 0, 'x'], [0, 1, 0, 'y'], [0, 0, 1, 'z']];
      var o = project(0, 0, 0, cy, syw, cp, sp);
      ctx.lineWidth = 1;
      ctx.font = '10px sans-serif';
      axes.forEach(function (a) {
        var p = project(a[0], a[1], a[2], cy, syw, cp, sp);
        ctx.strokeStyle = '#c4c9cf';
        ctx.beginPath(); ctx.moveTo(o[0], o[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
        ctx.fillStyle = '#8a939c'; ctx.fillText(a[3], p[0] + 2, p[1] - 2);
      });
      for (var i = 0; i < n; i++) {
        var p = project(cloud.coords[3 * i], cloud.coords[3 * i + 1], cloud.coords[3 * i + 2], cy, syw, cp, sp);
        sx[i] = p[0]; sy[i] = p[1]; sz[i] = p[2];
      }
      order.sort(function (a, b) { return sz[b] - sz[a]; });
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 0.6;
      for (var j = 0; j < n; j++) {
        var k = order[j], c = set ? set.labels[k] : 0;
        ctx.fillStyle = data.colors[c % data.colors.length];
        marker(ctx, data.shapes[c % data.shapes.length], sx[k], sy[k], r0 * cam / (cam + sz[k]), dense);
      }
      cv.setAttribute('data-yaw', yaw.toFixed(3));
      cv.setAttribute('data-pitch', pitch.toFixed(3));
    }
    function nearest(x, y) {
      var best = -1, bd = 49;
      for (var i = 0; i < n; i++) {
        var dx = sx[i] - x, dy = sy[i] - y, d = dx * dx + dy * dy;
        if (d < bd || (d === bd && best >= 0 && sz[i] < sz[best])) { bd = d; best = i; }
      }
      return best;
    }
    cv.addEventListener('pointerdown', function (e) {
      dragging = { x: e.clientX, y: e.clientY };
      cv.setPointerCapture(e.pointerId);
      hideTip();
    });
    cv.addEventListener('pointermove', function (e) {
      if (dragging) {
        yaw += (e.clientX - dragging.x) * 0.01;
        pitch = Math.max(-1.55, Math.min(1.55, pitch + (e.clientY - dragging.y) * 0.01));
        dragging = { x: e.clientX, y: e.clientY };
        draw();
        return;
      }
      var r = cv.getBoundingClientRect();
      var i = nearest(e.clientX - r.left, e.clientY - r.top);
      if (i >= 0) showTip(cloud.set, i, e.clientX, e.clientY); else hideTip();
    });
    cv.addEventListener('pointerup', function (e) { dragging = null; cv.releasePointerCapture(e.pointerId); });
    cv.addEventListener('pointerleave', function () { if (!dragging) hideTip(); });
    cv.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft') yaw -= 0.1;
      else if (e.key === 'ArrowRight') yaw += 0.1;
      else if (e.key === 'ArrowUp') pitch = Math.max(-1.55, pitch - 0.1);
      else if (e.key === 'ArrowDown') pitch = Math.min(1.55, pitch + 0.1);
      else return;
      e.preventDefault();
      draw();
    });
    var button = document.querySelector('button.spin[data-for="' + cv.id + '"]');
    function spin() {
      if (!spinning) return;
      yaw += 0.012;
      draw();
      window.requestAnimationFrame(spin);
    }
    if (button) {
      button.addEventListener('click', function () {
        spinning = !spinning;
        button.setAttribute('aria-pressed', String(spinning));
        if (spinning) window.requestAnimationFrame(spin);
      });
    }
    /* Draw when first on screen: clouds in closed sections cost nothing at load. */
    if (typeof IntersectionObserver === 'function') {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); draw(); }
      });
      seen.observe(cv);
    } else draw();
  });
})();
