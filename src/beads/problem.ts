/**
 * A reason a bead is invalid: where, and what to do. Every command and the
 * watcher report these; an invalid bead is never run, rewritten or dropped.
 */

export type BeadProblemKind =
  | 'conflict' // merge conflict markers in the file
  | 'frontmatter' // no `---` block, or not closed
  | 'yaml' // the YAML does not parse
  | 'schema' // a key has a wrong type or value
  | 'id' // id does not match the file name
  | 'duplicate' // two files with the same id in a project
  | 'dep' // a dep names no bead
  | 'cycle' // the bead is in a dependency cycle
  | 'read'; // the file could not be read

export interface BeadProblem {
  kind: BeadProblemKind;
  /** The bead file (as the caller named it). */
  file: string;
  /** 1-based line. Always set: line 1 when the problem is the file as a whole. */
  line: number;
  reason: string;
  project?: string;
  /** The bead's id when it is known (from the frontmatter or the file name). */
  id?: string;
}

/** "file:line: reason", the one-line form commands print. */
export function formatBeadProblem(problem: BeadProblem): string {
  return `${problem.file}:${problem.line}: ${problem.reason}`;
}
