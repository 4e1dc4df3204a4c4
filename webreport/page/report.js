// nslab's report page: everything is drawn here, from the JSON the run embedded
// (no network, no library). Sections: topology, apps, plots, ladders, step-through, drops.
(function () {
  'use strict';
  const { errors, data, el, sv } = NSLAB;
  const S = data.summary, T = data.topology;

  function num(x, digits) { return x === null || x === undefined ? '—' : Number(x).toFixed(digits === undefined ? 0 : digits); }
  function rate(bps) { return bps === null || bps === undefined ? '—' : bps >= 1e6 ? (bps / 1e6).toFixed(2) + ' Mbit/s' : (bps / 1e3).toFixed(1) + ' kbit/s'; }

  // Header.
  document.getElementById('title').textContent = S.scenario + ': nslab report';
  document.getElementById('subtitle').textContent =
    'seed ' + S.seed + ', run ' + S.run + ', ' + S.duration_s + ' s simulated' +
    (S.realtime ? ' (real time, with real programs: not reproducible)' : '');

  // Topology: hosts, routers, switches (LANs of 3 or more) and access points, laid out by a force model.
  const nodes = new Map(), edges = [];
  function node(name, kind) {
    if (!nodes.has(name)) nodes.set(name, { name: name, kind: kind, x: 0, y: 0 });
    else if (kind !== 'host') nodes.get(name).kind = kind;
    return nodes.get(name);
  }
  T.links.forEach((link, index) => {
    const m = link.members;
    const edge = (a, b, ia, ib) => edges.push({ a: a, b: b, link: index, kind: link.type, text: link.name + ': ' + link.text,
      addrA: ia ? ia.iface + ' ' + ia.address : '', addrB: ib ? ib.iface + ' ' + ib.address : '', down: link.state === 'down' });
    if (link.type === 'wifi') {
      node(link.ap, 'ap');
      m.filter((x) => x.node !== link.ap).forEach((x) => { node(x.node, 'host'); edge(link.ap, x.node, m.find((y) => y.node === link.ap), x); });
    } else if (m.length === 2) {
      node(m[0].node, 'host'); node(m[1].node, 'host'); edge(m[0].node, m[1].node, m[0], m[1]);
    } else {
      const sw = '[' + link.name + ']';
      node(sw, 'switch');
      m.forEach((x) => { node(x.node, 'host'); edge(sw, x.node, null, x); });
    }
  });
  const list = Array.from(nodes.values());
  list.forEach((n, i) => { n.x = Math.cos(2 * Math.PI * i / list.length) * 200; n.y = Math.sin(2 * Math.PI * i / list.length) * 200; });
  const k = 90;
  for (let it = 0, t = 60; it < 300; ++it, t *= 0.985) {
    const f = new Map(list.map((n) => [n.name, { x: 0, y: 0 }]));
    for (let i = 0; i < list.length && list.length < 400; ++i) {
      for (let j = i + 1; j < list.length; ++j) {
        const a = list[i], b = list[j];
        let dx = a.x - b.x, dy = a.y - b.y, d = Math.hypot(dx, dy) || 0.01;
        const r = k * k / d;
        f.get(a.name).x += dx / d * r; f.get(a.name).y += dy / d * r;
        f.get(b.name).x -= dx / d * r; f.get(b.name).y -= dy / d * r;
      }
    }
    edges.forEach((e) => {
      const a = nodes.get(e.a), b = nodes.get(e.b);
      const dx = a.x - b.x, dy = a.y - b.y, d = Math.hypot(dx, dy) || 0.01, p = d * d / k;
      f.get(a.name).x -= dx / d * p; f.get(a.name).y -= dy / d * p;
      f.get(b.name).x += dx / d * p; f.get(b.name).y += dy / d * p;
    });
    list.forEach((n) => { const v = f.get(n.name), d = Math.hypot(v.x, v.y) || 1; n.x += v.x / d * Math.min(d, t); n.y += v.y / d * Math.min(d, t); });
  }
  const xs = list.map((n) => n.x), ys = list.map((n) => n.y);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const W = 960, H = Math.max(300, Math.min(700, 960 * (maxY - minY + 1) / (maxX - minX + 1))), pad = 70;
  list.forEach((n) => {
    n.x = pad + (maxX > minX ? (n.x - minX) / (maxX - minX) : 0.5) * (W - 2 * pad);
    n.y = pad + (maxY > minY ? (n.y - minY) / (maxY - minY) : 0.5) * (H - 2 * pad);
  });
  const topo = sv('svg', { id: 'topology', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': 'topology' },
    document.getElementById('topology-box'));
  sv('title', {}, topo, 'Topology of ' + S.scenario);
  const edgeGroup = sv('g', {}, topo), nodeGroup = sv('g', {}, topo);
  edges.forEach((e, i) => {
    const a = nodes.get(e.a), b = nodes.get(e.b);
    const g = sv('g', { class: 'edge ' + e.kind + (e.down ? ' down' : ''), id: 'edge-' + i, 'data-link': T.links[e.link].name }, edgeGroup);
    sv('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y }, g);
    sv('text', { x: (a.x + b.x) / 2 + 6, y: (a.y + b.y) / 2 - 6 }, g, e.text);
    if (e.addrA) sv('text', { class: 'addr', x: a.x + (b.x - a.x) * 0.22, y: a.y + (b.y - a.y) * 0.22 + 14 }, g, e.addrA);
    if (e.addrB) sv('text', { class: 'addr', x: b.x + (a.x - b.x) * 0.22, y: b.y + (a.y - b.y) * 0.22 + 14 }, g, e.addrB);
    e.el = g;
  });
  list.forEach((n) => {
    const g = sv('g', { class: 'node ' + n.kind, 'data-node': n.name }, nodeGroup);
    if (n.kind === 'switch') sv('rect', { x: n.x - 14, y: n.y - 10, width: 28, height: 20 }, g);
    else sv('circle', { cx: n.x, cy: n.y, r: 15 }, g);
    sv('text', { x: n.x + 18, y: n.y - 12 }, g, n.name);
  });
  const packet = sv('circle', { id: 'packet', r: 8, cx: -20, cy: -20 }, topo);
  const events = document.getElementById('events');
  (S.events || []).forEach((ev) => {
    el('p', {}, events, 'event ' + ev.name + ' at ' + ev.time_s + ' s: ' +
      Object.entries(ev.set).map(([key, v]) => key + ' = ' + v).join(', '));
  });

  // Apps.
  const apps = document.getElementById('apps');
  const head = el('tr', {}, apps);
  ['app', 'type', 'node', 'peer or port', 'sent', 'received', 'lost', 'goodput', 'TCP retransmissions', 'RTT min / mean / max (ms)'].forEach((h) => el('th', {}, head, h));
  S.apps.forEach((a) => {
    const tr = el('tr', { 'data-app': a.name }, apps);
    el('td', {}, tr, a.name); el('td', {}, tr, a.type); el('td', {}, tr, a.node);
    el('td', {}, tr, a.peer || (a.port !== undefined ? String(a.port) : ''));
    el('td', { class: 'num' }, tr, a.bytes_sent !== undefined ? num(a.bytes_sent) + ' B' : a.packets_sent !== undefined ? num(a.packets_sent) + ' pkts' : '');
    el('td', { class: 'num' }, tr, a.bytes_received !== undefined ? num(a.bytes_received) + ' B' : a.packets_received !== undefined ? num(a.packets_received) + ' pkts' : '');
    el('td', { class: 'num' }, tr, a.packets_lost !== undefined ? num(a.packets_lost) : '');
    el('td', { class: 'num' }, tr, a.goodput_bps !== undefined ? rate(a.goodput_bps) : '');
    el('td', { class: 'num' }, tr, a.retransmissions !== undefined ? num(a.retransmissions) : '');
    el('td', { class: 'num' }, tr, a.rtt_min_s !== undefined && a.rtt_min_s !== null
      ? [a.rtt_min_s, a.rtt_mean_s, a.rtt_max_s].map((x) => num(x * 1000, 2)).join(' / ') : '');
  });

  // Throughput plots.
  const plots = document.getElementById('plots');
  Object.entries(data.series).forEach(([name, s]) => {
    const box = el('div', { class: 'plot', 'data-app': name }, plots);
    const w = 440, h = 220, l = 60, b = 30, top = 24;
    const g = sv('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': 'throughput of ' + name }, box);
    const tMax = Math.max(S.duration_s, ...s.t), yMax = Math.max(1, ...s.bps) * 1.1;
    const X = (t) => l + t / tMax * (w - l - 10), Y = (v) => h - b - v / yMax * (h - b - top);
    sv('text', { x: l, y: 16 }, g, name + ': throughput (Mbit/s)');
    sv('line', { x1: l, y1: h - b, x2: w - 10, y2: h - b, stroke: '#000' }, g);
    sv('line', { x1: l, y1: top, x2: l, y2: h - b, stroke: '#000' }, g);
    for (let i = 0; i <= 4; ++i) {
      sv('text', { x: l - 6, y: Y(yMax * i / 4) + 4, 'text-anchor': 'end', 'font-size': 11 }, g, (yMax * i / 4 / 1e6).toFixed(2));
      sv('text', { x: X(tMax * i / 4), y: h - b + 16, 'text-anchor': 'middle', 'font-size': 11 }, g, (tMax * i / 4).toFixed(1) + ' s');
    }
    sv('polyline', { fill: 'none', stroke: '#2b6cb0', 'stroke-width': 1.5,
      points: s.t.map((t, i) => X(t).toFixed(1) + ',' + Y(s.bps[i]).toFixed(1)).join(' ') }, g);
    (S.events || []).forEach((ev) => sv('line', { x1: X(ev.time_s), y1: top, x2: X(ev.time_s), y2: h - b, stroke: '#c00', 'stroke-dasharray': '3 3' }, g));
  });

  // Drops: every counter of the summary that counted something, with its cause.
  const drops = document.getElementById('drops');
  const dh = el('tr', {}, drops);
  ['where', 'cause', 'frames or packets'].forEach((h) => el('th', {}, dh, h));
  function dropRow(where, cause, count) {
    if (!count) return;
    const tr = el('tr', { class: 'drop' }, drops);
    el('td', {}, tr, where); el('td', {}, tr, cause); el('td', { class: 'num' }, tr, String(count));
  }
  S.links.forEach((link) => {
    link.directions.forEach((d) => Object.entries(d.dropped_by_cause || {}).forEach(([c, n]) =>
      dropRow('link ' + link.name + ' ' + d.from + '->' + d.to, c === 'down' ? 'link down' : c + (c === 'queue' ? ' (sender queue full)' : ' loss'), n)));
    if (link.switch) Object.entries(link.switch.dropped_by_cause).forEach(([c, n]) => dropRow('switch of ' + link.name, c, n));
  });
  (S.hosts || []).forEach((h) => Object.entries(h.dropped_by_cause || {}).forEach(([c, n]) => dropRow('node ' + h.node, c, n)));
  (S.interfaces || []).forEach((i) => {
    if (i.queue_disc) Object.entries(i.queue_disc.dropped_by_reason || {}).forEach(([c, n]) => dropRow('queue of ' + i.node + '.' + i.name, i.queue_disc.type + ': ' + c, n));
  });
  if (drops.rows.length === 1) el('tr', {}, drops).appendChild(el('td', { colspan: 3 }, null, 'Nothing was dropped.'));
  const log = document.getElementById('drop-log'), dl = data.drop_log;
  document.getElementById('drop-log-note').textContent = dl.total === 0 ? 'No frame was dropped.'
    : dl.total + ' frames, one row each in drops.csv' + (dl.rows.length < dl.total ? ' (the first ' + dl.rows.length + ' here)' : '') + '.';
  if (dl.rows.length) {
    const lh = el('tr', {}, log);
    ['time (s)', 'link', 'direction', 'node', 'interface', 'cause', 'protocol', 'source', 'destination', 'TCP seq', 'TCP len', 'nslab seq'].forEach((h) => el('th', {}, lh, h));
    dl.rows.forEach((r) => { const tr = el('tr', { class: 'drop-row' }, log); r.forEach((f) => el('td', {}, tr, f)); });
  }

  // Step-through: every IP packet each capture holds, matched across the captures of its link by its bytes.
  const caps = data.captures;
  const flagNames = ['FIN', 'SYN', 'RST', 'PSH', 'ACK'];
  function describe(ci, i) {
    const c = caps[ci], p = c.proto[i];
    const name = p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 1 ? 'ICMP' : p === 58 ? 'ICMPv6' : 'IP proto ' + p;
    const end = (a, port) => { const t = c.addresses[a]; return port ? (t.includes(':') ? '[' + t + ']' : t) + ':' + port : t; };
    let s = name + ' ' + end(c.src[i], c.sport[i]) + ' -> ' + end(c.dst[i], c.dport[i]);
    if (p === 6 && c.sport[i]) {
      s += ' seq=' + c.seq[i] + ' len=' + c.len[i] + (c.flags[i] & 16 ? ' ack=' + c.ack[i] : '');
      flagNames.forEach((f, bit) => { if (c.flags[i] >> bit & 1) s += ' ' + f; });
    } else if (p === 17 && c.sport[i]) {
      s += ' len=' + c.len[i] + (c.nseq[i] >= 0 ? ' nslab seq=' + c.nseq[i] : '');
    }
    if (c.frag[i] >= 0) s += ' (fragment at ' + c.frag[i] + ')';
    return s;
  }
  const frames = [];
  const byLink = new Map();
  const windowEnd = Math.max(0, ...caps.map((c) => c.t.length ? c.t[c.t.length - 1] : 0));
  caps.forEach((c, ci) => { if (!byLink.has(c.link)) byLink.set(c.link, []); byLink.get(c.link).push(ci); });
  byLink.forEach((members, linkIndex) => {
    const seen = new Map();
    members.forEach((ci) => caps[ci].h.forEach((h, i) => {
      if (!seen.has(h)) seen.set(h, []);
      seen.get(h).push({ ci: ci, i: i, t: caps[ci].t[i] });
    }));
    seen.forEach((occ) => {
      occ.sort((a, b) => a.t - b.t);
      const first = occ[0], c = caps[first.ci];
      const to = occ.slice(1).map((o) => ({ node: caps[o.ci].node, t: o.t }));
      // Near the end of a window that left packets out, the arrival may be beyond it: not counted as lost.
      const late = !data.frames_complete && first.t > windowEnd - 1e6;
      const p = c.proto[first.i];
      frames.push({ t: first.t, link: linkIndex, from: c.node, to: to, ci: first.ci, i: first.i, size: c.size[first.i],
        lost: to.length === 0 && members.length > 1 && !late,
        proto: p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 1 || p === 58 ? 'ICMP' : 'IP' });
    });
  });
  frames.sort((a, b) => a.t - b.t || a.link - b.link);

  // TCP ladders: each TCP client's connection, from the step-through's packets of its node's link.
  const ladders = document.getElementById('ladders');
  let drawn = 0;
  S.apps.filter((a) => a.type === 'tcp-client').slice(0, 10).forEach((app) => {
    const port = Number(String(app.peer).split(':').pop());
    const rows = frames.filter((f) => f.proto === 'TCP' && (caps[f.ci].dport[f.i] === port || caps[f.ci].sport[f.i] === port) &&
      (f.from === app.node || f.to.some((x) => x.node === app.node)));
    if (!rows.length) return;
    ++drawn;
    const shownRows = rows.slice(0, 150);
    el('h3', {}, ladders, app.name + ': ' + app.node + ' and ' + app.peer + (rows.length > shownRows.length ? ' (first ' + shownRows.length + ' of ' + rows.length + ' segments)' : ''));
    const box = el('div', { class: 'ladder', 'data-app': app.name }, ladders);
    const w = 960, A = 170, B = 820, rowH = 22, h = 60 + shownRows.length * rowH;
    const g = sv('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': 'ladder of ' + app.name }, box);
    sv('text', { x: A, y: 20, 'text-anchor': 'middle', 'font-weight': 'bold' }, g, app.node);
    sv('text', { x: B, y: 20, 'text-anchor': 'middle', 'font-weight': 'bold' }, g, app.peer);
    sv('line', { x1: A, y1: 28, x2: A, y2: h - 10, stroke: '#000' }, g);
    sv('line', { x1: B, y1: 28, x2: B, y2: h - 10, stroke: '#000' }, g);
    const isn = new Map(), sentSeq = new Map();
    shownRows.forEach((f, r) => {
      const c = caps[f.ci], i = f.i, fromClient = c.dport[i] === port;
      const side = fromClient ? 'a' : 'b', other = fromClient ? 'b' : 'a';
      if (c.flags[i] & 2 && !isn.has(side)) isn.set(side, c.seq[i]);
      const rel = (x, who) => (x - (isn.get(who) || 0)) >>> 0;
      const key = side + rel(c.seq[i], side);
      const retransmission = c.len[i] > 0 && sentSeq.has(key);
      sentSeq.set(key, true);
      const y = 40 + r * rowH, x1 = fromClient ? A : B, x2 = fromClient ? B : A;
      const colour = f.lost ? '#c00' : retransmission ? '#dd6b20' : '#2b6cb0';
      const xEnd = f.lost ? (x1 + x2) / 2 : x2, yEnd = f.lost ? y + rowH / 2 : y + rowH - 4;
      sv('line', { x1: x1, y1: y, x2: xEnd, y2: yEnd, stroke: colour, 'stroke-width': 1.6 }, g);
      if (f.lost) sv('text', { x: xEnd, y: yEnd + 4, fill: '#c00', 'text-anchor': 'middle', 'font-size': 14 }, g, '✕');
      sv('text', { x: 8, y: y + 4, 'font-size': 11 }, g, (f.t / 1e6).toFixed(6) + ' s');
      let label = 'seq=' + rel(c.seq[i], side) + ' len=' + c.len[i] + (c.flags[i] & 16 ? ' ack=' + rel(c.ack[i], other) : '');
      flagNames.forEach((n, bit) => { if (n !== 'ACK' && c.flags[i] >> bit & 1) label += ' ' + n; });
      if (retransmission) label += ' (retransmission)';
      if (f.lost) label += ' LOST' + whyLost(f);
      sv('text', { x: (A + B) / 2, y: y + 6, 'text-anchor': 'middle', 'font-size': 11, fill: colour, class: f.lost ? 'lost-segment' : '' }, g, label);
    });
  });
  if (!drawn) el('p', {}, ladders, 'No TCP client with a capture of its connection.');

  const slider = document.getElementById('step-slider'), info = document.getElementById('step-info');
  const filterBox = document.getElementById('step-filter');
  document.getElementById('step-note').textContent = data.frames_kept === 0 ? 'No capture: run with capture = full or headers to step through frames.'
    : 'Each step is one IP packet on one link, from the capture of its sender to those of its receivers; a packet no other capture of its link holds was lost on the way (red). ' +
      (!data.frames_complete ? 'This page keeps the earliest ' + data.frames_kept + ' captured packets, up to t = ' + (windowEnd / 1e6).toFixed(3) +
        ' s (a window from the start of the run; later packets are in the pcaps only, and a packet sent in the last second of the window is not called lost); ' : '') +
      frames.length + ' steps.';
  let shown = frames, pos = 0, timer = null;
  function pathEdges(f, toNode) {
    return edges.filter((e) => e.link === f.link && ((e.a === f.from || e.b === f.from) || (e.a === toNode || e.b === toNode)));
  }
  function show() {
    edges.forEach((e) => e.el.classList.remove('active'));
    if (!shown.length) { info.textContent = 'No frame matches.'; packet.setAttribute('cx', -20); return; }
    const f = shown[pos];
    slider.value = pos;
    const toNode = f.to.length ? f.to[0].node : null;
    pathEdges(f, toNode).forEach((e) => e.el.classList.add('active'));
    const a = nodes.get(f.from), b = toNode ? nodes.get(toNode) : a;
    const frac = f.lost ? 0.5 : 0.85;
    packet.setAttribute('cx', a.x + (b.x - a.x) * frac);
    packet.setAttribute('cy', a.y + (b.y - a.y) * frac);
    packet.setAttribute('class', f.lost ? 'lost' : '');
    info.textContent = '';
    el('div', {}, info, 'step ' + (pos + 1) + ' of ' + shown.length + ': t = ' + (f.t / 1e6).toFixed(6) + ' s on link ' + T.links[f.link].name + ', ' + f.size + ' B');
    el('div', {}, info, f.from + ' -> ' + (f.to.length ? f.to.map((x) => x.node + ' (+' + ((x.t - f.t) / 1000).toFixed(3) + ' ms)').join(', ') : '?'));
    el('div', f.lost ? { class: 'lost' } : {}, info, (f.lost ? 'LOST on the way' + whyLost(f) + ': ' : '') + describe(f.ci, f.i));
  }
  // Why a lost frame was lost: its row in drops.csv (same link, sender, endpoints, sequence number), if listed here.
  function whyLost(f) {
    const c = caps[f.ci], i = f.i, link = T.links[f.link].name;
    const end = (a, port) => { const t = c.addresses[a]; return port ? (t.includes(':') ? '[' + t + ']' : t) + ':' + port : t; };
    const src = end(c.src[i], c.sport[i]), dst = end(c.dst[i], c.dport[i]);
    const seq = c.proto[i] === 6 ? String(c.seq[i]) : '', nseq = c.nseq[i] >= 0 ? String(c.nseq[i]) : '';
    const row = data.drop_log.rows.find((r) => r[1] === link && r[2].startsWith(f.from + '->') && r[7] === src && r[8] === dst &&
      r[9] === seq && r[11] === nseq && Number(r[0]) * 1e6 >= f.t - 1);
    return row ? ' (' + row[5] + ' at ' + row[3] + ')' : '';
  }
  function refilter() {
    const v = filterBox.value;
    const port = v.startsWith('app:') ? Number(v.slice(4)) : 0;
    shown = frames.filter((f) => v === 'all' || (port ? caps[f.ci].sport[f.i] === port || caps[f.ci].dport[f.i] === port
      : v === 'lost' ? f.lost : f.proto.startsWith(v)));
    pos = 0; slider.max = Math.max(0, shown.length - 1); show();
  }
  function step(d) { if (shown.length) { pos = Math.min(shown.length - 1, Math.max(0, pos + d)); show(); } }
  document.getElementById('step-first').onclick = () => { pos = 0; show(); };
  document.getElementById('step-prev').onclick = () => step(-1);
  document.getElementById('step-next').onclick = () => step(1);
  slider.oninput = () => { pos = Number(slider.value); show(); };
  filterBox.onchange = refilter;
  const play = document.getElementById('step-play');
  play.onclick = () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = 'play'; return; }
    play.textContent = 'pause';
    timer = setInterval(() => { if (pos + 1 >= shown.length) play.onclick(); else step(1); }, 1000 / Number(document.getElementById('step-speed').value));
  };
  // One filter per app: the frames of its port.
  S.apps.forEach((a) => {
    const port = a.port !== undefined ? a.port : Number(String(a.peer || '').split(':').pop());
    if (port > 0) el('option', { value: 'app:' + port }, filterBox, 'app ' + a.name + ' (port ' + port + ')');
  });
  // A link may open the page on a filter: report.html#filter=lost (or TCP, UDP, app:5000...).
  if (location.hash.startsWith('#filter=')) filterBox.value = decodeURIComponent(location.hash.slice(8));
  refilter();
  (data.warnings || []).forEach((w) => { errors.textContent += 'capture warning: ' + w + '\n'; });
  document.body.dataset.ready = '1';
})();
