import { isOrchError } from '../errors/index.js';
import { CatFile } from '../git/cat-file.js';
import { git } from '../git/exec.js';
import { LESSONS_DIR } from './knowledge-repo.js';
import { LESSON_ID, parseLesson, type Lesson } from './lesson-schema.js';
import { listTree } from './plumbing.js';
import { reviewerOfTrailer } from './reviewers.js';

/**
 * The approved lessons on a main commit, newest first: ordered by the
 * first-parent commit (the reviewed merge) that last changed each file.
 */

export interface ApprovedLesson {
  id: string;
  path: string;
  text: string;
  /** Undefined when the file on main fails the schema (`problem` says why). */
  lesson?: Lesson;
  problem?: string;
  /** The merge on main that last brought this file in, and who reviewed it. */
  merge?: string;
  reviewer?: string;
}

interface Touch {
  commit: string;
  reviewer: string | undefined;
}

/** For each lessons/ path, the newest first-parent commit that changed it. */
async function lastTouches(repo: string, head: string): Promise<Map<string, Touch>> {
  const out = await git(repo, [
    'log',
    '--no-show-signature',
    '--first-parent',
    '--diff-merges=first-parent',
    '--no-renames',
    '--format=%x01%H%x00%(trailers:key=Reviewed-by,valueonly,separator=%x1f)',
    '--name-only',
    head,
    '--',
    `${LESSONS_DIR}/`,
  ]);
  const touches = new Map<string, Touch>();
  for (const record of out.stdout.split('\x01')) {
    if (record === '') continue;
    const [header = '', ...paths] = record.split('\n');
    const [commit = '', trailers = ''] = header.split('\0');
    const reviewer = trailers.split('\x1f').map(reviewerOfTrailer).find((name) => name !== '');
    for (const path of paths) {
      if (path !== '' && !touches.has(path)) touches.set(path, { commit, reviewer });
    }
  }
  return touches;
}

export async function readApprovedLessons(repo: string, head: string): Promise<ApprovedLesson[]> {
  const entries = (await listTree(repo, `${head}:${LESSONS_DIR}`)).filter((entry) => entry.type === 'blob' && entry.name.endsWith('.md'));
  if (entries.length === 0) return [];
  const touches = await lastTouches(repo, head);
  const cat = new CatFile(repo);
  let blobs;
  try {
    blobs = await cat.readMany(entries.map((entry) => entry.oid));
  } finally {
    await cat.close();
  }
  const lessons = entries.map((entry, index): ApprovedLesson => {
    const path = `${LESSONS_DIR}/${entry.name}`;
    const id = entry.name.slice(0, -3);
    const text = blobs[index]?.data.toString('utf8') ?? '';
    const touch = touches.get(path);
    const base: ApprovedLesson = { id, path, text, ...(touch === undefined ? {} : { merge: touch.commit }), ...(touch?.reviewer === undefined ? {} : { reviewer: touch.reviewer }) };
    if (!LESSON_ID.test(id)) return { ...base, problem: `file name ${entry.name} is not <slug>.md` };
    try {
      const lesson = parseLesson(text, path);
      if (lesson.id !== id) return { ...base, problem: `id ${lesson.id} does not match the file name` };
      return { ...base, lesson };
    } catch (error) {
      if (isOrchError(error, 'LESSON_INVALID')) return { ...base, problem: error.message };
      throw error;
    }
  });
  // Newest first: the order of the first-parent log; files it never saw go last.
  const order = new Map<string, number>([...touches.keys()].map((path, index) => [path, index]));
  return lessons.sort((a, b) => (order.get(a.path) ?? Infinity) - (order.get(b.path) ?? Infinity) || a.id.localeCompare(b.id));
}
