/** Start-up: read ./config.json, pick the identity mode, then render the app. */
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GuestAuth, JwtAuth, type AuthProvider } from './auth.js';
import { BridgeClient } from './bridge-client.js';
import { loadConfig, type AppConfig } from './config.js';
import { MemoryStore, type KeyValueStore } from './storage.js';
import { App } from './ui/App.js';
import './styles.css';

function browserStore(): KeyValueStore {
  try {
    const probe = '__sbsf_probe__';
    window.localStorage.setItem(probe, '1');
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    return new MemoryStore();
  }
}

interface Ready {
  config: AppConfig;
  store: KeyValueStore;
  auth: AuthProvider;
  bridge: BridgeClient;
}

function Boot() {
  const [ready, setReady] = useState<Ready | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const start = useCallback(() => {
    setError(undefined);
    loadConfig().then(
      (config) => {
        const store = browserStore();
        const auth: AuthProvider = config.auth === 'guest' ? new GuestAuth(store) : new JwtAuth(config.tokenUrl as string);
        setReady({ config, store, auth, bridge: new BridgeClient({ baseUrl: config.bridgeUrl, auth }) });
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, []);
  useEffect(start, [start]);

  if (error) {
    return (
      <div className="app">
        <div className="panel-state" role="alert">
          <h1>Support is not available</h1>
          <p>{error}</p>
          <button type="button" className="button" onClick={start}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (!ready) {
    return (
      <p className="panel-state" role="status">
        Loading…
      </p>
    );
  }
  return <App {...ready} />;
}

const el = document.getElementById('root');
if (!el) throw new Error('[customer-app] index.html has no #root element');
createRoot(el).render(
  <StrictMode>
    <Boot />
  </StrictMode>,
);
