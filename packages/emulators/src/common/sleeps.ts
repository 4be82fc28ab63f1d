/**
 * Sleeps that can all be ended at once, so an emulator closes promptly instead of waiting out a
 * retry delay or a held request.
 */
export class Sleeps {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  /** Ends every sleep now (each resolves). */
  wakeAll(): void {
    for (const [t, wake] of this.timers) {
      clearTimeout(t);
      wake();
    }
    this.timers.clear();
  }
}
