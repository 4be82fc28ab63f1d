/*
 * The Aura side of the LCC protocol, kept to what only Aura can do: call Apex for the agent's
 * session, and drive the utility bar and the console tabs.
 */
({
  /** A Case Id (key prefix 500), 15 or 18 characters: the container's channel URL. */
  CASE_ID: /^500[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/,
  UNAVAILABLE: 'Sendbird chat is unavailable right now. Try again in a minute.',
  HISTORY_UNAVAILABLE: 'The customer history is unavailable right now. Try again in a minute.',

  /**
   * Fetches the agent's session (SendbirdAgentSession.getAgentSession) and sends it into the
   * container. READY is repeated until answered and SESSION_EXPIRED can arrive while a fetch
   * runs, so only one call is in flight; the container takes the answer whenever it comes.
   */
  initUIKit: function (component) {
    if (component.get('v.sessionLoading')) {
      return;
    }
    component.set('v.sessionLoading', true);
    var action = component.get('c.getAgentSession');
    action.setCallback(this, function (response) {
      component.set('v.sessionLoading', false);
      var container = component.find('SendBird_Bar');
      if (response.getState() !== 'SUCCESS') {
        container.message({ error: this.errorText(response) });
        return;
      }
      var session = response.getReturnValue();
      if (!this.isCurrentUser(session)) {
        container.message({ error: this.UNAVAILABLE });
        return;
      }
      component.set('v.errorMessage', null);
      // Apex returns only appId, userId, nickname, accessToken and expiresAt: pass them as they are.
      container.message(session);
    });
    $A.enqueueAction(action);
  },

  /**
   * The customer's other Cases for the conversation of `caseId`
   * (SendbirdAgentSession.getCaseHistory, which asks the bridge as the running agent). The answer
   * goes back into the container as it came: `{event:"HISTORY", caseId, history}` or
   * `{event:"HISTORY", caseId, error}`; a failed Apex call is an error too.
   */
  loadHistory: function (component, caseId) {
    if (typeof caseId !== 'string' || !this.CASE_ID.test(caseId)) {
      return;
    }
    var action = component.get('c.getCaseHistory');
    action.setParams({ caseId: caseId });
    action.setCallback(this, function (response) {
      var answer = response.getState() === 'SUCCESS' ? response.getReturnValue() : null;
      var message = { event: 'HISTORY', caseId: caseId };
      if (answer && answer.history) {
        message.history = answer.history;
      } else if (answer && answer.error) {
        message.error = answer.error;
      } else {
        message.error = { code: 'unavailable', message: this.HISTORY_UNAVAILABLE };
      }
      component.find('SendBird_Bar').message(message);
    });
    $A.enqueueAction(action);
  },

  /** The session must be the logged-in agent's (Ids compared on their 15-character form). */
  isCurrentUser: function (session) {
    var currentUserId = $A.get('$SObjectType.CurrentUser.Id');
    if (!session || typeof session.userId !== 'string' || !currentUserId) {
      return false;
    }
    return session.userId.substring(0, 15) === String(currentUserId).substring(0, 15);
  },

  errorText: function (response) {
    var errors = response.getError();
    if (response.getState() === 'ERROR' && errors && errors[0] && errors[0].message) {
      return errors[0].message;
    }
    return this.UNAVAILABLE;
  },

  /**
   * The total unread count of all the agent's conversations: "Chat (N)" while N > 0, the plain
   * label at 0. Highlighted as the container says (a message came since the agent looked), or
   * while N > 0 when it does not say (the tutorial's message); never at 0.
   */
  showUnread: function (component, unreadCount, highlighted) {
    var count = parseInt(unreadCount, 10);
    if (isNaN(count) || count < 0) {
      return;
    }
    var highlight = count > 0 && (typeof highlighted === 'boolean' ? highlighted : true);
    if (count === component.get('v.unreadCount') && highlight === component.get('v.highlighted')) {
      return;
    }
    component.set('v.unreadCount', count);
    component.set('v.highlighted', highlight);
    this.renderUtility(component, false);
  },

  /** Chat unavailable: "Chat unavailable", the warning icon, highlighted; available: back to the count. */
  showAvailability: function (component, available) {
    if (typeof available !== 'boolean' || available === component.get('v.available')) {
      return;
    }
    component.set('v.available', available);
    this.renderUtility(component, true);
  },

  /** Sets the utility item's label and highlight (and icon when `iconChanged`) from the attributes. */
  renderUtility: function (component, iconChanged) {
    var label = component.get('v.label') || 'Chat';
    var count = component.get('v.unreadCount');
    var available = component.get('v.available') !== false;
    var text = label;
    if (!available) {
      text = label + ' unavailable';
    } else if (count > 0) {
      text = label + ' (' + count + ')';
    }
    var utilityBar = component.find('utilitybar');
    var fail = $A.getCallback(this.showUtilityError.bind(this, component));
    utilityBar.setUtilityLabel({ label: text }).catch(fail);
    utilityBar.setUtilityHighlighted({ highlighted: !available || component.get('v.highlighted') === true }).catch(fail);
    if (iconChanged) {
      utilityBar.setUtilityIcon({ icon: available ? component.get('v.icon') || 'chat' : 'warning' }).catch(fail);
    }
  },

  /**
   * Opens the Case whose Id is the channel URL (CURRENTCHANNEL), or one of the customer's other
   * Cases (OPENCASE): a console tab, or the record page outside console
   * apps, where the workspace API does not work. The container sends CURRENTCHANNEL on every pick
   * by the agent, and openTab focuses the Case's tab when it is open and opens it again when the
   * agent closed it, so every pick shows the Case and none duplicates its tab.
   */
  openCase: function (component, channelUrl) {
    if (typeof channelUrl !== 'string' || !this.CASE_ID.test(channelUrl)) {
      return;
    }
    var workspace = component.find('workspace');
    var helper = this;
    workspace
      .isConsoleNavigation()
      .then(
        $A.getCallback(function (isConsole) {
          if (isConsole) {
            return workspace.openTab({ recordId: channelUrl, focus: true });
          }
          component.find('navService').navigate({
            type: 'standard__recordPage',
            attributes: { recordId: channelUrl, objectApiName: 'Case', actionName: 'view' }
          });
          return null;
        })
      )
      .catch(
        $A.getCallback(function () {
          helper.showError(component, 'The Case ' + channelUrl + ' could not be opened.');
        })
      );
  },

  showUtilityError: function (component) {
    this.showError(component, 'The utility bar could not be updated.');
  },

  showError: function (component, text) {
    component.set('v.errorMessage', text);
  }
})
