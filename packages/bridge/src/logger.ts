/**
 * The bridge's pino logger, with two layers of secret redaction, both applied to every finished
 * line (after pino's serializers, so they also reach into serialized errors and requests):
 *
 * 1. By name: the value of every secret-named header or field (`authorization`, `api-token`,
 *    `token`, `x-sendbird-signature`, `cookie`, `accessToken`, `client_secret`, `password`, ...)
 *    at any depth becomes `[REDACTED]` (`censorSecretKeys`), rather than by pino's `redact`
 *    paths, which need wildcards to reach nested fields and then cost about 60 us a line, more
 *    than everything else a log line costs.
 * 2. By value: the process's `SecretScrubber` (secrets.ts) replaces any occurrence of a known
 *    secret VALUE with `[REDACTED]`: the configured secrets, and every token the bridge learns at
 *    run time (Salesforce access tokens, Sendbird session and access tokens, the credentials
 *    customers present), which the upstream clients (clients.ts) and the HTTP hooks
 *    (secret-hooks.ts) add as they see them. So a secret that slips into a message string or an
 *    error text is still caught.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';
import { isSecretName, maskSecretFields, REDACTED, SECRET_NAMES } from './redaction.js';
import { SecretScrubber } from './secrets.js';

export type { Logger } from 'pino';
export { REDACTED } from './redaction.js';
export { MIN_SCRUB_LENGTH, SecretScrubber } from './secrets.js';

/** Stdout is written in blocks of at least this many bytes, and flushed every LOG_FLUSH_MS. */
export const LOG_BLOCK_BYTES = 4096;
export const LOG_FLUSH_MS = 1000;

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
