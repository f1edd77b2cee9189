/** The knowledge repo: lessons, proposals, review, verify, injection. */
export { findSecrets, describeSecrets, redact, type SecretFinding, type SecretKind } from './secrets.js';
export { shannonEntropy, findHighEntropy } from './secret-entropy.js';
export { parseLesson, LessonFrontmatterSchema, LESSON_ID, PROJECT_NAME, MAX_LESSON_BYTES, type Lesson, type LessonFrontmatter } from './lesson-schema.js';
export { parseReviewers, serializeReviewers, reviewerOfTrailer, REVIEWERS_FILE, REVIEWED_BY } from './reviewers.js';
export {
  createKnowledgeRepo,
  readMain,
  readReviewers,
  readPinnedRoot,
  pinRoot,
  findRoot,
  lessonPath,
  MAIN_REF,
  LESSONS_DIR,
  PROPOSALS_PREFIX,
  REJECTIONS_REF,
  type CreatedKnowledgeRepo,
} from './knowledge-repo.js';
export { checkLessonFile, type LessonCandidate, type CheckedLesson } from './proposal-check.js';
export { proposeLesson } from './propose.js';
export { handOffAgentLessons, isAgentLessonPath, AGENT_LESSONS_DIR, type AgentLessonFile, type HandOffResult, type RefusedLesson } from './hand-off.js';
export { approveLesson, type ApproveResult } from './approve.js';
export { rejectLesson, listRejections, type Rejection } from './reject.js';
export { verifyKnowledge, assertKnowledgeVerified, type Verification, type Offender } from './verify.js';
export { renderLessons, composeLessons, estimateTokens, DEFAULT_LESSON_BUDGET_TOKENS, type RenderedLessons } from './render.js';
export { listLessons, showLesson, type LessonListing, type ShownLesson, type PendingProposal } from './catalog.js';
export { findProposal, listProposalRefs, type ProposalRef } from './proposals.js';
export type { ApprovedLesson } from './approved.js';
