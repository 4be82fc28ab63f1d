/**
 * Sliding one-second windows keyed by name, on the emulator's clock: how many requests a key
 * admitted in the last second, and how long until the oldest of them leaves the window.
 */
export const WINDOW_MS = 1000;

export class SlidingWindows {
  private readonly windows = new Map<string, number[]>();

  /** The admitted requests of `key` still inside the window at `now` (older ones are forgotten). */
  recent(key: string, now: number): number[] {
    const kept = (this.windows.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    this.windows.set(key, kept);
    return kept;
  }

  /** With `limit` requests a window: undefined when `key` may go on, else the ms until it may. */
  retryAfterMs(key: string, limit: number, now: number): number | undefined {
    const recent = this.recent(key, now);
    if (recent.length < limit) return undefined;
    // The window frees a place when its oldest request leaves it; at least 1 ms.
    return Math.max(1, (recent[recent.length - limit] ?? now) + WINDOW_MS - now);
  }

  add(key: string, now: number): void {
    this.recent(key, now).push(now);
  }

  clear(): void {
    this.windows.clear();
  }
}
