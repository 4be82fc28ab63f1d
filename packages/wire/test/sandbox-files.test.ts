/** The sandbox's file allow-list, shared by the pane (before the upload) and the emulator (on it). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SANDBOX_FILE_ACCEPT, checkSandboxFile, fileExtension } from '../src/sandbox-files.js';

const MB = 1024 * 1024;

test('images, PDF, text and office documents pass; the stored type falls back to the extension’s', () => {
  for (const [name, type, stored] of [
    ['photo.JPG', 'image/jpeg', 'image/jpeg'],
    ['scan.pdf', '', 'application/pdf'],
    ['notes.txt', 'text/plain;charset=utf-8', 'text/plain'],
    ['sheet.xlsx', 'application/octet-stream', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['slides.odp', 'application/vnd.oasis.opendocument.presentation', 'application/vnd.oasis.opendocument.presentation'],
  ] as const) {
    assert.deepEqual(checkSandboxFile({ name, type, size: 10 }, MB), { ok: true, type: stored }, name);
  }
});

test('executables, scripts, archives, HTML and disguised files are refused, saying what may be sent', () => {
  for (const [name, type] of [
    ['setup.exe', 'application/x-msdownload'],
    ['run.sh', 'text/x-sh'],
    ['page.html', 'text/html'],
    ['bundle.zip', 'application/zip'],
    ['README', ''],
    ['invoice.pdf', 'application/x-msdownload'],
    ['image.png', 'text/html'],
  ] as const) {
    const r = checkSandboxFile({ name, type, size: 10 }, MB);
    assert.equal(r.ok, false, name);
    assert.ok(!r.ok && r.reason === 'type' && r.message.includes(`"${name}" cannot be sent`) && /Send an image/.test(r.message), name);
  }
});

test('size: empty and over the limit are refused with the sizes; exactly the limit passes', () => {
  const over = checkSandboxFile({ name: 'a.png', type: 'image/png', size: 26 * MB }, 25 * MB);
  assert.deepEqual(over, { ok: false, reason: 'size', message: '"a.png" is 26 MB: files up to 25 MB can be sent.' });
  assert.equal(checkSandboxFile({ name: 'a.png', type: 'image/png', size: 25 * MB }, 25 * MB).ok, true);
  assert.equal(checkSandboxFile({ name: 'a.txt', type: 'text/plain', size: 0 }, MB).ok, false);
});

test('the accept list names every allowed extension; extensions are read case-insensitively', () => {
  assert.ok(SANDBOX_FILE_ACCEPT.split(',').includes('.pdf'));
  assert.ok(!SANDBOX_FILE_ACCEPT.includes('.exe'));
  assert.deepEqual(
    [fileExtension('A.TAR.GZ'), fileExtension('.bashrc'), fileExtension('noext'), fileExtension('dot.')],
    ['gz', '', '', ''],
  );
});
