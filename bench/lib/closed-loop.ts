/**
 * Closed-loop clients for the ticket benchmarks: each client opens one request after another with
 * no think time, and the clients start spread over `spreadMs` rather than all at once. Started
 * together, closed-loop clients stay in lockstep, so every upstream answer arrives in a burst and
 * the last of each burst waits for all the others (a herd that real customers, arriving
 * independently, do not form).
 */
export function closedLoop<C>(
  clients: readonly C[],
  perClient: number,
  spreadMs: number,
  open: (client: C) => Promise<number>,
  each: (ms: number) => void = () => {},
): Promise<void> {
  const staggerMs = clients.length ? spreadMs / clients.length : 0;
  return Promise.all(
    clients.map(async (client, c) => {
      await new Promise((r) => setTimeout(r, c * staggerMs));
      for (let i = 0; i < perClient; i++) each(await open(client));
    }),
  ).then(() => undefined);
}
