/**
 * Wakes the job runner when the next flush is due. The runner polls every JOB_POLL_MS (1 s by
 * default), which would add up to a second to every quiet message's wait; a timer set for the
 * flush job's due time starts it on the dot instead. One timer per process, for the earliest time
 * asked; a time already past kicks at once.
 */
export class FlushWaker {
  private timer: NodeJS.Timeout | undefined;
  private at = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly kick: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  wakeAt(at: number | null): void {
    if (at === null || this.stopped) return;
    const now = this.clock();
    if (at <= now) {
      this.kick();
      return;
    }
    if (at >= this.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.kick();
    }, at - now);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
