/**
 * Decides when the container tells Aura about unread messages (`{event:"NEWMESSAGE",
 * unreadCount}`), so that the utility bar label "Chat (N)" and its highlight mean "something new
 * since you last looked":
 * - while the agent looks at the panel (visible and focused) the count sent is 0, once;
 * - otherwise a rise of the total is sent (a new message), and a fall is sent only when it goes
 *   below what the bar shows (read elsewhere), so a fall never raises the highlight again.
 * Aura starts at 0 (label "Chat", no highlight), and nothing is sent twice in a row.
 */
export class UnreadSignal {
  private total = 0;
  private shown = 0;
  private attending = false;

  constructor(private readonly send: (unreadCount: number) => void) {}

  /** The total unread count of the agent's support channels changed (or was first read). */
  update(total: number): void {
    if (!Number.isFinite(total) || total < 0) return;
    const previous = this.total;
    this.total = total;
    if (this.attending) return;
    if (total > previous || total < this.shown) this.show(total);
  }

  /** The panel became looked at (true) or not (false). */
  setAttention(attending: boolean): void {
    this.attending = attending;
    if (attending) this.show(0);
  }

  /** What the utility bar shows now, as far as the container knows. */
  get shownCount(): number {
    return this.shown;
  }

  private show(count: number): void {
    if (count === this.shown) return;
    this.shown = count;
    this.send(count);
  }
}
