(function () {
'use strict';
const root = document.documentElement;
function fail(message) {
  root.setAttribute('data-script-error', String(message));
  let bar = document.getElementById('script-error');
  if (!bar) {
    bar = document.createElement('div');
    bar.id = 'script-error';
    document.body.insertBefore(bar, document.body.firstChild);
  }
  bar.textContent = 'The report\u2019s script failed: ' + message;
}
window.addEventListener('error', (e) => fail(e.message || 'unknown error'));

const $ = (id) => document.getElementById(id);
const RAW = JSON.parse($('modsplit-data').textContent);
const V = JSON.parse($('modsplit-view').textContent);
// A page of several kernels holds each tree's data; the tree switcher picks the one everything below shows.
const TREES = RAW.trees ? RAW.trees.map((t) => t.report) : [RAW];
let D, M, P, N;
const SVGNS = 'http://www.w3.org/2000/svg';

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  for (const c of kids) e.append(c);
  return e;
}
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  for (const c of kids) e.append(c);
  return e;
}
const norm = (x) => x.toLowerCase().replace(/-/g, '_');
const num = (n) => n.toLocaleString('en-US');
function bytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return v.toFixed(1) + ' ' + units[u];
}
const plural = (n, w) => num(n) + ' ' + (n === 1 ? w : w + 's');
const clip = (t, n) => t.length > n ? t.slice(0, n - 1) + '\u2026' : t;
const colour = (p) => p < 0 ? V.unplacedColour : V.colours[p];
const pkgName = (p) => p < 0 ? 'not placed' : P[p].name;

const pkgIndex = new Map();
let closures = [];
function closure(p) {
  if (closures[p]) return closures[p];
  const set = new Set([p]);
  closures[p] = set;
  for (const d of P[p].dependsOn) {
    const j = pkgIndex.get(d);
    if (j !== undefined) for (const x of closure(j)) set.add(x);
  }
  return set;
}
const broken = (user, provider) => {
  const a = M[user].package, b = M[provider].package;
  return a >= 0 && b >= 0 && !closure(a).has(b);
};
const byName = new Map();
let hay = [];
const findingsOf = new Map();
// Rules all come from one file: the table shows their lines, the tooltip and the explorer the whole location.
let rulesFile = null;
// Everything that depends on the tree shown: its modules, packages and findings.
function use(k) {
  D = TREES[k]; M = D.modules; P = D.packages; N = M.length;
  pkgIndex.clear();
  P.forEach((p, i) => { if (!pkgIndex.has(p.name)) pkgIndex.set(p.name, i); });
  closures = [];
  byName.clear();
  hay = new Array(N);
  for (let i = 0; i < N; i++) {
    const k = norm(M[i].name);
    if (!byName.has(k)) byName.set(k, i);
    hay[i] = k + '\u0001' + norm(M[i].path);
  }
  findingsOf.clear();
  for (const f of D.findings) {
    for (const who of [f.module, f.provider]) {
      if (who == null) continue;
      if (!findingsOf.has(who)) findingsOf.set(who, []);
      const list = findingsOf.get(who);
      if (list[list.length - 1] !== f) list.push(f);
    }
  }
  rulesFile = D.split ? D.split.split('/').pop() + ':' : null;
}
use(0);
function symbolsBetween(user, provider) {
  const k = M[user].deps.indexOf(provider);
  return k < 0 ? 0 : M[user].depSymbols[k];
}

const shortRule = (r) => rulesFile ? r.split(rulesFile).join('line ') : r;

