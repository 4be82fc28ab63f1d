trigger AgentOmniChannel on AgentWork(after update) {
  new AgentWorkTriggerHandler().run();
}
