trigger AssignAgent on Case(after update) {
  new CaseTriggerHandler().run();
}