// The module table: only the rows in view exist, so 4,000 modules scroll and filter at once.
const ROW = 30;
const st = { q: '', pkg: 'all', key: 'name', dir: 1, rows: [], sel: -1, openUsers: false, openNeeds: false, tree: 0 };
const tbody = $('tbody'), spacer = $('spacer');
const byStr = (x, y) => x < y ? -1 : x > y ? 1 : 0;
const cmp = {
  name: (a, b) => byStr(M[a].name, M[b].name) || a - b,
  package: (a, b) => (M[a].package - M[b].package) || cmp.name(a, b),
  bytes: (a, b) => (M[a].bytes - M[b].bytes) || cmp.name(a, b),
  deps: (a, b) => (M[a].deps.length - M[b].deps.length) || cmp.name(a, b),
  users: (a, b) => (M[a].users.length - M[b].users.length) || cmp.name(a, b),
  rule: (a, b) => byStr(M[a].rule, M[b].rule) || cmp.name(a, b),
};
function refilter() {
  const q = norm(st.q.trim());
  const only = st.pkg === 'all' ? null : st.pkg === '-' ? -1 : pkgIndex.get(st.pkg);
  const rows = [];
  for (let i = 0; i < N; i++) {
    if (only !== null && M[i].package !== only) continue;
    if (q && hay[i].indexOf(q) < 0) continue;
    rows.push(i);
  }
  const c = cmp[st.key], dir = st.dir;
  rows.sort((a, b) => dir * c(a, b));
  if (q && byName.has(q)) {
    const k = rows.indexOf(byName.get(q));
    if (k > 0) { rows.splice(k, 1); rows.unshift(byName.get(q)); }
  }
  st.rows = rows;
  spacer.style.height = rows.length * ROW + 'px';
  $('count').textContent = rows.length === N ? plural(N, 'module') : num(rows.length) + ' of ' + plural(N, 'module');
  tbody.scrollTop = 0;
  for (const b of $('thead').children) {
    const on = b.dataset.key === st.key;
    b.classList.toggle('asc', on && st.dir > 0);
    b.classList.toggle('desc', on && st.dir < 0);
    if (on) b.setAttribute('aria-sort', st.dir > 0 ? 'ascending' : 'descending'); else b.removeAttribute('aria-sort');
  }
  paint();
}
const pool = [];
function makeRow() {
  const r = h('div', { class: 'tr', role: 'row' },
    h('div', { class: 'td nm', role: 'cell' }),
    h('div', { class: 'td pk', role: 'cell' }, h('i', { class: 'sw' }), h('span', { class: 'td' })),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td num', role: 'cell' }),
    h('div', { class: 'td rule', role: 'cell' }));
  r.addEventListener('click', () => open(Number(r.dataset.m)));
  return r;
}
function paint() {
  const top = tbody.scrollTop - spacer.offsetTop;
  const first = Math.max(0, Math.floor(top / ROW) - 6);
  const last = Math.min(st.rows.length, first + Math.ceil(tbody.clientHeight / ROW) + 12);
  while (pool.length < last - first) { const r = makeRow(); pool.push(r); spacer.append(r); }
  for (let k = 0; k < pool.length; k++) {
    const r = pool[k], i = first + k;
    if (i >= last) { r.hidden = true; continue; }
    const m = st.rows[i], mod = M[m], c = r.children;
    r.hidden = false;
    r.style.transform = 'translateY(' + i * ROW + 'px)';
    r.dataset.m = m;
    r.classList.toggle('sel', m === st.sel);
    c[0].textContent = mod.name; c[0].title = mod.path;
    c[1].firstChild.style.background = colour(mod.package);
    c[1].lastChild.textContent = pkgName(mod.package);
    c[2].textContent = bytes(mod.bytes); c[2].title = bytes(mod.uncompressedBytes) + ' uncompressed';
    c[3].textContent = mod.deps.length;
    c[4].textContent = mod.users.length;
    c[5].textContent = shortRule(mod.rule); c[5].title = mod.rule;
  }
}
let painting = false;
tbody.addEventListener('scroll', () => {
  if (painting) return;
  painting = true;
  requestAnimationFrame(() => { painting = false; paint(); });
});
let filtering = false;
$('q').addEventListener('input', () => {
  st.q = $('q').value;
  if (filtering) return;
  filtering = true;
  requestAnimationFrame(() => { filtering = false; refilter(); });
});
$('q').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  st.q = $('q').value;
  refilter();
  if (st.rows.length) open(st.rows[0]);
});
$('pkg').addEventListener('change', () => { st.pkg = $('pkg').value; refilter(); });
for (const b of $('thead').children) {
  b.addEventListener('click', () => {
    const key = b.dataset.key;
    if (st.key === key) st.dir = -st.dir;
    else { st.key = key; st.dir = b.classList.contains('num') ? -1 : 1; }
    refilter();
  });
}
tbody.addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  e.preventDefault();
  const k = st.rows.indexOf(st.sel) + (e.key === 'ArrowDown' ? 1 : -1);
  if (k >= 0 && k < st.rows.length) open(st.rows[k]);
});
function reveal(m) {
  const k = st.rows.indexOf(m);
  if (k < 0) return;
  const y = k * ROW, head = spacer.offsetTop, view = tbody.clientHeight - head;
  // Out of view, the row comes to the middle; in view, it stays where it is.
  if (y < tbody.scrollTop || y + ROW > tbody.scrollTop + view) tbody.scrollTop = y - (view - ROW) / 2;
  paint();
}

