/**
 * The bridge's notices as the channel view reads them on every render: `parseNotice` (a JSON
 * parse) once per message, again only when the message's `data` changes.
 */
import { parseNotice, type BridgeNotice } from '@sbsf/wire/notices';
import type { FeedMessage } from './protocol.js';

export type NoticeReader = (m: FeedMessage) => BridgeNotice | null;

/** A reader that remembers each message's notice by its id and its `data`. */
export function noticeReader(): NoticeReader {
  const seen = new Map<number, { data: string; notice: BridgeNotice | null }>();
  return (m) => {
    const hit = seen.get(m.message_id);
    if (hit && hit.data === m.data) return hit.notice;
    const notice = parseNotice(m);
    seen.set(m.message_id, { data: m.data, notice });
    return notice;
  };
}
