/** A clock the test moves by hand: `sleep` resolves when `advance` passes its deadline. */
export interface ManualClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Moves the time on by `ms`, waking each sleeper at its deadline (in order) and letting it run. */
  advance(ms: number): Promise<void>;
  /** Sleeps not woken yet. */
  sleepers(): number;
}

/** Lets everything already due on the event loop run (promise callbacks included). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function manualClock(start = 0): ManualClock {
  let now = start;
  const timers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = end;
      await settle();
    },
    sleepers: () => timers.length,
  };
}
