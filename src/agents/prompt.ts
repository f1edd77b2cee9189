import { SANDBOX, sandboxBeadPath, type AgentInput, type AgentNetwork } from './types.js';

/**
 * The prompt file every preset and raw command gets at /orch/PROMPT.md: the
 * bead, its declared write scope, the lessons in scope, the peers available
 * read-only, and what the agent may and may not do. Pure.
 */

/** A fence longer than any run of backticks in the text, so quoted markdown cannot close it. */
function fenceFor(text: string): string {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function quoteBlock(text: string, info = ''): string {
  const fence = fenceFor(text);
  const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  return `${fence}${info}\n${body}${fence}`;
}

/** Inline code for a path or name (with a longer backtick run when the value holds backticks). */
function code(value: string): string {
  const ticks = '`'.repeat(value.includes('`') ? 2 : 1);
  return `${ticks}${value.replace(/[\r\n]/g, ' ')}${ticks}`;
}

/** The part of an id before its hash (`api-k3f9` -> `api`), for the example of a new bead id. */
function idPrefix(id: string): string {
  const cut = id.lastIndexOf('-');
  return cut > 0 ? id.slice(0, cut) : id;
}

function renderScope(input: AgentInput): string[] {
  const { files } = input.bead;
  if (files.length === 0) {
    return [
      'This bead declares no `files`: you may change any file of the project,',
      'except the protected paths listed under "Rules".',
    ];
  }
  return [
    'You may create, change or delete only files matching these globs (repo-relative, `**` spans directories):',
    '',
    ...files.map((glob) => `- ${code(glob)}`),
    '',
    'A change to any other file rejects the whole attempt.',
  ];
}

function renderPeers(input: AgentInput): string[] {
  if (input.peers.length === 0) return ['No other project is shared with this one.'];
  return [
    'Read-only snapshots of these projects (their committed files, secrets filtered out):',
    '',
    ...input.peers.map((peer) => `- ${code(`${SANDBOX.shared}/${peer}/`)} (project ${code(peer)})`),
    '',
    'Read them for context; you cannot change them, and nothing you write there is kept.',
  ];
}

function renderNetwork(network: AgentNetwork | undefined): string {
  if (network === undefined || network === 'none') return 'There is no network: only loopback. Do not try to download anything.';
  if (network === 'full') return 'The network is open, but use it only for what the task needs.';
  return `The network reaches only these hosts, through a proxy: ${network.allow.map(code).join(', ')}. Everything else is refused.`;
}

function renderRules(input: AgentInput): string[] {
  const prefix = idPrefix(input.bead.id);
  const bead = input.beadPathInProject;
  return [
    `- Work in ${code(SANDBOX.project)}, a private checkout of project ${code(input.projectName)}. Do not commit: orch collects your changes and lands them as one commit.`,
    '- Change only files in the scope above. Never touch `.git` (in any case, anywhere), `.shared/`, or an existing file under `.agents/beads/`,',
    `  including this bead's own file ${code(bead)}: orch closes the bead itself.`,
    '- Symlinks you add must point inside the project, with a relative target.',
    '- Never write secrets (keys, tokens, passwords, private keys) into any file: a change holding one is rejected.',
    `- ${renderNetwork(input.network)}`,
    '',
    'You may also:',
    '',
    `- Propose follow-up work as a new bead: a new file ${code(`.agents/beads/<new-id>.md`)} where ${code('<new-id>')} is`,
    `  ${code(`${prefix}-`)} followed by 4-8 random lowercase letters and digits, and the file name equals the id. It lands with`,
    '  `status: proposed`; a person decides whether to open it. Frontmatter:',
    '',
    quoteBlock(
      ['---', `id: ${prefix}-x7q2`, 'title: One line saying what to do', 'status: proposed', 'priority: 2', 'type: task', `deps: [${input.bead.id}]`, 'files: [path/or/glob/**]', '---', 'What to do, and how to tell it is done.'].join('\n'),
      'markdown',
    ),
    '',
    `- Propose a lesson for other agents: write ${code('.agents/lessons/<slug>.md')} (it is not added to the project; a`,
    '  reviewer decides whether it joins the shared lessons). One short, actionable paragraph, no secrets, under 4 KiB:',
    '',
    quoteBlock(
      ['---', 'id: <slug>', 'title: The lesson in one line', `scope: ["*"]`, 'tags: []', `source: {project: ${input.projectName}, bead: ${input.bead.id}}`, '---', 'One short, actionable paragraph.'].join('\n'),
      'markdown',
    ),
  ];
}

export function buildPrompt(input: AgentInput): string {
  const { bead } = input;
  const sections: string[][] = [
    [
      `# ${bead.title.replace(/[\r\n]+/g, ' ')}`,
      '',
      `You are an agent working on bead ${code(bead.id)} of project ${code(input.projectName)}.`,
      `Its file is ${code(sandboxBeadPath(input))}; its text, verbatim:`,
      '',
      quoteBlock(bead.body, 'markdown'),
    ],
    ['## Files you may change', '', ...renderScope(input)],
  ];
  if (bead.deps.length > 0) {
    sections.push(['## Done before this bead', '', ...bead.deps.map((dep) => `- ${code(dep)}`)]);
  }
  if (input.lessonsText.trim() !== '') {
    sections.push([
      '## Lessons',
      '',
      `Approved lessons from earlier work (also at ${code(SANDBOX.lessons)}):`,
      '',
      quoteBlock(input.lessonsText, 'markdown'),
    ]);
  }
  sections.push(['## Other projects', '', ...renderPeers(input)]);
  sections.push(['## Rules', '', ...renderRules(input)]);
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}
