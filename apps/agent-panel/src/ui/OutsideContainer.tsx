/** What the panel shows when it is not inside a Lightning Container (no LCC host to talk to). */
export function OutsideContainer() {
  return (
    <main className="panel-notice" data-testid="panel-status" data-state="outside_container">
      <h1>Sendbird agent panel</h1>
      <p>
        <strong>This page is not running inside Salesforce.</strong> The agent panel lives in the Service Console's utility bar (the{' '}
        <code>sendbird_utilities_bar</code> component hosts it in a Lightning Container), and only there can it get the agent's chat
        session.
      </p>
      <p>
        To try it without an org, run <code>npm start</code> and open the console simulator URL it prints.
      </p>
    </main>
  );
}