// The explorer: one module, what needs it and what it needs.
function open(m) {
  const hash = '#module=' + encodeURIComponent(M[m].name);
  if (location.hash !== hash) location.hash = hash; else show(m);
}
function show(m) {
  if (st.sel !== m) { st.openUsers = false; st.openNeeds = false; }
  st.sel = m;
  paint();
  detail(m);
  hood(m);
}
function chip(p) {
  return h('span', { class: 'chip' }, Object.assign(h('i', { class: 'sw' }), {}), pkgName(p));
}
function detail(m) {
  const mod = M[m];
  const c = chip(mod.package);
  c.firstChild.style.background = colour(mod.package);
  const facts = h('dl', { class: 'facts' });
  const fact = (k, v) => facts.append(h('dt', {}, k), h('dd', {}, v));
  fact('placed by', mod.rule);
  fact('size', bytes(mod.bytes) + ' shipped \u00b7 ' + bytes(mod.uncompressedBytes) + ' uncompressed');
  fact('license', mod.license || '\u2014');
  fact('binds', mod.binds.length ? mod.binds.join(', ') : '\u2014');
  fact('needs', plural(mod.deps.length, 'module'));
  fact('needed by', plural(mod.users.length, 'module'));
  const box = $('detail');
  box.replaceChildren(h('div', { class: 'd-head' }, h('h3', {}, mod.name), c), h('div', { class: 'd-path' }, mod.path), facts);
  const fs = findingsOf.get(mod.name) || [];
  if (fs.length) {
    const list = h('ul', { class: 'd-finds' });
    for (const f of fs.slice(0, 8)) {
      list.append(h('li', {}, h('span', { class: 'sev ' + f.severity }, f.severity === 'info' ? 'note' : f.severity), f.message));
    }
    if (fs.length > 8) list.append(h('li', {}, '+' + (fs.length - 8) + ' more in Findings'));
    box.append(list);
  }
}
function missing(name) {
  $('detail').replaceChildren(h('p', { class: 'hint' }, 'No module named \u201c' + name + '\u201d in this tree.'));
  $('hood').replaceChildren();
}
const CAP = 10, W = 760, NW = 196, NH = 42, GAP = 10, TOP = 30;
const bySymbols = (a, b) => (b.sym - a.sym) || byStr(M[a.m].name, M[b.m].name);
function hood(m) {
  const mod = M[m];
  const needs = mod.deps.map((d, k) => ({ m: d, sym: mod.depSymbols[k] })).sort(bySymbols);
  const users = mod.users.map((u) => ({ m: u, sym: symbolsBetween(u, m) })).sort(bySymbols);
  const left = st.openUsers ? users : users.slice(0, CAP), right = st.openNeeds ? needs : needs.slice(0, CAP);
  const lRows = left.length + (users.length > CAP ? 1 : 0), rRows = right.length + (needs.length > CAP ? 1 : 0);
  const rows = Math.max(lRows, rRows, 1), step = NH + GAP;
  const H = TOP + rows * step + 6;
  const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img' });
  svg.setAttribute('aria-label', 'Neighbourhood of ' + mod.name);
  const defs = s('defs', {});
  for (const [id, cls] of [['h-arr', 'ha'], ['h-brk', 'ha brk']]) {
    defs.append(s('marker', { id: id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      s('path', { class: cls, d: 'M0,0 L10,5 L0,10 z' })));
    defs.lastChild.setAttribute('markerUnits', 'userSpaceOnUse');
  }
  svg.append(defs);
  const lx = 8, rx = W - NW - 8, cx = (W - NW) / 2;
  const cy = TOP + (rows * step - GAP) / 2 - NH / 2;
  const yOf = (k, n) => TOP + (rows - n) * step / 2 + k * step;
  svg.append(s('text', { class: 'colh', x: lx, y: 16 }, 'needed by (' + num(users.length) + ')'));
  svg.append(s('text', { class: 'colh', x: rx, y: 16 }, 'needs (' + num(needs.length) + ')'));
  const edges = s('g', {}), nodes = s('g', {});
  svg.append(edges, nodes);
  function edge(x0, y0, x1, y1, sym, bad, labelT, title) {
    const xm = (x0 + x1) / 2;
    const p = s('path', { class: 'he' + (bad ? ' brk' : ''), d: `M${x0},${y0} C${xm},${y0} ${xm},${y1} ${x1},${y1}`,
      'marker-end': bad ? 'url(#h-brk)' : 'url(#h-arr)' }, s('title', {}, title));
    edges.append(p);
    const t = labelT, u = 1 - t;
    const bx = u * u * u * x0 + 3 * u * u * t * xm + 3 * u * t * t * xm + t * t * t * x1;
    const by = u * u * u * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t * t * t * y1;
    const text = String(sym), w = text.length * 7 + 14;
    edges.append(s('g', { class: 'hl' + (bad ? ' brk' : '') }, s('title', {}, title),
      s('rect', { x: bx - w / 2, y: by - 9, width: w, height: 18, rx: 9 }),
      s('text', { x: bx, y: by + 4 }, text)));
  }
  function node(i, x, y, centre) {
    const p = M[i].package, col = colour(p);
    const g = s('g', { class: 'hn' + (centre ? ' centre' : ''), transform: `translate(${x},${y})` });
    g.append(s('title', {}, M[i].name + ' \u2014 ' + pkgName(p) + ', ' + bytes(M[i].bytes) +
      ', needs ' + M[i].deps.length + ', needed by ' + M[i].users.length));
    g.append(s('rect', { class: 'hb', width: NW, height: NH, rx: 7, fill: col, 'fill-opacity': centre ? 0.2 : 0.08, stroke: col }));
    g.append(s('rect', { width: 6, height: NH, rx: 3, fill: col }));
    g.append(s('text', { class: 'n1', x: 14, y: 18 }, clip(M[i].name, 21)));
    g.append(s('text', { class: 'n2', x: 14, y: 34 }, clip(pkgName(p), 16) + ' \u00b7 ' + bytes(M[i].bytes)));
    if (!centre) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'link');
      g.addEventListener('click', () => open(i));
      g.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(i); });
    }
    nodes.append(g);
  }
  function more(x, y, hidden, isOpen, toggle) {
    const g = s('g', { class: 'hn more-n', transform: `translate(${x},${y})`, tabindex: 0, role: 'button' });
    g.append(s('rect', { class: 'hb', width: NW, height: NH, rx: 7 }));
    g.append(s('text', { class: 'n1', x: NW / 2, y: NH / 2 + 4, 'text-anchor': 'middle' }, isOpen ? 'show fewer' : '+' + num(hidden) + ' more'));
    g.addEventListener('click', toggle);
    g.addEventListener('keydown', (e) => { if (e.key === 'Enter') toggle(); });
    nodes.append(g);
  }
  left.forEach((e, k) => {
    const y = yOf(k, lRows);
    edge(lx + NW, y + NH / 2, cx, cy + NH / 2, e.sym, broken(e.m, m), 0.18,
      M[e.m].name + ' needs ' + plural(e.sym, 'symbol') + ' from ' + mod.name);
    node(e.m, lx, y, false);
  });
  right.forEach((e, k) => {
    const y = yOf(k, rRows);
    edge(cx + NW, cy + NH / 2, rx, y + NH / 2, e.sym, broken(m, e.m), 0.82,
      mod.name + ' needs ' + plural(e.sym, 'symbol') + ' from ' + M[e.m].name);
    node(e.m, rx, y, false);
  });
  if (users.length > CAP) more(lx, yOf(left.length, lRows), users.length - CAP, st.openUsers, () => { st.openUsers = !st.openUsers; hood(m); });
  if (needs.length > CAP) more(rx, yOf(right.length, rRows), needs.length - CAP, st.openNeeds, () => { st.openNeeds = !st.openNeeds; hood(m); });
  if (!users.length) nodes.append(s('text', { class: 'none', x: lx + 4, y: cy + NH / 2 + 4 }, 'no module needs it'));
  if (!needs.length) nodes.append(s('text', { class: 'none', x: rx + 4, y: cy + NH / 2 + 4 }, 'needs only the kernel'));
  node(m, cx, cy, true);
  $('hood').replaceChildren(svg);
}

