import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { findListedReviewer, parseReviewers, reviewerOfTrailer, serializeReviewers } from '../../src/knowledge/reviewers.js';

describe('reviewers file', () => {
  it('reads one name a line, skipping comments, blanks and repeats', () => {
    expect(parseReviewers('# who\nalice\n\n  bob  # the second\nalice\n')).toEqual(['alice', 'bob']);
  });

  it('round-trips what it writes', () => {
    expect(parseReviewers(serializeReviewers(['alice', 'b.ob_2']))).toEqual(['alice', 'b.ob_2']);
  });

  it('names the line of an entry that is not a plain name', () => {
    try {
      parseReviewers('alice\nbob smith\n', 'reviewers.txt');
      expect.unreachable();
    } catch (error) {
      expect(isOrchError(error, 'KNOWLEDGE_INVALID')).toBe(true);
      expect((error as { location?: unknown }).location).toEqual({ file: 'reviewers.txt', line: 2 });
    }
  });

  it('refuses to write a name the hook could not match', () => {
    expect(() => serializeReviewers(['alice', '.*'])).toThrow();
  });

  it('takes the name from a Reviewed-by value with or without an address', () => {
    expect(reviewerOfTrailer('alice')).toBe('alice');
    expect(reviewerOfTrailer('  alice <alice@example.com> ')).toBe('alice');
    expect(findListedReviewer(['mallory', 'alice <a@x>'], ['alice'])).toBe('alice');
    expect(findListedReviewer(['Alice'], ['alice'])).toBeUndefined();
    expect(findListedReviewer([''], ['alice'])).toBeUndefined();
  });
});
