/**
 * `npm run doctor [-- --json] [--sandbox [data/sandbox.json]]`
 *
 * Checks a live configuration end to end: the store, Salesforce (login, API version, the
 * package's fields, the Case allow-list, Change Data Capture, the API budget), Sendbird (app and
 * region, token, webhook, a signed sample, rate limits) and the bridge (clock, public URL, trusted
 * URLs), and prints a checklist: each line passed or failed, with the exact fix. The settings are
 * the environment the bridge reads (docs/bridge.md), or with `--sandbox` a running sandbox's.
 * `--json` prints the results as a JSON array instead. Exit code: 0 when nothing failed (warnings
 * allowed), 1 when a check failed, 2 for a usage or configuration error.
 */
import type { BridgeConfig } from '../config.js';
import { exitCode, formatResult, runDoctor, summary } from '../doctor/index.js';
import { runCommand, UsageError } from './entry.js';
import { sandboxEnv } from './reconcile.js';

const USAGE = `usage: npm run doctor -- [--json] [--sandbox [path/to/sandbox.json]]

  --json       print the results as a JSON array of {id, title, status, detail, fix}
  --sandbox    check a running sandbox's URLs and credentials (default data/sandbox.json)
               instead of the bridge's environment variables`;

export interface DoctorArgs {
  json: boolean;
  sandbox: string | null;
}

export function parseDoctorArgs(argv: readonly string[]): DoctorArgs {
  const out: DoctorArgs = { json: false, sandbox: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--sandbox') {
      const next = argv[i + 1];
      out.sandbox = next && !next.startsWith('--') ? (i++, next) : 'data/sandbox.json';
    } else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${a}`);
  }
  return out;
}

export async function runDoctorCli(
  args: DoctorArgs,
  config: BridgeConfig,
  out: { write(s: string): unknown },
  opts: { timeoutMs?: number } = {},
): Promise<number> {
  const results = await runDoctor(config, {
    ...opts,
    // The checklist appears line by line as the checks finish.
    ...(args.json ? {} : { onResult: (r) => out.write(`${formatResult(r)}\n`) }),
  });
  if (args.json) out.write(`${JSON.stringify(results, null, 2)}\n`);
  else out.write(`\n${summary(results)}\n`);
  return exitCode(results);
}

runCommand({
  name: 'doctor',
  usage: USAGE,
  moduleUrl: import.meta.url,
  parse: parseDoctorArgs,
  env: (args) => (args.sandbox ? sandboxEnv(args.sandbox) : process.env),
  run: (args, config) => runDoctorCli(args, config, process.stdout),
});
