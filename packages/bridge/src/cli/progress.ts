/**
 * Progress output for command-line tools: a bar redrawn in place on a terminal, plain lines
 * (at most one per 10% and the last) when the output is a file or a pipe, so logs stay readable.
 */

export interface ProgressCounts {
  done: number;
  total: number;
  /** Shown after the bar, e.g. `invites 3  leaves 1  errors 0`. */
  detail: string;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const BAR_WIDTH = 30;

export function renderBar({ done, total, detail }: ProgressCounts, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const pct = String(Math.floor(ratio * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total} cases  ${detail}`;
}

export class Progress {
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly label: string,
  ) {}

  update(c: ProgressCounts): void {
    if (this.out.isTTY) {
      const line = `${this.label} ${renderBar(c)}`;
      this.out.write(`\r${line.slice(0, Math.max(20, (this.out.columns ?? 120) - 1))}\u001b[K`);
      this.drawn = true;
      return;
    }
    const decile = c.total > 0 ? Math.floor((c.done / c.total) * 10) : 10;
    // The last line (done === total) is decile 10, so it is always printed once.
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${this.label}: ${c.done}/${c.total} cases (${c.detail})\n`);
    }
  }

  /** Ends the bar's line (a TTY) so what follows starts on a new one. */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
