/**
 * Wire contracts shared by the bridge, the emulators and the web apps. Web apps import only
 * from here (never server code), so this module has no runtime dependencies.
 * See ../../../docs/contracts.md for the prose version.
 */
export * from './events.js';
export * from './lcc.js';
export * from './history.js';
export * from './tickets.js';
export * from './sandbox-feed.js';
export * from './sandbox-files.js';
export * from './text.js';
export * from './notices.js';
export * from './channel-data.js';
export * from './support-channel.js';
