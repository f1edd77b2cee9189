/**
 * SIGINT/SIGTERM for a long-running command (`orch watch`): the first one
 * aborts `signal` so the command stops cleanly (stop the intake, wait for
 * running work, release the watcher lock); a second one, while that is still
 * going on, calls `onRepeat` (default: exit at once with 128 + the signal number).
 */

export interface ShutdownSignals {
  /** Aborted on the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** Removes the handlers (call when the command is done). */
  dispose(): void;
}

interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const NUMBERS: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15 };

export function listenForShutdown(
  options: { source?: SignalSource; onRepeat?: (signal: NodeJS.Signals) => void } = {},
): ShutdownSignals {
  const source: SignalSource = options.source ?? process;
  const onRepeat = options.onRepeat ?? ((signal: NodeJS.Signals) => process.exit(128 + (NUMBERS[signal as 'SIGINT'] ?? 1)));
  const controller = new AbortController();
  const listener = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) onRepeat(signal);
    else controller.abort(signal);
  };
  for (const name of SIGNALS) source.on(name, listener);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) source.removeListener(name, listener);
    },
  };
}
