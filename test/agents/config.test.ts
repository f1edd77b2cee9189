import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../src/agents/config.js';

describe('agentConfigSchema', () => {
  it('accepts each preset and a command array', () => {
    for (const preset of ['script', 'claude', 'codex', 'aider', 'gemini']) expect(agentConfigSchema.parse(preset)).toBe(preset);
    expect(agentConfigSchema.parse(['my-agent', '--prompt', '{prompt_file}', ''])).toEqual(['my-agent', '--prompt', '{prompt_file}', '']);
  });

  it('refuses an unknown preset with a message naming the choices', () => {
    const result = agentConfigSchema.safeParse('claude-code');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('script, claude, codex, aider, gemini');
  });

  it('refuses an empty array, an empty program, a NUL byte and non-strings', () => {
    expect(agentConfigSchema.safeParse([]).error?.issues[0]?.message).toContain('at least the program');
    expect(agentConfigSchema.safeParse(['', 'x']).error?.issues[0]?.message).toContain('program');
    expect(agentConfigSchema.safeParse(['a', 'b\0c']).success).toBe(false);
    expect(agentConfigSchema.safeParse(['a', 3]).success).toBe(false);
    expect(agentConfigSchema.safeParse(42).success).toBe(false);
  });
});
