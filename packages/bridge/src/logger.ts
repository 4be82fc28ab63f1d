/**
 * The bridge's pino logger, with two layers of secret redaction, both applied to every finished
 * line (after pino's serializers, so they also reach into serialized errors and requests):
 *
 * 1. By name: the value of every secret-named header or field (`authorization`, `api-token`,
 *    `token`, `x-sendbird-signature`, `cookie`, `accessToken`, `client_secret`, `password`, ...)
 *    at any depth becomes `[REDACTED]` (`censorSecretKeys`). This replaced pino's `redact`
 *    paths, which needed wildcards to reach nested fields and then cost about 60 us a line,
 *    more than everything else a log line costs.
 * 2. By value, belt and braces: a `SecretScrubber` replaces any occurrence of a known secret
 *    VALUE (the configured secrets, plus any added at run time such as an access token) with
 *    `[REDACTED]`, so a secret that slips into a message string or an error text is still caught.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';
import { isSecretName, maskSecretFields, REDACTED, SECRET_NAMES } from './redaction.js';

export type { Logger } from 'pino';
export { REDACTED } from './redaction.js';

/** Stdout is written in blocks of at least this many bytes, and flushed every LOG_FLUSH_MS. */
export const LOG_BLOCK_BYTES = 4096;
export const LOG_FLUSH_MS = 1000;

/** Values shorter than this are not scrubbed by value: they would match ordinary text. */
export const MIN_SCRUB_LENGTH = 8;

const NAME_ALTERNATIVES = SECRET_NAMES.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
/** `"name":<string, number, true, false or null>`, names case-insensitive. */
const SECRET_SCALAR = new RegExp(`"(${NAME_ALTERNATIVES})":("(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)`, 'gi');
/** `"name":{` or `"name":[`: a secret-named object or array (rare; handled by parsing the line). */
const SECRET_CONTAINER = new RegExp(`"(?:${NAME_ALTERNATIVES})":[{[]`, 'i');

/**
 * One serialized JSON log line with the value of every secret-named key, at any depth, replaced
 * by `[REDACTED]`. Keys inside string values are escaped (`\"token\"`), so they never match.
 */
export function censorSecretKeys(line: string): string {
  if (SECRET_CONTAINER.test(line)) {
    try {
      const newline = line.endsWith('\n') ? '\n' : '';
      return JSON.stringify(maskSecretFields(JSON.parse(line), isSecretName)) + newline;
    } catch {
      // Not one JSON document: fall through to the scalar pass.
    }
  }
  return line.replace(SECRET_SCALAR, (_m, name: string) => `"${name}":"${REDACTED}"`);
}

/** Replaces every known secret value in a string with `[REDACTED]`. */
export class SecretScrubber {
  private needles: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Adds a secret (and its JSON-escaped form; each line of a multi-line secret such as a PEM key). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SCRUB_LENGTH) return;
    const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
    if (secret.includes('\n')) {
      for (const line of secret.split(/\r?\n/)) {
        const l = line.trim();
        if (l.length >= 16 && !l.startsWith('-----')) forms.add(l);
      }
    }
    for (const f of forms) if (!this.needles.includes(f)) this.needles.push(f);
    // Longest first, so a secret that contains another is replaced whole.
    this.needles.sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return out;
  }
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Secret values to scrub from every line (see `configSecrets`). */
  secrets?: Iterable<string>;
  /** A shared scrubber, so code can `add()` run-time secrets; built from `secrets` if absent. */
  scrubber?: SecretScrubber;
  /** Where lines go (stdout by default). Tests pass a stream to read them. */
  destination?: DestinationStream;
  /** Base bindings on every line (default `{service:'bridge'}`). */
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const scrubber = opts.scrubber ?? new SecretScrubber(opts.secrets);
  if (opts.scrubber && opts.secrets) for (const s of opts.secrets) scrubber.add(s);
  // Stdout is written in blocks of at least 4 KiB, not a system call per line (per request, that
  // was a tenth of the bridge's CPU), and at most a second late: a timer flushes what is pending.
  // pino flushes the rest synchronously when the process exits; only a SIGKILL can lose the last
  // second of lines.
  const target: DestinationStream = opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: LOG_BLOCK_BYTES });
  const flushable = target as DestinationStream & { flush?: (cb?: (err?: Error) => void) => void };
  let pending = false;
  if (!opts.destination) {
    setInterval(() => {
      if (pending) {
        pending = false;
        flushable.flush?.();
      }
    }, LOG_FLUSH_MS).unref();
  }
  // pino calls `flush` on its stream when asked (e.g. at shutdown), so pass it through.
  const scrubbing = {
    write: (line: string) => {
      pending = true;
      return target.write(scrubber.scrub(censorSecretKeys(line)));
    },
    flush: (cb?: (err?: Error) => void) => (flushable.flush ? flushable.flush(cb) : cb?.()),
  };
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.base ?? { service: 'bridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}
