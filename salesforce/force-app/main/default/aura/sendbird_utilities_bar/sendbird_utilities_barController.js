/*
 * Routes the messages of the SendBird_Bar container (docs/agent-panel.md). Every message the
 * container sends arrives in handleMessage, so the payload's type is checked first.
 */
({
  handleMessage: function (component, message, helper) {
    var payload = message.getParams().payload;
    if (payload === 'READY') {
      helper.initUIKit(component);
      return;
    }
    if (!payload || typeof payload !== 'object') {
      return;
    }
    if (payload.event === 'NEWMESSAGE') {
      helper.showUnread(component, payload.unreadCount, payload.highlighted);
    } else if (payload.event === 'AVAILABILITY') {
      helper.showAvailability(component, payload.available);
    } else if (payload.event === 'CURRENTCHANNEL') {
      helper.openCase(component, payload.channelUrl);
    } else if (payload.event === 'OPENCASE') {
      helper.openCase(component, payload.caseId);
    } else if (payload.event === 'HISTORY') {
      helper.loadHistory(component, payload.caseId);
    } else if (payload.event === 'SESSION_EXPIRED') {
      helper.initUIKit(component);
    }
  },

  handleError: function (component, error, helper) {
    helper.showError(component, 'The chat panel reported an error: ' + error.getParams().description);
  }
})
