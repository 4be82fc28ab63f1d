/**
 * The bridge's in-memory "remember the last N" maps (known Sendbird users, known agents, applied
 * membership reads, verified customer tokens) share this one rule.
 */

/**
 * Sets `key` in a map kept to at most `max` entries: a key set again moves to the newest end, and
 * a full map forgets its oldest key first. With `max` <= 0 nothing is remembered.
 */
export function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (max <= 0) return;
  while (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
  map.set(key, value);
}
