/** The console page's HTML shell; console-page.js renders the rest. */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Service Console (simulator)</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/console/assets/console.css" />
  </head>
  <body>
    <header class="con-header">
      <h1 class="con-app">Service Console <small>simulator</small></h1>
      <label class="con-user">Logged in as <select id="con-user"></select></label>
    </header>
    <div class="con-main">
      <main class="con-workspace" aria-label="Workspace">
        <nav class="con-tabs-nav" aria-label="Workspace tabs"><ul class="con-tabs" id="con-tabs"></ul></nav>
        <div class="con-tab-body" id="con-tab-body"><p class="con-muted">Open a Case from the list, or pick a conversation in the chat panel.</p></div>
      </main>
      <aside class="con-side" aria-label="Omni-Channel and Cases">
        <section class="con-card" aria-labelledby="con-omni-title">
          <h2 id="con-omni-title">Omni-Channel</h2>
          <div id="con-omni"></div>
        </section>
        <section class="con-card" aria-labelledby="con-cases-title">
          <h2 id="con-cases-title">Cases</h2>
          <div id="con-cases"></div>
        </section>
      </aside>
    </div>
    <footer class="con-utility-bar" aria-label="Utility bar">
      <section class="con-utility-panel" id="con-utility-panel" aria-labelledby="con-utility-panel-title" hidden>
        <div class="con-utility-panel-head">
          <h2 id="con-utility-panel-title">Chat</h2>
          <button type="button" id="con-utility-minimize" aria-label="Minimize">&#8211;</button>
        </div>
        <div class="con-utility-error" id="con-utility-error" role="alert" hidden></div>
        <div class="con-utility-frame" id="con-utility-frame"></div>
      </section>
      <button type="button" class="con-utility-item" id="con-utility-item" data-icon="chat" aria-expanded="false" aria-controls="con-utility-panel">
        <svg class="con-utility-icon" aria-hidden="true" viewBox="0 0 20 20" width="16" height="16">
          <path id="con-utility-icon-path" fill="currentColor" d="M3 3h14a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H8l-4 3v-3H3a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z" />
        </svg>
        <span id="con-utility-label">Chat</span>
      </button>
    </footer>
    <script src="/console/assets/aura-shim.js"></script>
    <script src="/console/assets/console-page.js"></script>
  </body>
</html>
`;
}
