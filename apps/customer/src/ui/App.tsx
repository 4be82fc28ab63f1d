/**
 * The customer app: the ticket form, then the ticket's conversation, beside "My tickets". The
 * open ticket is in the URL hash (`#/tickets/<id>`), so a reload comes back to it. When the
 * bridge cannot be reached, the page shows one alert (the main view's, with its "Try again"):
 * My tickets does not repeat the same problem beside it.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { SendbirdSession, TicketCreated } from '@sbsf/wire';
import type { AuthProvider, CustomerProfile } from '../auth.js';
import { BridgeError, describeBridgeProblem, type BridgeClient, type BridgeProblem, type BridgeProblemKind } from '../bridge-client.js';
import type { AppConfig } from '../config.js';
import { MyTickets, type StoredTicket } from '../my-tickets.js';
import { STORAGE_PREFIX, readJson, writeJson, type KeyValueStore } from '../storage.js';
import type { TicketFormValues } from '../validation.js';
import { Conversation } from './Conversation.js';
import { MyTicketsList } from './MyTicketsList.js';
import { TicketForm } from './TicketForm.js';

export interface AppDeps {
  config: AppConfig;
  store: KeyValueStore;
  auth: AuthProvider;
  bridge: BridgeClient;
}

const PROFILE_KEY = `${STORAGE_PREFIX}profile`;
/** Tickets refreshed from the bridge on start (the newest ones). */
const REFRESH_ON_START = 10;

type Route = { view: 'new' } | { view: 'ticket'; id: string };

function readRoute(): Route {
  const m = /^#\/tickets\/([^/?#]+)/.exec(window.location.hash);
  return m?.[1] ? { view: 'ticket', id: decodeURIComponent(m[1]) } : { view: 'new' };
}

function useHashRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState<Route>(readRoute);
  useEffect(() => {
    const on = (): void => setRoute(readRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const go = useCallback((r: Route) => {
    window.location.hash = r.view === 'ticket' ? `#/tickets/${encodeURIComponent(r.id)}` : '#/';
  }, []);
  return [route, go];
}

export function App({ config, store, auth, bridge }: AppDeps) {
  const [customerKey, setCustomerKey] = useState<string | undefined>(undefined);
  const [identityError, setIdentityError] = useState<string | undefined>(undefined);
  const [route, go] = useHashRoute();
  const [tickets, setTickets] = useState<StoredTicket[]>([]);
  const [refreshing, setRefreshing] = useState(false);
  const [refreshError, setRefreshError] = useState<BridgeProblem | undefined>(undefined);
  /** The problem the main view's alert shows (the form's or the conversation's), if any. */
  const [mainProblem, setMainProblem] = useState<BridgeProblemKind | undefined>(undefined);
  const [sessions, setSessions] = useState<Record<string, SendbirdSession>>({});
  const [profile, setProfile] = useState<{ name?: string; email?: string }>(() => readJson(store, PROFILE_KEY) ?? {});

  const identify = useCallback(() => {
    setIdentityError(undefined);
    auth.customerKey().then(setCustomerKey, (err: unknown) => setIdentityError(err instanceof Error ? err.message : String(err)));
  }, [auth]);
  useEffect(identify, [identify]);

  const mine = useMemo(() => (customerKey ? new MyTickets(store, customerKey) : undefined), [store, customerKey]);

  const refreshOne = useCallback(
    async (id: string): Promise<void> => {
      if (!mine) return;
      try {
        setTickets(mine.applyStatus(id, await bridge.getTicket(id)));
      } catch (err) {
        if (err instanceof BridgeError && err.status === 404) setTickets(mine.markNotFound(id));
        else throw err;
      }
    },
    [mine, bridge],
  );

  const refreshAll = useCallback(async () => {
    if (!mine) return;
    setRefreshing(true);
    setRefreshError(undefined);
    try {
      for (const t of mine.list().slice(0, REFRESH_ON_START)) await refreshOne(t.ticketId);
    } catch (err) {
      setRefreshError(describeBridgeProblem(err));
    } finally {
      setRefreshing(false);
    }
  }, [mine, refreshOne]);

  useEffect(() => {
    if (!mine) return;
    setTickets(mine.list());
    void refreshAll();
  }, [mine, refreshAll]);

  // A ticket in the URL that this browser does not know yet (a link from elsewhere): ask the bridge.
  const routeId = route.view === 'ticket' ? route.id : undefined;
  const [missing, setMissing] = useState<{ id: string; problem: BridgeProblem } | undefined>(undefined);
  const [lookups, setLookups] = useState(0);
  useEffect(() => {
    if (!mine || !routeId || mine.get(routeId)) return;
    setMissing(undefined);
    bridge.getTicket(routeId).then(
      (s) => {
        mine.upsert({
          ticketId: routeId,
          subject: s.case.caseNumber ? `Case ${s.case.caseNumber}` : 'Support ticket',
          createdAt: s.ticket.createdAt,
        });
        setTickets(mine.applyStatus(routeId, s));
      },
      (err: unknown) =>
        setMissing({
          id: routeId,
          problem:
            err instanceof BridgeError && err.status === 404
              ? { kind: 'refused', retryable: false, message: 'We could not find this ticket.' }
              : describeBridgeProblem(err),
        }),
    );
  }, [mine, routeId, bridge, lookups]);

  const forgetProfile = (): void => {
    setProfile({});
    try {
      store.removeItem(PROFILE_KEY);
    } catch {
      // A refusing browser: nothing was kept there either.
    }
  };
  /** The main view's "Try again" also retries a failed refresh of My tickets. */
  const retryAside = (): void => {
    if (refreshError?.retryable) void refreshAll();
  };

  const onCreated = (created: TicketCreated, values: TicketFormValues): void => {
    if (!mine) return;
    const p = { name: values.name.trim(), email: values.email.trim() };
    setProfile(p);
    writeJson(store, PROFILE_KEY, p);
    setTickets(
      mine.upsert({
        ticketId: created.ticket.id,
        subject: values.subject.trim(),
        createdAt: created.ticket.createdAt,
        state: created.ticket.state,
        ...(created.case.id ? { caseId: created.case.id } : {}),
        ...(created.case.caseNumber ? { caseNumber: created.case.caseNumber } : {}),
        ...(created.channel.url ? { channelUrl: created.channel.url } : {}),
      }),
    );
    setSessions((cur) => ({ ...cur, [created.ticket.id]: created.sendbird }));
    go({ view: 'ticket', id: created.ticket.id });
  };

  const chatProfile: CustomerProfile = {
    ...(profile.name ? { nickname: profile.name } : {}),
    ...(profile.email ? { email: profile.email } : {}),
  };
  const current = routeId ? tickets.find((t) => t.ticketId === routeId) : undefined;

  let main;
  if (identityError) {
    main = (
      <div className="panel-state" role="alert">
        <p>{identityError}</p>
        <button type="button" className="button" onClick={identify}>
          Try again
        </button>
      </div>
    );
  } else if (!customerKey) {
    main = (
      <p className="panel-state" role="status">
        Loading…
      </p>
    );
  } else if (route.view === 'new') {
    main = (
      <TicketForm
        bridge={bridge}
        initial={{ name: profile.name ?? '', email: profile.email ?? '' }}
        {...(profile.name || profile.email ? { remembered: { name: profile.name ?? '', email: profile.email ?? '' } } : {})}
        onForget={forgetProfile}
        onProblemShown={setMainProblem}
        onTryAgain={retryAside}
        onCreated={onCreated}
      />
    );
  } else if (!current && missing?.id === route.id) {
    main = (
      <div className="panel-state" role="alert">
        <p>{missing.problem.message}</p>
        {missing.problem.retryable ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              retryAside();
              setLookups((n) => n + 1);
            }}
          >
            Try again
          </button>
        ) : (
          <a className="button" href="#/">
            Open a new ticket
          </a>
        )}
      </div>
    );
  } else if (!current) {
    main = (
      <p className="panel-state" role="status">
        Looking for ticket {route.id.slice(0, 8)}…
      </p>
    );
  } else {
    main = (
      <Conversation
        key={current.ticketId}
        ticket={current}
        {...(sessions[current.ticketId] ? { initialSession: sessions[current.ticketId] } : {})}
        chat={config.chat}
        bridge={bridge}
        profile={chatProfile}
        onRefreshTicket={() => refreshOne(current.ticketId)}
        onProblemShown={setMainProblem}
        onTryAgain={retryAside}
        onNewTicket={() => go({ view: 'new' })}
      />
    );
  }

  const missingShown = route.view === 'ticket' && !current && missing?.id === route.id ? missing.problem : undefined;
  const shown = mainProblem ?? (missingShown?.retryable ? missingShown.kind : undefined);
  // The same outage already has the main view's alert and "Try again": My tickets does not say it twice.
  const asideError =
    refreshError && !(shown && refreshError.retryable) ? `Could not refresh your tickets: ${refreshError.message}` : undefined;

  return (
    <div className="app" data-view={route.view}>
      <header className="app-header">
        <h1>Support</h1>
        {route.view === 'ticket' && (
          <a className="button" href="#/" onClick={(e) => (e.preventDefault(), go({ view: 'new' }))}>
            New ticket
          </a>
        )}
      </header>
      <div className="layout">
        <main className="main">{main}</main>
        <aside className="side">
          <MyTicketsList
            tickets={tickets}
            {...(routeId ? { selectedId: routeId } : {})}
            refreshing={refreshing}
            {...(asideError ? { error: asideError } : {})}
            onOpen={(id) => go({ view: 'ticket', id })}
            onRefresh={() => void refreshAll()}
          />
        </aside>
      </div>
    </div>
  );
}
