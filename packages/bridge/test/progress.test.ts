// The CLI progress output: a bar redrawn in place on a terminal, at most one line per 10% otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress, renderBar } from '../src/cli/progress.js';

test('renderBar fills in proportion and shows the counts', () => {
  assert.equal(renderBar({ done: 0, total: 4, detail: 'x' }, 8), '[........]   0% 0/4 cases  x');
  assert.equal(renderBar({ done: 2, total: 4, detail: 'x' }, 8), '[####....]  50% 2/4 cases  x');
  assert.equal(renderBar({ done: 4, total: 4, detail: 'x' }, 8), '[########] 100% 4/4 cases  x');
  assert.equal(renderBar({ done: 0, total: 0, detail: 'x' }, 8), '[########] 100% 0/0 cases  x');
});

test('on a terminal the bar is redrawn on one line, then ended with a newline', () => {
  const writes: string[] = [];
  const p = new Progress({ isTTY: true, columns: 200, write: (s: string) => writes.push(s) }, 'reconcile');
  for (let i = 0; i <= 3; i++) p.update({ done: i, total: 3, detail: 'invites 0' });
  p.end();
  assert.equal(writes.length, 5);
  assert.ok(writes.slice(0, 4).every((w) => w.startsWith('\r') && w.endsWith('\u001b[K') && !w.includes('\n')));
  assert.match(writes[3]!, /100% 3\/3 cases/);
  assert.equal(writes[4], '\n');
});

test('elsewhere: one line per 10% step and the last one', () => {
  const lines: string[] = [];
  const p = new Progress({ write: (s: string) => lines.push(s) }, 'reconcile');
  for (let i = 0; i <= 500; i++) p.update({ done: i, total: 500, detail: 'd' });
  p.end();
  assert.equal(lines.length, 11, lines.join(''));
  assert.equal(lines[0], 'reconcile: 0/500 cases (d)\n');
  assert.equal(lines.at(-1), 'reconcile: 500/500 cases (d)\n');
});
