/** The record types every part of the org shares (types only): a stored record, and one change to it. */
import type { ObjectDef } from './schema.js';

export type SfRecord = Record<string, unknown> & { Id: string };

export interface RecordChange {
  def: ObjectDef;
  before?: SfRecord;
  after?: SfRecord;
  /** The DML statement that made it, set when the transaction journals it (OrgState.statement). */
  statement?: number;
}
