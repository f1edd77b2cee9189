import { relative } from 'node:path';
import type { WorkspaceConfig } from './schema.js';
import type { LocatedYaml } from './yaml-lines.js';

/**
 * Rules the schema alone cannot say: names and paths unique, peers and share
 * naming real projects, and the consent between them (SPEC §3.5: the reader
 * lists the peer in `peers`, the owner lists the reader in `share`).
 */

export interface RuleProblem {
  line: number;
  message: string;
  hint?: string;
}

export function checkWorkspaceRules(config: WorkspaceConfig, located: Pick<LocatedYaml, 'lineOf'>): { errors: RuleProblem[]; warnings: RuleProblem[] } {
  const errors: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  const byName = new Map<string, number>();
  const byPath = new Map<string, string>();

  config.projects.forEach((project, index) => {
    const lineOf = (...path: (string | number)[]) => located.lineOf(['projects', index, ...path]);
    if (byName.has(project.name)) {
      errors.push({ line: lineOf('name'), message: `project name "${project.name}" is used twice`, hint: 'give each project its own name' });
    }
    byName.set(project.name, index);
    const other = byPath.get(project.path);
    if (other !== undefined) {
      errors.push({ line: lineOf('path'), message: `project ${project.name} has the same path as ${other} (${project.path})`, hint: 'register each repository once' });
    } else byPath.set(project.path, project.name);
    if (project.path === config.knowledge) {
      errors.push({ line: lineOf('path'), message: `project ${project.name} is the knowledge repo (${project.path})`, hint: 'the knowledge repo is not a project' });
    }
    if (project.path === config.root || !relative(project.path, config.root).startsWith('..') && relative(project.path, config.root) !== '') {
      warnings.push({ line: lineOf('path'), message: `project ${project.name} contains the workspace itself (${project.path})` });
    }
    if (project.maxAgents > config.maxAgents) {
      warnings.push({ line: lineOf('maxAgents'), message: `project ${project.name} allows ${project.maxAgents} agents but the workspace caps all at ${config.maxAgents}` });
    }
    if (project.network === 'full') {
      warnings.push({ line: lineOf('network'), message: `project ${project.name} shares the host network with its agents (network: full)` });
    }
  });

  config.projects.forEach((project, index) => {
    project.peers.forEach((peer, at) => {
      const line = located.lineOf(['projects', index, 'peers', at]);
      const target = config.projects.find((candidate) => candidate.name === peer);
      if (peer === project.name) errors.push({ line, message: `project ${project.name} lists itself in peers` });
      else if (target === undefined) errors.push({ line, message: `peer "${peer}" of project ${project.name} is not a project`, hint: `known projects: ${[...byName.keys()].join(', ')}` });
      else if (!target.share.includes('*') && !target.share.includes(project.name)) {
        warnings.push({ line, message: `${project.name} lists ${peer} in peers, but ${peer} does not share with ${project.name}: no snapshot will be given`, hint: `add ${project.name} to ${peer}'s share list if it should see it` });
      }
    });
    project.share.forEach((reader, at) => {
      if (reader === '*' || byName.has(reader)) return;
      errors.push({ line: located.lineOf(['projects', index, 'share', at]), message: `share entry "${reader}" of project ${project.name} is not a project`, hint: 'use project names or "*"' });
    });
  });
  return { errors, warnings };
}
