import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BRIDGE_MESSAGE_CUSTOM_TYPE } from '../src/events.js';
import {
  agentNoticeText,
  csatNoticeText,
  csatStateInChat,
  listNames,
  noticeForReader,
  parseNotice,
  removalText,
  ticketFormDescription,
  ticketFormText,
  type BridgeNotice,
} from '../src/notices.js';

const ava = { id: '005A', name: 'Ava Agent' };
const ben = { id: '005B', name: 'Ben Agent' };
const admm = (data: unknown, custom_type = 'sbsf_bridge') => ({ type: 'ADMM', custom_type, data: JSON.stringify(data) });

test('parseNotice: only admin messages of the bridge with a notice it knows', () => {
  const handover: BridgeNotice = { sbsf: 'agent.handover', agent: ben, previous: [ava] };
  assert.deepEqual(parseNotice(admm(handover)), handover);
  assert.deepEqual(parseNotice(admm({ sbsf: 'case.closed' })), { sbsf: 'case.closed' });
  assert.deepEqual(parseNotice(admm({ sbsf: 'ticket.form', subject: 'Late order', extra: 1 })), {
    sbsf: 'ticket.form',
    subject: 'Late order',
  });
  assert.equal(parseNotice({ ...admm(handover), type: 'MESG' }), null, 'a user message is never a notice');
  assert.equal(parseNotice(admm(handover, 'other')), null, "another sender's admin message");
  assert.equal(parseNotice({ type: 'ADMM', custom_type: 'sbsf_bridge', data: '{not json' }), null);
  assert.equal(parseNotice(admm({ sbsf: 'agent.teleported' })), null, 'a kind this version does not know');
  assert.equal(parseNotice(admm({ sbsf: 'agent.handover', agent: ben, previous: [{ id: 1 }] })), null, 'malformed agents');
  assert.equal(parseNotice(admm({ sbsf: 'agent.joined' })), null);
  assert.equal(parseNotice(admm({ sbsf: 'ticket.form' })), null);
});

test('what each reader is told: the new agent, the one replaced, and everyone else', () => {
  const handover: BridgeNotice = { sbsf: 'agent.handover', agent: ben, previous: [ava] };
  assert.equal(agentNoticeText(handover), 'Ben Agent joined', 'the text every client shows (the customer reads this)');
  assert.equal(noticeForReader(handover, ben.id), 'You took over from Ava Agent');
  assert.equal(noticeForReader(handover, ava.id), 'Ben Agent took over');
  assert.equal(noticeForReader(handover, 'customer-1'), null);
  assert.equal(noticeForReader({ sbsf: 'agent.joined', agent: ava }, ava.id), 'You joined');
  assert.equal(noticeForReader({ sbsf: 'agent.left', previous: [ava] }, ava.id), 'You left; the Case went back to a queue');
  assert.equal(
    agentNoticeText({ sbsf: 'agent.left', previous: [ava, ben] }),
    'Ava Agent and Ben Agent left. The next available agent will join.',
  );
  assert.equal(listNames(['A', 'B', 'C']), 'A, B and C');
});

test('the ticket form: subject and description, and back', () => {
  const text = ticketFormText('Late order', 'Order 42\n\nhas not shipped');
  assert.equal(text, 'Late order\n\nOrder 42\n\nhas not shipped');
  assert.equal(ticketFormDescription({ sbsf: 'ticket.form', subject: 'Late order' }, text), 'Order 42\n\nhas not shipped');
  assert.equal(ticketFormDescription({ sbsf: 'ticket.form', subject: 'Late order' }, 'Late order'), '');
  assert.equal(
    ticketFormDescription({ sbsf: 'ticket.form', subject: 'Other' }, text),
    text,
    'a text that does not start with the subject is kept whole',
  );
});

test('removalText: what the latest agent notice tells a reader it took out, or null', () => {
  const handover = admm({ sbsf: 'agent.handover', agent: ben, previous: [ava] });
  const joined = (agent: typeof ava) => admm({ sbsf: 'agent.joined', agent });
  const left = admm({ sbsf: 'agent.left', previous: [ben] });
  const chat = { type: 'MESG', custom_type: '', data: '' };
  const form = admm({ sbsf: 'ticket.form', subject: 'Late order' });
  assert.equal(removalText([form, joined(ava), chat, handover, chat], ava.id), 'Ben Agent took over', 'replaced');
  assert.equal(removalText([form, joined(ava), handover], ben.id), null, 'the one who took over stays in');
  assert.equal(removalText([handover], 'customer'), null, 'a customer is never taken out');
  assert.equal(removalText([handover, left], ben.id), 'You left; the Case went back to a queue');
  assert.equal(removalText([handover, left, joined(ava)], ava.id), null, 'the Case given back: the newest notice counts');
  assert.equal(removalText([handover, joined(ben)], ava.id), null, 'a newer agent notice that does not name her');
  assert.equal(removalText([form, chat, admm({ sbsf: 'case.closed' })], ava.id), null, 'no agent notice');
  assert.equal(removalText([], ava.id), null);
});

test("the survey's notices: parsed only when whole; its state from the conversation's follow-ups and its expiry", () => {
  const admin = (data: unknown) => ({ type: 'ADMM', custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE, data: JSON.stringify(data) });
  const request = { sbsf: 'csat.request', surveyId: 's1', caseId: '500EM0000000001YAA', expiresAt: 1_000 } as const;
  assert.deepEqual(parseNotice(admin(request)), request);
  assert.equal(parseNotice(admin({ ...request, expiresAt: 'soon' })), null);
  assert.equal(parseNotice(admin({ sbsf: 'csat.answered', surveyId: 's1', rating: 6 })), null, 'a rating outside 1-5');
  assert.equal(parseNotice(admin({ sbsf: 'csat.answered', surveyId: 's1', rating: 2.5 })), null);
  assert.deepEqual(parseNotice(admin({ sbsf: 'chat.ended' })), { sbsf: 'chat.ended' });

  assert.deepEqual(csatStateInChat(request, [admin(request)], 999), { state: 'open' });
  assert.deepEqual(csatStateInChat(request, [admin(request)], 1_000), { state: 'expired' }, 'its expiry passed');
  const answered = admin({ sbsf: 'csat.answered', surveyId: 's1', rating: 4 });
  assert.deepEqual(csatStateInChat(request, [admin(request), answered], 5_000), { state: 'answered', rating: 4 }, 'answered wins');
  const otherSurvey = admin({ sbsf: 'csat.expired', surveyId: 's0' });
  assert.deepEqual(csatStateInChat(request, [otherSurvey, admin(request)], 0), { state: 'open' }, "another survey's follow-up");
  assert.match(csatNoticeText({ sbsf: 'csat.answered', surveyId: 's1', rating: 4 }), /4 out of 5/);
});
