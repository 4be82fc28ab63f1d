/**
 * The job runner: leases up to `concurrency` runnable jobs of the kinds it has handlers for, runs
 * each handler, and records the outcome: done, retry later (capped jittered backoff, see
 * backoff.ts), or dead-lettered once `max_attempts` is spent.
 *
 * When it looks: after each look it asks the queue when its next job is due and sets its one
 * timer for then, or for `pollMs` later if that is sooner (what other processes queue meanwhile,
 * leases that run out); a job this process queues, retries or requeues for an earlier time moves
 * the timer forward (the store's `onJobDue` notice, delivered once the job is committed). So a
 * job queued for later starts on the dot, and a burst of jobs queued for later (a ticket's
 * safety job) costs one comparison each. It also looks when a slot frees up or a batch came back full.
 *
 * Leases, not locks: a claimed job belongs to this worker until `locked_until`. If the process
 * dies, the lease runs out and any worker (this one restarted, or another) reclaims the job; that
 * is how a crash resumes. There is no lease renewal: a handler must finish within the lease
 * (JOB_LEASE_MS, 5 minutes by default, far above any single Salesforce/Sendbird call), and the
 * runner aborts the handler's `signal` when the lease runs out, so a reclaim never overlaps a
 * live attempt that listens to its signal. Handlers must be idempotent anyway (a crash after the
 * work but before `completeJob` repeats it).
 *
 * `stop()` stops claiming, waits for in-flight handlers (aborting their signal after `graceMs`),
 * and gives back any job claimed but not yet started, without counting the attempt.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Job, Store } from '../store/types.js';
import { decideRetry } from './backoff.js';
import { failureHints } from './errors.js';

export interface JobContext<P = unknown> {
  job: Job<P>;
  /** Aborted when the lease runs out or the runner is stopped past its grace period. */
  signal: AbortSignal;
  logger: Logger;
}

export type JobHandler<P = unknown> = (ctx: JobContext<P>) => Promise<void>;

export interface JobRunnerOptions {
  store: Store;
  logger: Logger;
  pollMs: number;
  leaseMs: number;
  concurrency: number;
  workerId?: string;
  clock?: () => number;
  /** [0, 1); injectable so tests can pin the backoff jitter. */
  random?: () => number;
  metrics?: Metrics;
  /** Masks secrets in error text before it is stored (the logger's SecretScrubber). */
  scrubber?: { scrub(text: string): string };
  /** Called after a job is dead-lettered (e.g. to mark its ticket failed). Errors are logged. */
  onDead?: (job: Job, error: string) => Promise<void> | void;
}

export interface StopOptions {
  /** How long in-flight handlers may run on before their signal is aborted (default 10 s). */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 10_000;
/** After aborting, how long to wait for handlers to notice before returning anyway. */
const ABORT_SETTLE_MS = 1_000;

export class JobRunner {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly inFlight = new Map<number, { promise: Promise<void>; controller: AbortController }>();
  private readonly now: () => number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private ticking: Promise<void> | undefined;
  /** When the next look is wanted (a time, not a flag: a wish made during a look outlives it). */
  private lookAt = Number.POSITIVE_INFINITY;
  private unlisten: (() => void) | undefined;

