/**
 * Browser code, part 2: the bead graph. The server computes the layout; this
 * draws it as one SVG string set with one innerHTML (1,000 beads stay one
 * DOM write), every untrusted text escaped. Clicks are delegated (core).
 */
export const GRAPH_SCRIPT = String.raw`
function renderGraph() {
  var L = S.layout;
  var beads = S.beads;
  var host = $('graph');
  if (!L || (beads.length === 0 && L.lanes.length === 0)) { host.innerHTML = '<p class="empty">No beads yet.</p>'; return; }
  var began = performance.now();
  var W = L.nodeWidth, H = L.nodeHeight, pos = L.pos;
  var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + L.width + '" height="' + L.height + '" viewBox="0 0 ' + L.width + ' ' + L.height + '">'];
  for (var l = 0; l < L.lanes.length; l++) {
    var lane = L.lanes[l];
    out.push('<rect class="lane-bg" x="4" y="' + (lane.y + 2) + '" width="' + (L.width - 8) + '" height="' + (lane.height - 4) + '" rx="6"/>');
    out.push('<text class="lane-title" x="16" y="' + (lane.y + 20) + '">' + esc(lane.project) + ' <tspan class="lane-count">' + (lane.count === 0 ? 'no beads' : lane.count + ' beads') + '</tspan></text>');
  }
  for (var c = 0; c < L.columns.length; c++) {
    var col = L.columns[c];
    if (col.label) out.push('<text class="col-label" x="' + col.x + '" y="' + col.y + '">' + esc(col.label) + '</text>');
  }
  if (L.edges) out.push('<path class="edges" d="' + esc(L.edges) + '"/>');
  if (L.crossEdges) out.push('<path class="edges cross" d="' + esc(L.crossEdges) + '"/>');
  for (var i = 0; i < beads.length; i++) {
    var b = beads[i];
    var key = beadKey(b);
    var st = stateClass(b.state);
    out.push(
      '<g class="node s-' + st + (key === ui.selected ? ' sel' : '') + '" data-key="' + esc(key) + '" data-state="' + st +
        '" transform="translate(' + (pos[2 * i] || 0) + ',' + (pos[2 * i + 1] || 0) + ')">' +
        '<rect width="' + W + '" height="' + H + '" rx="6"/>' +
        '<text class="id" x="8" y="14">' + esc(short(b.id + (b.wave ? '  \u00b7 wave ' + b.wave : ''), 30)) + '</text>' +
        '<text class="title" x="8" y="30">' + esc(short(b.title, 26)) + '</text>' +
        '<title>' + esc(key + ': ' + b.title + ' [' + b.state + ']') + '</title></g>'
    );
  }
  out.push('</svg>');
  host.innerHTML = out.join('');
  host.setAttribute('data-render-ms', (performance.now() - began).toFixed(1));
}

function renderCounts() {
  var counts = {};
  for (var i = 0; i < S.beads.length; i++) {
    var st = stateClass(S.beads[i].state);
    counts[st] = (counts[st] || 0) + 1;
  }
  var parts = [];
  for (var name in counts) parts.push(counts[name] + ' ' + name);
  $('counts').textContent = S.beads.length + ' beads' + (parts.length ? ': ' + parts.join(', ') : '');
}

function selectBead(key) {
  var host = $('graph');
  var prev = host.querySelector('.node.sel');
  if (prev) prev.classList.remove('sel');
  ui.selected = key;
  var node = host.querySelector('[data-key="' + CSS.escape(key) + '"]');
  if (node) node.classList.add('sel');
  renderDetailInfo();
  loadRuns(key);
}

function diffHtml(text) {
  if (!text) return '<span class="muted">(no changes)</span>';
  var lines = String(text).split('\n');
  var max = 20000;
  var out = [];
  for (var i = 0; i < lines.length && i < max; i++) {
    var line = lines[i];
    var cls = '';
    if (/^(\+\+\+|---|diff |index |new file|deleted file|similarity|rename )/.test(line)) cls = 'meta';
    else if (line.charAt(0) === '+') cls = 'add';
    else if (line.charAt(0) === '-') cls = 'del';
    else if (line.indexOf('@@') === 0) cls = 'hunk';
    out.push(cls ? '<span class="' + cls + '">' + esc(line) + '</span>' : esc(line));
  }
  if (lines.length > max) out.push('<span class="muted">\u2026 ' + (lines.length - max) + ' more lines</span>');
  return out.join('\n');
}
`;
