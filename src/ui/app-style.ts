/** The page's stylesheet (/app.css) and the one color table for bead states. */

export const STATE_COLORS: Record<string, { fill: string; stroke: string; dashed?: boolean }> = {
  ready: { fill: '#d9f2dd', stroke: '#2e7d32' },
  claimed: { fill: '#fff1c2', stroke: '#b58900' },
  running: { fill: '#ffd27a', stroke: '#c77700' },
  closed: { fill: '#dfe7f5', stroke: '#4a6fa5' },
  failed: { fill: '#f8d0d0', stroke: '#c62828' },
  blocked: { fill: '#ececec', stroke: '#8a8a8a' },
  deferred: { fill: '#f1ecfa', stroke: '#7e57c2' },
  proposed: { fill: '#e3f5f8', stroke: '#00838f', dashed: true },
  invalid: { fill: '#ffe3f1', stroke: '#ad1457', dashed: true },
  unknown: { fill: '#f5f5f5', stroke: '#b0b0b0' },
};

const STATE_RULES = Object.entries(STATE_COLORS)
  .map(
    ([state, c]) =>
      `.node.s-${state} rect{fill:${c.fill};stroke:${c.stroke};${c.dashed === true ? 'stroke-dasharray:5 3;' : ''}}` +
      `.sw.s-${state}{background:${c.fill};border-color:${c.stroke};${c.dashed === true ? 'border-style:dashed;' : ''}}`,
  )
  .join('\n');

export const APP_CSS = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f4f5f8}
h1{font-size:18px;margin:0}
h2{font-size:14px;margin:0 0 8px}
h3{font-size:13px;margin:0}
pre,code{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace}
.top{display:flex;gap:16px;align-items:center;padding:10px 16px;background:#1d2330;color:#fff;position:sticky;top:0;z-index:2}
.engine[data-engine=running]{color:#ffd27a}.engine[data-engine=idle]{color:#9ccc65}.engine[data-engine=stopped]{color:#ef9a9a}
.counts{color:#c5cad6}
.conn{margin-left:auto;font-size:12px}.conn[data-conn=open]{color:#9ccc65}.conn[data-conn=closed]{color:#ef9a9a}
.banner{background:#fff3cd;border-bottom:1px solid #e0c36c;padding:6px 16px;white-space:pre-wrap}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 440px;gap:12px;padding:12px}
@media (max-width:1000px){.layout{grid-template-columns:minmax(0,1fr)}}
.main-col,.side-col{display:flex;flex-direction:column;gap:12px;min-width:0}
.card{background:#fff;border:1px solid #dde1ea;border-radius:8px;padding:12px;min-width:0}
.empty{color:#7a8194;margin:0}
.legend{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:8px}
.legend-item{display:inline-flex;align-items:center;gap:4px}
.sw{display:inline-block;width:14px;height:14px;border:2px solid;border-radius:3px}
.graph{overflow:auto;max-height:72vh;border:1px solid #eef0f5;border-radius:6px;background:#fbfcfe}
.graph svg{display:block}
.lane-bg{fill:#f6f8fc;stroke:#e3e7f0}
.lane-title{font-weight:600;font-size:13px;fill:#1d2330}
.lane-count{fill:#7a8194;font-weight:400;font-size:11px}
.col-label{font-size:11px;fill:#7a8194;text-transform:uppercase;letter-spacing:.04em}
.edges{fill:none;stroke:#9aa3b5;stroke-width:1.2}
.edges.cross{stroke:#7e57c2;stroke-dasharray:4 3}
.node{cursor:pointer}
.node rect{stroke-width:1.5}
.node .id{font:10px ui-monospace,monospace;fill:#55607a}
.node .title{font-size:12px;fill:#1d2330}
.node.sel rect{stroke:#1d2330;stroke-width:3}
.node.s-running rect{animation:pulse 1.2s ease-in-out infinite alternate}
@keyframes pulse{from{stroke-width:1.5}to{stroke-width:3.5}}
${STATE_RULES}
.runs{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:10px}
.sandbox{border:1px solid #e0c36c;border-radius:6px;overflow:hidden;background:#fffdf5}
.sandbox h3{padding:6px 8px;background:#fff1c2;display:flex;gap:8px}
.sandbox[data-phase=validating] h3{background:#e8f5e9}
.output{margin:0;padding:8px;height:220px;overflow:auto;white-space:pre-wrap;word-break:break-word;background:#1d2330;color:#e6e9ef}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eef0f5;vertical-align:top;word-break:break-word}
th{font-weight:600;color:#55607a}
.diff{margin:6px 0 0;padding:8px;max-height:420px;overflow:auto;background:#fafbfd;border:1px solid #eef0f5;white-space:pre}
.diff .add{color:#1b5e20;background:#e8f5e9;display:inline-block;min-width:100%}
.diff .del{color:#b71c1c;background:#ffebee;display:inline-block;min-width:100%}
.diff .hunk{color:#6a1b9a}.diff .meta{color:#55607a;font-weight:600}
.json{margin:6px 0 0;padding:8px;max-height:260px;overflow:auto;background:#fafbfd;border:1px solid #eef0f5;white-space:pre-wrap}
.detail{position:relative}.detail .close{position:absolute;top:10px;right:10px}
.detail dl{display:grid;grid-template-columns:90px 1fr;gap:2px 8px;margin:0 0 8px}
.detail dt{color:#55607a}.detail dd{margin:0;word-break:break-word}
.run-list{list-style:none;padding:0;margin:0}
.run-list li{padding:3px 0;border-bottom:1px solid #eef0f5}
button{font:inherit;cursor:pointer;border:1px solid #c8cedb;background:#fff;border-radius:4px;padding:1px 6px}
button.link{border:none;background:none;color:#1a56c4;padding:0}
details{border-bottom:1px solid #eef0f5;padding:4px 0}
summary{cursor:pointer}
.muted{color:#7a8194}
.outcome-landed{color:#2e7d32}.outcome-failed,.outcome-rejected,.outcome-conflict{color:#c62828}
`;
