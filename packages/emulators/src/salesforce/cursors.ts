/** The open query cursors of one emulator (query.ts pages through them; `queryMore` reads them). */
import type { OrgState } from './state.js';

/** Open cursors kept per emulator; the oldest goes first (real orgs cap open cursors per user too). */
const MAX_CURSORS = 100;

export interface Cursor {
  records: Record<string, unknown>[];
  totalSize: number;
  next: number;
  batchSize: number;
  version: string;
}

export class CursorStore {
  private cursors = new Map<string, Cursor>();

  constructor(private readonly state: OrgState) {}

  open(c: Cursor): string {
    const id = this.state.newId('01g');
    this.cursors.set(id, c);
    if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
    return id;
  }

  get(id: string): Cursor | undefined {
    return this.cursors.get(id);
  }

  close(id: string): void {
    this.cursors.delete(id);
  }

  clear(): void {
    this.cursors.clear();
  }
}
