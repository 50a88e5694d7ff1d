// seqnet studio: draws what the seqnet engine (Go, compiled to
// WebAssembly, see studio/wasm) computes. No number shown here is computed
// in JavaScript: the page formats and places the engine's answers.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const NS = 'http://www.w3.org/2000/svg';

  // el makes an SVG element with attributes, appends it to parent and sets
  // its text.
  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // clearSVG empties an SVG but keeps its <title> and <desc>.
  function clearSVG(svg) {
    for (const c of Array.from(svg.childNodes)) {
      if (c.nodeName !== 'title' && c.nodeName !== 'desc') svg.removeChild(c);
    }
  }

  // answer runs an engine function and returns its JSON answer as is.
  const answer = (name, ...args) => JSON.parse(globalThis.seqnet[name](...args));

  // call runs an engine function; an answer {error} is thrown.
  function call(name, ...args) {
    const r = answer(name, ...args);
    if (r && r.error) throw new Error(r.error);
    return r;
  }

  // num writes a number the engine gave, short.
  function num(v) {
    if (Number.isInteger(v)) return String(v);
    const s = String(v);
    return s.length <= 7 ? s : String(Number(v.toPrecision(5)));
  }
  const vec = (a) => '[' + a.map(num).join(' ') + ']';
  const fixed = (v, d) => (Math.abs(v) < 0.5 * Math.pow(10, -d) ? (0).toFixed(d) : v.toFixed(d));

  function showError(box, text) {
    box.textContent = text || '';
    box.hidden = !text;
  }

  function debounce(f, ms) {
    let t = 0;
    return () => { clearTimeout(t); t = setTimeout(f, ms); };
  }

  // ---------------------------------------------------------------- tabs
  const tabs = ['conv', 'train', 'shapes'];
  let current = 'conv';
  function selectTab(name, focus) {
    current = name;
    for (const t of tabs) {
      const tab = $('tab-' + t);
      const on = t === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      $('panel-' + t).hidden = !on;
    }
    if (focus) $('tab-' + name).focus();
    if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
    if (name === 'train' && ready && !train.id) train.start();
  }
  for (const t of tabs) {
    const tab = $('tab-' + t);
    tab.addEventListener('click', () => selectTab(t, false));
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(t);
      let j = -1;
      if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
      if (e.key === 'ArrowLeft') j = (i + tabs.length - 1) % tabs.length;
      if (e.key === 'Home') j = 0;
      if (e.key === 'End') j = tabs.length - 1;
      if (j >= 0) { e.preventDefault(); selectTab(tabs[j], true); }
    });
  }

  // ------------------------------------------------------- convolution
  const conv = {
    resp: null, step: 0, playing: false, timer: 0, animate: false,
    periods: [1800, 1200, 750, 400, 180],
    speedNames: ['very slow', 'slow', 'normal', 'fast', 'very fast'],

    request() {
      return JSON.stringify({
        input: $('conv-input').value, kernel: $('conv-kernel').value, bias: $('conv-bias').value,
        strides: parseInt($('conv-strides').value, 10) || 0, dilation: parseInt($('conv-dilation').value, 10) || 0,
        padding: $('conv-padding').value,
      });
    },

    update() {
      this.pause();
      const r = answer('conv', this.request());
      this.resp = r;
      this.step = 0;
      if (r.error) {
        let msg = r.error;
        if (r.shape_error) msg += '\n\nseqnet shape says (' + r.shape_command + '):\n' + r.shape_error;
        showError($('conv-error'), msg);
        $('conv-view').hidden = true;
        return;
      }
      showError($('conv-error'), '');
      $('conv-view').hidden = false;
      $('conv-formula').textContent = r.formula.filled;
      $('conv-formula').title = r.formula.general;
      $('conv-keras-formula').textContent = 'Keras\u2019 rule for padding="' + r.result.padding + '": ' + r.result.formula;
      const same = JSON.stringify(r.layer_output) === JSON.stringify(r.result.output);
      $('conv-check').textContent = 'The same input and weights through layers.Conv1D\u2019s forward pass (the layer models train with) give ' +
        r.layer_output.map((row) => (row.length === 1 ? num(row[0]) : vec(row))).join(' ') +
        (same ? ': the same output.' : ': NOT the same output (please report this).');
      this.render();
    },

    outLen() { return this.resp && this.resp.result ? this.resp.result.output_length : 0; },

    setStep(s, animate) {
      this.step = Math.max(0, Math.min(s, this.outLen()));
      this.animate = animate;
      this.render();
    },

    play() {
      if (!this.resp || !this.resp.result) return;
      if (this.step >= this.outLen()) this.setStep(0, false);
      this.playing = true;
      $('conv-play').textContent = '\u275a\u275a Pause';
      $('conv-play').setAttribute('aria-pressed', 'true');
      const tick = () => {
        if (!this.playing) return;
        if (this.step >= this.outLen()) { this.pause(); return; }
        this.setStep(this.step + 1, true);
        this.timer = setTimeout(tick, this.period());
      };
      tick();
    },

    pause() {
      this.playing = false;
      clearTimeout(this.timer);
      $('conv-play').textContent = '\u25b6 Play';
      $('conv-play').setAttribute('aria-pressed', 'false');
    },

    period() { return this.periods[parseInt($('conv-speed').value, 10) - 1] || 750; },

    render() {
      const r = this.resp.result;
      const svg = $('conv-svg');
      clearSVG(svg);
      document.documentElement.style.setProperty('--phase', Math.round(this.period() * 0.45) + 'ms');
      const P = r.padded_input.length, C = r.input_shape[1], K = r.kernel_shape[0], F = r.kernel_shape[2];
      const O = r.output_length, W = r.input_shape[0];
      const cw = 46, ch = 32, gap = 4, left = 170, top = 26;
      const X = (p) => left + p * (cw + gap);
      const cur = this.step - 1; // the window computed last
      const show = Math.max(cur, 0); // the window drawn
      const win = r.windows[show];
      const computed = cur >= 0;
      const anim = (cls) => (this.animate && computed ? cls : '');

      const defs = el('defs', {}, svg);
      const pat = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
      el('rect', { width: 6, height: 6, fill: '#f1f1f1' }, pat);
      el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#c8c8c8', 'stroke-width': 2 }, pat);
      const mk = el('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#009E73' }, mk);

      const cell = (x, y, text, cls, extra) => {
        const g = el('g', { class: 'cell ' + (cls || '') }, svg);
        el('rect', Object.assign({ x: x, y: y, width: cw, height: ch, rx: 3 }, extra || {}), g);
        el('text', { x: x + cw / 2, y: y + ch / 2 }, g, text);
        return g;
      };
      const label = (y, text, strong) => el('text', { x: left - 10, y: y + ch / 2 + 4, 'text-anchor': 'end', class: 'label' + (strong ? ' strong' : '') }, svg, text);

      // Column labels: the original step index, or "pad".
      for (let p = 0; p < P; p++) {
        const t = p - r.pad_left;
        el('text', { x: X(p) + cw / 2, y: top - 8, 'text-anchor': 'middle', class: 'label' }, svg, t >= 0 && t < W ? 't=' + t : 'pad');
      }
      let y = top;
      // The padded input, one row per channel.
      const taps = new Set(win.padded_steps);
      for (let c = 0; c < C; c++) {
        label(y, C === 1 ? 'padded input' : 'input, channel ' + c, true);
        for (let p = 0; p < P; p++) {
          const pad = p < r.pad_left || p >= r.pad_left + W;
          cell(X(p), y, num(r.padded_input[p][c]), (pad ? 'pad ' : '') + (taps.has(p) ? 'tap' : ''));
        }
        y += ch + gap;
      }
      // The window's outline around its first and last tap.
      const p0 = win.padded_steps[0], p1 = win.padded_steps[K - 1];
      el('rect', { class: 'window', x: X(p0) - 3, y: top - 3, width: X(p1) - X(p0) + cw + 6, height: C * (ch + gap) - gap + 6, rx: 5 }, svg);
      y += 8;
      // Per filter: the kernel under the taps, the products, the sum.
      const sums = [];
      for (let f = 0; f < F; f++) {
        const fs = win.filters[f];
        for (let c = 0; c < C; c++) {
          label(y, (F > 1 ? 'filter ' + f + ' ' : '') + 'kernel' + (C > 1 ? ', ch ' + c : ''));
          for (let j = 0; j < K; j++) {
            const w = this.weight(j, c, f);
            cell(X(win.padded_steps[j]), y, num(w), 'kernel ' + anim('phase1'));
          }
          y += ch + gap;
        }
        if (computed) {
          for (let c = 0; c < C; c++) {
            label(y, 'products' + (C > 1 ? ', ch ' + c : ''));
            for (let j = 0; j < K; j++) cell(X(win.padded_steps[j]), y, num(fs.products[j][c]), 'product ' + anim('phase2'));
            y += ch + gap;
          }
          const bias = r.use_bias ? ' + bias ' + num(fs.bias) : '';
          const tx = X(p1) + cw + 14;
          const sy = y - (ch + gap) * C + ch / 2 + 5;
          el('text', { x: tx, y: sy, class: 'sumline ' + anim('phase3') }, svg,
            '\u2192 sum ' + num(fs.sum) + bias + ' = ' + num(fs.output));
          sums.push({ y: sy, f: f });
        } else {
          label(y, '(press Step)');
          y += ch + gap;
        }
        y += 6;
      }
      // The output row, one per filter; step t sits under its window's start.
      y += 6;
      const outTop = y;
      for (let f = 0; f < F; f++) {
        label(y, F > 1 ? 'output, filter ' + f : 'output', true);
        for (let t = 0; t < O; t++) {
          const done = t < this.step;
          const now = t === cur;
          cell(X(r.windows[t].padded_steps[0]), y, done ? num(r.output[t][f]) : '?',
            'out' + (done ? ' done' : '') + (now ? ' now ' + anim('phase3') : ''), { 'data-step': t, 'data-filter': f });
        }
        y += ch + gap;
      }
      if (computed) {
        for (const s of sums) {
          const ox = X(win.padded_steps[0]) + cw / 2, oy = outTop + s.f * (ch + gap);
          el('path', { class: 'arrow ' + anim('phase3'), d: 'M' + (X(p1) + cw + 10) + ',' + (s.y + 4) + ' Q' + (X(p1) + cw + 10) + ',' + (oy - 6) + ' ' + (ox + 8) + ',' + (oy - 3) }, svg);
        }
      }
      const width = Math.max(X(P) + 280, 640);
      svg.setAttribute('viewBox', '0 0 ' + width + ' ' + (y + 4));
      svg.setAttribute('width', width);
      svg.setAttribute('height', y + 4);

      // The words: caption, text alternative, output cells.
      const detail = [];
      if (!computed) {
        detail.push('Ready: ' + O + ' output step' + (O === 1 ? '' : 's') + ' to compute. The first window covers padded steps ' +
          win.padded_steps.join(', ') + '. Press Step or Play.');
      } else {
        detail.push('Step ' + (cur + 1) + ' of ' + O + ': the window at padded steps ' + win.padded_steps.join(', ') + ' holds ' + vec(win.values.map((v) => (v.length === 1 ? v[0] : v)).flat()) + '.');
        for (let f = 0; f < F; f++) {
          const fs = win.filters[f];
          detail.push((F > 1 ? 'Filter ' + f + ': ' : '') + 'window \u00d7 kernel = products ' + vec(fs.products.flat()) + ' \u2192 sum ' + num(fs.sum) +
            (r.use_bias ? ' \u2192 + bias ' + num(fs.bias) : '') + ' \u2192 output[' + cur + ']' + (F > 1 ? '[' + f + ']' : '') + ' = ' + num(fs.output) + '.');
        }
      }
      $('conv-detail').textContent = detail.join(' ');
      $('conv-svg-desc').textContent = 'Padded input ' + vec(r.padded_input.map((v) => (v.length === 1 ? v[0] : v)).flat()) +
        ' (' + r.pad_left + ' zero step(s) on the left, ' + r.pad_right + ' on the right), ' + C + ' channel(s). ' + detail.join(' ') +
        ' Output so far: ' + this.outputText() + '.';
      const out = $('conv-output');
      out.textContent = '';
      for (let t = 0; t < O; t++) {
        const s = document.createElement('span');
        const done = t < this.step;
        s.textContent = done ? (F === 1 ? num(r.output[t][0]) : vec(r.output[t])) : '?';
        if (done) s.className = 'done';
        s.dataset.step = t;
        out.appendChild(s);
      }
      out.setAttribute('aria-label', 'output so far: ' + this.outputText());
      $('conv-back').disabled = this.step === 0;
      $('conv-step').disabled = this.step >= O;
    },

    weight(j, c, f) { return this.resp.kernel[j][c][f]; },

    outputText() {
      const r = this.resp.result;
      return r.output.slice(0, this.step).map((row) => (row.length === 1 ? num(row[0]) : vec(row))).join(' ') || 'nothing yet';
    },
  };

  const presets = {
    tutorial: { input: '0,3,4,5', kernel: '1,2', bias: '', strides: 1, padding: 'valid', dilation: 1 },
    channels: { input: '[[0,0],[3,6],[4,7],[5,8]]', kernel: '[[[1],[3]],[[2],[4]]]', bias: '', strides: 1, padding: 'valid', dilation: 1 },
    filters: { input: '0,3,4,5', kernel: '[[[1,3]],[[2,4]]]', bias: '0.5,-1', strides: 1, padding: 'same', dilation: 1 },
    dilated: { input: '1,2,3,4,5,6,7,8', kernel: '1,0,-1', bias: '', strides: 1, padding: 'causal', dilation: 2 },
  };
  for (const b of document.querySelectorAll('[data-preset]')) {
    b.addEventListener('click', () => {
      const p = presets[b.dataset.preset];
      for (const k in p) $('conv-' + k).value = p[k];
      conv.update();
    });
  }
  // While an edit waits for its update, body[data-pending] says so (the
  // browser tests wait for it to clear).
  const convUpdate = debounce(() => { delete document.body.dataset.pending; conv.update(); }, 250);
  const convChanged = () => { document.body.dataset.pending = 'conv'; convUpdate(); };
  for (const id of ['conv-input', 'conv-kernel', 'conv-bias', 'conv-strides', 'conv-dilation']) $(id).addEventListener('input', convChanged);
  $('conv-padding').addEventListener('change', () => conv.update());
  $('conv-play').addEventListener('click', () => (conv.playing ? conv.pause() : conv.play()));
  $('conv-step').addEventListener('click', () => { conv.pause(); conv.setStep(conv.step + 1, true); });
  $('conv-back').addEventListener('click', () => { conv.pause(); conv.setStep(conv.step - 1, false); });
  $('conv-reset').addEventListener('click', () => { conv.pause(); conv.setStep(0, false); });
  $('conv-speed').addEventListener('input', () => {
    $('conv-speed').setAttribute('aria-valuetext', conv.speedNames[parseInt($('conv-speed').value, 10) - 1]);
  });

  // ---------------------------------------------------------- training
  const grid = 41;
  const train = {
    infos: null, id: 0, states: [], playing: false, surfaces: [], ranges: [], lastSurface: 0,

    exp() { return parseInt(document.querySelector('input[name=train-exp]:checked').value, 10); },
    target() { return Math.max(1, parseInt($('train-epochs').value, 10) || 200); },

    start() {
      this.pause();
      if (this.id) call('trainFree', this.id);
      this.id = 0;
      this.states = [];
      showError($('train-error'), '');
      const seed = Number($('train-seed').value);
      let r;
      try {
        r = call('trainNew', this.exp(), seed);
      } catch (e) {
        showError($('train-error'), e.message);
        return;
      }
      this.id = r.id;
      this.states = [r.state];
      const info = this.infos[this.exp()];
      this.ranges = info.pairs.map((p) => {
        const k = r.state.kernel;
        const xs = [k[p.i], info.want[p.i]], ys = [k[p.j], info.want[p.j]];
        return pad([Math.min(...xs), Math.max(...xs)], [Math.min(...ys), Math.max(...ys)]);
      });
      this.surfaces = [];
      this.computeSurfaces();
      this.render();
    },

    // computeSurfaces evaluates the loss around each pair of weights; with
    // more than two weights it is a slice through the others' current values.
    computeSurfaces() {
      const info = this.infos[this.exp()];
      const last = this.states[this.states.length - 1];
      info.pairs.forEach((p, n) => {
        const [xr, yr] = this.ranges[n];
        this.surfaces[n] = call('surface', this.id, p.i, p.j, xr[0], xr[1], yr[0], yr[1], grid);
      });
      this.lastSurface = last.epoch;
    },

    // grow widens a pair's range when the weights leave it.
    grow() {
      const info = this.infos[this.exp()];
      const k = this.states[this.states.length - 1].kernel;
      let changed = false;
      info.pairs.forEach((p, n) => {
        const [xr, yr] = this.ranges[n];
        if (k[p.i] < xr[0] || k[p.i] > xr[1] || k[p.j] < yr[0] || k[p.j] > yr[1]) {
          this.ranges[n] = pad([Math.min(xr[0], k[p.i]), Math.max(xr[1], k[p.i])], [Math.min(yr[0], k[p.j]), Math.max(yr[1], k[p.j])]);
          changed = true;
        }
      });
      return changed;
    },

    stepEpochs(n) {
      const r = call('trainStep', this.id, n);
      this.states.push(...r.states);
      const last = this.states[this.states.length - 1];
      const sliced = this.infos[this.exp()].kernel_shape.reduce((a, b) => a * b) > 2;
      if (this.grow() || (sliced && (!this.playing || last.epoch - this.lastSurface >= 20))) this.computeSurfaces();
    },

    run() {
      if (!this.id) this.start();
      if (this.epoch() >= this.target()) this.start();
      this.playing = true;
      $('train-run').textContent = '\u275a\u275a Pause';
      $('train-run').setAttribute('aria-pressed', 'true');
      const frame = () => {
        if (!this.playing) return;
        const left = this.target() - this.epoch();
        if (left <= 0) { this.pause(); return; }
        try {
          this.stepEpochs(Math.min(left, parseInt($('train-speed').value, 10) || 1));
        } catch (e) {
          showError($('train-error'), e.message);
          this.pause();
          return;
        }
        this.render();
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    },

    pause() {
      const was = this.playing;
      this.playing = false;
      $('train-run').textContent = '\u25b6 Run';
      $('train-run').setAttribute('aria-pressed', 'false');
      if (was && this.id && this.infos[this.exp()].kernel_shape.reduce((a, b) => a * b) > 2) {
        this.computeSurfaces();
        this.render();
      }
    },

    epoch() { return this.states.length ? this.states[this.states.length - 1].epoch : 0; },

    render() {
      const info = this.infos[this.exp()];
      const last = this.states[this.states.length - 1];
      $('train-title').textContent = 'Experiment ' + (this.exp() + 1) + ': ' + info.title;
      $('train-meaning').textContent = info.meaning;
      const st = $('train-status');
      st.textContent = 'Epoch ' + last.epoch + ' of ' + this.target() + ' \u00b7 loss (MAE) ' + (last.epoch === 0 ? 'at the start ' : '') +
        fixed(last.loss, 4) + ' \u00b7 kernel ' + '[' + last.kernel.map((v) => fixed(v, 3)).join(' ') + ']' +
        ' \u00b7 prediction ' + last.prediction.map((row) => (row.length === 1 ? fixed(row[0], 2) : '[' + row.map((v) => fixed(v, 2)).join(' ') + ']')).join(' ');
      st.dataset.epoch = last.epoch;
      st.dataset.kernel = JSON.stringify(last.kernel);
      st.dataset.loss = String(last.loss);
      this.drawLoss();
      this.drawPrediction(info, last);
      this.drawSpaces(info);
      this.fillTable(info, last);
    },

    drawLoss() {
      const svg = $('train-loss');
      clearSVG(svg);
      const w = 380, h = 240, m = { l: 50, r: 12, t: 12, b: 36 };
      svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
      svg.setAttribute('width', w);
      svg.setAttribute('height', h);
      const xmax = Math.max(this.target(), this.epoch(), 1);
      const losses = this.states.map((s) => Math.max(s.loss, 1e-4));
      const lo = Math.floor(Math.log10(Math.min(...losses))), hi = Math.ceil(Math.log10(Math.max(...losses, 1e-3)));
      const top = Math.max(hi, lo + 1);
      const X = (e) => m.l + (e / xmax) * (w - m.l - m.r);
      const Y = (v) => m.t + ((top - Math.log10(Math.max(v, 1e-4))) / (top - lo)) * (h - m.t - m.b);
      for (let d = lo; d <= top; d++) {
        el('line', { class: 'gridline', x1: m.l, x2: w - m.r, y1: Y(Math.pow(10, d)), y2: Y(Math.pow(10, d)) }, svg);
        el('text', { class: 'tick', x: m.l - 6, y: Y(Math.pow(10, d)) + 4, 'text-anchor': 'end' }, svg, d >= 0 ? String(Math.pow(10, d)) : '1e' + d);
      }
      for (let k = 0; k <= 4; k++) {
        const e = Math.round((xmax * k) / 4);
        el('text', { class: 'tick', x: X(e), y: h - m.b + 16, 'text-anchor': 'middle' }, svg, String(e));
      }
      el('text', { class: 'tick', x: (m.l + w - m.r) / 2, y: h - 4, 'text-anchor': 'middle' }, svg, 'epoch');
      el('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: h - m.b }, svg);
      el('line', { class: 'axis', x1: m.l, x2: w - m.r, y1: h - m.b, y2: h - m.b }, svg);
      const d = this.states.map((s, i) => (i ? 'L' : 'M') + X(s.epoch).toFixed(1) + ',' + Y(s.loss).toFixed(1)).join(' ');
      el('path', { class: 'losspath', d: d }, svg);
      const last = this.states[this.states.length - 1];
      el('circle', { class: 'point-now', cx: X(last.epoch), cy: Y(last.loss), r: 5 }, svg);
      $('train-loss-desc').textContent = 'The loss went from ' + fixed(this.states[0].loss, 3) + ' at the start to ' + fixed(last.loss, 4) +
        ' at epoch ' + last.epoch + '.';
    },

    drawPrediction(info, last) {
      const svg = $('train-pred');
      clearSVG(svg);
      const w = 380, h = 240, m = { l: 50, r: 12, t: 20, b: 36 };
      svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
      svg.setAttribute('width', w);
      svg.setAttribute('height', h);
      const T = info.y.length, F = info.y[0].length;
      const vals = info.y.flat().concat(last.prediction.flat());
      let lo = Math.min(0, ...vals), hi = Math.max(...vals);
      const span = hi - lo || 1;
      lo -= span * 0.08; hi += span * 0.08;
      const X = (t, f) => m.l + ((t + 0.5 + (F > 1 ? (f - (F - 1) / 2) * 0.22 : 0)) / T) * (w - m.l - m.r);
      const Y = (v) => m.t + ((hi - v) / (hi - lo)) * (h - m.t - m.b);
      for (let k = 0; k <= 4; k++) {
        const v = lo + ((hi - lo) * k) / 4;
        el('line', { class: 'gridline', x1: m.l, x2: w - m.r, y1: Y(v), y2: Y(v) }, svg);
        el('text', { class: 'tick', x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, svg, v.toFixed(1));
      }
      el('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: h - m.b }, svg);
      el('line', { class: 'axis', x1: m.l, x2: w - m.r, y1: h - m.b, y2: h - m.b }, svg);
      const colors = ['#0072B2', '#E69F00'];
      for (let t = 0; t < T; t++) {
        el('text', { class: 'tick', x: X(t, (F - 1) / 2), y: h - m.b + 16, 'text-anchor': 'middle' }, svg, (T > 4 ? 't=' : 'output step ') + t);
        for (let f = 0; f < F; f++) {
          const x = X(t, f), yt = Y(info.y[t][f]), yp = Y(last.prediction[t][f]);
          el('line', { x1: x, x2: x, y1: yt, y2: yp, stroke: colors[f], 'stroke-width': 1.5, 'stroke-dasharray': '3 2' }, svg);
          el('path', { class: 'target', d: 'M' + x + ',' + (yt - 8) + ' l8,8 l-8,8 l-8,-8 z' }, svg);
          if (f === 0) el('circle', { class: 'pred', cx: x, cy: yp, r: 6, fill: colors[f] }, svg);
          else el('rect', { class: 'pred', x: x - 6, y: yp - 6, width: 12, height: 12, fill: colors[f] }, svg);
        }
      }
      if (F > 1) {
        el('circle', { class: 'pred', cx: m.l + 14, cy: m.t + 6, r: 6, fill: colors[0] }, svg);
        el('text', { class: 'legend', x: m.l + 26, y: m.t + 10 }, svg, 'filter 0');
        el('rect', { class: 'pred', x: m.l + 88, y: m.t, width: 12, height: 12, fill: colors[1] }, svg);
        el('text', { class: 'legend', x: m.l + 106, y: m.t + 10 }, svg, 'filter 1');
      }
      $('train-pred-desc').textContent = 'Target ' + info.y.map((r) => (r.length === 1 ? num(r[0]) : vec(r))).join(' ') +
        '; prediction at epoch ' + last.epoch + ': ' + last.prediction.map((r) => (r.length === 1 ? fixed(r[0], 2) : '[' + r.map((v) => fixed(v, 2)).join(' ') + ']')).join(' ') + '.';
    },

    drawSpaces(info) {
      const box = $('train-spaces');
      if (box.childElementCount !== info.pairs.length || box.dataset.exp !== String(this.exp())) {
        box.textContent = '';
        box.dataset.exp = String(this.exp());
        info.pairs.forEach((p, n) => {
          const fig = document.createElement('figure');
          const svg = el('svg', { id: 'train-space-' + n, role: 'img', 'aria-labelledby': 'train-space-' + n + '-t train-space-' + n + '-d' });
          el('title', { id: 'train-space-' + n + '-t' }, svg, 'Weight space: ' + p.label);
          el('desc', { id: 'train-space-' + n + '-d' }, svg, '');
          fig.appendChild(svg);
          const cap = document.createElement('figcaption');
          cap.textContent = (info.pairs.length === 1 && info.want.length === 2
            ? 'The whole loss surface over the two weights (contour map: darker = lower loss, log scale)'
            : 'A slice of the loss surface through ' + p.label + ', the other weights held at their current values (recomputed as they move)') +
            '. Hollow circle: start; red dot and line: the weights now and their path; \u00d7: the kernel that generated the data.';
          fig.appendChild(cap);
          box.appendChild(fig);
        });
      }
      info.pairs.forEach((p, n) => this.drawSpace($('train-space-' + n), p, this.surfaces[n], info));
    },

    drawSpace(svg, p, s, info) {
      clearSVG(svg);
      const w = 380, h = 330, m = { l: 46, r: 66, t: 12, b: 40 };
      svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
      svg.setAttribute('width', w);
      svg.setAttribute('height', h);
      const x0 = s.x[0], x1 = s.x[s.x.length - 1], y0 = s.y[0], y1 = s.y[s.y.length - 1];
      const X = (v) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
      const Y = (v) => h - m.b - ((v - y0) / (y1 - y0)) * (h - m.t - m.b);
      const n = s.x.length, dx = (w - m.l - m.r) / (n - 1), dy = (h - m.t - m.b) / (n - 1);
      const lmin = Math.log10(Math.max(s.min, 1e-3)), lmax = Math.log10(Math.max(s.max, 1e-3 * 1.01));
      const bands = 12;
      const band = (v) => Math.min(bands - 1, Math.floor(((Math.log10(Math.max(v, 1e-3)) - lmin) / (lmax - lmin || 1)) * bands));
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          el('rect', { x: X(s.x[c]) - dx / 2, y: Y(s.y[r]) - dy / 2, width: dx + 0.6, height: dy + 0.6, fill: cividis(band(s.loss[r][c]) / (bands - 1)) }, svg);
        }
      }
      // Iso-loss lines at the band edges (marching squares on the log loss).
      const lv = s.loss.map((row) => row.map((v) => ((Math.log10(Math.max(v, 1e-3)) - lmin) / (lmax - lmin || 1)) * bands));
      let d = '';
      for (let b = 1; b < bands; b++) {
        for (let r = 0; r + 1 < n; r++) {
          for (let c = 0; c + 1 < n; c++) {
            const corners = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
            const pts = [];
            for (let k = 0; k < 4; k++) {
              const [c0, r0] = corners[k], [c1, r1] = corners[(k + 1) % 4];
              const a = lv[r0][c0] - b, z = lv[r1][c1] - b;
              if ((a < 0) !== (z < 0)) {
                const u = a / (a - z);
                pts.push([X(s.x[c0] + (s.x[c1] - s.x[c0]) * u), Y(s.y[r0] + (s.y[r1] - s.y[r0]) * u)]);
              }
            }
            for (let k = 0; k + 1 < pts.length; k += 2) {
              d += 'M' + pts[k][0].toFixed(1) + ',' + pts[k][1].toFixed(1) + 'L' + pts[k + 1][0].toFixed(1) + ',' + pts[k + 1][1].toFixed(1);
            }
          }
        }
      }
      el('path', { class: 'contour', d: d }, svg);
      el('rect', { x: m.l - dx / 2, y: m.t - dy / 2, width: w - m.l - m.r + dx, height: h - m.t - m.b + dy, fill: 'none', stroke: '#444' }, svg);
      // Colour key.
      for (let b = 0; b < bands; b++) {
        const yy = m.t + ((bands - 1 - b) / bands) * (h - m.t - m.b);
        el('rect', { x: w - m.r + 16, y: yy, width: 14, height: (h - m.t - m.b) / bands + 0.5, fill: cividis(b / (bands - 1)) }, svg);
      }
      el('text', { class: 'tick', x: w - m.r + 34, y: m.t + 10 }, svg, fixed(s.max, 1));
      el('text', { class: 'tick', x: w - m.r + 34, y: h - m.b }, svg, fixed(s.min, 2));
      el('text', { class: 'tick', x: w - m.r + 12, y: h - m.b + 16 }, svg, 'loss');
      for (let k = 0; k <= 4; k++) {
        const vx = x0 + ((x1 - x0) * k) / 4, vy = y0 + ((y1 - y0) * k) / 4;
        el('text', { class: 'tick', x: X(vx), y: h - m.b + 20, 'text-anchor': 'middle' }, svg, vx.toFixed(1));
        el('text', { class: 'tick', x: m.l - 10, y: Y(vy) + 4, 'text-anchor': 'end' }, svg, vy.toFixed(1));
      }
      const kc = p.label.match(/kernel\[\d\]\[\d\]\[\d\]/g) || ['x', 'y'];
      el('text', { class: 'tick', x: (m.l + w - m.r) / 2, y: h - 4, 'text-anchor': 'middle' }, svg, kc[0]);
      el('text', { class: 'tick', x: 12, y: (m.t + h - m.b) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (m.t + h - m.b) / 2 + ')' }, svg, kc[1]);
      const pts = this.states.map((st) => X(st.kernel[p.i]).toFixed(1) + ',' + Y(st.kernel[p.j]).toFixed(1));
      el('polyline', { class: 'traj', points: pts.join(' ') }, svg);
      el('polyline', { class: 'traj2', points: pts.join(' ') }, svg);
      const first = this.states[0].kernel, last = this.states[this.states.length - 1].kernel;
      el('circle', { class: 'point-start', cx: X(first[p.i]), cy: Y(first[p.j]), r: 6 }, svg);
      const wx = X(info.want[p.i]), wy = Y(info.want[p.j]);
      el('path', { class: 'point-want', d: 'M' + (wx - 8) + ',' + (wy - 8) + ' l16,16 m0,-16 l-16,16' }, svg);
      el('circle', { class: 'point-now', cx: X(last[p.i]), cy: Y(last[p.j]), r: 7 }, svg);
      svg.querySelector('desc').textContent = 'Loss over ' + kc[0] + ' from ' + fixed(x0, 2) + ' to ' + fixed(x1, 2) + ' and ' + kc[1] + ' from ' + fixed(y0, 2) + ' to ' + fixed(y1, 2) +
        ', between ' + fixed(s.min, 3) + ' and ' + fixed(s.max, 2) + '. The weights started at (' + fixed(first[p.i], 3) + ', ' + fixed(first[p.j], 3) + ') and are at (' +
        fixed(last[p.i], 3) + ', ' + fixed(last[p.j], 3) + ') after epoch ' + this.epoch() + '; the data was generated with (' + num(info.want[p.i]) + ', ' + num(info.want[p.j]) + ').';
    },

    fillTable(info, last) {
      const body = $('train-table').querySelector('tbody');
      body.textContent = '';
      const row = (name, now, want) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = name;
        tr.appendChild(th);
        for (const v of [now, want]) {
          const td = document.createElement('td');
          td.className = 'num';
          td.textContent = v;
          tr.appendChild(td);
        }
        body.appendChild(tr);
      };
      const [K, C, F] = info.kernel_shape;
      for (let j = 0; j < K; j++) for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) {
        const i = (j * C + c) * F + f;
        row('kernel[' + j + '][' + c + '][' + f + ']', fixed(last.kernel[i], 4), num(info.want[i]));
      }
      for (let t = 0; t < info.y.length; t++) for (let f = 0; f < F; f++) {
        row('output[' + t + ']' + (F > 1 ? '[' + f + ']' : ''), fixed(last.prediction[t][f], 3), num(info.y[t][f]));
      }
      row('loss (MAE)', fixed(last.loss, 5), '0');
    },
  };

  // pad widens a weight range to a square-ish window with a margin.
  function pad(xr, yr) {
    const span = Math.max(xr[1] - xr[0], yr[1] - yr[0], 1) + 2;
    const cx = (xr[0] + xr[1]) / 2, cy = (yr[0] + yr[1]) / 2;
    return [[cx - span / 2, cx + span / 2], [cy - span / 2, cy + span / 2]];
  }

  // cividis: a sequential map readable with colour-vision deficiencies
  // (Nuñez, Anderton & Renslow 2018), sampled at 5 stops.
  function cividis(t) {
    const stops = [[0, 32, 77], [65, 77, 107], [124, 123, 120], [188, 175, 111], [255, 234, 70]];
    const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    const i = Math.min(Math.floor(x), stops.length - 2), u = x - i;
    const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * u));
    return 'rgb(' + c.join(',') + ')';
  }

  for (const r of document.querySelectorAll('input[name=train-exp]')) r.addEventListener('change', () => train.start());
  $('train-seed').addEventListener('change', () => train.start());
  $('train-epochs').addEventListener('change', () => train.id && train.render());
  $('train-run').addEventListener('click', () => (train.playing ? train.pause() : train.run()));
  $('train-step').addEventListener('click', () => {
    train.pause();
    if (!train.id) train.start();
    try { train.stepEpochs(1); } catch (e) { showError($('train-error'), e.message); }
    train.render();
  });
  $('train-reset').addEventListener('click', () => train.start());
  $('train-speed').addEventListener('input', () => {
    const v = $('train-speed').value;
    $('train-speed').setAttribute('aria-valuetext', v + ' epoch' + (v === '1' ? '' : 's') + ' per frame');
  });

  // ------------------------------------------------------------ shapes
  const shapes = {
    update() {
      const r = answer('shape', $('shape-input').value, $('shape-stack').value);
      $('shape-cmd').textContent = r.command;
      showError($('shape-error'), r.error || '');
      const body = $('shape-table').querySelector('tbody');
      body.textContent = '';
      const rows = (r.rows || []).slice();
      const specs = $('shape-stack').value.split(/\s+/).filter((s) => s);
      if (r.error_layer) {
        rows.push({ Layer: 'layer ' + r.error_layer + ': ' + specs[r.error_layer - 1], Shape: 'cannot take its input', Params: '', Formula: 'see the message above', bad: true,
          Short: 'layer ' + r.error_layer + ' (' + specs[r.error_layer - 1].split(':')[0] + ')' });
      }
      for (const row of rows) {
        const tr = document.createElement('tr');
        if (row.bad) tr.className = 'bad';
        for (const [v, cls] of [[row.Layer, ''], [row.Shape, ''], [row.Params, 'num'], [row.Formula, '']]) {
          const td = document.createElement('td');
          td.textContent = v;
          if (cls) td.className = cls;
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      $('shape-total').textContent = r.complete ? 'Total params: ' + r.total + ' (trainable ' + r.trainable + ', non-trainable ' + (r.total - r.trainable) + ')' : '';
      this.draw(rows);
    },

    draw(rows) {
      const svg = $('shape-svg');
      clearSVG(svg);
      const bw = 170, bh = 58, gap = 34;
      const width = Math.max(rows.length * (bw + gap), 400), h = bh + 20;
      svg.setAttribute('viewBox', '0 0 ' + width + ' ' + h);
      svg.setAttribute('width', width);
      svg.setAttribute('height', h);
      const defs = el('defs', {}, svg);
      const mk = el('marker', { id: 'shape-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' }, defs);
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#444' }, mk);
      rows.forEach((row, i) => {
        const x = 4 + i * (bw + gap);
        const g = el('g', { class: 'layerbox' + (row.bad ? ' bad' : '') }, svg);
        el('rect', { x: x, y: 8, width: bw, height: bh, rx: 6 }, g);
        el('text', { x: x + bw / 2, y: 30 }, g, (row.bad ? '\u2717 ' + row.Short : row.Layer.replace(/ \(.*\)$/, '')).slice(0, 21));
        el('text', { x: x + bw / 2, y: 50, 'font-weight': 600 }, g, row.Shape.slice(0, 21));
        if (i > 0) el('line', { x1: x - gap + 2, y1: 8 + bh / 2, x2: x - 3, y2: 8 + bh / 2, stroke: '#444', 'stroke-width': 2, 'marker-end': 'url(#shape-arrow)' }, svg);
      });
      $('shape-svg-desc').textContent = rows.map((r) => r.Layer + ': ' + r.Shape).join('; ') + '.';
    },
  };
  const shapeUpdate = debounce(() => { delete document.body.dataset.pending; shapes.update(); }, 250);
  const shapeChanged = () => { document.body.dataset.pending = 'shapes'; shapeUpdate(); };
  $('shape-input').addEventListener('input', shapeChanged);
  $('shape-stack').addEventListener('input', shapeChanged);
  const setShape = (input, stack) => {
    $('shape-input').value = input;
    if (stack) $('shape-stack').value = stack;
    shapes.update();
  };
  const readers = 'conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1';
  $('shape-readers').addEventListener('click', () => setShape('16070,1,45', readers));
  $('shape-fixed').addEventListener('click', () => setShape('16070,45,1', readers));
  $('shape-text').addEventListener('click', () => setShape('32,100',
    'embedding:input_dim=10000,output_dim=32 conv1d:filters=64,kernel_size=5,activation=relu global_max_pooling1d dense:units=1,activation=sigmoid'));

  // ---------------------------------------------------------- keyboard
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey || !ready) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t instanceof HTMLButtonElement) return;
    if (current === 'conv' && conv.resp && conv.resp.result) {
      if (e.key === ' ') { e.preventDefault(); $('conv-play').click(); }
      if (e.key === 'ArrowRight') { e.preventDefault(); $('conv-step').click(); }
      if (e.key === 'ArrowLeft') { e.preventDefault(); $('conv-back').click(); }
      if (e.key === 'Home') { e.preventDefault(); $('conv-reset').click(); }
    } else if (current === 'train') {
      if (e.key === ' ') { e.preventDefault(); $('train-run').click(); }
      if (e.key === 'ArrowRight') { e.preventDefault(); $('train-step').click(); }
      if (e.key === 'Home') { e.preventDefault(); $('train-reset').click(); }
    }
  });

  // ------------------------------------------------------------ start
  let ready = false;
  globalThis.seqnetReady = () => {
    ready = true;
    try {
      train.infos = call('experiments');
      conv.update();
      shapes.update();
      const h = location.hash.slice(1);
      selectTab(tabs.includes(h) ? h : 'conv', false);
      $('engine-status').textContent = 'Engine ready: seqnet compiled to WebAssembly is doing every computation on this page.';
      document.body.dataset.engine = 'ready';
    } catch (e) {
      $('engine-status').textContent = 'The engine failed to start: ' + e.message;
      document.body.dataset.engine = 'failed';
    }
  };
  const go = new Go();
  fetch('seqnet.wasm')
    .then((r) => {
      if (!r.ok) throw new Error('seqnet.wasm: HTTP ' + r.status);
      return r.arrayBuffer();
    })
    .then((b) => WebAssembly.instantiate(b, go.importObject))
    .then((res) => go.run(res.instance))
    .catch((e) => {
      $('engine-status').textContent = 'Could not load the seqnet engine (' + e.message + '). Open the page through `seqnet studio` or a web server: ' +
        'browsers do not run WebAssembly from file:// pages.';
      document.body.dataset.engine = 'failed';
    });
})();