// The tree switcher of a page of several kernels: the chosen tree's summary, graph and sizes show, its
// modules fill the table, and findings that do not occur on it are dimmed.
function showTree(k) {
  if (k === st.tree) return;
  st.tree = k;
  use(k);
  for (const v of document.querySelectorAll('.tree-view')) v.hidden = Number(v.dataset.tree) !== k;
  for (const b of document.querySelectorAll('#tree-switch button')) {
    b.setAttribute('aria-pressed', String(Number(b.dataset.tree) === k));
  }
  for (const li of document.querySelectorAll('li[data-trees]')) {
    li.classList.toggle('elsewhere', !li.dataset.trees.split(' ').includes(String(k)));
  }
  const options = [h('option', { value: 'all' }, 'all packages')];
  for (const p of P) options.push(h('option', { value: p.name }, p.name));
  if (M.some((m) => m.package < 0)) options.push(h('option', { value: '-' }, 'not placed'));
  $('pkg').replaceChildren(...options);
  st.pkg = 'all'; st.sel = -1;
  $('detail').replaceChildren(h('p', { class: 'hint' }, 'Pick a module in the table, search for one, or click a ' +
    'module name in a finding: its neighbourhood shows here, what needs it on the left and what it needs on the right.'));
  $('hood').replaceChildren();
  refilter();
}
if (RAW.trees) {
  st.tree = -1;
  for (const b of document.querySelectorAll('#tree-switch button')) {
    b.addEventListener('click', () => showTree(Number(b.dataset.tree)));
  }
}

