trigger SendbirdCaseEvents on Sendbird_Case_Event__e(after insert) {
  new SendbirdCaseEventTriggerHandler().run();
}
