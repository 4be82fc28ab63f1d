/** Times and days as the pane shows them (the viewer's locale and time zone). */

export function formatTime(ms: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
}

export function formatFull(ms: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** "Today", "Yesterday", or the date, for a day separator. `now` is injectable for tests. */
export function formatDay(ms: number, now: number = Date.now(), locale?: string): string {
  const startOf = (t: number): number => {
    const d = new Date(t);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  };
  const days = Math.round((startOf(now) - startOf(ms)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(ms);
}
