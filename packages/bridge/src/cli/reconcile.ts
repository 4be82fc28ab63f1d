/**
 * `npm run reconcile -- --case <CaseId> [--case ...] | --all [--sandbox [data/sandbox.json]]`
 *
 * Reconciles Cases' channel membership now, directly (not through the job queue), with the same
 * rules, settings and ledger as the bridge: the environment the bridge reads (see
 * docs/bridge.md), or with `--sandbox` the URLs and credentials a running sandbox wrote to its
 * sandbox.json. `--all` takes every open Case that has a channel, as the periodic sweep does.
 * Shows a progress bar on a terminal (plain progress lines otherwise), then a summary. Exit code:
 * 0 when every Case is in step (or had nothing to reconcile: no channel), 1 when any Case failed
 * or does not exist, 2 for a usage or configuration error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgentDirectory } from '../agent-directory.js';
import { createClients } from '../clients.js';
import { configSecrets, type BridgeConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { Reconciler, type CaseOutcome } from '../membership/reconciler.js';
import { openCasesWithChannels } from '../case-reads.js';
import { queueHandoverChecks } from '../membership/service.js';
import { openStore } from '../open-store.js';
import { runCommand, UsageError } from './entry.js';
import { Progress } from './progress.js';

const USAGE = `usage: npm run reconcile -- (--case <CaseId> [--case <CaseId> ...] | --all) [--sandbox [path/to/sandbox.json]]

  --case ID    reconcile this Case (15 or 18 characters); repeat for more
  --all        every open Case that has a channel (what the periodic sweep covers)
  --sandbox    use a running sandbox's URLs and credentials (default data/sandbox.json)
               instead of the bridge's environment variables`;

export interface CliArgs {
  caseIds: string[];
  all: boolean;
  sandbox: string | null;
}

export { UsageError } from './entry.js';

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { caseIds: [], all: false, sandbox: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--case') {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new UsageError('--case needs a Case Id');
      out.caseIds.push(v);
    } else if (a.startsWith('--case=')) {
      out.caseIds.push(a.slice('--case='.length));
    } else if (a === '--all') {
      out.all = true;
    } else if (a === '--sandbox') {
      const next = argv[i + 1];
      out.sandbox = next && !next.startsWith('--') ? (i++, next) : 'data/sandbox.json';
    } else if (a === '--help' || a === '-h') {
      throw new UsageError('');
    } else {
      throw new UsageError(`unknown argument ${a}`);
    }
  }
  if (out.all === out.caseIds.length > 0) throw new UsageError('give either --case (one or more) or --all');
  return out;
}

/** The bridge's environment for a running sandbox, from its sandbox.json. */
export function sandboxEnv(file: string): Record<string, string | undefined> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no sandbox file at ${path}: start the sandbox with \`npm start\`, or pass its sandbox.json`);
  const s = JSON.parse(readFileSync(path, 'utf8')) as {
    urls?: { salesforce?: string; sendbird?: string; bridge?: string };
    credentials?: {
      salesforce?: { clientId?: string; clientSecret?: string };
      sendbird?: { appId?: string; apiToken?: string };
      bridgeSharedSecret?: string;
    };
    bridgeSettings?: Record<string, string>;
  };
  return {
    SANDBOX: 'true',
    CUSTOMER_AUTH_MODE: 'guest',
    SALESFORCE_LOGIN_URL: s.urls?.salesforce,
    SALESFORCE_CLIENT_ID: s.credentials?.salesforce?.clientId,
    SALESFORCE_CLIENT_SECRET: s.credentials?.salesforce?.clientSecret,
    SENDBIRD_APP_ID: s.credentials?.sendbird?.appId,
    SENDBIRD_API_TOKEN: s.credentials?.sendbird?.apiToken,
    SENDBIRD_API_URL: s.urls?.sendbird,
    PUBLIC_URL: s.urls?.bridge,
    BRIDGE_SHARED_SECRET: s.credentials?.bridgeSharedSecret,
    // The sandbox bridge keeps its database next to sandbox.json; the ledger is shared.
    DATA_DIR: join(dirname(path), 'bridge'),
    ...s.bridgeSettings,
  };
}

interface Totals {
  checked: number;
  invites: number;
  leaves: number;
  skipped: number;
  errors: number;
}

