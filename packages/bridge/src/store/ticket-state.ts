/**
 * Ticket state rules, a pure function shared by every store implementation.
 *
 *   received -> user_ready -> case_ready -> channel_ready -> completed
 *
 * A step only moves forward (skipping is fine: a resumed ticket may find the work done). `failed`
 * can be entered from any unfinished state and is left by a resume to any step after `received` (an operator
 * re-queued the dead job): the resume re-checks every step, which are all idempotent, so it cannot
 * undo anything. `completed` is final. Staying in the same state (patching other fields) is fine.
 */
import type { TicketState } from './types.js';

export const TICKET_STEPS: readonly TicketState[] = ['received', 'user_ready', 'case_ready', 'channel_ready', 'completed'];

/** States a ticket may still move on from on its own (not `completed`, not `failed`), as an SQL list. */
export const UNFINISHED_STATES_SQL = TICKET_STEPS.filter((s) => s !== 'completed')
  .map((s) => `'${s}'`)
  .join(', ');

/**
 * The condition of `tickets_open_idx` (migration 6), which indexes only the tickets that are not
 * completed. A query for such tickets states it word for word, so that SQLite uses the index (its
 * planner matches a partial index's condition by its terms) and PostgreSQL's does too with any
 * plan, also a generic one with the state as a parameter.
 */
export const OPEN_TICKETS_SQL = "state <> 'completed'";

/** `OPEN_TICKETS_SQL AND ` before a filter on `state`, unless the state is `completed` (not in the index). */
export const openTicketsTerm = (state: TicketState): string => (state === 'completed' ? '' : `${OPEN_TICKETS_SQL} AND `);

export function canMoveTicket(from: TicketState, to: TicketState): boolean {
  if (from === to) return true;
  if (from === 'completed') return false;
  if (to === 'failed') return true;
  if (from === 'failed') return to !== 'received';
  return TICKET_STEPS.indexOf(to) > TICKET_STEPS.indexOf(from);
}
