/**
 * Decides what the container tells Aura about unread messages (`{event:"NEWMESSAGE",
 * unreadCount, highlighted}`), so that the utility bar says how many messages are unread in ALL
 * the agent's conversations and its highlight means "something new since you last looked":
 * - the count is the total, always: looking at the panel does not hide what is still unread in
 *   the other conversations (it falls as the agent reads them);
 * - the highlight comes on when the total rises while the agent is not looking at the panel
 *   (visible and focused), goes off when they look, and is off at 0.
 * Aura starts at 0, not highlighted; nothing is sent twice in a row.
 */
export class UnreadSignal {
  private total = 0;
  private highlighted = false;
  private attending = false;
  private sent = { count: 0, highlighted: false };

  constructor(private readonly send: (unreadCount: number, highlighted: boolean) => void) {}

  /** The total unread count of the agent's support channels changed (or was first read). */
  update(total: number): void {
    if (!Number.isFinite(total) || total < 0) return;
    const rose = total > this.total;
    this.total = Math.floor(total);
    if (rose && !this.attending) this.highlighted = true;
    if (this.total === 0) this.highlighted = false;
    this.flush();
  }

  /** The panel became looked at (true) or not (false). */
  setAttention(attending: boolean): void {
    this.attending = attending;
    if (attending) this.highlighted = false;
    this.flush();
  }

  /** What the utility bar shows now, as far as the container knows. */
  get shown(): { count: number; highlighted: boolean } {
    return { ...this.sent };
  }

  private flush(): void {
    const next = { count: this.total, highlighted: this.highlighted && this.total > 0 };
    if (next.count === this.sent.count && next.highlighted === this.sent.highlighted) return;
    this.sent = next;
    this.send(next.count, next.highlighted);
  }
}
