/**
 * What the pane reads again when its feed opens. The feed delivers what happens from the moment
 * it is ready; what happened between a REST read and that moment is in no frame: a channel the
 * person was invited to after the list was read (an agent given a Case while the panel was still
 * connecting), a message sent after a channel's latest page was read. So every `open`, the first
 * one included and not only a reconnect, reads the list again, once, if the pane shows it, and the
 * latest page of every channel it shows. A list read still under way when the feed opened may
 * answer after this one: the reducer applies the newest read's answer only (`channelsLoad`).
 */
import type { FeedStatus } from './feed-client.js';

export interface CatchUp {
  /** Read the channel list again. */
  channels: boolean;
  /** Read these channels' latest page again. */
  channelUrls: string[];
}

/** What the pane shows: whether it has asked for the list, and the channels it has open. */
export interface PaneShows {
  list: boolean;
  openChannels: Iterable<string>;
}

/** The reads to make after the feed's status became `status`, or null when there is nothing to do. */
export function catchUpAfter(status: FeedStatus, shows: PaneShows): CatchUp | null {
  if (status !== 'open') return null;
  const plan = { channels: shows.list, channelUrls: [...shows.openChannels] };
  return plan.channels || plan.channelUrls.length > 0 ? plan : null;
}
