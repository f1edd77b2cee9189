import { z } from 'zod';

/**
 * The `agent` field of a project in `.orch/workspace.yaml`: a preset name or
 * a command array whose elements may hold `{prompt_file}` and `{bead_file}`.
 */

export const PRESET_NAMES = ['script', 'claude', 'codex', 'aider', 'gemini'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const DEFAULT_AGENT: PresetName = 'script';

const AGENT_EXPECTED = `agent must be one of ${PRESET_NAMES.join(', ')}, or a command array like [my-agent, "{prompt_file}"]`;

const presetSchema = z.enum(PRESET_NAMES, { error: AGENT_EXPECTED });

const commandSchema = z
  .array(z.string().refine((arg) => !arg.includes('\0'), { error: 'a command argument may not contain a NUL byte' }), {
    error: 'agent must be a preset name or an array of strings',
  })
  .min(1, { error: 'an agent command array needs at least the program to run' })
  .refine((argv) => (argv[0] ?? '').trim() !== '', { error: 'the first element of an agent command (the program) may not be empty' });

export const agentConfigSchema = z.union([presetSchema, commandSchema], { error: AGENT_EXPECTED });

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export function isPresetName(value: string): value is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(value);
}
