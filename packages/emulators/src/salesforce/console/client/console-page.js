/*
 * The console simulator page: a small Service Console around the real sendbird_utilities_bar.
 * Cases with owners (reassign to an agent or a queue, or route through Omni-Channel), the
 * logged-in agent's Omni-Channel work (accept / decline), switching the logged-in agent,
 * workspace tabs with the Case record and its transcript, and the utility bar item running the
 * Aura bundle over aura-shim.js. Everything it does is logged in window.sbsfConsole.events
 * (tokens redacted) so tests and people can see the LCC traffic.
 *
 * URL options: ?navigation=standard plays a non-console app (the workspace API says no, so the
 * component navigates instead); ?auraListenDelayMs=N makes Aura start listening N ms late.
 */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var consoleNavigation = params.get('navigation') !== 'standard';
  var listenDelayMs = Number(params.get('auraListenDelayMs') || 0);
  var events = [];
  window.sbsfConsole = { events: events, errors: [] };
  var $ = function (id) {
    return document.getElementById(id);
  };

  function log(entry) {
    entry.at = performance.timeOrigin + performance.now();
    events.push(entry);
  }

  function reportError(err) {
    window.sbsfConsole.errors.push(String(err && err.message ? err.message : err));
    console.error('[console] ' + (err && err.stack ? err.stack : err));
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error(json.error || 'HTTP ' + res.status);
        return json;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function notify(text) {
    var toast = el('div', { class: 'con-toast', role: 'status', text: text });
    document.querySelector('main').appendChild(toast);
    setTimeout(function () {
      toast.remove();
    }, 4000);
  }

  // ---------------------------------------------------------------------------------------
  // Org data: users, Cases, Omni-Channel

  var state = null;

  function ownerOptions(selected) {
    var options = [];
    state.users.forEach(function (u) {
      options.push(el('option', { value: u.Id, selected: u.Id === selected, text: u.Name + (u.integration ? ' (integration)' : '') }));
    });
    state.queues.forEach(function (q) {
      options.push(el('option', { value: q.Id, selected: q.Id === selected, text: 'Queue: ' + q.Name }));
    });
    return options;
  }

  function agentOptions(selected) {
    return state.users
      .filter(function (u) {
        return !u.integration;
      })
      .map(function (u) {
        return el('option', { value: u.Id, selected: u.Id === selected, text: u.Name });
      });
  }

  function act(promise) {
    return promise.then(
      function (next) {
        if (next && next.cases) setState(next);
        else if (next && next.state) setState(next.state);
      },
      function (err) {
        notify(err.message);
      },
    );
  }

  function renderUsers() {
    var select = $('con-user');
    select.replaceChildren.apply(select, agentOptions(state.currentUser.Id));
  }

  // What the user picked in each Case's selects, kept across the periodic re-renders.
  var picked = { owner: {}, route: {}, status: {} };

  function pickable(select, kind, caseId) {
    if (picked[kind][caseId]) select.value = picked[kind][caseId];
    select.addEventListener('change', function () {
      picked[kind][caseId] = select.value;
    });
    return select;
  }

  function renderCases() {
    var rows = state.cases.map(function (c) {
      var owner = pickable(el('select', { 'aria-label': 'New owner of Case ' + c.CaseNumber }, ownerOptions(c.OwnerId)), 'owner', c.Id);
      var agent = pickable(
        el('select', { 'aria-label': 'Agent to route Case ' + c.CaseNumber + ' to' }, agentOptions(state.currentUser.Id)),
        'route',
        c.Id,
      );
      var statusOptions = (state.caseStatuses || []).map(function (s) {
        return el('option', { value: s, selected: s === c.Status, text: s });
      });
      var status = pickable(el('select', { 'aria-label': 'New status of Case ' + c.CaseNumber }, statusOptions), 'status', c.Id);
      return el('li', { class: 'con-case', 'data-case-id': c.Id }, [
        el(
          'button',
          {
            type: 'button',
            class: 'con-link',
            onclick: function () {
              openCaseTab(c.Id, true, 'list');
            },
          },
          [c.CaseNumber + ' ' + c.Subject],
        ),
        el('div', { class: 'con-case-meta' }, [
          el('span', { class: 'con-status', text: c.Status }),
          ' Owner: ',
          el('strong', { class: 'con-owner', 'data-owner-type': c.ownerType, text: c.ownerName }),
        ]),
        el('div', { class: 'con-case-actions' }, [
          owner,
          el(
            'button',
            {
              type: 'button',
              class: 'con-button',
              'data-action': 'change-owner',
              onclick: function () {
                delete picked.owner[c.Id];
                act(api('POST', '/__console/api/cases/' + c.Id + '/owner', { ownerId: owner.value }));
              },
            },
            ['Change owner'],
          ),
        ]),
        el('div', { class: 'con-case-actions' }, [
          agent,
          el(
            'button',
            {
              type: 'button',
              class: 'con-button',
              'data-action': 'omni-route',
              onclick: function () {
                act(api('POST', '/__console/api/cases/' + c.Id + '/route', { userId: agent.value }));
              },
            },
            ['Route (Omni)'],
          ),
        ]),
        el('div', { class: 'con-case-actions' }, [
          status,
          el(
            'button',
            {
              type: 'button',
              class: 'con-button',
              'data-action': 'change-status',
              onclick: function () {
                delete picked.status[c.Id];
                act(api('POST', '/__console/api/cases/' + c.Id + '/status', { status: status.value }));
              },
            },
            ['Change status'],
          ),
        ]),
      ]);
    });
    var list = el('ul', { class: 'con-cases' }, rows);
    $('con-cases').replaceChildren(list);
  }

  function renderOmni() {
    var waiting = state.work.filter(function (w) {
      return w.Status === 'Assigned';
    });
    var open = state.work.filter(function (w) {
      return w.Status === 'Opened';
    });
    var items = waiting.map(function (w) {
      return el('li', { class: 'con-work', 'data-work-id': w.Id }, [
        el('span', { text: 'Incoming: ' + w.caseNumber + ' ' + w.subject }),
        el(
          'button',
          {
            type: 'button',
            class: 'con-button',
            'data-action': 'omni-accept',
            onclick: function () {
              act(api('POST', '/__console/api/agent-work/' + w.Id + '/accept')).then(function () {
                openCaseTab(w.WorkItemId, true, 'omni');
              });
            },
          },
          ['Accept'],
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'con-button con-secondary',
            'data-action': 'omni-decline',
            onclick: function () {
              act(api('POST', '/__console/api/agent-work/' + w.Id + '/decline'));
            },
          },
          ['Decline'],
        ),
      ]);
    });
    $('con-omni').replaceChildren(
      el('p', { class: 'con-muted', text: state.currentUser.Name + ': ' + waiting.length + ' incoming, ' + open.length + ' open' }),
      el('ul', { class: 'con-work-list' }, items),
    );
  }

  var shownState = '';
  function setState(next) {
    // The page polls: re-render only what changed, so a select being used is not replaced.
    var key = JSON.stringify(next);
    if (key === shownState) return;
    shownState = key;
    state = next;
    window.sbsfConsole.state = next;
    renderUsers();
    renderCases();
    renderOmni();
    renderTabs();
  }

  function refresh() {
    return api('GET', '/__console/api/state').then(setState, function () {});
  }

  $('con-user').addEventListener('change', function (event) {
    // A new login is a new Lightning session: the whole console reloads as that agent.
    api('POST', '/__console/api/login', { userId: event.target.value }).then(
      function () {
        window.location.reload();
      },
      function (err) {
        notify(err.message);
      },
    );
  });

  // ---------------------------------------------------------------------------------------
  // Workspace tabs and the Case record page

  var tabs = [];
  var focusedTabId = null;
  var tabSeq = 0;
  var caseViews = {};

  function caseLabel(recordId) {
    var c =
      state &&
      state.cases.find(function (x) {
        return x.Id === recordId;
      });
    return c ? c.CaseNumber + ' ' + c.Subject : recordId;
  }

  /**
   * Each tab is a list item with two sibling buttons: the tab itself (aria-current on the focused
   * one) and its close control. Delete on a tab closes it too. Keyboard focus stays in the tab
   * strip across the re-render that focusing or closing causes.
   */
  function renderTabs() {
    var list = $('con-tabs');
    list.parentNode.hidden = !consoleNavigation;
    var active = document.activeElement;
    var keep = list.contains(active)
      ? { tabId: active.getAttribute('data-tab-id'), close: active.classList.contains('con-tab-close') }
      : null;
    list.replaceChildren.apply(
      list,
      tabs.map(function (t) {
        var focused = t.tabId === focusedTabId;
        var label = caseLabel(t.recordId);
        var item = { class: 'con-tab', 'data-tab-id': t.tabId, 'data-record-id': t.recordId, 'data-selected': String(focused) };
        return el('li', item, [
          el(
            'button',
            {
              type: 'button',
              class: 'con-tab-label',
              'data-tab-id': t.tabId,
              'aria-current': focused ? 'true' : null,
              onclick: function () {
                focusTab(t.tabId);
              },
              onkeydown: function (event) {
                if (event.key !== 'Delete') return;
                event.preventDefault();
                closeTab(t.tabId);
              },
            },
            [label],
          ),
          el(
            'button',
            {
              type: 'button',
              class: 'con-tab-close',
              'data-tab-id': t.tabId,
              'aria-label': 'Close tab ' + label,
              title: 'Close tab',
              onclick: function () {
                closeTab(t.tabId);
              },
            },
            ['×'],
          ),
        ]);
      }),
    );
    if (!keep) return;
    // After a close, the focused tab (or the strip's last tab) takes the keyboard focus.
    var target =
      list.querySelector('[data-tab-id="' + keep.tabId + '"]' + (keep.close ? ' .con-tab-close' : ' .con-tab-label')) ||
      list.querySelector('[data-tab-id="' + focusedTabId + '"] .con-tab-label') ||
      list.querySelector('.con-tab-label');
    if (target) target.focus();
  }

  /** A Salesforce date-time (ISO 8601) as a <time>: readable local text, the raw value in datetime. */
  function timeElement(iso) {
    if (!iso) return null;
    var at = new Date(iso);
    var text = isNaN(at.getTime()) ? iso : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    return el('time', { class: 'con-msg-time', datetime: iso, title: iso, text: text });
  }

  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

  /**
   * Message text as DOM nodes: http(s) URLs become links opening in a new tab, everything else
   * stays text (text nodes only, so markup in a message shows as typed). Punctuation ending a
   * sentence is left out of the link.
   */
  function linkify(text) {
    var nodes = [];
    var last = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]}]+$/, '');
      var href = URL.canParse(url) ? new URL(url).href : null;
      if (!href) return match;
      if (offset > last) nodes.push(text.slice(last, offset));
      nodes.push(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', text: url }));
      last = offset + url.length;
      return match;
    });
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  /**
   * A transcript message's body: its text, or for a file "File: " and its name, a link that
   * downloads the Salesforce File it was stored as (File_Id__c) when the org has it.
   */
  function messageBody(m) {
    if (m.Message_Type__c !== 'FILE') return linkify(m.Body__c || '');
    var name = m.File_Name__c || m.File_Url__c || '';
    if (!m.fileDownloadUrl) return linkify('File: ' + name);
    return [
      'File: ',
      el('a', { class: 'con-file', href: m.fileDownloadUrl, download: name, 'data-file-id': m.File_Id__c, text: name || 'download' }),
    ];
  }

  function field(label, value) {
    return el('div', { class: 'con-field' }, [
      el('span', { class: 'con-field-label', text: label }),
      el('span', { class: 'con-field-value', text: value || '' }),
    ]);
  }

  function renderCaseView(view) {
    var c = view.case;
    var transcript = view.transcript.map(function (m) {
      return el('li', { class: 'con-msg', 'data-role': m.Sender_Role__c || '', 'data-message-id': m.Sendbird_Message_Id__c }, [
        el('span', { class: 'con-msg-meta' }, [
          (m.Sender_Name__c || '?') + ' (' + (m.Sender_Role__c || '?') + ') ',
          timeElement(m.Sent_At__c),
        ]),
        el('span', { class: 'con-msg-body' }, messageBody(m)),
      ]);
    });
    return el('article', { class: 'con-record', 'data-record-id': c.Id }, [
      el('h2', { text: 'Case ' + c.CaseNumber + ': ' + c.Subject }),
      el('div', { class: 'con-fields' }, [
        field('Status', c.Status),
        field('Priority', c.Priority),
        field('Owner', c.ownerName),
        field('Origin', c.Origin),
        field('Customer', c.SuppliedName),
        field('Email', c.SuppliedEmail),
        field('Sendbird user', c.Sendbird_User_Id__c),
        field('Contact', c.contactName),
        field('Contact email', c.contactEmail),
        field('Account', c.accountName),
        field('Case Id (channel URL)', c.Id),
      ]),
      c.Description ? el('p', { class: 'con-description', text: c.Description }) : null,
      el('h3', { text: 'Sendbird Messages (' + view.transcript.length + ')' }),
      transcript.length ? el('ol', { class: 'con-transcript' }, transcript) : el('p', { class: 'con-muted', text: 'No messages yet.' }),
    ]);
  }

  function showRecord(recordId) {
    var body = $('con-tab-body');
    if (!recordId) {
      body.replaceChildren(el('p', { class: 'con-muted', text: 'Open a Case from the list, or pick a conversation in the chat panel.' }));
      return;
    }
    api('GET', '/__console/api/cases/' + recordId).then(
      function (view) {
        var key = JSON.stringify(view);
        if (
          caseViews[recordId] === key &&
          body.firstChild &&
          body.firstChild.getAttribute &&
          body.firstChild.getAttribute('data-record-id') === view.case.Id
        )
          return;
        caseViews[recordId] = key;
        body.replaceChildren(renderCaseView(view));
      },
      function (err) {
        body.replaceChildren(el('p', { class: 'con-error', text: 'Case ' + recordId + ': ' + err.message }));
      },
    );
  }

  var shownRecord = null;
  function focusTab(tabId) {
    var tab = tabs.find(function (t) {
      return t.tabId === tabId;
    });
    if (!tab) return false;
    focusedTabId = tabId;
    shownRecord = tab.recordId;
    renderTabs();
    showRecord(tab.recordId);
    return true;
  }

  /** closeTab(): the tab goes; the last remaining tab gets the focus if the closed one had it. */
  function closeTab(tabId) {
    var tab = tabs.find(function (t) {
      return t.tabId === tabId;
    });
    if (!tab) return false;
    log({ kind: 'closeTab', recordId: tab.recordId, tabId: tabId });
    tabs = tabs.filter(function (t) {
      return t.tabId !== tabId;
    });
    if (focusedTabId === tabId) {
      focusedTabId = tabs.length ? tabs[tabs.length - 1].tabId : null;
      shownRecord = focusedTabId ? tabs[tabs.length - 1].recordId : null;
      showRecord(shownRecord);
    }
    renderTabs();
    return true;
  }

  /**
   * openTab(): a new workspace tab, or, when a tab already shows the record, that tab (focused
   * if asked), never a second one; a closed tab is opened anew (the console API's documented
   * behaviour: "If the tab is already open, the tab is focused").
   */
  function openCaseTab(recordId, focus, source) {
    var existing = tabs.find(function (t) {
      return t.recordId === recordId;
    });
    var tab = existing || { tabId: 'ctab' + ++tabSeq, recordId: recordId };
    if (!existing) tabs.push(tab);
    log({ kind: 'openTab', recordId: recordId, tabId: tab.tabId, created: !existing, source: source });
    if (focus || !focusedTabId) focusTab(tab.tabId);
    else renderTabs();
    return tab.tabId;
  }

  function tabInfo(t) {
    return {
      tabId: t.tabId,
      recordId: t.recordId,
      focused: t.tabId === focusedTabId,
      title: caseLabel(t.recordId),
      isSubtab: false,
      subtabs: [],
      pageReference: { type: 'standard__recordPage', attributes: { recordId: t.recordId, objectApiName: 'Case', actionName: 'view' } },
    };
  }

  var notConsole = function () {
    return Promise.reject(new Error('This method works only in Lightning console apps'));
  };
  var recordIdOf = function (p) {
    if (p.recordId) return p.recordId;
    var m = /\/lightning\/r\/\w+\/(\w{15,18})\/view/.exec(p.url || '');
    return m ? m[1] : null;
  };
  var workspaceApi = {
    isConsoleNavigation: function () {
      return Promise.resolve(consoleNavigation);
    },
    openTab: function (p) {
      if (!consoleNavigation) return notConsole();
      var recordId = recordIdOf(p || {});
      if (!recordId) return Promise.reject(new Error('openTab needs a recordId or a record URL'));
      return Promise.resolve(openCaseTab(recordId, p.focus !== false, 'workspaceAPI'));
    },
    focusTab: function (p) {
      if (!consoleNavigation) return notConsole();
      return focusTab(p.tabId) ? Promise.resolve(true) : Promise.reject(new Error('no tab ' + p.tabId));
    },
    closeTab: function (p) {
      if (!consoleNavigation) return notConsole();
      return closeTab(p.tabId) ? Promise.resolve(true) : Promise.reject(new Error('no tab ' + p.tabId));
    },
    getAllTabInfo: function () {
      return consoleNavigation ? Promise.resolve(tabs.map(tabInfo)) : notConsole();
    },
    getFocusedTabInfo: function () {
      if (!consoleNavigation) return notConsole();
      var t = tabs.find(function (x) {
        return x.tabId === focusedTabId;
      });
      return t ? Promise.resolve(tabInfo(t)) : Promise.reject(new Error('no focused tab'));
    },
  };

  var navigationApi = {
    navigate: function (pageRef) {
      var a = (pageRef && pageRef.attributes) || {};
      log({ kind: 'navigate', type: pageRef && pageRef.type, recordId: a.recordId });
      if (pageRef && pageRef.type === 'standard__recordPage' && a.recordId) {
        shownRecord = a.recordId;
        showRecord(a.recordId);
      }
    },
    generateUrl: function (pageRef) {
      var a = (pageRef && pageRef.attributes) || {};
      return Promise.resolve('/lightning/r/' + (a.objectApiName || 'Case') + '/' + a.recordId + '/view');
    },
  };

  // ---------------------------------------------------------------------------------------
  // The utility bar item

  var utility = { label: 'Chat', highlighted: false, icon: 'chat', open: false };
  // The SLDS utility icons the item can show (setUtilityIcon); any other name shows as chat.
  var ICON_PATHS = {
    chat: 'M3 3h14a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H8l-4 3v-3H3a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z',
    warning: 'M10 2 19 18H1L10 2zm-1 6v5h2V8H9zm0 6v2h2v-2H9z',
  };

  function renderUtility() {
    var item = $('con-utility-item');
    $('con-utility-label').textContent = utility.label;
    $('con-utility-panel-title').textContent = utility.label;
    item.setAttribute('data-icon', utility.icon);
    $('con-utility-icon-path').setAttribute('d', ICON_PATHS[utility.icon] || ICON_PATHS.chat);
    item.setAttribute('data-highlighted', String(utility.highlighted));
    item.setAttribute('aria-expanded', String(utility.open));
    $('con-utility-panel').hidden = !utility.open;
  }

  function setOpen(open) {
    utility.open = open;
    log({ kind: 'utility', method: open ? 'open' : 'minimize' });
    renderUtility();
  }

  $('con-utility-item').addEventListener('click', function () {
    setOpen(!utility.open);
  });
  $('con-utility-minimize').addEventListener('click', function () {
    setOpen(false);
  });

  var utilityInfo = function () {
    return {
      id: 'utility-sendbird',
      utilityLabel: utility.label,
      utilityIcon: utility.icon,
      utilityHighlighted: utility.highlighted,
      utilityVisible: utility.open,
      isPoppedOut: false,
      panelHeight: 500,
      panelWidth: 900,
    };
  };
  var utilityBarApi = {
    setUtilityLabel: function (p) {
      utility.label = String(p.label);
      log({ kind: 'utility', method: 'setUtilityLabel', label: utility.label });
      renderUtility();
      return Promise.resolve(true);
    },
    setUtilityHighlighted: function (p) {
      utility.highlighted = !!p.highlighted;
      log({ kind: 'utility', method: 'setUtilityHighlighted', highlighted: utility.highlighted });
      renderUtility();
      return Promise.resolve(true);
    },
    setUtilityIcon: function (p) {
      utility.icon = String(p.icon);
      log({ kind: 'utility', method: 'setUtilityIcon', icon: utility.icon });
      renderUtility();
      return Promise.resolve(true);
    },
    openUtility: function () {
      setOpen(true);
      return Promise.resolve(true);
    },
    minimizeUtility: function () {
      setOpen(false);
      return Promise.resolve(true);
    },
    getEnclosingUtilityId: function () {
      return Promise.resolve('utility-sendbird');
    },
    getUtilityInfo: function () {
      return Promise.resolve(utilityInfo());
    },
    getAllUtilityInfo: function () {
      return Promise.resolve([utilityInfo()]);
    },
    disableUtilityPopOut: function () {
      return Promise.resolve(true);
    },
    toggleModalMode: function () {
      return Promise.resolve(true);
    },
    onUtilityClick: function () {
      return Promise.resolve(true);
    },
  };

  // ---------------------------------------------------------------------------------------
  // Start: org data, then the Aura component (it starts automatically, like the tutorial's
  // "Start automatically" utility item, so the handshake runs before the panel is opened).

  refresh().then(function () {
    setInterval(refresh, 1500);
    setInterval(function () {
      if (shownRecord) showRecord(shownRecord);
    }, 1000);
  });

  api('GET', '/__console/aura/bundle').then(
    function (bundle) {
      try {
        var created = window.SbsfAura.createComponent(bundle, {
          currentUserId: bundle.currentUserId,
          resources: bundle.resources,
          apis: { utilityBar: utilityBarApi, workspace: workspaceApi, navigation: navigationApi },
          listenDelayMs: listenDelayMs,
          log: log,
          reportError: reportError,
          onAttributeChange: function (name, value) {
            if (name !== 'errorMessage') return;
            var box = $('con-utility-error');
            box.textContent = value || '';
            box.hidden = !value;
          },
        });
        var defaultLabel = created.attributes.label;
        if (typeof defaultLabel === 'string' && defaultLabel) utility.label = defaultLabel;
        renderUtility();
        if (created.iframe) {
          created.iframe.addEventListener('load', function () {
            log({ kind: 'iframe-load' });
          });
          log({ kind: 'iframe-insert' });
          $('con-utility-frame').appendChild(created.iframe);
        }
      } catch (err) {
        reportError(err);
      }
    },
    function (err) {
      reportError(new Error('could not load the Aura bundle: ' + err.message));
    },
  );
})();
