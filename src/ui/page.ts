import { STATE_COLORS } from './app-style.js';

/**
 * The one HTML page. No inline script or style (the CSP forbids both): the
 * code is /app.js and the styles /app.css, both served from strings.
 */

const LEGEND = Object.keys(STATE_COLORS)
  .filter((state) => state !== 'unknown')
  .map((state) => `<span class="legend-item"><span class="sw s-${state}"></span>${state}</span>`)
  .join('');

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>orch dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>orch</h1>
  <span id="engine" class="engine" data-engine="unknown">engine: waiting for events</span>
  <span id="counts" class="counts"></span>
  <span id="conn" class="conn" data-conn="connecting">connecting</span>
</header>
<div id="banner" class="banner" hidden></div>
<main class="layout">
  <div class="main-col">
    <section class="card">
      <h2>Beads</h2>
      <div class="legend">${LEGEND}</div>
      <div id="graph" class="graph" aria-label="bead graph"><p class="empty">No beads yet.</p></div>
    </section>
    <section class="card">
      <h2>Running sandboxes</h2>
      <div id="runs" class="runs"><p class="empty">Nothing is running.</p></div>
    </section>
    <section class="card">
      <h2>Recent</h2>
      <div id="recent"></div>
    </section>
  </div>
  <div class="side-col">
    <section id="detail" class="card detail" hidden></section>
    <section class="card">
      <h2>Lesson proposals awaiting review</h2>
      <div id="proposals"><p class="empty">None.</p></div>
    </section>
    <section class="card">
      <h2>Claims</h2>
      <div id="claims"><p class="empty">None.</p></div>
    </section>
    <section class="card">
      <h2>Problems</h2>
      <div id="problems"><p class="empty">None.</p></div>
    </section>
    <section class="card">
      <h2>Projects</h2>
      <div id="projects"></div>
    </section>
  </div>
</main>
</body>
</html>
`;
