/* twascli hub: tables, plots and search for the static TWAS hub pages.
   Hand-written, no dependencies; data comes inline (#page-data) or from data/*.js files that call
   HUB.put(name, data), so pages work from file:// and from any static web server. */
(function () {
  'use strict';

  var HUB = (window.HUB = window.HUB || {});
  var store = {};
  var waiters = {};
  var ROOT = document.body.getAttribute('data-root') || '';
  var SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
  var slugMaps = [];

  /* ------------------------------------------------------------ data loading */

  HUB.put = function (name, data) {
    store[name] = data;
    (waiters[name] || []).forEach(function (w) { w.resolve(data); });
    delete waiters[name];
  };

  HUB.load = function (name, src) {
    return new Promise(function (resolve, reject) {
      if (Object.prototype.hasOwnProperty.call(store, name)) { resolve(store[name]); return; }
      (waiters[name] = waiters[name] || []).push({ resolve: resolve, reject: reject });
      if (document.querySelector('script[data-hub="' + name + '"]')) return;
      var s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.setAttribute('data-hub', name);
      s.onerror = function () {
        (waiters[name] || []).forEach(function (w) { w.reject(new Error('cannot load ' + src)); });
        delete waiters[name];
      };
      document.head.appendChild(s);
    });
  };

  /* ------------------------------------------------------------ small helpers */

  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') e.textContent = v;
        else if (k === 'class') e.className = v;
        else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : v);
      });
    }
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function slugOf(id, map) {
    if (SAFE.test(id)) return id;
    if (map && map[id]) return map[id];
    for (var i = 0; i < slugMaps.length; i++) if (slugMaps[i][id]) return slugMaps[i][id];
    return id;
  }
  function geneHref(id, map) { return ROOT + 'genes/' + slugOf(id, map) + '.html'; }
  function traitHref(id) { return ROOT + 'traits/' + id + '.html'; }
  function num(v) { return v === null || v === undefined ? NaN : parseFloat(v); }
  function fmtP(mlog) { return Math.pow(10, -mlog).toExponential(2); }
  function fmtInt(n) { return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  /* A number cell as shown: integers as written; else 3 significant digits, scientific below 1e-3
     (exponent with at least two digits, as R and Python print it). Same rule as pages.fmt_num. */
  function fmtNum(v) {
    var s = String(v).trim();
    if (/^[-+]?\d+$/.test(s)) return s;
    var x = parseFloat(s);
    if (!isFinite(x) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return s;
    var a = Math.abs(x);
    if (a === 0) return '0';
    if (a < 1e-3) {
      var m = x.toExponential(2).split('e');
      var mant = m[0].replace(/\.?0+$/, ''), ex = parseInt(m[1], 10);
      return mant + 'e' + (ex < 0 ? '-' : '+') + (Math.abs(ex) < 10 ? '0' : '') + Math.abs(ex);
    }
    if (a >= 1000) return String(Math.round(x));
    return x.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  HUB.fmtNum = fmtNum;
  function fmtSize(n) {
    if (n < 1000) return n + ' B';
    var u = ['kB', 'MB', 'GB'], k = -1;
    do { n /= 1000; k++; } while (n >= 1000 && k < 2);
    return n.toFixed(1) + ' ' + u[k];
  }
  function showError(host, err) {
    host.textContent = '';
    host.appendChild(h('p', { class: 'error', text: 'Could not load data: ' + (err && err.message ? err.message : err) }));
  }

  /* ------------------------------------------------------------ tables */

  var NA = '\u2013';

  function cellText(type, v, spec) {
    if (v === null || v === undefined || v === '') return '';
    switch (type) {
      case 'T': return (spec.names && spec.names[v]) || v;
      case 'l': return v[0];
      case 'a': return v[0];
      case 'L': return v.map(function (x) { return x[0]; }).join(' ');
      case 'G': return v.join(' ');
      case 't': return v.join(' ');
      default: return String(v);
    }
  }

  function renderCell(type, v, spec, table) {
    var td = h('td', { class: type === 'n' ? 'num' : null });
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) {
      td.appendChild(h('span', { class: 'na', title: 'NA', text: NA }));
      return td;
    }
    switch (type) {
      case 'g': td.appendChild(h('a', { href: geneHref(v, spec.slugs), text: v })); break;
      case 'G':
        v.forEach(function (g, i) {
          if (i) td.appendChild(document.createTextNode(', '));
          td.appendChild(h('a', { href: geneHref(g, spec.slugs), text: g }));
        });
        break;
      case 'T': td.appendChild(h('a', { href: traitHref(v), text: (spec.names && spec.names[v]) || v })); break;
      case 'l': td.appendChild(h('a', { href: ROOT + v[1], text: v[0] })); break;
      case 'L':
        v.forEach(function (x, i) {
          if (i) td.appendChild(document.createTextNode(', '));
          td.appendChild(h('a', { href: ROOT + x[1], text: x[0] }));
        });
        break;
      case 'j': td.appendChild(h('span', { class: 'badge ' + v, text: v })); break;
      case 'a': td.appendChild(h('a', { href: ROOT + v[0], download: true, text: fmtSize(v[1]) })); break;
      case 't':
        v.forEach(function (tag) {
          td.appendChild(h('button', {
            class: 'tag', type: 'button', text: tag,
            onclick: function () { if (table.setTag) table.setTag(tag); }
          }));
        });
        break;
      case 'n': td.textContent = fmtNum(v); if (td.textContent !== String(v)) td.title = String(v); break;
      case 'h':
        td.className = 'heat' + (Math.abs(num(v)) >= 3.5 ? ' strong' : '');
        td.textContent = fmtNum(v);
        td.title = String(v);
        td.style.background = heat(num(v));
        break;
      default: td.textContent = v;
    }
    return td;
  }

  function Table(host, spec) {
    var self = this;
    this.host = host;
    this.spec = spec;
    this.cols = spec.cols;
    this.rows = spec.rows.map(function (r, i) {
      var text = r.map(function (v, k) { return cellText(spec.cols[k][1], v, spec) + ' ' + (spec.cols[k][1] === 'T' ? v : ''); });
      return { r: r, i: i, text: text.join(' ').toLowerCase() };
    });
    this.query = '';
    this.tag = null;
    this.page = 0;
    this.size = spec.page || 25;
    this.sortCol = -1;
    this.sortDir = 1;
    if (spec.sort) {
      var k = spec.cols.map(function (c) { return c[0]; }).indexOf(spec.sort[0]);
      if (k >= 0) { this.sortCol = k; this.sortDir = spec.sort[1]; }
    }
    host.textContent = '';
    host.classList.add('tablewrap');
    var bar = h('div', { class: 'tbar' });
    if (spec.search === true || (spec.search !== false && this.rows.length > 5)) {
      this.input = h('input', {
        type: 'search', class: 'filter', placeholder: 'Filter ' + this.rows.length + ' rows…', 'aria-label': 'Filter rows',
        oninput: function () { self.query = this.value.trim().toLowerCase(); self.page = 0; self.draw(); }
      });
      bar.appendChild(this.input);
    }
    this.info = h('span', { class: 'info' });
    bar.appendChild(this.info);
    this.live = h('span', { class: 'sr-only', 'aria-live': 'polite' });
    bar.appendChild(this.live);
    if (spec.tsv && this.rows.length) {
      bar.appendChild(h('button', { type: 'button', class: 'btn', text: 'Download TSV', onclick: function () { self.download(); } }));
    }
    host.appendChild(bar);
    this.thead = h('thead');
    this.tbody = h('tbody');
    var tbl = h('table', { class: 'data', 'data-table-id': spec.id || null }, [this.thead, this.tbody]);
    host.appendChild(h('div', { class: 'scroll' }, [tbl]));
    this.pager = h('div', { class: 'pager' });
    host.appendChild(this.pager);
    this.drawHead();
    this.draw();
  }

  Table.prototype.drawHead = function () {
    var self = this;
    var tr = h('tr');
    var sortBy = function (k) {
      if (self.sortCol === k) self.sortDir = -self.sortDir;
      else { self.sortCol = k; self.sortDir = 1; }
      self.page = 0;
      self.drawHead();
      self.draw();
      var th = self.thead.querySelectorAll('th')[k];
      if (th) th.focus();
      self.live.textContent = 'Sorted by ' + self.cols[k][0] + (self.sortDir > 0 ? ', ascending' : ', descending');
    };
    this.cols.forEach(function (c, k) {
      var arrow = k === self.sortCol ? (self.sortDir > 0 ? ' \u25B2' : ' \u25BC') : '';
      tr.appendChild(h('th', {
        class: (c[1] === 'n' || c[1] === 'h' ? 'num ' : '') + (k === self.sortCol ? 'sorted' : ''),
        title: c[2] || null, 'data-col': c[0], tabindex: '0', scope: 'col',
        'aria-sort': k === self.sortCol ? (self.sortDir > 0 ? 'ascending' : 'descending') : 'none',
        onclick: function () { sortBy(k); },
        onkeydown: function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(k); } }
      }, [c[0] + arrow]));
    });
    this.thead.textContent = '';
    this.thead.appendChild(tr);
  };

  Table.prototype.visible = function () {
    var q = this.query ? this.query.split(/\s+/) : [];
    var tag = this.tag;
    var tagCol = this.cols.map(function (c) { return c[1]; }).indexOf('t');
    var rows = this.rows.filter(function (row) {
      for (var i = 0; i < q.length; i++) if (row.text.indexOf(q[i]) < 0) return false;
      if (tag && (tagCol < 0 || (row.r[tagCol] || []).indexOf(tag) < 0)) return false;
      return true;
    });
    var k = this.sortCol;
    if (k >= 0) {
      var type = this.cols[k][1];
      var dir = this.sortDir;
      var spec = this.spec;
      var key;
      if (type === 'n' || type === 'h') key = function (row) { return num(row.r[k]); };
      else if (type === 'j') key = function (row) { return { joint: 0, cond: 1 }[row.r[k]] === undefined ? NaN : { joint: 0, cond: 1 }[row.r[k]]; };
      else key = function (row) { return cellText(type, row.r[k], spec).toLowerCase(); };
      var keyed = rows.map(function (row) { return [key(row), row]; });
      keyed.sort(function (a, b) {
        var x = a[0], y = b[0];
        var xn = typeof x === 'number' && isNaN(x), yn = typeof y === 'number' && isNaN(y);
        if (x === '') xn = true;
        if (y === '') yn = true;
        if (xn || yn) return xn === yn ? a[1].i - b[1].i : (xn ? 1 : -1);
        if (x < y) return -dir;
        if (x > y) return dir;
        return a[1].i - b[1].i;
      });
      rows = keyed.map(function (p) { return p[1]; });
    }
    return rows;
  };

  Table.prototype.draw = function () {
    var self = this;
    var rows = this.visible();
    this.current = rows;
    var pages = Math.max(1, Math.ceil(rows.length / this.size));
    if (this.page >= pages) this.page = pages - 1;
    var start = this.page * this.size;
    var shown = rows.slice(start, start + this.size);
    var frag = document.createDocumentFragment();
    var mark = this.spec.mark, mk = mark ? this.cols.map(function (c) { return c[0]; }).indexOf(mark[0]) : -1;
    shown.forEach(function (row) {
      var tr = h('tr', { class: mk >= 0 && row.r[mk] === mark[1] ? mark[2] : null });
      row.r.forEach(function (v, k) {
        tr.appendChild(renderCell(self.cols[k][1], v, self.spec, self));
      });
      frag.appendChild(tr);
    });
    this.tbody.textContent = '';
    if (!shown.length) {
      this.tbody.appendChild(h('tr', {}, [h('td', { colspan: this.cols.length, class: 'empty', text: this.rows.length ? 'No matching rows.' : (this.spec.empty || 'None.') })]));
    } else {
      this.tbody.appendChild(frag);
    }
    var filtered = rows.length !== this.rows.length;
    this.info.textContent = rows.length
      ? (rows.length > this.size ? (start + 1) + '\u2013' + (start + shown.length) + ' of ' : '') + fmtInt(rows.length) + ' row' + (rows.length === 1 ? '' : 's') + (filtered ? ' (filtered from ' + fmtInt(this.rows.length) + ')' : '')
      : '';
    this.pager.textContent = '';
    if (rows.length > this.size || this.size !== (this.spec.page || 25)) {
      var go = function (p) { return function () { self.page = p; self.draw(); }; };
      this.pager.appendChild(h('button', { type: 'button', class: 'btn', text: '\u2039 Prev', disabled: this.page === 0, onclick: go(this.page - 1) }));
      this.pager.appendChild(h('span', { class: 'pageno', text: 'Page ' + (this.page + 1) + ' of ' + pages }));
      this.pager.appendChild(h('button', { type: 'button', class: 'btn', text: 'Next \u203A', disabled: this.page >= pages - 1, onclick: go(this.page + 1) }));
      var sel = h('select', { 'aria-label': 'Rows per page', onchange: function () { self.size = parseInt(this.value, 10); self.page = 0; self.draw(); } });
      [10, 25, 50, 100, 500].forEach(function (n) {
        var o = h('option', { value: n, text: n + ' / page' });
        if (n === self.size) o.selected = true;
        sel.appendChild(o);
      });
      this.pager.appendChild(sel);
    }
  };

  Table.prototype.setTag = function (tag) {
    this.tag = this.tag === tag ? null : tag;
    this.page = 0;
    this.draw();
    if (this.onTag) this.onTag(this.tag);
  };

  Table.prototype.download = function () {
    var spec = this.spec;
    var lines = [this.cols.map(function (c) { return c[0]; }).join('\t')];
    (this.current || []).forEach(function (row) {
      lines.push(row.r.map(function (v, k) { var t = cellText(spec.cols[k][1], v, spec); return t === '' ? 'NA' : t; }).join('\t'));
    });
    var blob = new Blob([lines.join('\n') + '\n'], { type: 'text/tab-separated-values' });
    var a = h('a', { href: URL.createObjectURL(blob), download: spec.tsv || 'table.tsv' });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  HUB.Table = Table;

  function tagBar(bar, table) {
    var counts = {};
    var tagCol = table.cols.map(function (c) { return c[1]; }).indexOf('t');
    if (tagCol < 0) return;
    table.rows.forEach(function (row) { (row.r[tagCol] || []).forEach(function (t) { counts[t] = (counts[t] || 0) + 1; }); });
    var tags = Object.keys(counts).sort();
    if (!tags.length) return;
    var buttons = {};
    bar.appendChild(h('span', { class: 'label', text: 'Tags:' }));
    tags.forEach(function (t) {
      buttons[t] = h('button', { type: 'button', class: 'tag', onclick: function () { table.setTag(t); } }, [t + ' ', h('small', { text: String(counts[t]) })]);
      bar.appendChild(buttons[t]);
    });
    table.onTag = function (tag) {
      Object.keys(buttons).forEach(function (t) { buttons[t].classList.toggle('on', t === tag); });
      history.replaceState(null, '', tag ? '#tag=' + encodeURIComponent(tag) : location.pathname + location.search);
    };
    var m = /^#tag=(.+)$/.exec(location.hash);
    if (m) table.setTag(decodeURIComponent(m[1]));
  }

  /* ------------------------------------------------------------ canvas plots */

  var COL = {
    axis: '#5f6b7a', grid: '#e9edf2', text: '#334155', pos: '#d9480f', neg: '#1971c2',
    odd: '#a5b1c2', even: '#6c7a91', thr: '#e03131', gwas: '#adb5bd', cond: '#0c8599', joint: '#2b8a3e', dropped: '#868e96'
  };

  function setupCanvas(host, height, label) {
    host.textContent = '';
    host.classList.add('plotwrap');
    var width = Math.max(200, host.clientWidth || 800);
    var dpr = window.devicePixelRatio || 1;
    var cv = h('canvas', { width: Math.round(width * dpr), height: Math.round(height * dpr), role: 'img', 'aria-label': label || host.getAttribute('aria-label') || 'plot' });
    cv.style.width = width + 'px';
    cv.style.height = height + 'px';
    var tip = h('div', { class: 'tip' });
    tip.style.display = 'none';
    host.appendChild(cv);
    host.appendChild(tip);
    touchable(cv);
    var ctx = cv.getContext('2d');
    ctx.scale(dpr, dpr);
    return { cv: cv, ctx: ctx, tip: tip, w: width, h: height };
  }

  /* Touch: a tap or a finger sliding over a plot shows the same tooltip as the mouse (the tap's
     click, synthesised by the browser, then opens what was tapped); vertical scrolling still works. */
  function touchable(cv) {
    cv.style.touchAction = 'pan-y pinch-zoom';
    var relay = function (e) {
      var t = e.touches && e.touches[0];
      if (!t) return;
      cv.dispatchEvent(new MouseEvent('mousemove', { clientX: t.clientX, clientY: t.clientY, bubbles: true }));
    };
    cv.addEventListener('touchstart', relay, { passive: true });
    cv.addEventListener('touchmove', relay, { passive: true });
  }

  /* Heatmap colour of a TWAS Z: blue (negative) to white to red (positive), saturating at |Z| = 6. */
  function heat(z) {
    if (!isFinite(z)) return '';
    var a = Math.min(Math.abs(z) / 6, 1);
    var c = z > 0 ? [217, 72, 15] : [25, 113, 194];
    var mix = function (k) { return Math.round(255 + (c[k] - 255) * a); };
    return 'rgb(' + mix(0) + ',' + mix(1) + ',' + mix(2) + ')';
  }

  function niceTicks(lo, hi, n) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = span / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
    return out;
  }

  function showTip(plot, x, y, lines) {
    var tip = plot.tip;
    tip.textContent = '';
    lines.forEach(function (ln, i) { tip.appendChild(h(i ? 'div' : 'b', { text: ln })); });
    tip.style.display = 'block';
    var left = x + 14, top = y + 10;
    if (left + tip.offsetWidth > plot.w) left = x - tip.offsetWidth - 14;
    if (top + tip.offsetHeight > plot.h) top = y - tip.offsetHeight - 10;
    tip.style.left = Math.max(0, left) + 'px';
    tip.style.top = Math.max(0, top) + 'px';
  }

  /* Drag-to-zoom on x and double-click reset, shared by both plots (STATE.plot is the live canvas). */
  function zoomable(plot, state, redraw, x0px, x1px) {
    state.plot = plot;
    state.x1px = x1px;
    var band = h('div', { class: 'band' });
    band.style.display = 'none';
    plot.cv.parentNode.appendChild(band);
    plot.cv.addEventListener('mousedown', function (e) { state.dragFrom = e.offsetX; e.preventDefault(); });
    plot.cv.addEventListener('mousemove', function (e) {
      if (state.dragFrom === null || state.dragFrom === undefined) return;
      var a = Math.min(state.dragFrom, e.offsetX), b = Math.max(state.dragFrom, e.offsetX);
      band.style.display = 'block';
      band.style.left = a + 'px';
      band.style.width = (b - a) + 'px';
      band.style.top = state.top + 'px';
      band.style.height = state.bandH + 'px';
    });
    plot.cv.addEventListener('dblclick', function () { state.lo = state.lo0; state.hi = state.hi0; redraw(); });
    if (state.upBound) return;
    state.upBound = true;
    window.addEventListener('mouseup', function (e) {
      if (state.dragFrom === null || state.dragFrom === undefined) return;
      var rect = state.plot.cv.getBoundingClientRect();
      var to = e.clientX - rect.left;
      var a = Math.max(x0px, Math.min(state.dragFrom, to)), b = Math.min(state.x1px(), Math.max(state.dragFrom, to));
      state.dragFrom = null;
      if (b - a > 8) {
        var lo = state.x2v(a), hi = state.x2v(b);
        state.lo = lo;
        state.hi = hi;
        redraw();
      } else {
        var bands = state.plot.cv.parentNode.querySelectorAll('.band');
        for (var i = 0; i < bands.length; i++) bands[i].style.display = 'none';
      }
    });
  }

  /* Manhattan plot: every model's signed -log10 P (models.js positions + manhattan/<trait>.js values). */
  function manhattan(host, models, man, thrP) {
    var H = 340, M = { l: 52, r: 14, t: 16, b: 40 };
    var chrs = models.chrs.slice();
    var cidx = {}, lo = [], hi = [];
    chrs.forEach(function (c, i) { cidx[c] = i; lo.push(Infinity); hi.push(-Infinity); });
    (man.extra || []).forEach(function (e) {
      if (!(e[0] in cidx)) { cidx[e[0]] = chrs.length; chrs.push(e[0]); lo.push(Infinity); hi.push(-Infinity); }
    });
    var grow = function (c, p) { if (p < lo[c]) lo[c] = p; if (p > hi[c]) hi[c] = p; };
    for (var m = 0; m < models.pos.length; m++) grow(models.chr[m], models.pos[m]);
    (man.extra || []).forEach(function (e) { grow(cidx[e[0]], e[1]); });
    var lens = chrs.map(function (c, i) { return hi[i] >= lo[i] ? Math.max(hi[i] - lo[i], 1) : 0; });
    var total = lens.reduce(function (a, b) { return a + b; }, 0) || 1;
    var gap = total * 0.01, off = [], acc = 0;
    lens.forEach(function (L, i) { off[i] = acc - (isFinite(lo[i]) ? lo[i] : 0); acc += L + (L ? gap : 0); });
    var span = acc - gap;
    var pts = [];
    var thr = thrP > 0 ? -Math.log10(thrP) : Infinity;
    for (var i = 0; i < man.v.length; i++) {
      var v = man.v[i];
      if (v === null) continue;
      pts.push({ x: off[models.chr[i]] + models.pos[i], y: Math.abs(v), v: v, c: models.chr[i], id: models.id[i], panel: models.panels[models.panel[i]], pos: models.pos[i] });
    }
    (man.extra || []).forEach(function (e) {
      var c = cidx[e[0]];
      pts.push({ x: off[c] + e[1], y: Math.abs(e[4]), v: e[4], c: c, id: e[2], panel: e[3], pos: e[1] });
    });
    pts.forEach(function (p) { p.sig = p.y >= thr; });
    pts.sort(function (a, b) { return (a.sig - b.sig) || (a.y - b.y); });
    var state = { lo0: -gap / 2, hi0: span + gap / 2, lo: -gap / 2, hi: span + gap / 2, top: M.t, bandH: H - M.t - M.b };
    var plot;

    function draw() {
      plot = setupCanvas(host, H, 'Manhattan plot of TWAS results');
      var ctx = plot.ctx, W = plot.w;
      var pw = W - M.l - M.r, ph = H - M.t - M.b;
      var inView = pts.filter(function (p) { return p.x >= state.lo && p.x <= state.hi; });
      var ymax = Math.max(thr === Infinity ? 0 : thr * 1.1, 4);
      inView.forEach(function (p) { if (p.y > ymax) ymax = p.y; });
      ymax *= 1.08;
      var X = function (x) { return M.l + (x - state.lo) / (state.hi - state.lo) * pw; };
      var Y = function (y) { return M.t + ph - y / ymax * ph; };
      state.x2v = function (px) { return state.lo + (px - M.l) / pw * (state.hi - state.lo); };
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = COL.text;
      ctx.strokeStyle = COL.grid;
      ctx.lineWidth = 1;
      // chromosome bands and labels
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      chrs.forEach(function (c, i) {
        if (!lens[i]) return;
        var a = Math.max(X(off[i] + lo[i] - gap / 2), M.l), b = Math.min(X(off[i] + hi[i] + gap / 2), W - M.r);
        if (b <= a) return;
        if (i % 2 === 0) { ctx.fillStyle = '#f6f8fb'; ctx.fillRect(a, M.t, b - a, ph); }
        ctx.fillStyle = COL.text;
        if (b - a > 12) ctx.fillText(c, (a + b) / 2, M.t + ph + 6);
      });
      ctx.strokeStyle = COL.grid;
      niceTicks(0, ymax, 5).forEach(function (t) {
        ctx.beginPath(); ctx.moveTo(M.l, Y(t) + 0.5); ctx.lineTo(W - M.r, Y(t) + 0.5); ctx.stroke();
        ctx.textAlign = 'right'; ctx.textBaseline = 'middle'; ctx.fillText(String(t), M.l - 6, Y(t));
      });
      ctx.save();
      ctx.translate(14, M.t + ph / 2); ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText('\u2212log10 TWAS P', 0, 0);
      ctx.restore();
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      ctx.fillText(state.lo === state.lo0 && state.hi === state.hi0 ? 'chromosome' : 'chromosome (zoomed: double-click to reset)', M.l + pw / 2, M.t + ph + 22);
      if (thr !== Infinity && thr < ymax) {
        ctx.strokeStyle = COL.thr; ctx.setLineDash([5, 4]);
        ctx.beginPath(); ctx.moveTo(M.l, Y(thr) + 0.5); ctx.lineTo(W - M.r, Y(thr) + 0.5); ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(M.l, M.t - 6, pw, ph + 6); ctx.clip();
      inView.forEach(function (p) {
        p.px = X(p.x); p.py = Y(p.y);
        ctx.fillStyle = p.sig ? (p.v > 0 ? COL.pos : COL.neg) : (p.c % 2 ? COL.odd : COL.even);
        ctx.beginPath(); ctx.arc(p.px, p.py, p.sig ? 3.6 : 2.2, 0, 2 * Math.PI); ctx.fill();
      });
      // label the strongest significant gene per chromosome
      var best = {};
      inView.forEach(function (p) { if (p.sig && (!best[p.c] || p.y > best[p.c].y)) best[p.c] = p; });
      var labels = Object.keys(best).map(function (k) { return best[k]; }).sort(function (a, b) { return b.y - a.y; }).slice(0, 12);
      ctx.fillStyle = COL.text; ctx.font = '600 11px system-ui, sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'bottom';
      labels.forEach(function (p) { ctx.fillText(p.id, Math.min(p.px + 5, W - M.r - ctx.measureText(p.id).width - 2), Math.max(p.py - 3, M.t + 10)); });
      ctx.restore();
      ctx.strokeStyle = COL.axis;
      ctx.beginPath(); ctx.moveTo(M.l + 0.5, M.t); ctx.lineTo(M.l + 0.5, M.t + ph + 0.5); ctx.lineTo(W - M.r, M.t + ph + 0.5); ctx.stroke();
      state.inView = inView;
      bind();
      zoomable(plot, state, draw, M.l, function () { return W - M.r; });
    }

    function nearest(x, y) {
      var best = null, bd = 64;
      (state.inView || []).forEach(function (p) {
        var d = (p.px - x) * (p.px - x) + (p.py - y) * (p.py - y);
        if (d <= bd) { bd = d; best = p; }
      });
      return best;
    }

    function bind() {
      plot.cv.addEventListener('mousemove', function (e) {
        var p = nearest(e.offsetX, e.offsetY);
        plot.cv.style.cursor = p ? 'pointer' : 'crosshair';
        if (!p) { plot.tip.style.display = 'none'; return; }
        showTip(plot, e.offsetX, e.offsetY, [p.id + ' \u00B7 ' + p.panel, 'chr' + chrs[p.c] + ':' + fmtInt(p.pos), 'Z ' + (p.v >= 0 ? '> 0' : '< 0') + ', P \u2248 ' + fmtP(p.y)]);
      });
      plot.cv.addEventListener('mouseleave', function () { plot.tip.style.display = 'none'; });
      plot.cv.addEventListener('click', function (e) {
        var p = nearest(e.offsetX, e.offsetY);
        if (p) location.href = geneHref(p.id, models.slugs);
      });
    }

    draw();
    var legend = h('div', { class: 'legend' }, [
      h('span', { class: 'sw', style: 'background:' + COL.pos }), 'significant, Z > 0 ',
      h('span', { class: 'sw', style: 'background:' + COL.neg }), 'significant, Z < 0 ',
      h('span', { class: 'sw line', style: 'border-color:' + COL.thr }), 'threshold P = ' + (thrP > 0 ? fmtNum(thrP) : 'none') + ' ',
      h('span', { class: 'count', text: fmtInt(pts.length) + ' models' })
    ]);
    host.parentNode.insertBefore(legend, host.nextSibling);
    var resizeT;
    window.addEventListener('resize', function () { clearTimeout(resizeT); resizeT = setTimeout(draw, 150); });
  }

  /* Locus plot: GWAS -log10 P before/after conditioning (.cond.csv) with the locus' models below. */
  function locusPlot(host, d) {
    var show = { gwas: true, cond: true };
    var M = { l: 52, r: 14, t: 14, b: 34 };
    var PH = 280;
    var lo0 = d.p0, hi0 = d.p1;
    d.models.forEach(function (m) { lo0 = Math.min(lo0, m[2]); hi0 = Math.max(hi0, m[3]); });
    var pad = (hi0 - lo0) * 0.02;
    var state = { lo0: lo0 - pad, hi0: hi0 + pad, lo: lo0 - pad, hi: hi0 + pad, top: M.t, bandH: PH };
    var plot;
    var controls = h('div', { class: 'controls' });
    [['gwas', 'GWAS', COL.gwas], ['cond', 'Conditioned on joint model', COL.cond]].forEach(function (s) {
      var cb = h('input', { type: 'checkbox', checked: true, onchange: function () { show[s[0]] = this.checked; draw(); } });
      controls.appendChild(h('label', { class: 'toggle' }, [cb, h('span', { class: 'sw', style: 'background:' + s[2] }), s[1]]));
    });
    controls.appendChild(h('span', { class: 'sw', style: 'background:' + COL.joint }));
    controls.appendChild(document.createTextNode('joint model '));
    controls.appendChild(h('span', { class: 'sw', style: 'background:' + COL.dropped }));
    controls.appendChild(document.createTextNode('conditionally dropped '));
    controls.appendChild(h('button', { type: 'button', class: 'btn', text: 'Reset zoom', onclick: function () { state.lo = state.lo0; state.hi = state.hi0; draw(); } }));
    host.parentNode.insertBefore(controls, host);

    function draw() {
      var ctx0 = document.createElement('canvas').getContext('2d');
      ctx0.font = '11px system-ui, sans-serif';
      var W = Math.max(200, host.clientWidth || 800);
      var pw = W - M.l - M.r;
      var X = function (x) { return M.l + (x - state.lo) / (state.hi - state.lo) * pw; };
      // lay out model bars in rows so that bars and their labels do not overlap
      var rowsEnd = [];
      var bars = d.models.map(function (m) {
        var a = X(m[2]), b = Math.max(X(m[3]), a + 2);
        var label = m[0] + ' (' + m[1] + ')';
        var end = Math.max(b, a + ctx0.measureText(label).width) + 8;
        var r = 0;
        while (r < rowsEnd.length && rowsEnd[r] > a) r++;
        rowsEnd[r] = end;
        return { m: m, a: a, b: b, row: r, label: label };
      });
      var trackH = Math.max(1, rowsEnd.length) * 26 + 10;
      var H = M.t + PH + M.b + trackH;
      plot = setupCanvas(host, H, 'GWAS before and after conditioning, and the models of the locus');
      var ctx = plot.ctx;
      var vis = [];
      var ymax = 4;
      for (var i = 0; i < d.pos.length; i++) {
        if (d.pos[i] < state.lo || d.pos[i] > state.hi) continue;
        vis.push(i);
        if (show.gwas && d.gwas[i] !== null && d.gwas[i] > ymax) ymax = d.gwas[i];
        if (show.cond && d.cond[i] !== null && d.cond[i] > ymax) ymax = d.cond[i];
      }
      ymax *= 1.08;
      var Y = function (y) { return M.t + PH - y / ymax * PH; };
      state.x2v = function (px) { return state.lo + (px - M.l) / pw * (state.hi - state.lo); };
      ctx.font = '11px system-ui, sans-serif';
      ctx.strokeStyle = COL.grid; ctx.fillStyle = COL.text; ctx.lineWidth = 1;
      niceTicks(0, ymax, 5).forEach(function (t) {
        ctx.beginPath(); ctx.moveTo(M.l, Y(t) + 0.5); ctx.lineTo(W - M.r, Y(t) + 0.5); ctx.stroke();
        ctx.textAlign = 'right'; ctx.textBaseline = 'middle'; ctx.fillText(String(t), M.l - 6, Y(t));
      });
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      niceTicks(state.lo / 1e6, state.hi / 1e6, 8).forEach(function (t) {
        var x = X(t * 1e6);
        if (x < M.l || x > W - M.r) return;
        ctx.beginPath(); ctx.moveTo(x + 0.5, M.t + PH); ctx.lineTo(x + 0.5, M.t + PH + 4); ctx.strokeStyle = COL.axis; ctx.stroke();
        ctx.fillText(t.toFixed(2), x, M.t + PH + 6);
      });
      ctx.fillText('chr' + d.chr + ' position (Mb)', M.l + pw / 2, M.t + PH + 20);
      ctx.save();
      ctx.translate(14, M.t + PH / 2); ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.fillText('\u2212log10 GWAS P', 0, 0);
      ctx.restore();
      var gw = -Math.log10(5e-8);
      if (gw < ymax) {
        ctx.strokeStyle = COL.thr; ctx.setLineDash([5, 4]);
        ctx.beginPath(); ctx.moveTo(M.l, Y(gw) + 0.5); ctx.lineTo(W - M.r, Y(gw) + 0.5); ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(M.l, M.t - 4, pw, PH + 4); ctx.clip();
      var pts = [];
      [['gwas', COL.gwas], ['cond', COL.cond]].forEach(function (s) {
        if (!show[s[0]]) return;
        ctx.fillStyle = s[1];
        ctx.globalAlpha = s[0] === 'gwas' ? 0.85 : 0.9;
        vis.forEach(function (i) {
          var y = d[s[0]][i];
          if (y === null) return;
          var px = X(d.pos[i]), py = Y(y);
          ctx.beginPath(); ctx.arc(px, py, s[0] === 'gwas' ? 3.2 : 2.3, 0, 2 * Math.PI); ctx.fill();
          pts.push({ px: px, py: py, i: i });
        });
      });
      ctx.globalAlpha = 1;
      ctx.restore();
      ctx.strokeStyle = COL.axis;
      ctx.beginPath(); ctx.moveTo(M.l + 0.5, M.t); ctx.lineTo(M.l + 0.5, M.t + PH + 0.5); ctx.lineTo(W - M.r, M.t + PH + 0.5); ctx.stroke();
      // model track
      var ty = M.t + PH + M.b + 6;
      ctx.save();
      ctx.beginPath(); ctx.rect(M.l, ty - 6, pw, trackH); ctx.clip();
      bars.forEach(function (bar) {
        var y = ty + bar.row * 26;
        bar.y = y;
        ctx.fillStyle = bar.m[4] === 'joint' ? COL.joint : COL.dropped;
        ctx.fillRect(bar.a, y, bar.b - bar.a, 8);
        ctx.fillStyle = COL.text; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
        ctx.font = (bar.m[4] === 'joint' ? '600 ' : '') + '11px system-ui, sans-serif';
        ctx.fillText(bar.label, Math.max(bar.a, M.l + 2), y + 10);
      });
      ctx.restore();

      function hit(x, y) {
        for (var k = 0; k < bars.length; k++) {
          var b = bars[k];
          if (x >= Math.min(b.a, M.l + 2) - 3 && x <= Math.max(b.b, b.a + 40) + 3 && y >= b.y - 3 && y <= b.y + 24) return { bar: b };
        }
        var best = null, bd = 49;
        pts.forEach(function (p) { var dd = (p.px - x) * (p.px - x) + (p.py - y) * (p.py - y); if (dd <= bd) { bd = dd; best = p; } });
        return best ? { pt: best } : null;
      }
      plot.cv.addEventListener('mousemove', function (e) {
        var r = hit(e.offsetX, e.offsetY);
        plot.cv.style.cursor = r && r.bar ? 'pointer' : 'crosshair';
        if (!r) { plot.tip.style.display = 'none'; return; }
        if (r.bar) {
          var m = r.bar.m;
          showTip(plot, e.offsetX, e.offsetY, [m[0] + ' \u00B7 ' + m[1], fmtInt(m[2]) + '\u2013' + fmtInt(m[3]), m[4] === 'joint' ? 'in the joint model' : 'conditionally dropped', 'click to open the gene']);
        } else {
          var i = r.pt.i;
          var g = d.gwas[i], c = d.cond[i];
          showTip(plot, e.offsetX, e.offsetY, [d.snp[i], 'chr' + d.chr + ':' + fmtInt(d.pos[i]), 'GWAS \u2212log10 P: ' + (g === null ? 'NA' : g), 'conditioned: ' + (c === null ? 'NA' : c)]);
        }
      });
      plot.cv.addEventListener('mouseleave', function () { plot.tip.style.display = 'none'; });
      plot.cv.addEventListener('click', function (e) {
        var r = hit(e.offsetX, e.offsetY);
        if (r && r.bar) location.href = geneHref(r.bar.m[0]);
      });
      zoomable(plot, state, draw, M.l, function () { return W - M.r; });
    }
    draw();
    var resizeT;
    window.addEventListener('resize', function () { clearTimeout(resizeT); resizeT = setTimeout(draw, 150); });
  }

  /* Gene page: TWAS Z of each significant association as horizontal bars. */
  function geneZ(host, z, names) {
    var rows = z.slice(0, 40);
    var W = Math.max(200, host.clientWidth || 700), RH = 18, M = { l: 60, r: 20, t: 8, b: 26 };
    var H = M.t + rows.length * RH + M.b;
    var plot = setupCanvas(host, H, 'TWAS Z of each association');
    var ctx = plot.ctx;
    ctx.font = '11px system-ui, sans-serif';
    var labelOf = function (r) { return ((names && names[r[0]]) || r[0]) + ' \u00B7 ' + r[1]; };
    var widest = 0;
    rows.forEach(function (r) { widest = Math.max(widest, ctx.measureText(labelOf(r)).width); });
    M.l = Math.min(Math.max(60, widest + 14), Math.round(W * 0.55));
    var fit = function (label) {
      if (ctx.measureText(label).width <= M.l - 10) return label;
      while (label.length > 1 && ctx.measureText(label + '\u2026').width > M.l - 10) label = label.slice(0, -1);
      return label + '\u2026';
    };
    var zmax = 1;
    rows.forEach(function (r) { zmax = Math.max(zmax, Math.abs(num(r[2])) || 0); });
    zmax *= 1.1;
    var pw = W - M.l - M.r;
    var X = function (v) { return M.l + (v + zmax) / (2 * zmax) * pw; };
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = COL.grid;
    niceTicks(-zmax, zmax, 6).forEach(function (t) {
      ctx.beginPath(); ctx.moveTo(X(t) + 0.5, M.t); ctx.lineTo(X(t) + 0.5, H - M.b); ctx.stroke();
      ctx.fillStyle = COL.text; ctx.textAlign = 'center'; ctx.textBaseline = 'top'; ctx.fillText(String(t), X(t), H - M.b + 4);
    });
    rows.forEach(function (r, k) {
      var v = num(r[2]), y = M.t + k * RH;
      ctx.fillStyle = v > 0 ? COL.pos : COL.neg;
      ctx.fillRect(Math.min(X(0), X(v)), y + 3, Math.abs(X(v) - X(0)), RH - 6);
      ctx.fillStyle = COL.text; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      ctx.fillText(fit(labelOf(r)), M.l - 8, y + RH / 2);
    });
    ctx.strokeStyle = COL.axis;
    ctx.beginPath(); ctx.moveTo(X(0) + 0.5, M.t); ctx.lineTo(X(0) + 0.5, H - M.b); ctx.stroke();
    ctx.fillStyle = COL.text; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
    ctx.fillText('TWAS Z', X(zmax) - 40, H - M.b + 4);
  }

  /* Gene heatmap table: the gene's TWAS Z per trait (rows aligned with data/traits-list.js) x model,
     with TWAS_HUB's per-trait summary: mean and max Z^2 over the gene's models, and that mean over
     the trait's mean chi-square over all its models (the ratio). */
  function heatSpec(g, tl, lz) {
    var cols = lz.head.concat(g.models.map(function (m) { return [m, 'h', 'TWAS Z of this model']; }));
    var names = {}, rows = [];
    g.z.forEach(function (zs, k) {
      if (!zs) return;
      var id = tl.ids[k];
      names[id] = tl.names[k];
      var chi = zs.filter(function (v) { return v !== null; }).map(function (v) { return v * v; });
      var mean = chi.reduce(function (a, b) { return a + b; }, 0) / chi.length;
      var ratio = tl.chisq[k] ? mean / tl.chisq[k] : null;
      rows.push([id, ratio === null ? null : String(ratio), String(mean), String(Math.max.apply(null, chi))]
        .concat(zs.map(function (v) { return v === null ? null : String(v); })));
    });
    return { cols: cols, rows: rows, names: names, id: 'heat', sort: ['Max \u03C7\u00B2', -1], tsv: lz.tsv,
             empty: 'No trait tested this gene.' };
  }

  /* ------------------------------------------------------------ search box */

  function searchBox(input, results) {
    if (!input || !results) return;
    var items = [], active = -1;
    function ensure() { return HUB.load('search', ROOT + 'data/search.js'); }
    function close() { results.style.display = 'none'; active = -1; }
    function render(q) {
      ensure().then(function (s) {
        q = q.trim().toLowerCase();
        results.textContent = '';
        items = [];
        if (!q) { close(); return; }
        var traits = s.traits.filter(function (t) { return (t[0] + ' ' + t[1] + ' ' + t[2]).toLowerCase().indexOf(q) >= 0; }).slice(0, 8);
        var pre = [], mid = [];
        for (var i = 0; i < s.genes.length && pre.length < 8; i++) {
          var g = s.genes[i].toLowerCase(), al = ((s.alias && s.alias[s.genes[i]]) || '').toLowerCase();
          if (g.indexOf(q) === 0 || (' ' + al).indexOf(' ' + q) >= 0) pre.push(s.genes[i]);
          else if (mid.length < 8 && (g.indexOf(q) > 0 || al.indexOf(q) >= 0)) mid.push(s.genes[i]);
        }
        var genes = pre.concat(mid).slice(0, 8);
        if (traits.length) results.appendChild(h('div', { class: 'ghead', text: 'Traits' }));
        traits.forEach(function (t) { items.push(h('a', { href: traitHref(t[0]) }, [t[1], h('small', { text: ' ' + t[0] })])); results.appendChild(items[items.length - 1]); });
        if (genes.length) results.appendChild(h('div', { class: 'ghead', text: 'Genes' }));
        genes.forEach(function (g) {
          var al = s.alias && s.alias[g];
          items.push(h('a', { href: geneHref(g, s.slugs) }, [g, al ? h('small', { text: ' ' + al.slice(0, 60) }) : null]));
          results.appendChild(items[items.length - 1]);
        });
        if (!items.length) results.appendChild(h('div', { class: 'gnone', text: 'No trait or gene matches \u201C' + q + '\u201D' }));
        results.style.display = 'block';
        active = -1;
      }).catch(function (err) { results.textContent = String(err.message || err); results.style.display = 'block'; });
    }
    input.addEventListener('focus', function () { ensure().catch(function () {}); });
    input.addEventListener('input', function () { render(input.value); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { close(); input.blur(); return; }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (!items.length) return;
        e.preventDefault();
        active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        items.forEach(function (a, k) { a.classList.toggle('active', k === active); });
      }
      if (e.key === 'Enter' && items.length) location.href = items[Math.max(active, 0)].href;
    });
    document.addEventListener('click', function (e) { if (e.target !== input && !results.contains(e.target)) close(); });
  }

  /* ------------------------------------------------------------ page start-up */

  function start() {
    var el = document.getElementById('page-data');
    var pd = el ? JSON.parse(el.textContent) : {};
    document.querySelectorAll('[data-table]').forEach(function (host) {
      var name = host.getAttribute('data-table');
      if (pd.tables && pd.tables[name]) {
        if (pd.tables[name].slugs) slugMaps.push(pd.tables[name].slugs);
        new Table(host, pd.tables[name]);
      } else if (pd.lazy && pd.lazy[name]) {
        host.appendChild(h('p', { class: 'note loading', text: 'Loading\u2026' }));
        var lz = pd.lazy[name];
        var ready = lz.head
          ? Promise.all([HUB.load(lz.name, ROOT + lz.src), HUB.load('traits-list', ROOT + 'data/traits-list.js')])
            .then(function (r) { return heatSpec(r[0], r[1], lz); })
          : HUB.load(lz.name, ROOT + lz.src);
        ready.then(function (spec) {
          if (spec.slugs) slugMaps.push(spec.slugs);
          var t = new Table(host, spec);
          var bar = document.getElementById('tagbar');
          if (spec.tagfilter && bar) tagBar(bar, t);
          if (name === 'index' && t.input) t.input.focus();
        }).catch(function (err) { showError(host, err); });
      }
    });
    var mh = document.getElementById('manhattan');
    if (mh && pd.manhattan) {
      mh.appendChild(h('p', { class: 'note loading', text: 'Loading\u2026' }));
      Promise.all([
        HUB.load('models', ROOT + 'data/models.js'),
        HUB.load(pd.manhattan.name, ROOT + pd.manhattan.src)
      ]).then(function (r) { manhattan(mh, r[0], r[1], pd.manhattan.thr); })
        .catch(function (err) { showError(mh, err); });
    }
    var lp = document.getElementById('locusplot');
    if (lp && pd.locus) locusPlot(lp, pd.locus);
    var gz = document.getElementById('genez');
    if (gz && pd.gene && pd.gene.z.length) geneZ(gz, pd.gene.z, pd.tables.assoc.names);
    searchBox(document.getElementById('gsearch'), document.getElementById('gresults'));
    searchBox(document.getElementById('hsearch'), document.getElementById('hresults'));
    document.body.classList.add('ready');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