// Links: #module=NAME selects a module, #package=NAME lists a package's modules, #tree=VERSION shows a tree.
function route(initial) {
  const r = /^#(module|package|tree)=(.*)$/.exec(location.hash);
  if (!r) return;
  let v;
  try { v = decodeURIComponent(r[2]); } catch (e) { return; }
  if (r[1] === 'tree') {
    const k = TREES.findIndex((t) => t.kernelVersion === v);
    if (k >= 0 && RAW.trees) showTree(k);
  } else if (r[1] === 'module') {
    let m = byName.get(norm(v));
    if (m === undefined && RAW.trees) {
      // A finding of another tree: show the first tree that has the module.
      const k = TREES.findIndex((t) => t.modules.some((x) => norm(x.name) === norm(v)));
      if (k >= 0) { showTree(k); m = byName.get(norm(v)); }
    }
    if (m === undefined) { missing(v); return; }
    show(m);
    reveal(m);
    if (initial) $('modules').scrollIntoView({ block: 'start' });
    else $('explorer').scrollIntoView({ block: 'nearest' });
  } else if (pkgIndex.has(v) || v === '-') {
    st.pkg = v; $('pkg').value = v;
    st.q = ''; $('q').value = '';
    refilter();
    $('modules').scrollIntoView({ block: 'start' });
  }
}
window.addEventListener('hashchange', () => route(false));
if (RAW.trees) showTree(0); else refilter();
route(true);
root.setAttribute('data-ready', 'true');
})();
