import type { Clock } from '../../sys/clock.js';

/**
 * Watcher-triggered work, once at a time per key, with bursts coalesced
 * (STYLE habit 7): a poke schedules a run after its delay; pokes that arrive
 * before it starts merge into it (the earliest due time wins); pokes that
 * arrive while it runs queue exactly one rerun, which starts when the run
 * ends (not before its own due time). Keys run independently of each other.
 * Time comes from `clock`, so tests drive it on a virtual clock.
 */

export interface CoalescerOptions<E> {
  clock: Clock;
  run(key: string, event: E): Promise<void> | void;
  /** The event a merged run reports, given the pending one and a new one. */
  merge(pending: E, next: E): E;
  /** A run that threw; the loop goes on. */
  onError(error: unknown, key: string, event: E): void;
}

interface Slot<E> {
  pending: { event: E; dueAt: number } | undefined;
  timer: AbortController | undefined;
  running: Promise<void> | undefined;
}

export class Coalescer<E> {
  private readonly slots = new Map<string, Slot<E>>();
  private stopped = false;

  constructor(private readonly options: CoalescerOptions<E>) {}

  /** Asks for a run of `key` in `delayMs` (0: as soon as the current one, if any, ends). */
  poke(key: string, event: E, delayMs = 0): void {
    if (this.stopped) return;
    const slot = this.slotOf(key);
    const dueAt = this.options.clock.now() + Math.max(0, delayMs);
    const pending = slot.pending;
    if (pending === undefined) {
      slot.pending = { event, dueAt };
    } else {
      pending.event = this.options.merge(pending.event, event);
      if (dueAt >= pending.dueAt) return;
      pending.dueAt = dueAt;
    }
    if (slot.running === undefined) this.arm(key, slot);
  }

  /** Whether anything is scheduled or running. */
  get busy(): boolean {
    for (const slot of this.slots.values()) if (slot.pending !== undefined || slot.running !== undefined) return true;
    return false;
  }

  /** Drops what is scheduled and waits for what runs. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      slot.timer?.abort();
      slot.timer = undefined;
      slot.pending = undefined;
      if (slot.running !== undefined) running.push(slot.running);
    }
    await Promise.all(running);
  }

  private slotOf(key: string): Slot<E> {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { pending: undefined, timer: undefined, running: undefined };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private arm(key: string, slot: Slot<E>): void {
    slot.timer?.abort();
    const pending = slot.pending;
    if (pending === undefined) return;
    const timer = new AbortController();
    slot.timer = timer;
    const wait = Math.max(0, pending.dueAt - this.options.clock.now());
    void this.options.clock.sleep(wait, timer.signal).then(() => {
      if (timer.signal.aborted || this.stopped) return;
      slot.timer = undefined;
      this.start(key, slot);
    });
  }

  private start(key: string, slot: Slot<E>): void {
    const pending = slot.pending;
    if (pending === undefined || slot.running !== undefined) return;
    slot.pending = undefined;
    slot.running = this.runOnce(key, pending.event).then(() => {
      slot.running = undefined;
      if (!this.stopped && slot.pending !== undefined) this.arm(key, slot);
    });
  }

  private async runOnce(key: string, event: E): Promise<void> {
    try {
      await this.options.run(key, event);
    } catch (error) {
      try {
        this.options.onError(error, key, event);
      } catch {
        // An error reporter that throws must not stop the loop.
      }
    }
  }
}
