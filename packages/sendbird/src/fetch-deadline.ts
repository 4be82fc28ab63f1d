/**
 * Marks a `fetch` that takes `timeoutMs` in its init and enforces it itself (the whole exchange
 * done by then, or a rejection whose name is `TimeoutError`), so the client need not make an
 * AbortController and a timer for every request. The bridge's upstream fetch has it; any other
 * fetch gets a signal as usual. (The same registered symbol in the Salesforce client.)
 */
export const FETCH_DEADLINE: unique symbol = Symbol.for('sbsf.fetch.deadline') as never;

/** Whether `f` enforces `timeoutMs` itself (see FETCH_DEADLINE). */
export function enforcesDeadline(f: typeof fetch): boolean {
  return (f as unknown as Record<symbol, unknown>)[FETCH_DEADLINE] === true;
}
