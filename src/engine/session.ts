import { hostname } from 'node:os';
import { OrchError } from '../errors/index.js';
import { CommitQueue } from '../git/commit-queue.js';
import { openRepo, type Repo } from '../git/repo.js';
import { resolveSandboxIdentity, type HostIdentity } from '../sandbox/index.js';
import { systemClock, type Clock } from '../sys/clock.js';
import type { ProjectConfig, WorkspaceConfig } from '../workspace/index.js';
import { BeadCatalog } from './catalog.js';
import { beadCacheDir } from './catalog-cache.js';
import { EventBus } from './events.js';
import { RemoteLink } from './remote-link.js';
import { runDirsOf, type RunDirs } from './run-dirs.js';
import { ViewCache } from './view-cache.js';

/**
 * One open workspace: its config, its repos (opened once, shared), the bead
 * catalog and the event bus. The runner, the watcher and the CLI's queries
 * all go through a session; close() ends every git child it started.
 */
export interface SessionOptions {
  bus?: EventBus;
  clock?: Clock;
  /** Who claims beads: default `orch@<host>:<pid>`. */
  holder?: string;
  /** The host uid/gid sandboxes run as when orch is root (default: nobody). */
  identity?: HostIdentity;
}

export class Session {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly dirs: RunDirs;
  readonly catalog: BeadCatalog;
  readonly holder: string;
  readonly host = hostname();
  readonly identity: HostIdentity | undefined;
  /** Every commit orch makes on a project branch goes through here: one writer per repo, fair across repos. */
  readonly commits = new CommitQueue();
  /** The graph, ready set and wave plan of the last workspace view, updated from one view to the next. */
  readonly views = new ViewCache();
  private readonly repos = new Map<string, Promise<Repo>>();
  private readonly links = new Map<string, Promise<RemoteLink>>();

  constructor(
    readonly config: WorkspaceConfig,
    options: SessionOptions = {},
  ) {
    this.bus = options.bus ?? new EventBus();
    this.clock = options.clock ?? systemClock;
    this.dirs = runDirsOf(config.root);
    this.catalog = new BeadCatalog({ cacheDir: beadCacheDir(config.root) });
    this.holder = options.holder ?? `orch@${this.host}:${process.pid}`;
    this.identity = resolveSandboxIdentity(options.identity);
  }

  project(name: string): ProjectConfig {
    const project = this.config.projects.find((p) => p.name === name);
    if (project === undefined) {
      throw new OrchError('PROJECT_UNKNOWN', `no project named ${name} in ${this.config.file}`, {
        hint: `known projects: ${this.config.projects.map((p) => p.name).join(', ') || '(none)'}`,
      });
    }
    return project;
  }

  repo(name: string): Promise<Repo> {
    let repo = this.repos.get(name);
    if (repo === undefined) {
      const project = this.project(name);
      repo = openRepo(project.path, { clock: this.clock });
      repo.catch(() => this.repos.delete(name));
      this.repos.set(name, repo);
    }
    return repo;
  }

  /** The project's link to its shared remote, or undefined when it has none. */
  async remote(name: string): Promise<RemoteLink | undefined> {
    const project = this.project(name);
    const remote = project.remote;
    if (remote === undefined) return undefined;
    let link = this.links.get(name);
    if (link === undefined) {
      link = this.repo(name).then((repo) => new RemoteLink({ ...project, remote }, repo, this.bus));
      link.catch(() => this.links.delete(name));
      this.links.set(name, link);
    }
    return link;
  }

  /** Fetch every remote project's branch and claims (in parallel); true when something changed. */
  async refreshRemotes(projects: readonly string[] = this.config.projects.map((p) => p.name)): Promise<boolean> {
    const results = await Promise.all(
      projects.map(async (name) => {
        try {
          const link = await this.remote(name);
          return link === undefined ? false : (await link.refresh()).changed;
        } catch {
          return false;
        }
      }),
    );
    return results.some(Boolean);
  }

  async close(): Promise<void> {
    const repos = [...this.repos.values()];
    this.repos.clear();
    await this.catalog.close();
    await Promise.all(repos.map(async (repo) => (await repo.catch(() => undefined))?.close()));
  }
}
