import { OrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { LESSON_ID, PROJECT_NAME } from './lesson-schema.js';
import { PROPOSALS_PREFIX } from './knowledge-repo.js';

/** Proposal branches `proposals/<project>/<slug>`: naming, listing, finding one by id. */

export interface ProposalRef {
  /** "<project>/<slug>" */
  id: string;
  project: string;
  slug: string;
  /** Full ref name, refs/heads/proposals/<project>/<slug>. */
  ref: string;
  /** Branch name as people type it, proposals/<project>/<slug>. */
  branch: string;
  commit: string;
}

export function proposalRef(project: string, slug: string): string {
  return `${PROPOSALS_PREFIX}${project}/${slug}`;
}

function toProposal(ref: string, commit: string): ProposalRef | undefined {
  const rest = ref.slice(PROPOSALS_PREFIX.length).split('/');
  const [project, slug] = rest;
  if (rest.length !== 2 || project === undefined || slug === undefined) return undefined;
  if (!PROJECT_NAME.test(project) || !LESSON_ID.test(slug)) return undefined;
  return { id: `${project}/${slug}`, project, slug, ref, branch: ref.slice('refs/heads/'.length), commit };
}

/** Every well-named proposal branch, sorted by id. */
export async function listProposalRefs(repo: string): Promise<ProposalRef[]> {
  const out = await git(repo, ['for-each-ref', '--format=%(refname)%00%(objectname)', PROPOSALS_PREFIX]);
  const proposals: ProposalRef[] = [];
  for (const line of out.stdout.split('\n')) {
    const [ref, commit] = line.split('\0');
    if (ref === undefined || commit === undefined) continue;
    const proposal = toProposal(ref, commit);
    if (proposal !== undefined) proposals.push(proposal);
  }
  return proposals.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The proposal an id names: "<project>/<slug>", "proposals/<project>/<slug>",
 * or a bare slug when exactly one project proposed it.
 */
export async function findProposal(repo: string, id: string): Promise<ProposalRef | undefined> {
  const wanted = id.startsWith('proposals/') ? id.slice('proposals/'.length) : id;
  const all = await listProposalRefs(repo);
  if (wanted.includes('/')) return all.find((p) => p.id === wanted);
  const matches = all.filter((p) => p.slug === wanted);
  if (matches.length > 1) {
    throw new OrchError('USAGE', `${matches.length} projects proposed a lesson "${wanted}": ${matches.map((p) => p.id).join(', ')}`, {
      hint: `name one as <project>/<slug>, e.g. ${matches[0]?.id ?? ''}`,
    });
  }
  return matches[0];
}

export async function requireProposal(repo: string, id: string): Promise<ProposalRef> {
  const proposal = await findProposal(repo, id);
  if (proposal === undefined) {
    throw new OrchError('LESSON_NOT_FOUND', `no lesson proposal "${id}"`, { hint: 'see the pending proposals with `orch lessons list`' });
  }
  return proposal;
}
