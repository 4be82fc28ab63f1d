/**
 * The one entry of the bridge's commands (`npm run reconcile`, `erase`, `doctor`): parse the
 * arguments, load the configuration from the environment (or a sandbox's), run; the usage on a
 * usage error, every configuration problem on an invalid configuration (exit 2), the error's
 * message on anything else (exit 1).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type BridgeConfig } from '../config.js';

/** A command line that cannot be run; with an empty message, `--help` (exit 0). */
export class UsageError extends Error {}

export interface CommandSpec<A> {
  /** `reconcile`: the prefix of its error lines. */
  name: string;
  usage: string;
  /** The command module's `import.meta.url`: it runs only when started as a script. */
  moduleUrl: string;
  parse(argv: string[]): A;
  /** The environment the configuration is read from. */
  env(args: A): Record<string, string | undefined>;
  /** The exit code. */
  run(args: A, config: BridgeConfig): Promise<number>;
}

export function runCommand<A>(spec: CommandSpec<A>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(spec.moduleUrl)) return;
  const main = async (): Promise<void> => {
    let args: A;
    let config: BridgeConfig;
    try {
      args = spec.parse(process.argv.slice(2));
      config = loadConfig(spec.env(args));
    } catch (err) {
      if (err instanceof UsageError) {
        if (err.message) console.error(`[${spec.name}] ${err.message}`);
        console.error(spec.usage);
        process.exit(err.message ? 2 : 0);
      }
      if (err instanceof ConfigError) {
        // Every problem, each naming the variable to set.
        console.error(err.message);
        process.exit(2);
      }
      throw err;
    }
    process.exitCode = await spec.run(args, config);
  };
  main().catch((err: unknown) => {
    console.error(`[${spec.name}] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
