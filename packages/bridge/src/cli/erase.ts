/**
 * `npm run erase -- (--user <SendbirdUserId> | --email <address>) [--dry-run] [--case-action redact|delete] [--sandbox [data/sandbox.json]]`
 *
 * Erases a customer in both systems and in the bridge (erasure/service.ts), directly, with the
 * bridge's settings (or a running sandbox's, as `npm run reconcile` takes them). `--dry-run`
 * lists what would go and changes nothing. Running it again for the same customer resumes an
 * erasure that stopped, or shows the receipt of one that finished. Exit code: 0 done (or dry
 * run), 1 the erasure stopped on an error (run it again to resume), 2 usage or configuration error.
 */
import { createClients } from '../clients.js';
import { configSecrets, type BridgeConfig } from '../config.js';
import { ErasureService, parseCaseAction, parseSubject } from '../erasure/service.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { openStore } from '../open-store.js';
import type { ErasureCaseAction, ErasureSubject } from '../store/types.js';
import { runCommand, UsageError } from './entry.js';
import { sandboxEnv } from './reconcile.js';

const USAGE = `usage: npm run erase -- (--user <SendbirdUserId> | --email <address>) [--dry-run] [--case-action redact|delete] [--sandbox [path/to/sandbox.json]]

  --user ID        the customer's Sendbird user id
  --email ADDRESS  every customer whose tickets gave this email (SuppliedEmail)
  --dry-run        list what would be erased; change nothing
  --case-action    redact (default): clear the Cases' personal fields; delete: delete the Cases
  --sandbox        use a running sandbox's URLs and credentials (default data/sandbox.json)`;

export interface EraseArgs {
  subject: ErasureSubject;
  caseAction: ErasureCaseAction;
  dryRun: boolean;
  sandbox: string | null;
}

export function parseEraseArgs(argv: readonly string[]): EraseArgs {
  const customer: { sendbirdUserId?: string; email?: string } = {};
  let caseAction: string | undefined;
  let dryRun = false;
  let sandbox: string | null = null;
  const value = (i: number, name: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--user') customer.sendbirdUserId = value(++i, '--user');
    else if (a === '--email') customer.email = value(++i, '--email');
    else if (a === '--case-action') caseAction = value(++i, '--case-action');
    else if (a === '--dry-run') dryRun = true;
    else if (a === '--sandbox') {
      const next = argv[i + 1];
      sandbox = next && !next.startsWith('--') ? (i++, next) : 'data/sandbox.json';
    } else if (a === '--help' || a === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument ${a}`);
  }
  try {
    return { subject: parseSubject(customer), caseAction: parseCaseAction(caseAction), dryRun, sandbox };
  } catch (err) {
    if (err instanceof AppError)
      throw new UsageError(err.message.replace('customer.sendbirdUserId', '--user').replace('customer.email', '--email'));
    throw err;
  }
}

type Out = { write(s: string): unknown };

export async function runErase(args: EraseArgs, config: BridgeConfig, io: { out: Out; err: Out }): Promise<number> {
  const logger = createLogger({
    level: process.env.LOG_LEVEL ? config.logLevel : 'warn',
    secrets: configSecrets(config),
    destination: { write: (s: string) => io.err.write(s) },
  });
  const store = await openStore(config.store, { jobs: config.jobs });
  try {
    const clients = createClients(config, logger);
    const service = new ErasureService({
      store,
      salesforce: clients.salesforce,
      sendbird: clients.sendbird,
      logger,
      transcriptMode: config.transcript.mode,
    });
    if (args.dryRun) {
      const p = await service.preview(args.subject, args.caseAction);
      io.out.write(`dry run: nothing was changed. An erasure would remove:\n`);
      io.out.write(
        `  sendbird   ${p.sendbirdUsers} user(s); ${p.channelUrls.length} channel(s) with their messages: ${p.channelUrls.join(' ') || '-'}\n`,
      );
      io.out.write(`  salesforce ${p.fileIds.length} file(s): ${p.fileIds.join(' ') || '-'}\n`);
      io.out.write(`  salesforce ${p.transcriptRecordIds.length} transcript record(s)\n`);
      io.out.write(`  salesforce ${p.caseIds.length} case(s) to ${p.caseAction}: ${p.caseIds.join(' ') || '-'}\n`);
      io.out.write(`  bridge     ${p.tickets} ticket(s) and their keys; their ledger entries become tombstones\n`);
      if (p.existing) io.out.write(`  (erasure ${p.existing.id} of this customer is already recorded: ${p.existing.state})\n`);
      return 0;
    }
    const { erasure, created } = await service.start(args.subject, args.caseAction, 'cli');
    if (!created)
      io.out.write(
        `erasure ${erasure.id} of this customer was recorded before (${erasure.state}): ${erasure.state === 'done' ? 'nothing to do' : 'resuming'}\n`,
      );
    let done;
    try {
      done = await service.run(erasure.id);
    } catch (err) {
      io.out.write(
        `erasure ${erasure.id} stopped: ${err instanceof Error ? err.message : String(err)}\nrun the same command again to resume it\n`,
      );
      return 1;
    }
    io.out.write(`erasure ${done.id} done (${done.caseAction} cases), receipt:\n`);
    for (const e of await store.erasureReceipt(done.id)) {
      io.out.write(`  ${new Date(e.at).toISOString()}  ${e.system.padEnd(10)} ${e.action}  ${String(e.detail.count)}\n`);
    }
    const rows = done.steps['bridge.rows'];
    if (rows) io.out.write(`  ${new Date(rows.at).toISOString()}  bridge     rows removed or made tombstones  ${rows.count}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

runCommand({
  name: 'erase',
  usage: USAGE,
  moduleUrl: import.meta.url,
  parse: parseEraseArgs,
  env: (args) =>
    args.sandbox ? { ...sandboxEnv(args.sandbox), ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}) } : process.env,
  run: (args, config) => runErase(args, config, { out: process.stdout, err: process.stderr }),
});
