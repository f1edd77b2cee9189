import { OrchError } from '../../src/errors/index.js';
import type {
  BeadInfo,
  ClaimInfo,
  DashboardSource,
  ProblemInfo,
  ProjectInfo,
  ProposalInfo,
  RunRecordInfo,
} from '../../src/ui/source.js';

/** A DashboardSource whose answers a test sets by hand, counting the calls. */
export class ScriptedSource implements DashboardSource {
  projectList: ProjectInfo[] = [];
  beadList: BeadInfo[] = [];
  claimList: ClaimInfo[] = [];
  proposalList: ProposalInfo[] = [];
  problemList: ProblemInfo[] = [];
  runRecords = new Map<string, RunRecordInfo[]>();
  diffs = new Map<string, string>();
  calls = { projects: 0, beads: 0, claims: 0, proposals: 0, problems: 0, runs: 0, runDiff: 0 };
  /** When set, beads() rejects with it. */
  beadsError: Error | undefined;
  /** Delay every list answer by this many ms (to make queries overlap). */
  delayMs = 0;

  async projects(): Promise<ProjectInfo[]> {
    this.calls.projects += 1;
    await this.pause();
    return structuredClone(this.projectList);
  }

  async beads(): Promise<BeadInfo[]> {
    this.calls.beads += 1;
    await this.pause();
    if (this.beadsError !== undefined) throw this.beadsError;
    return structuredClone(this.beadList);
  }

  async claims(): Promise<ClaimInfo[]> {
    this.calls.claims += 1;
    return structuredClone(this.claimList);
  }

  async runs(project: string, bead: string): Promise<RunRecordInfo[]> {
    this.calls.runs += 1;
    await this.pause();
    const records = this.runRecords.get(`${project}/${bead}`);
    if (records === undefined) throw new OrchError('BEAD_NOT_FOUND', `no bead ${project}/${bead}`);
    return structuredClone(records);
  }

  async runDiff(project: string, runCommit: string): Promise<string> {
    this.calls.runDiff += 1;
    const diff = this.diffs.get(`${project}/${runCommit}`);
    if (diff === undefined) throw new OrchError('REF_INVALID', `no run ${runCommit} in ${project}`);
    return diff;
  }

  async proposals(): Promise<ProposalInfo[]> {
    this.calls.proposals += 1;
    return structuredClone(this.proposalList);
  }

  async problems(): Promise<ProblemInfo[]> {
    this.calls.problems += 1;
    return structuredClone(this.problemList);
  }

  setState(project: string, id: string, state: string, status = state === 'closed' ? 'closed' : 'open'): void {
    this.beadList = this.beadList.map((b) => (b.project === project && b.id === id ? { ...b, state, status } : b));
  }

  private pause(): Promise<void> {
    return this.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.delayMs)) : Promise.resolve();
  }
}

export function project(name: string): ProjectInfo {
  return { name, path: `/work/${name}`, branch: 'main', network: 'none', warnings: [] };
}

export function bead(projectName: string, id: string, partial: Partial<BeadInfo> = {}): BeadInfo {
  return { project: projectName, id, title: `Bead ${id}`, status: 'open', state: 'ready', priority: 2, deps: [], files: [], blockedBy: [], ...partial };
}

/** `count` beads in chains of ten: closed, then running, ready in waves, then blocked. */
export function manyBeads(projectName: string, count: number): BeadInfo[] {
  const out: BeadInfo[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${projectName}-${i.toString(36).padStart(4, '0')}`;
    const inChain = i % 10;
    const deps = inChain === 0 ? [] : [out[i - 1]!.id];
    const state = i < count * 0.6 ? 'closed' : inChain === 0 ? (i % 20 === 0 ? 'ready' : 'running') : 'blocked';
    out.push(bead(projectName, id, { title: `Task number ${i} with a longish title`, state, status: state === 'closed' ? 'closed' : 'open', deps, priority: i % 5, ...(state === 'ready' ? { wave: 1 + (i % 3) } : {}) }));
  }
  return out;
}
