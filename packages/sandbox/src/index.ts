export { startSandbox, DEFAULT_PORTS, type SandboxHandle, type SandboxOptions, type SandboxUrls } from './sandbox.js';
export { loadOrMakeCredentials, makeCredentials, type SandboxCredentials } from './credentials.js';
