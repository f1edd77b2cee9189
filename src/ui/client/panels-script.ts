/**
 * Browser code, part 3: the panels. Running sandboxes with live output
 * (text nodes, never markup), the selected bead with its runs and a run's
 * record and diff, proposals (diff drawn when opened), claims, problems,
 * projects, recent outcomes. Every untrusted string goes through esc() or
 * textContent.
 */
export const PANELS_SCRIPT = String.raw`
var panels = {};

function renderRuns() {
  var running = (S.model && S.model.running) || [];
  var box = $('runs');
  var seen = {};
  for (var i = 0; i < running.length; i++) {
    var r = running[i];
    var key = r.project + '/' + r.bead;
    seen[key] = true;
    var panel = panels[key];
    if (!panel) {
      var el = document.createElement('section');
      el.className = 'sandbox';
      el.setAttribute('data-run', key);
      var head = document.createElement('h3');
      var pre = document.createElement('pre');
      pre.className = 'output';
      el.appendChild(head);
      el.appendChild(pre);
      panel = panels[key] = { el: el, head: head, pre: pre, len: 0 };
    }
    if (!panel.el.parentNode) box.appendChild(panel.el);
    panel.el.setAttribute('data-phase', r.phase);
    panel.head.textContent = key + '  \u00b7  wave ' + r.wave + '  \u00b7  ' + r.phase + (r.gateOk === false ? ' (validation failed)' : '') + '  \u00b7  since ' + clock(r.startedAt || r.claimedAt);
    var atBottom = isAtBottom(panel.pre);
    var text = (r.droppedChars ? '[' + r.droppedChars + ' earlier characters not shown]\n' : '') + r.output;
    panel.pre.textContent = text;
    panel.len = text.length;
    if (atBottom) panel.pre.scrollTop = panel.pre.scrollHeight;
  }
  for (var k in panels) {
    if (seen[k]) continue;
    panels[k].el.remove();
    delete panels[k];
  }
  var empty = box.querySelector('.empty');
  if (running.length === 0 && !empty) box.innerHTML = '<p class="empty">Nothing is running.</p>';
  if (running.length > 0 && empty) empty.remove();
}

function isAtBottom(pre) { return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24; }

function flushOutput() {
  for (var key in pendingOutput) {
    var panel = panels[key];
    if (!panel) continue;
    var text = pendingOutput[key].join('');
    var atBottom = isAtBottom(panel.pre);
    panel.pre.appendChild(document.createTextNode(text));
    panel.len += text.length;
    if (panel.len > OUTPUT_KEEP * 1.5) {
      panel.pre.textContent = panel.pre.textContent.slice(-OUTPUT_KEEP);
      panel.len = OUTPUT_KEEP;
    }
    if (atBottom) panel.pre.scrollTop = panel.pre.scrollHeight;
  }
  pendingOutput = {};
}

function findBead(key) {
  for (var i = 0; i < S.beads.length; i++) if (beadKey(S.beads[i]) === key) return S.beads[i];
  return null;
}

function row(name, value) { return '<dt>' + esc(name) + '</dt><dd>' + esc(value) + '</dd>'; }

function detailBox() {
  var box = $('detail');
  if (!box.querySelector('.info')) {
    box.innerHTML = '<h2 class="detail-title"></h2><button class="close" data-action="close">close</button><div class="info"></div><h3>Runs</h3><div class="run-index"></div><div class="run-view"></div>';
  }
  box.hidden = false;
  return box;
}

function renderDetailInfo() {
  var key = ui.selected;
  var box = detailBox();
  var b = findBead(key);
  box.querySelector('.detail-title').textContent = key;
  box.setAttribute('data-key', key);
  if (!b) { box.querySelector('.info').innerHTML = '<p class="empty">This bead is no longer in the workspace.</p>'; return; }
  var claim = null;
  for (var i = 0; i < S.claims.length; i++) if (S.claims[i].project === b.project && S.claims[i].bead === b.id) claim = S.claims[i];
  box.querySelector('.info').innerHTML = '<dl>' + row('title', b.title) + row('state', b.state) + row('status', b.status) +
    row('priority', b.priority) + (b.wave ? row('wave', b.wave) : '') + row('deps', b.deps.join(', ') || '-') +
    row('blocked by', b.blockedBy.join(', ') || '-') + row('files', b.files.join(', ') || '(whole project)') +
    (claim ? row('claim', claim.holder + '@' + claim.host + ' pid ' + claim.pid + ' until ' + clock(claim.leaseUntil)) : '') + '</dl>';
}

function loadRuns(key) {
  var seq = ++ui.detailSeq;
  var box = detailBox();
  var list = box.querySelector('.run-index');
  box.querySelector('.run-view').innerHTML = '';
  list.innerHTML = '<p class="empty">loading\u2026</p>';
  var slash = key.indexOf('/');
  var url = '/api/runs/' + encodeURIComponent(key.slice(0, slash)) + '/' + encodeURIComponent(key.slice(slash + 1));
  fetchJson(url).then(function (runs) {
    if (seq !== ui.detailSeq) return;
    ui.runs = runs || [];
    if (!ui.runs.length) { list.innerHTML = '<p class="empty">No runs yet.</p>'; return; }
    list.innerHTML = '<ul class="run-list">' + ui.runs.map(function (r, i) {
      return '<li><button class="link" data-run-index="' + i + '">' + esc(String(r.commit).slice(0, 10)) + '</button> <span class="muted">' + esc(summarizeRun(r.runJson)) + '</span></li>';
    }).join('') + '</ul>';
  }, function (err) {
    if (seq === ui.detailSeq) list.textContent = 'Could not load runs: ' + err.message;
  });
}

function summarizeRun(run) {
  if (!run || typeof run !== 'object') return '';
  var bits = [];
  ['verdict', 'outcome', 'agent', 'exit', 'exitCode'].forEach(function (name) {
    if (run[name] !== undefined && run[name] !== null && typeof run[name] !== 'object') bits.push(name + ' ' + run[name]);
  });
  var started = run.startedAt || run.started;
  if (started) bits.push(typeof started === 'number' ? clock(started) : String(started));
  return bits.join(' \u00b7 ');
}

function onDetailClick(e) {
  var target = e.target.closest && e.target.closest('[data-run-index],[data-action]');
  if (!target) return;
  if (target.getAttribute('data-action') === 'close') {
    var prev = $('graph').querySelector('.node.sel');
    if (prev) prev.classList.remove('sel');
    ui.selected = null;
    ui.detailSeq++;
    $('detail').hidden = true;
    return;
  }
  openRun(Number(target.getAttribute('data-run-index')));
}

function openRun(index) {
  var run = ui.runs[index];
  if (!run) return;
  var seq = ++ui.detailSeq;
  var key = ui.selected;
  var view = $('detail').querySelector('.run-view');
  view.innerHTML = '<h3>Run ' + esc(run.commit) + '</h3><pre class="json">' + esc(JSON.stringify(run.runJson, null, 2)) + '</pre>' +
    (run.output ? '<h3>Output</h3><pre class="json">' + esc(run.output) + '</pre>' : '') + '<h3>Diff</h3><pre class="diff">loading\u2026</pre>';
  var pre = view.querySelector('.diff');
  var project = key.slice(0, key.indexOf('/'));
  fetchJson('/api/run-diff/' + encodeURIComponent(project) + '/' + encodeURIComponent(run.commit)).then(function (body) {
    if (seq !== ui.detailSeq) return;
    pre.innerHTML = diffHtml(body.diff) + (body.truncated ? '\n<span class="muted">(diff truncated)</span>' : '');
  }, function (err) {
    if (seq === ui.detailSeq) pre.textContent = 'Could not load the diff: ' + err.message;
  });
}

function renderProposals() {
  var box = $('proposals');
  if (!S.proposals.length) { box.innerHTML = '<p class="empty">None.</p>'; return; }
  box.innerHTML = S.proposals.map(function (p) {
    var open = ui.openProposals[p.id] === true;
    return '<details data-proposal="' + esc(p.id) + '"' + (open ? ' open' : '') + '><summary><b>' + esc(p.title) + '</b> <span class="muted">' +
      esc(p.project + ' \u00b7 ' + p.slug) + '</span></summary><pre class="diff">' + (open ? diffHtml(p.diff) : '') + '</pre></details>';
  }).join('');
}

function onProposalToggle(e) {
  var el = e.target;
  if (!el || el.tagName !== 'DETAILS') return;
  var id = el.getAttribute('data-proposal');
  ui.openProposals[id] = el.open;
  var pre = el.querySelector('.diff');
  if (!el.open || pre.childNodes.length) return;
  for (var i = 0; i < S.proposals.length; i++) if (S.proposals[i].id === id) pre.innerHTML = diffHtml(S.proposals[i].diff);
}

function table(head, rows) {
  return '<table><thead><tr>' + head.map(function (h) { return '<th>' + esc(h) + '</th>'; }).join('') + '</tr></thead><tbody>' +
    rows.map(function (r) { return '<tr>' + r.map(function (c) { return '<td>' + esc(c) + '</td>'; }).join('') + '</tr>'; }).join('') + '</tbody></table>';
}

function renderClaims() {
  var now = Date.now();
  $('claims').innerHTML = S.claims.length ? table(['bead', 'holder', 'pid', 'lease'], S.claims.map(function (c) {
    return [c.project + '/' + c.bead, c.holder + '@' + c.host, c.pid, (c.leaseUntil < now ? 'expired ' : 'until ') + clock(c.leaseUntil)];
  })) : '<p class="empty">None.</p>';
}

function renderProblems() {
  var all = [];
  var seen = {};
  var lists = [S.problems || [], (S.model && S.model.problems) || []];
  lists.forEach(function (list) {
    list.forEach(function (p) {
      var id = p.project + '|' + p.file + '|' + p.reason;
      if (seen[id]) return;
      seen[id] = true;
      all.push([p.project, p.file + (p.line ? ':' + p.line : ''), p.reason]);
    });
  });
  $('problems').innerHTML = all.length ? table(['project', 'file', 'reason'], all) : '<p class="empty">None.</p>';
}

function renderProjects() {
  $('projects').innerHTML = S.projects.length ? table(['project', 'branch', 'network', 'path'], S.projects.map(function (p) {
    return [p.name + (p.warnings.length ? ' (' + p.warnings.join('; ') + ')' : ''), p.branch, p.network, p.path];
  })) : '<p class="empty">None.</p>';
}

function renderRecent() {
  var m = S.model;
  var html = '';
  var waves = m.waves.slice(-5).reverse();
  if (waves.length) {
    html += '<h3>Waves</h3>' + table(['wave', 'beads', 'result'], waves.map(function (w) {
      return [w.wave, w.beads.map(function (b) { return b.project + '/' + b.id; }).join(', '), w.endedAt ? w.landed + ' landed, ' + w.failed + ' not landed' : 'running'];
    }));
  }
  if (m.finished.length) {
    html += '<h3>Finished</h3><table><tbody>' + m.finished.slice(0, 30).map(function (f) {
      var key = f.project + '/' + f.bead;
      return '<tr><td>' + esc(clock(f.at)) + '</td><td><button class="link" data-key="' + esc(key) + '">' + esc(key) + '</button></td><td class="outcome-' +
        esc(f.outcome) + '">' + esc(f.outcome) + '</td><td>' + esc(f.commit ? f.commit.slice(0, 10) : f.reason || '') + '</td></tr>';
    }).join('') + '</tbody></table>';
  }
  if (m.notices.length) {
    html += '<h3>Notices</h3>' + table(['time', 'kind', 'message'], m.notices.slice(0, 20).map(function (n) { return [clock(n.at), n.kind, n.message]; }));
  }
  $('recent').innerHTML = html || '<p class="empty">Nothing yet.</p>';
}

function renderEngine() {
  var m = S.model;
  var e = m ? m.engine : null;
  var state = e ? e.state : 'unknown';
  var el = $('engine');
  el.setAttribute('data-engine', state);
  var text = 'engine: ' + (state === 'unknown' ? 'no events yet' : state) + (e && e.mode ? ' (' + e.mode + ')' : '');
  var last = m && m.waves.length ? m.waves[m.waves.length - 1] : null;
  if (last && !last.endedAt) text += ' \u00b7 wave ' + last.wave;
  if (m && m.running.length) text += ' \u00b7 ' + m.running.length + ' running';
  el.textContent = text;
}

function renderBanner() {
  var errors = (S.source && S.source.errors) || [];
  var banner = $('banner');
  banner.hidden = errors.length === 0;
  banner.textContent = errors.length ? 'The workspace could not be read fully:\n' + errors.join('\n') : '';
}
`;
