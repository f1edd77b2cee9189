import { describe, expect, it } from 'vitest';
import { git, ORCH_IDENTITY } from '../../src/git/exec.js';
import { approveLesson } from '../../src/knowledge/approve.js';
import { parseLesson } from '../../src/knowledge/lesson-schema.js';
import { proposeLesson } from '../../src/knowledge/propose.js';
import { composeLessons, estimateTokens, renderLessons } from '../../src/knowledge/render.js';
import { lessonText, makeKnowledgeRepo, writeAndCommit } from './support.js';

async function approve(repo: string, id: string, fields: Parameters<typeof lessonText>[0]): Promise<void> {
  const proposal = await proposeLesson(repo, { content: lessonText(fields) });
  await approveLesson(repo, proposal.id, { as: 'alice' });
  expect(proposal.slug).toBe(id);
}

describe('renderLessons', () => {
  it('propose -> approve -> rendered for a project in scope and not for one out of scope', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await approve(repo, 'api-only', { id: 'api-only', title: 'Run the API migrations first', scope: ['api'], project: 'api', body: 'Before changing handlers, run npm run migrate.' });
    const forApi = await renderLessons(repo, 'api');
    expect(forApi.included).toEqual(['api-only']);
    expect(forApi.text).toContain('## Run the API migrations first');
    expect(forApi.text).toContain('Before changing handlers, run npm run migrate.');
    const forWeb = await renderLessons(repo, 'web');
    expect(forWeb.included).toEqual([]);
    expect(forWeb.text).not.toContain('migrations');
    expect(forWeb.text).toContain('No approved lessons apply to project `web`');
  });

  it('renders "*" lessons for every project, newest approval first, and never pending proposals', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await approve(repo, 'older', { id: 'older', project: 'api' });
    await approve(repo, 'web-thing', { id: 'web-thing', scope: ['web', 'api'], project: 'web' });
    await approve(repo, 'newest', { id: 'newest', project: 'web' });
    await proposeLesson(repo, { content: lessonText({ id: 'pending', project: 'api' }) });
    const rendered = await renderLessons(repo, 'api');
    expect(rendered.included).toEqual(['newest', 'web-thing', 'older']);
    expect(rendered.text.indexOf('Lesson newest')).toBeLessThan(rendered.text.indexOf('Lesson older'));
    expect(rendered.text).not.toContain('pending');
    expect((await renderLessons(repo, 'docs')).included).toEqual(['newest', 'older']);
  });

  it('stays within the token budget, keeping the newest', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    for (const id of ['l1', 'l2', 'l3']) await approve(repo, id, { id, project: 'api', body: `${id}: ${'Say exactly what to do. '.repeat(12)}` });
    const all = await renderLessons(repo, 'api');
    expect(all.included).toEqual(['l3', 'l2', 'l1']);
    const budget = all.tokens - 10;
    const some = await renderLessons(repo, 'api', { budgetTokens: budget });
    expect(some.included).toEqual(['l3', 'l2']);
    expect(some.omitted).toEqual(['l1']);
    expect(some.tokens).toBeLessThanOrEqual(budget);
    expect(estimateTokens(some.text)).toBe(some.tokens);
    const none = await renderLessons(repo, 'api', { budgetTokens: 30 });
    expect(none.included).toEqual([]);
    expect(none.omitted).toEqual(['l3', 'l2', 'l1']);
  });

  it('skips a file on main that fails the schema, and reports it', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await approve(repo, 'good', { id: 'good', project: 'api' });
    // A reviewed merge (e.g. a forge pull request) that brought a malformed lesson.
    await git(repo, ['checkout', '-q', '-b', 'pr']);
    await writeAndCommit(repo, { 'lessons/broken.md': '---\nid: broken\n---\nno title or scope\n' }, 'broken lesson', { hooks: false });
    await git(repo, ['checkout', '-q', 'main']);
    await git(repo, ['merge', '-q', '--no-ff', 'pr', '-m', 'Merge pull request #2\n\nReviewed-by: alice'], { env: ORCH_IDENTITY });
    const rendered = await renderLessons(repo, 'api');
    expect(rendered.included).toEqual(['good']);
    expect(rendered.invalid.map((i) => i.id)).toEqual(['broken']);
  });

  it('composes purely from parsed lessons', () => {
    const lesson = parseLesson(lessonText({ id: 'p', project: 'api', tags: ['npm'] }), 'p.md');
    const out = composeLessons([lesson], 'api', 'f'.repeat(40), 1500);
    expect(out.text).toMatch(/^# Lessons\n/);
    expect(out.text).toContain('<!-- id: p; scope: *; tags: npm -->');
    expect(out.tokens).toBe(Math.ceil(out.text.length / 4));
    expect(() => composeLessons([lesson], 'api', 'f', -1)).not.toThrow();
  });

  it('rejects a budget that is not a whole number', async () => {
    const repo = await makeKnowledgeRepo();
    await expect(renderLessons(repo, 'api', { budgetTokens: 1.5 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
