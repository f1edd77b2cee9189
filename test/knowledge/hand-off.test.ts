import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { handOffAgentLessons, isAgentLessonPath } from '../../src/knowledge/hand-off.js';
import { lessonText, makeKnowledgeRepo } from './support.js';

describe('handOffAgentLessons', () => {
  it("turns an agent's lesson file into a proposal branch with the agent's project and bead as source", async () => {
    const repo = await makeKnowledgeRepo();
    const content = Buffer.from(lessonText({ id: 'retry-flaky-fetch', title: 'Retry the flaky fetch once' }));
    const result = await handOffAgentLessons(repo, { project: 'api', bead: 'api-k3f9' }, [{ path: '.agents/lessons/retry-flaky-fetch.md', content }]);
    expect(result.refused).toEqual([]);
    expect(result.accepted).toMatchObject([{ id: 'api/retry-flaky-fetch', branch: 'proposals/api/retry-flaky-fetch', path: '.agents/lessons/retry-flaky-fetch.md' }]);
    const stored = (await git(repo, ['show', 'proposals/api/retry-flaky-fetch:lessons/retry-flaky-fetch.md'])).stdout;
    expect(stored).toContain('source: {project: api, bead: api-k3f9}');
    expect((await git(repo, ['log', '-1', '--format=%B', 'proposals/api/retry-flaky-fetch'])).stdout).toContain('Bead: api-k3f9');
  });

  it('judges each file on its own: bad paths, secrets, spoofed sources and bad slugs are refused with reasons', async () => {
    const repo = await makeKnowledgeRepo();
    const files = [
      { path: '.agents/lessons/good.md', content: lessonText({ id: 'good' }) },
      { path: '.agents/lessons/nested/deep.md', content: lessonText({ id: 'deep' }) },
      { path: '.agents/lessons/notes.txt', content: 'hi' },
      { path: '.agents/lessons/leak.md', content: lessonText({ id: 'leak', body: `Token ${'xoxb'}-123456789012-abcdefABCDEF123456` }) },
      { path: '.agents/lessons/spoof.md', content: lessonText({ id: 'spoof', project: 'web' }) },
      { path: '.agents/lessons/Bad_Name.md', content: lessonText({ id: 'bad-name' }) },
    ];
    const result = await handOffAgentLessons(repo, { project: 'api', bead: 'api-1' }, files);
    expect(result.accepted.map((a) => a.id)).toEqual(['api/good']);
    expect(result.refused.map((r) => [r.path, r.code])).toEqual([
      ['.agents/lessons/nested/deep.md', 'LESSON_INVALID'],
      ['.agents/lessons/notes.txt', 'LESSON_INVALID'],
      ['.agents/lessons/leak.md', 'LESSON_REFUSED'],
      ['.agents/lessons/spoof.md', 'LESSON_REFUSED'],
      ['.agents/lessons/Bad_Name.md', 'LESSON_INVALID'],
    ]);
    expect(result.refused[2]?.reason).toContain('slack-token');
    expect((await git(repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/proposals/'])).stdout.trim()).toBe('refs/heads/proposals/api/good');
  });

  it('tells the engine which output paths are lesson files', () => {
    expect(isAgentLessonPath('.agents/lessons/x.md')).toBe(true);
    expect(isAgentLessonPath('.agents/beads/api-1.md')).toBe(false);
    expect(isAgentLessonPath('src/.agents/lessons/x.md')).toBe(false);
  });
});