const detail = (t: Totals) => `invites ${t.invites}  leaves ${t.leaves}  errors ${t.errors}`;

function describe(o: CaseOutcome): string | null {
  if (o.status === 'failed') return `${o.caseId}: ${o.error?.system ?? 'error'} ${o.error?.code ?? ''} ${o.error?.message ?? ''}`.trim();
  if (o.note === 'invalid_id') return `${o.caseId}: not a Case Id`;
  if (o.note === 'case.missing') return `${o.caseId}: no such Case in Salesforce`;
  if (o.note === 'case.not_chat') return `${o.caseId}: not a chat Case (no Sendbird_Ticket_Id__c), skipped`;
  return null;
}

export async function runReconcile(
  args: CliArgs,
  config: BridgeConfig,
  io: {
    out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
    err: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  },
): Promise<number> {
  const logger = createLogger({
    level: process.env.LOG_LEVEL ? config.logLevel : 'warn',
    secrets: configSecrets(config),
    destination: { write: (s: string) => io.err.write(s) },
  });
  const store = await openStore(config.store, { jobs: config.jobs });
  try {
    const clients = createClients(config, logger);
    const reconciler = new Reconciler({
      salesforce: clients.salesforce,
      sendbird: clients.sendbird,
      store,
      agents: new AgentDirectory(clients.sendbird, store),
      logger,
      removePreviousAgent: config.membership.removePreviousAgent,
      nonAgentUserIds: config.membership.nonAgentUserIds,
    });
    let ids = args.caseIds;
    if (args.all) {
      ids = [];
      for await (const page of openCasesWithChannels(clients.salesforce)) ids.push(...page);
    }
    const unique = [...new Set(ids)];
    const totals: Totals = { checked: 0, invites: 0, leaves: 0, skipped: 0, errors: 0 };
    const problems: string[] = [];
    const progress = new Progress(io.err, 'reconcile');
    progress.update({ done: 0, total: unique.length, detail: detail(totals) });
    const onCase = (o: CaseOutcome) => {
      totals.checked++;
      totals.invites += o.invited.length;
      totals.leaves += o.left.length;
      const problem = describe(o);
      if (problem) {
        totals.errors++;
        problems.push(problem);
      } else if (o.status === 'skipped') {
        totals.skipped++;
      }
      progress.update({ done: totals.checked, total: unique.length, detail: detail(totals) });
    };
    for (let i = 0; i < unique.length; i += config.membership.batchSize) {
      const batch = unique.slice(i, i + config.membership.batchSize);
      let outcomes: CaseOutcome[];
      try {
        outcomes = await reconciler.reconcile(batch, { source: 'cli', readFirst: true, onCase });
      } catch (err) {
        // Salesforce could not be read for this batch: every Case of it failed.
        const message = err instanceof Error ? err.message : String(err);
        const error = { kind: 'retryable', system: 'salesforce', code: 'READ_FAILED', message } as const;
        for (const id of batch) onCase({ caseId: id, caseNumber: null, agent: null, status: 'failed', invited: [], left: [], error });
        continue;
      }
      // A Case another reconcile was applying: the bridge's job runners check it when that lease ends.
      await queueHandoverChecks(store, outcomes, config.membership.batchSize);
    }
    progress.end();
    io.out.write(
      `checked ${totals.checked} case${totals.checked === 1 ? '' : 's'}: ` +
        `${totals.invites} invite${totals.invites === 1 ? '' : 's'}, ${totals.leaves} leave${totals.leaves === 1 ? '' : 's'}, ` +
        `${totals.skipped} without a channel, ${totals.errors} error${totals.errors === 1 ? '' : 's'}\n`,
    );
    for (const p of problems) io.out.write(`  failed ${p}\n`);
    return totals.errors > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] !== undefined ? [[n, env[n] as string]] : [])));
}

runCommand({
  name: 'reconcile',
  usage: USAGE,
  moduleUrl: import.meta.url,
  parse: parseArgs,
  env: (args) => {
    const passed = ['LOG_LEVEL', 'REMOVE_PREVIOUS_AGENT', 'RECONCILE_BATCH_SIZE', 'NON_AGENT_USER_IDS'];
    return args.sandbox ? { ...sandboxEnv(args.sandbox), ...pick(process.env, passed) } : process.env;
  },
  run: (args, config) => runReconcile(args, config, { out: process.stdout, err: process.stderr }),
});
