/**
 * Browser code, part 1: state, the SSE connection and the render loop.
 * Plain ES2017 in a string (no backticks or dollar-brace inside): the page
 * runs no framework. Parts are applied as they arrive and drawn at most once
 * per animation frame; live output is batched per frame too.
 */
export const CORE_SCRIPT = String.raw`
var KNOWN_STATES = { ready: 1, claimed: 1, running: 1, closed: 1, failed: 1, blocked: 1, deferred: 1, proposed: 1, invalid: 1 };
var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
var OUTPUT_KEEP = 65536;

var S = { projects: [], beads: [], layout: null, claims: [], proposals: [], problems: [], model: null, source: null, version: -1 };
var dirty = {};
var frame = 0;
var pendingOutput = {};
var ui = { selected: null, detailSeq: 0, runs: [], openProposals: {} };

function $(id) { return document.getElementById(id); }
function esc(value) { return String(value === null || value === undefined ? '' : value).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
function short(text, max) { text = String(text); return text.length > max ? text.slice(0, max - 1) + '\u2026' : text; }
function stateClass(state) { return KNOWN_STATES[state] === 1 ? state : 'unknown'; }
function beadKey(b) { return b.project + '/' + b.id; }
function clock(ms) { return typeof ms === 'number' ? new Date(ms).toLocaleTimeString() : ''; }

function schedule() { if (!frame) frame = requestAnimationFrame(render); }

function render() {
  frame = 0;
  var d = dirty;
  dirty = {};
  if (d.beads || d.layout) { renderGraph(); renderCounts(); }
  if (d.model || d.source) { renderEngine(); renderBanner(); }
  if (d.model) { renderRuns(); renderRecent(); }
  if (d.proposals) renderProposals();
  if (d.claims) renderClaims();
  if (d.problems || d.model) renderProblems();
  if (d.projects) renderProjects();
  if ((d.beads || d.claims) && ui.selected) renderDetailInfo();
  flushOutput();
}

function applyState(message) {
  for (var name in message) {
    if (!Object.prototype.hasOwnProperty.call(message, name)) continue;
    if (name === 'version') { S.version = message.version; continue; }
    if (!Object.prototype.hasOwnProperty.call(S, name)) continue;
    S[name] = message[name];
    dirty[name] = true;
    // The model carries every chunk sent before it: drop the ones still queued.
    if (name === 'model') pendingOutput = {};
  }
  document.body.setAttribute('data-version', String(S.version));
  schedule();
}

function connect() {
  var events = new EventSource('/api/events');
  var conn = $('conn');
  events.onopen = function () { conn.setAttribute('data-conn', 'open'); conn.textContent = 'live'; };
  events.onerror = function () {
    var closed = events.readyState === 2;
    conn.setAttribute('data-conn', closed ? 'closed' : 'connecting');
    conn.textContent = closed ? 'disconnected: open the URL printed by orch watch --ui' : 'reconnecting';
  };
  events.addEventListener('state', function (e) { applyState(JSON.parse(e.data)); });
  events.addEventListener('bead-output', function (e) {
    var ev = JSON.parse(e.data);
    var key = ev.project + '/' + ev.bead;
    (pendingOutput[key] || (pendingOutput[key] = [])).push(ev.chunk);
    schedule();
  });
}

function fetchJson(url) {
  return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (res) {
    return res.json().catch(function () { return null; }).then(function (body) {
      if (res.ok) return body;
      var message = body && body.error ? body.error.message : 'HTTP ' + res.status;
      throw new Error(message);
    });
  });
}

function start() {
  $('graph').addEventListener('click', function (e) {
    var node = e.target.closest && e.target.closest('[data-key]');
    if (node) selectBead(node.getAttribute('data-key'));
  });
  $('recent').addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('[data-key]');
    if (link) selectBead(link.getAttribute('data-key'));
  });
  $('detail').addEventListener('click', onDetailClick);
  $('proposals').addEventListener('toggle', onProposalToggle, true);
  connect();
}
`;
