import { describe, expect, it } from 'vitest';
import { isOrchError, type OrchError } from '../../src/errors/index.js';
import { git } from '../../src/git/exec.js';
import { approveLesson } from '../../src/knowledge/approve.js';
import { createKnowledgeRepo } from '../../src/knowledge/knowledge-repo.js';
import { proposeLesson } from '../../src/knowledge/propose.js';
import type { LessonCandidate } from '../../src/knowledge/proposal-check.js';
import { verifyKnowledge } from '../../src/knowledge/verify.js';
import { tempDir } from '../support/tmp.js';
import { lessonText, makeKnowledgeRepo, revParse } from './support.js';

async function refusal(repo: string, candidate: LessonCandidate): Promise<OrchError> {
  try {
    await proposeLesson(repo, candidate);
  } catch (error) {
    if (isOrchError(error)) return error;
    throw error;
  }
  throw new Error('expected the proposal to be refused');
}

async function branches(repo: string): Promise<string[]> {
  return (await git(repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/'])).stdout.trim().split('\n');
}

describe('createKnowledgeRepo', () => {
  it('makes main with one root commit holding reviewers.txt, pinned, checked out, and verifying', async () => {
    const repo = await makeKnowledgeRepo(['alice', 'bob']);
    const root = await revParse(repo, 'main');
    expect((await git(repo, ['rev-list', '--count', 'main'])).stdout.trim()).toBe('1');
    expect((await git(repo, ['show', 'main:reviewers.txt'])).stdout).toMatch(/^alice\nbob\n$/m);
    expect((await git(repo, ['config', 'orch.root'])).stdout.trim()).toBe(root);
    expect((await git(repo, ['status', '--porcelain'])).stdout).toBe('');
    expect(await verifyKnowledge(repo)).toMatchObject({ ok: true, root, merges: 0 });
  });

  it('leaves an existing knowledge repo alone and refuses a directory holding something else', async () => {
    const repo = await makeKnowledgeRepo();
    const again = await createKnowledgeRepo(repo, ['mallory']);
    expect(again.created).toBe(false);
    expect((await git(repo, ['show', 'main:reviewers.txt'])).stdout).not.toContain('mallory');
    const other = await tempDir();
    await git(other, ['init', '-q']);
    await expect(createKnowledgeRepo(other, ['alice'])).rejects.toMatchObject({ code: 'KNOWLEDGE_INVALID' });
  });
});

describe('proposeLesson', () => {
  it('makes proposals/<project>/<slug>: one commit on main adding lessons/<slug>.md, main untouched', async () => {
    const repo = await makeKnowledgeRepo();
    const main = await revParse(repo, 'main');
    const text = lessonText({ id: 'pin-lockfile', project: 'api', bead: 'api-k3f9' });
    const proposal = await proposeLesson(repo, { content: text });
    expect(proposal).toMatchObject({ id: 'api/pin-lockfile', branch: 'proposals/api/pin-lockfile', project: 'api', slug: 'pin-lockfile' });
    expect(await revParse(repo, 'main')).toBe(main);
    expect(await revParse(repo, `${proposal.commit}^`)).toBe(main);
    expect((await git(repo, ['diff', '--name-status', main, proposal.commit])).stdout).toBe('A\tlessons/pin-lockfile.md\n');
    expect((await git(repo, ['show', `${proposal.branch}:lessons/pin-lockfile.md`])).stdout).toBe(text);
  });

  it('adds the source when the file has none, from the proposing project and bead', async () => {
    const repo = await makeKnowledgeRepo();
    const proposal = await proposeLesson(repo, { content: lessonText({ id: 'x1' }), project: 'web', bead: 'web-a1' });
    const stored = (await git(repo, ['show', `${proposal.commit}:lessons/x1.md`])).stdout;
    expect(stored).toContain('source: {project: web, bead: web-a1}\n---\n');
  });

  it('refuses schema errors with file and line', async () => {
    const repo = await makeKnowledgeRepo();
    const error = await refusal(repo, { content: lessonText({ id: 'x2', project: 'api' }).replace('tags: []', 'tags: []\nevil: 1'), file: 'notes/x2.md' });
    expect(error.code).toBe('LESSON_INVALID');
    expect(error.location).toEqual({ file: 'notes/x2.md', line: 6 });
  });

  it('refuses a file over 4 KiB', async () => {
    const repo = await makeKnowledgeRepo();
    const error = await refusal(repo, { content: lessonText({ id: 'big', project: 'api', body: 'Keep it short. '.repeat(300) }) });
    expect(error.code).toBe('LESSON_REFUSED');
    expect(error.message).toMatch(/at most 4096/);
  });

  it('refuses a lesson carrying an AWS key or a PEM private key, without repeating it', async () => {
    const repo = await makeKnowledgeRepo();
    const awsKey = `${'AKIA'}${'QWERTYUIOPASDFGH'}`;
    const aws = await refusal(repo, { content: lessonText({ id: 'aws', project: 'api', body: `Deploy with ${awsKey} from the ops vault.` }) });
    expect(aws.code).toBe('LESSON_REFUSED');
    expect(aws.message).toContain('aws-access-key-id');
    expect(aws.message).not.toContain(awsKey);
    const pem = [`-----BEGIN RSA ${'PRIVATE'} KEY-----`, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', `-----END RSA ${'PRIVATE'} KEY-----`].join('\n');
    const key = await refusal(repo, { content: lessonText({ id: 'pem', project: 'api', body: `Use this key:\n${pem}` }) });
    expect(key.code).toBe('LESSON_REFUSED');
    expect(key.message).toContain('private-key');
    expect(await branches(repo)).toEqual(['refs/heads/main']);
  });

  it('refuses a slug that is not a plain name, and an id that does not match the file name', async () => {
    const repo = await makeKnowledgeRepo();
    for (const slug of ['../escape', 'Upper', 'a/b', '-lead', '', 'x'.repeat(64)]) {
      expect((await refusal(repo, { content: lessonText({ id: 'ok', project: 'api' }), slug })).code).toBe('LESSON_INVALID');
    }
    const mismatch = await refusal(repo, { content: lessonText({ id: 'one', project: 'api' }), slug: 'two' });
    expect(mismatch.message).toMatch(/does not match its file name/);
    expect(await branches(repo)).toEqual(['refs/heads/main']);
  });

  it('refuses a source project that is not the proposing project', async () => {
    const repo = await makeKnowledgeRepo();
    const error = await refusal(repo, { content: lessonText({ id: 'spoof', project: 'web' }), project: 'api' });
    expect(error.code).toBe('LESSON_REFUSED');
    expect(error.message).toMatch(/source\.project web/);
  });

  it('refuses a duplicate of an approved lesson (same id, or same body) and a second pending proposal', async () => {
    const repo = await makeKnowledgeRepo();
    await proposeLesson(repo, { content: lessonText({ id: 'dup', project: 'api', body: 'Run   the migrations first.' }) });
    expect((await refusal(repo, { content: lessonText({ id: 'dup', project: 'api' }) })).message).toMatch(/already waiting for review/);
    await approveLesson(repo, 'api/dup', { as: 'alice' });
    expect((await refusal(repo, { content: lessonText({ id: 'dup', project: 'web' }) })).message).toMatch(/already approved/);
    const same = await refusal(repo, { content: lessonText({ id: 'dup2', project: 'web', body: 'Run the migrations\nfirst.' }) });
    expect(same.code).toBe('LESSON_REFUSED');
    expect(same.message).toMatch(/same as the approved lesson "dup"/);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const repo = await makeKnowledgeRepo();
    const bytes = Buffer.concat([Buffer.from(lessonText({ id: 'bin', project: 'api' })), Buffer.from([0xff, 0xfe])]);
    expect((await refusal(repo, { content: bytes })).code).toBe('LESSON_REFUSED');
  });
});
