/**
 * Keeps the emulators' data in the sandbox's data directory, so a restarted sandbox still has the
 * Cases, channels and messages that the bridge's database refers to. Saved every few seconds
 * when something changed, and on close; written to a temp file and renamed, so a crash never
 * leaves half a file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Persistable {
  name: string;
  save(): unknown;
  load(saved: never): void;
}

export interface Persister {
  flush(): void;
  close(): void;
}

export function persist(dir: string, items: Persistable[], intervalMs = 3000, warn: (m: string) => void = console.warn): Persister {
  mkdirSync(dir, { recursive: true });
  const last = new Map<string, string>();
  for (const item of items) {
    const file = join(dir, `${item.name}.json`);
    if (!existsSync(file)) continue;
    try {
      const text = readFileSync(file, 'utf8');
      (item.load as (s: unknown) => void)(JSON.parse(text));
      last.set(item.name, text);
    } catch (err) {
      warn(`[sandbox] could not load ${file} (${err instanceof Error ? err.message : String(err)}); starting ${item.name} fresh`);
    }
  }
  const flush = () => {
    for (const item of items) {
      const text = JSON.stringify(item.save());
      if (last.get(item.name) === text) continue;
      const file = join(dir, `${item.name}.json`);
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      last.set(item.name, text);
    }
  };
  const timer = setInterval(() => {
    try {
      flush();
    } catch (err) {
      warn(`[sandbox] saving emulator state failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, intervalMs);
  timer.unref();
  return {
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
