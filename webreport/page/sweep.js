// nslab's sweep page: the sweep's settings, a plot per metric with each run's
// points and the mean with its 95 % interval, the table of means, the runs.
(function () {
  'use strict';
  const { data, el, sv } = NSLAB;
  const P = data.plan, W = data.sweep;
  function fmt(x) {
    if (x === null || x === undefined) return '—';
    const a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e7) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
  }
  const combos = W.combinations;
  const label = (c) => P.vary.map((v) => v.key + '=' + c.values[v.key]).join(', ');

  document.getElementById('title').textContent = P.name + ': nslab sweep';
  document.getElementById('subtitle').textContent = combos.length + ' combinations × ' + P.runs + ' runs of ' + P.scenario;
  const settings = document.getElementById('settings');
  const row = (k, v) => { const tr = el('tr', {}, settings); el('th', {}, tr, k); el('td', {}, tr, v); };
  row('scenario', P.scenario);
  P.vary.forEach((v, i) => row(i === 0 ? 'varied (x axis)' : 'varied', v.key + ' = ' + v.values.join(', ')));
  (P.set || []).forEach((s) => row('set', s));
  row('runs per combination', String(P.runs));

  // Plots: x is the first varied key's value (in its order), each run a dot, the mean a line with its interval.
  const metrics = Array.from(new Set([].concat(...combos.map((c) => Object.keys(c.metrics)))));
  function plot(metric, parent) {
    const box = el('div', { class: 'plot', 'data-metric': metric }, parent);
    const w = 460, h = 240, l = 70, b = 40, top = 24;
    const g = sv('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': metric }, box);
    const xs = P.vary[0].values;
    const points = (data.points[metric] || []);
    const means = combos.map((c) => c.metrics[metric]).filter((m) => m && m.mean !== null);
    // The axis fits the runs and the means; an interval wider than that (few runs) is cut at the edges.
    const all = points.map((p) => p[1]).concat(means.map((m) => m.mean));
    let lo = Math.min(0, ...all), hi = Math.max(1e-12, ...all) * 1.1;
    if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
    const X = (i) => l + (xs.length > 1 ? i / (xs.length - 1) : 0.5) * (w - l - 20);
    const Y = (v) => h - b - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1) * (h - b - top);
    sv('text', { x: l, y: 16 }, g, metric);
    sv('line', { x1: l, y1: h - b, x2: w - 10, y2: h - b, stroke: '#000' }, g);
    sv('line', { x1: l, y1: top, x2: l, y2: h - b, stroke: '#000' }, g);
    const tick = (v) => String(Number(v.toPrecision(3)));
    for (let i = 0; i <= 4; ++i) sv('text', { x: l - 6, y: Y(lo + (hi - lo) * i / 4) + 4, 'text-anchor': 'end', 'font-size': 11 }, g, tick(lo + (hi - lo) * i / 4));
    xs.forEach((v, i) => sv('text', { x: X(i), y: h - b + 16, 'text-anchor': 'middle', 'font-size': 11 }, g, v));
    sv('text', { x: (l + w) / 2, y: h - 6, 'text-anchor': 'middle', 'font-size': 11 }, g, P.vary[0].key);
    const xIndex = (c) => xs.indexOf(c.values[P.vary[0].key]);
    points.forEach((p) => sv('circle', { class: 'run-point', cx: X(xIndex(combos[p[0]])) + (p[2] - (P.runs + 1) / 2) * 2, cy: Y(p[1]), r: 2.5, fill: '#999' }, g));
    const line = [];
    combos.forEach((c) => {
      const m = c.metrics[metric];
      if (!m || m.mean === null) return;
      const x = X(xIndex(c));
      sv('line', { x1: x, y1: Y(m.mean - m.ci95), x2: x, y2: Y(m.mean + m.ci95), stroke: '#2b6cb0', 'stroke-width': 2 }, g);
      sv('circle', { class: 'mean-point', cx: x, cy: Y(m.mean), r: 4, fill: '#2b6cb0' }, g);
      line.push(x.toFixed(1) + ',' + Y(m.mean).toFixed(1));
    });
    if (P.vary.length === 1 && line.length > 1) sv('polyline', { points: line.join(' '), fill: 'none', stroke: '#2b6cb0' }, g);
  }
  const choice = document.getElementById('metric-choice');
  metrics.forEach((m) => el('option', { value: m }, choice, m));
  const chosen = document.getElementById('chosen-plot');
  choice.onchange = () => { chosen.textContent = ''; plot(choice.value, chosen); };
  // Shown at once: the metrics that differ between combinations and tell a story.
  const telling = /goodput_bps$|completion_time_s$|packets_lost$|delivery_ratio$|retransmissions$|latency_mean_s$|rtt_mean_s$/;
  const plots = document.getElementById('plots');
  metrics.filter((m) => telling.test(m)).forEach((m) => plot(m, plots));
  // The model plots nslab sweep --plot drew (gnuplot), with their model overlays.
  const models = document.getElementById('model-plots');
  (data.model_plots || []).forEach((p) => {
    el('h3', {}, models, p.name + ' (nslab sweep --plot, with its model)');
    el('div', { class: 'model-plot' }, models).innerHTML = p.svg;
  });

  // The table of means.
  const means = document.getElementById('means');
  const head = el('tr', {}, means);
  el('th', {}, head, 'metric');
  combos.forEach((c) => el('th', {}, head, label(c)));
  metrics.forEach((m) => {
    const tr = el('tr', { 'data-metric': m }, means);
    el('td', {}, tr, m);
    combos.forEach((c) => {
      const s = c.metrics[m];
      el('td', { class: 'num' }, tr, s && s.mean !== null ? fmt(s.mean) + ' ± ' + fmt(s.ci95) + ' (n=' + s.n + ')' : '—');
    });
  });

  // Runs, with a link to each run's own report.
  const runs = document.getElementById('runs');
  const rh = el('tr', {}, runs);
  ['combination', 'runs (each its report.html)'].forEach((h) => el('th', {}, rh, h));
  combos.forEach((c) => {
    const tr = el('tr', {}, runs);
    el('td', {}, tr, label(c));
    const td = el('td', {}, tr);
    (c.finished_runs || []).forEach((r) => { el('a', { class: 'run-link', href: c.folder + '/run-' + r + '/report.html' }, td, 'run ' + r); td.appendChild(document.createTextNode(' ')); });
  });
  document.body.dataset.ready = '1';
})();
