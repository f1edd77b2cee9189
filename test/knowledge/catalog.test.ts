import { describe, expect, it } from 'vitest';
import { approveLesson } from '../../src/knowledge/approve.js';
import { listLessons, showLesson } from '../../src/knowledge/catalog.js';
import { proposeLesson } from '../../src/knowledge/propose.js';
import { rejectLesson } from '../../src/knowledge/reject.js';
import { lessonText, makeKnowledgeRepo } from './support.js';

describe('listLessons and showLesson', () => {
  it('lists approved lessons, pending proposals and rejections', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await proposeLesson(repo, { content: lessonText({ id: 'kept', title: 'Kept', project: 'api' }) });
    await approveLesson(repo, 'kept', { as: 'alice' });
    await proposeLesson(repo, { content: lessonText({ id: 'waiting', title: 'Waiting', project: 'web' }) });
    await proposeLesson(repo, { content: lessonText({ id: 'dropped', project: 'web' }) });
    await rejectLesson(repo, 'web/dropped', { reason: 'duplicate of kept' });
    const listing = await listLessons(repo);
    expect(listing.verification.ok).toBe(true);
    expect(listing.approved.map((a) => [a.id, a.lesson?.title, a.reviewer])).toEqual([['kept', 'Kept', 'alice']]);
    expect(listing.proposals.map((p) => [p.id, p.lesson?.title])).toEqual([['web/waiting', 'Waiting']]);
    expect(listing.rejected.map((r) => [r.id, r.reason])).toEqual([['web/dropped', 'duplicate of kept']]);
  });

  it('shows an approved lesson, and a proposal with its diff against main', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await proposeLesson(repo, { content: lessonText({ id: 'a', project: 'api' }) });
    await approveLesson(repo, 'api/a', { as: 'alice' });
    await proposeLesson(repo, { content: lessonText({ id: 'b', project: 'api', body: 'Only b.' }) });
    const approved = await showLesson(repo, 'a');
    expect(approved).toMatchObject({ kind: 'approved', id: 'a', reviewer: 'alice' });
    const proposal = await showLesson(repo, 'api/b');
    expect(proposal.kind).toBe('proposal');
    if (proposal.kind === 'proposal') {
      expect(proposal.diff).toContain('+++ b/lessons/b.md');
      expect(proposal.diff).toContain('+Only b.');
      expect(proposal.diff).not.toContain('lessons/a.md');
    }
    await expect(showLesson(repo, 'nope')).rejects.toMatchObject({ code: 'LESSON_NOT_FOUND' });
  });
});
