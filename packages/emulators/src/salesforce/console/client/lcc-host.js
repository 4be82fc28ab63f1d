/*
 * The console simulator's stand-in for what Salesforce's container page provides inside a
 * lightning:container iframe: the global `LCC.onlineSupport` that the `lightning-container` npm
 * package forwards every call to. It talks to the parent page (the Aura side, aura-shim.js) with
 * window.postMessage, as the real container does. Only the simulator injects it; the
 * sendbird_bar zip never contains it.
 *
 * Methods, as the package calls them: sendMessage("containerUserMessage", {payload}),
 * addMessageHandler(fn) / removeMessageHandler(fn) (fn gets what Aura's message() sent),
 * addErrorHandler(fn) / removeErrorHandler(fn) (fn gets a string), getRESTAPISessionKey().
 */
(function () {
  'use strict';
  // Opened on its own (not in the console's iframe) there is no container: no LCC, as on Salesforce.
  if (window.parent === window) return;
  var CHANNEL = 'sbsf-lcc';
  var messageHandlers = [];
  var errorHandlers = [];
  var parentOrigin = window.location.origin;

  function post(type, data) {
    var envelope = { channel: CHANNEL, type: type };
    for (var key in data) envelope[key] = data[key];
    window.parent.postMessage(envelope, parentOrigin);
  }

  function remove(list, fn) {
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data;
    if (!data || data.channel !== CHANNEL) return;
    if (data.type === 'containerUserMessage') {
      messageHandlers.slice().forEach(function (fn) {
        fn(data.payload);
      });
    } else if (data.type === 'containerError') {
      errorHandlers.slice().forEach(function (fn) {
        fn(String(data.description));
      });
    }
  });

  // An uncaught error in the container reaches the Aura component's onerror, so the console shows it.
  window.addEventListener('error', function (event) {
    post('containerError', { description: String(event.message || 'script error') });
  });

  window.LCC = window.LCC || {};
  window.LCC.onlineSupport = {
    sendMessage: function (type, message) {
      post(String(type), { payload: message ? message.payload : undefined });
    },
    addMessageHandler: function (fn) {
      if (typeof fn === 'function') messageHandlers.push(fn);
    },
    removeMessageHandler: function (fn) {
      remove(messageHandlers, fn);
    },
    addErrorHandler: function (fn) {
      if (typeof fn === 'function') errorHandlers.push(fn);
    },
    removeErrorHandler: function (fn) {
      remove(errorHandlers, fn);
    },
    // Salesforce no longer documents it; the panel does not use it (it gets a Sendbird token).
    getRESTAPISessionKey: function () {
      return '';
    },
  };
})();