  constructor(private readonly opts: JobRunnerOptions) {
    if (!(opts.pollMs > 0)) throw new Error('[jobs] pollMs must be > 0 (set JOB_POLL_MS)');
    if (!(opts.leaseMs > 0)) throw new Error('[jobs] leaseMs must be > 0 (set JOB_LEASE_MS)');
    if (!(opts.concurrency >= 1)) throw new Error('[jobs] concurrency must be >= 1 (set JOB_CONCURRENCY)');
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /** Registers the handler for a job kind; only registered kinds are claimed. */
  register<P>(kind: string, handler: JobHandler<P>): this {
    if (this.handlers.has(kind)) throw new Error(`[jobs] a handler for "${kind}" is already registered`);
    this.handlers.set(kind, handler as JobHandler);
    return this;
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  /** Starts looking for work: now, at each due time the store announces, and every `pollMs`. */
  start(): void {
    if (this.started) return;
    this.stopping = false;
    this.started = true;
    this.unlisten = this.opts.store.onJobDue((at) => this.wakeAt(at));
    this.kick();
  }

  /** Looks for work now instead of at the next poll. */
  kick(): void {
    this.wakeAt(this.now());
  }

  /** Looks for work at `at` (now, if it has passed); earlier wishes win. */
  private wakeAt(at: number): void {
    if (!this.started || this.stopping || at >= this.lookAt) return;
    this.lookAt = at;
    // During a look, the wish waits in `lookAt`: the look's end sets the timer from it.
    if (!this.ticking) this.arm();
  }

  /** Sets the one timer for `lookAt`; a time already come looks at once. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const delay = this.lookAt - this.now();
    if (delay <= 0) {
      void this.tick();
      return;
    }
    this.timer = setTimeout(() => void this.tick(), Math.min(delay, 2 ** 31 - 1));
    this.timer.unref();
  }

  /**
   * Claims and runs one batch, waiting for it to finish; returns how many jobs ran. For tests and
   * scripts that drive the queue by hand (no polling needed).
   */
  async runOnce(): Promise<number> {
    const jobs = await this.claim();
    for (const job of jobs) this.launch(job);
    await Promise.allSettled(jobs.map((j) => this.inFlight.get(j.id)?.promise));
    return jobs.length;
  }

  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    this.unlisten = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    const running = () => Promise.allSettled([...this.inFlight.values()].map((f) => f.promise));
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    if (this.inFlight.size > 0 && !(await settlesWithin(running(), graceMs))) {
      this.opts.logger.warn({ jobs: [...this.inFlight.keys()] }, 'jobs still running after the grace period: aborting them');
      for (const f of this.inFlight.values()) f.controller.abort(new Error('the job runner is stopping'));
      await settlesWithin(running(), ABORT_SETTLE_MS);
    }
    this.started = false;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ticking = (async () => {
      let failed = false;
      while (!this.stopping && this.lookAt <= this.now()) {
        // This look answers every wish made so far; one made while it claims comes round again.
        this.lookAt = Number.POSITIVE_INFINITY;
        const free = this.opts.concurrency - this.inFlight.size;
        if (free <= 0) break;
        let jobs: Job[] = [];
        try {
          jobs = await this.claim(free);
        } catch (err) {
          this.opts.logger.error({ err }, 'claiming jobs failed; will retry at the next poll');
          failed = true;
          break;
        }
        if (this.stopping) {
          // Claimed while stop() was called: give them back unstarted.
          await Promise.all(jobs.map((j) => this.opts.store.releaseJob(j.id, this.workerId)));
          break;
        }
        for (const job of jobs) this.launch(job);
        // A full batch suggests more are waiting: look again at once.
        if (jobs.length === free && jobs.length > 0) this.lookAt = this.now();
      }
      // Only a time still ahead: a job due already that this look did not get is another
      // instance's now, or waits for a free slot (a finished job looks again).
      const next = this.stopping || failed ? Number.POSITIVE_INFINITY : await this.nextDue();
      if (next > this.now()) this.lookAt = Math.min(this.lookAt, next);
    })();
    try {
      await this.ticking;
    } finally {
      this.ticking = undefined;
      if (this.started && !this.stopping) {
        this.lookAt = Math.min(this.lookAt, this.now() + this.opts.pollMs);
        this.arm();
      }
    }
  }

  /** When the queue's next job of this runner's kinds is due; a failed read leaves it to the poll. */
  private async nextDue(): Promise<number> {
    try {
      return (await this.opts.store.nextJobDueAt(this.kinds)) ?? Number.POSITIVE_INFINITY;
    } catch (err) {
      this.opts.logger.warn({ err }, 'reading when the next job is due failed; will look at the next poll');
      return Number.POSITIVE_INFINITY;
    }
  }

  private claim(limit = this.opts.concurrency): Promise<Job[]> {
    return this.opts.store.claimJobs(this.workerId, limit, this.opts.leaseMs, this.kinds);
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const promise = this.run(job, controller).finally(() => {
      this.inFlight.delete(job.id);
      // A slot freed up: look for more work now rather than at the next poll.
      this.kick();
    });
    this.inFlight.set(job.id, { promise, controller });
  }

  private async run(job: Job, controller: AbortController): Promise<void> {
    const { store, logger: rootLogger, metrics } = this.opts;
    const logger = rootLogger.child({ job: { id: job.id, kind: job.kind, attempt: job.attempts } });
    const handler = this.handlers.get(job.kind);
    // The lease is the time limit: past it another worker may take the job over.
    // Not unref'd: a job in flight keeps the process alive (a script calling runOnce() included).
    const leaseTimer = setTimeout(
      () => controller.abort(new Error(`the job's lease (${this.opts.leaseMs} ms) ran out`)),
      this.opts.leaseMs,
    );
    const started = this.now();
    let outcome: 'done' | 'retry' | 'dead' | 'lease_lost';
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler({ job, signal: controller.signal, logger });
      outcome = (await store.completeJob(job.id, this.workerId)) ? 'done' : 'lease_lost';
    } catch (err) {
      const message = this.describe(err);
      const decision = decideRetry({ attempts: job.attempts, maxAttempts: job.maxAttempts, ...failureHints(err) }, this.random);
      const next = decision.retry ? this.now() + decision.delayMs : 'dead';
      const recorded = await store.failJob(job.id, this.workerId, message, next).catch((e: unknown) => {
        logger.error({ err: e }, 'recording the job failure failed; the lease will expire and the job will run again');
        return false;
      });
      outcome = !recorded ? 'lease_lost' : decision.retry ? 'retry' : 'dead';
      if (outcome === 'retry') logger.warn({ error: message, retryInMs: (next as number) - this.now() }, 'job failed; will retry');
      if (outcome === 'dead') {
        logger.error({ error: message, attempts: job.attempts }, 'job dead-lettered');
        try {
          await this.opts.onDead?.(job, message);
        } catch (e) {
          logger.error({ err: e }, 'onDead hook failed');
        }
      }
    } finally {
      clearTimeout(leaseTimer);
    }
    if (outcome === 'lease_lost') logger.warn('the job lease was lost before the outcome was recorded (another worker may have it)');
    metrics?.jobOutcomes.inc({ kind: job.kind, outcome });
    metrics?.jobDuration.observe({ kind: job.kind }, (this.now() - started) / 1000);
  }

  private describe(err: unknown): string {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return this.opts.scrubber ? this.opts.scrubber.scrub(text) : text;
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
