/*
 * A small Aura shim: just enough of the Aura framework to run the REAL controller and helper of
 * the sendbird_utilities_bar bundle in a plain page. It builds one component from the bundle
 * (markup parsed by the server, controller and helper sources read from disk) and provides:
 * - component.get('v.x') / set('v.x', value) / get('c.serverAction') / find(auraId);
 * - $A.enqueueAction(action) -> POST /__console/aura/<action>, then the action's callback;
 *   $A.get('$SObjectType.CurrentUser.Id'), $A.getCallback(fn);
 * - the lightning:container: an iframe on the static resource, whose LCC messages (postMessage
 *   from lcc-host.js inside it) run the markup's onmessage / onerror actions, and whose
 *   message(payload) posts back into it;
 * - the console APIs (utility bar, workspace, navigation) come from the page (env.apis).
 * Exposed as window.SbsfAura.createComponent(bundle, env).
 */
(function () {
  'use strict';
  var LCC_CHANNEL = 'sbsf-lcc';

  /** A controller or helper file is one parenthesised object literal: `({ ... })`. */
  function evaluateObject(source, $A, what) {
    var body = String(source).trim().replace(/;\s*$/, '');
    try {
      return new Function('$A', '"use strict";\nreturn (\n' + body + '\n);')($A);
    } catch (err) {
      throw new Error('[aura-shim] the ' + what + ' does not evaluate to an object: ' + err.message);
    }
  }

  function coerce(type, value) {
    if (value === undefined) return null;
    switch (String(type).toLowerCase()) {
      case 'boolean':
        return value === 'true';
      case 'integer':
      case 'long':
      case 'decimal':
      case 'double':
        return Number(value);
      default:
        return value;
    }
  }

  /** `{!$Resource.sendbird_bar + '/index.html'}` -> '/console/panel/index.html'. */
  function resolveSrc(expr, resources) {
    var m = /^\{!\s*\$Resource\.(\w+)\s*\+\s*'([^']*)'\s*\}$/.exec(String(expr).trim());
    if (!m) throw new Error('[aura-shim] unsupported container src ' + expr);
    if (!(m[1] in resources)) throw new Error('[aura-shim] no static resource ' + m[1]);
    return resources[m[1]] + m[2];
  }

  /** Session tokens never go into the page's log. */
  function redact(payload) {
    if (!payload || typeof payload !== 'object') return payload;
    var copy = {};
    for (var key in payload) copy[key] = key === 'accessToken' ? '[redacted]' : payload[key];
    return copy;
  }

  function createA(env, reportError) {
    var $A = {
      get: function (expr) {
        if (expr === '$SObjectType.CurrentUser.Id') return env.currentUserId;
        var resource = /^\$Resource\.(\w+)$/.exec(expr);
        if (resource) return env.resources[resource[1]];
        return undefined;
      },
      getCallback: function (fn) {
        return function () {
          try {
            return fn.apply(this, arguments);
          } catch (err) {
            reportError(err);
            return undefined;
          }
        };
      },
      enqueueAction: function (action) {
        if (!action || typeof action._run !== 'function')
          throw new Error('[aura-shim] enqueueAction needs a server action from component.get("c.name")');
        // Aura sends queued actions after the current event handler returns.
        setTimeout(function () {
          action._run();
        }, 0);
      },
      log: function () {},
      warning: function () {},
      util: {
        isEmpty: function (v) {
          return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
        },
        isUndefinedOrNull: function (v) {
          return v === undefined || v === null;
        },
      },
    };
    return $A;
  }

  function serverAction(name, env, reportError) {
    var params = {};
    var callbacks = [];
    return {
      getName: function () {
        return name;
      },
      setParams: function (p) {
        params = p || {};
      },
      setParam: function (k, v) {
        params[k] = v;
      },
      getParams: function () {
        return params;
      },
      setCallback: function (scope, fn, state) {
        callbacks.push({ scope: scope, fn: fn, state: state || 'ALL' });
      },
      setStorable: function () {},
      setBackground: function () {},
      _run: function () {
        env.log({ kind: 'apex', action: name });
        fetch('/__console/aura/' + encodeURIComponent(name), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ params: params }),
        })
          .then(function (res) {
            return res.json();
          })
          .catch(function () {
            return { state: 'INCOMPLETE', error: [] };
          })
          .then(function (answer) {
            var response = {
              getState: function () {
                return answer.state;
              },
              getReturnValue: function () {
                return answer.state === 'SUCCESS' ? answer.returnValue : null;
              },
              getError: function () {
                return answer.error || [];
              },
            };
            env.log({ kind: 'apex-result', action: name, state: answer.state });
            callbacks.forEach(function (cb) {
              if (cb.state !== 'ALL' && cb.state !== answer.state) return;
              try {
                cb.fn.call(cb.scope, response);
              } catch (err) {
                reportError(err);
              }
            });
          });
      },
    };
  }

  function createComponent(bundle, env) {
    var desc = bundle.descriptor;
    var reportError =
      env.reportError ||
      function (err) {
        throw err;
      };
    var attrs = {};
    desc.attributes.forEach(function (a) {
      attrs[a.name] = coerce(a.type, a.default);
    });
    var $A = createA(env, reportError);
    var controller = evaluateObject(bundle.controller, $A, desc.name + 'Controller.js');
    var helper = evaluateObject(bundle.helper, $A, desc.name + 'Helper.js');
    var found = {};
    var component = {
      get: function (expr) {
        if (expr.indexOf('v.') === 0) return attrs[expr.slice(2)];
        if (expr.indexOf('c.') === 0) {
          var name = expr.slice(2);
          if (typeof controller[name] === 'function') throw new Error('[aura-shim] client actions as objects are not supported: ' + expr);
          if (!desc.controller) throw new Error('[aura-shim] ' + expr + ': the component has no Apex controller');
          return serverAction(name, env, reportError);
        }
        throw new Error('[aura-shim] unsupported expression ' + expr);
      },
      set: function (expr, value) {
        if (expr.indexOf('v.') !== 0) throw new Error('[aura-shim] only v. attributes can be set: ' + expr);
        var name = expr.slice(2);
        attrs[name] = value;
        if (env.onAttributeChange) env.onAttributeChange(name, value);
      },
      find: function (auraId) {
        return found[auraId];
      },
      isValid: function () {
        return true;
      },
      getName: function () {
        return desc.name;
      },
    };

    function runAction(name, event) {
      var fn = controller[name];
      if (typeof fn !== 'function') {
        reportError(new Error('[aura-shim] the controller has no action ' + name));
        return;
      }
      try {
        fn.call(controller, component, event, helper);
      } catch (err) {
        reportError(err);
      }
    }

    if (desc.apis.utilityBar) found[desc.apis.utilityBar] = env.apis.utilityBar;
    if (desc.apis.workspace) found[desc.apis.workspace] = env.apis.workspace;
    if (desc.apis.navigation) found[desc.apis.navigation] = env.apis.navigation;

    var iframe = null;
    var container = desc.container;
    if (container) {
      iframe = document.createElement('iframe');
      iframe.title = 'Sendbird chat (lightning:container ' + container.auraId + ')';
      iframe.setAttribute('data-aura-id', container.auraId);
      var listening = false;
      window.addEventListener('message', function (event) {
        if (!iframe || event.source !== iframe.contentWindow) return;
        var data = event.data;
        if (!data || data.channel !== LCC_CHANNEL) return;
        if (data.type === 'containerUserMessage') {
          env.log({ kind: 'lcc', dir: 'container->aura', payload: redact(data.payload), handled: listening });
          if (listening && container.onmessage) {
            runAction(container.onmessage, {
              getParams: function () {
                return { payload: data.payload };
              },
              getParam: function (n) {
                return n === 'payload' ? data.payload : undefined;
              },
            });
          }
        } else if (data.type === 'containerError') {
          env.log({ kind: 'lcc-error', dir: 'container->aura', description: data.description, handled: listening });
          if (listening && container.onerror) {
            runAction(container.onerror, {
              getParams: function () {
                return { description: data.description };
              },
            });
          }
        }
      });
      // The real component listens once Aura has rendered it; env.listenDelayMs imitates a slow
      // Aura start, so the container's first READYs go unheard (the case the retry is for).
      var startListening = function () {
        listening = true;
        env.log({ kind: 'aura-listening' });
      };
      if (env.listenDelayMs > 0) setTimeout(startListening, env.listenDelayMs);
      else startListening();
      found[container.auraId] = {
        message: function (payload) {
          env.log({ kind: 'lcc', dir: 'aura->container', payload: redact(payload) });
          iframe.contentWindow.postMessage(
            { channel: LCC_CHANNEL, type: 'containerUserMessage', payload: payload },
            window.location.origin,
          );
        },
        getElement: function () {
          return iframe;
        },
      };
      iframe.src = resolveSrc(container.src, env.resources);
    }
    return { component: component, iframe: iframe, attributes: attrs };
  }

  window.SbsfAura = { createComponent: createComponent };
})();
