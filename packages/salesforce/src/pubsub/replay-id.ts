/**
 * Replay ids are opaque bytes (Pub/Sub API guide, "Event Message Durability"): a subscriber keeps
 * them and hands them back, and never computes one from another. The store keeps them as
 * lowercase hex; Salesforce's are 8 bytes today, which the emulator mirrors (a big-endian number).
 */
export const replayIdToHex = (id: Uint8Array): string => Buffer.from(id).toString('hex');

export function replayIdFromHex(hex: string): Buffer {
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new Error('a replay id is an even number of lowercase hex digits');
  return Buffer.from(hex, 'hex');
}

/** The emulator's replay ids: position `n` in its event log as 8 big-endian bytes. */
export function replayIdOf(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

/** The position an emulator replay id names, or undefined when it is not 8 bytes. */
export const positionOf = (id: Uint8Array): bigint | undefined => (id.length === 8 ? Buffer.from(id).readBigUInt64BE() : undefined);
