import { isOrchError, type ErrorCode } from '../errors/index.js';
import { proposeLesson } from './propose.js';
import type { ProposalRef } from './proposals.js';

/**
 * The engine's hand-off: lesson files an agent wrote in its sandbox
 * (`.agents/lessons/<slug>.md`) become proposals in the knowledge repo and
 * never land in the project. Each file is judged on its own; a refused one
 * does not stop the others.
 */

export const AGENT_LESSONS_DIR = '.agents/lessons/';

export interface AgentLessonFile {
  /** Repo-relative path in the sandbox's output, e.g. `.agents/lessons/pin-lockfile.md`. */
  path: string;
  content: string | Uint8Array;
}

export interface RefusedLesson {
  path: string;
  code: ErrorCode;
  reason: string;
}

export interface HandOffResult {
  accepted: (ProposalRef & { path: string })[];
  refused: RefusedLesson[];
}

/** Whether a path in an agent's output is a lesson file for the hand-off (and must not land in the project). */
export function isAgentLessonPath(path: string): boolean {
  return path.startsWith(AGENT_LESSONS_DIR);
}

export async function handOffAgentLessons(
  repo: string,
  origin: { project: string; bead: string },
  files: readonly AgentLessonFile[],
): Promise<HandOffResult> {
  const result: HandOffResult = { accepted: [], refused: [] };
  for (const file of files) {
    const name = file.path.slice(AGENT_LESSONS_DIR.length);
    if (!isAgentLessonPath(file.path) || name.includes('/') || !name.endsWith('.md')) {
      result.refused.push({ path: file.path, code: 'LESSON_INVALID', reason: `${file.path}: a lesson file is ${AGENT_LESSONS_DIR}<slug>.md` });
      continue;
    }
    try {
      const proposal = await proposeLesson(repo, {
        content: file.content,
        slug: name.slice(0, -3),
        project: origin.project,
        bead: origin.bead,
        file: file.path,
      });
      result.accepted.push({ ...proposal, path: file.path });
    } catch (error) {
      if (isOrchError(error) && (error.code === 'LESSON_INVALID' || error.code === 'LESSON_REFUSED')) {
        result.refused.push({ path: file.path, code: error.code, reason: error.message });
        continue;
      }
      throw error;
    }
  }
  return result;
}
