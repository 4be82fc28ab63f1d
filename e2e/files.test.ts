/**
 * Files both ways, in the whole sandbox (`startSandbox`: both emulators, the bridge, the customer
 * app and the console simulator with the agent panel), driven in Chromium:
 *
 * - the customer opens a ticket, the Case goes to Ava, who opens it in her panel;
 * - the customer's Attach button (reached and pressed from the keyboard) opens the real file
 *   input; an executable is refused before any upload, with a message that says what may be sent;
 * - a PDF is sent: the customer and Ava see it as a link that serves the same bytes, and the Case
 *   gets it as a Salesforce File (a ContentVersion linked to the Case once, the transcript record
 *   pointing at it), and on the Case record in the console simulator the transcript's file is a
 *   link that downloads that File;
 * - Ava sends a text file back from her panel; the customer sees it;
 * - axe-core finds no violations on the customer's page with the files and the refusal shown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { axeViolations } from './support/axe.js';
import { screenshotOnFailure } from './support/browser.js';
import { caseRow, changeOwner, channelItem, chatShown, minimizePanel, openPanel, panel } from './support/console-page.js';
import { startBrowserSandbox } from './support/sandbox.js';

const SLOW = { timeoutMs: 30_000 };
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test(
  'files both ways: the customer sends a PDF, the agent sees it and the Case gets it as a File; the agent sends one back',
  { timeout: 240_000 },
  async (t: TestContext) => {
    const world = await startBrowserSandbox(t, 'sbsf-files-');
    if (!world) return;
    const { sandbox, browser, customer, agent } = world;
    const { salesforce: sf, sendbird: sb } = sandbox;
    const { ava } = sf.seed.agents;

    await screenshotOnFailure(customer, 'files-failure-customer', () =>
      screenshotOnFailure(agent, 'files-failure-console', async () => {
        await customer.goto(sandbox.urls.customer!);
        await customer.getByLabel('Your name').fill('Jane Doe');
        await customer.getByLabel('Email', { exact: true }).fill('jane@example.com');
        await customer.getByLabel('Subject').fill('Invoice is wrong');
        await customer.getByLabel('How can we help?').fill('The total on my invoice is twice what it should be.');
        await customer.getByRole('button', { name: 'Start chat' }).click();
        await customer.locator('[data-connection="open"]').waitFor({ timeout: 20_000 });
        const theCase = sf.records('Case').find((c) => c.Subject === 'Invoice is wrong');
        assert.ok(theCase);
        const caseId = theCase.Id;

        await agent.goto(sandbox.urls.console);
        await caseRow(agent, caseId).waitFor();
        await changeOwner(agent, caseId, 'Ava Agent');
        await waitFor('Ava in the channel', () => sb.store.channels.get(caseId)?.members.has(ava) === true, SLOW);
        await openPanel(agent);
        await chatShown(agent);
        await channelItem(agent, caseId).click({ timeout: 20_000 });

        // The Attach button is in the tab order and opens the real file input from the keyboard.
        const attach = customer.getByRole('button', { name: 'Attach a file' });
        await attach.focus();
        const [exeChooser] = await Promise.all([customer.waitForEvent('filechooser'), attach.press('Enter')]);
        await exeChooser.setFiles({ name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ\u0090\u0000') });
        const refusal = customer.getByRole('alert').filter({ hasText: '"setup.exe" cannot be sent' });
        await refusal.waitFor();
        assert.match(await refusal.innerText(), /Send an image .*a PDF/);
        assert.equal(sb.store.channels.get(caseId)?.messages.filter((m) => m.type === 'FILE').length, 0, 'nothing was uploaded');

        const [chooser] = await Promise.all([customer.waitForEvent('filechooser'), attach.click()]);
        await chooser.setFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF });
        const mine = customer.locator('.sbx-group[data-mine="true"] .sbx-bubble[data-type="FILE"] a.sbx-file', { hasText: 'invoice.pdf' });
        await mine.waitFor();
        assert.equal(await refusal.count(), 0, 'the refusal is gone once a file is sent');
        const href = await mine.getAttribute('href');
        assert.ok(href);
        assert.deepEqual(Buffer.from(await (await fetch(href)).arrayBuffer()), PDF, 'the link serves the bytes sent');

        // Ava sees it in her panel as a link to the same file.
        const seen = panel(agent).locator('.sbx-group[data-mine="false"] a.sbx-file', { hasText: 'invoice.pdf' });
        await seen.waitFor();
        assert.equal(await seen.getAttribute('href'), href);

        // The Case gets it as a Salesforce File, linked once, and the transcript record points at it.
        const fileMessage = sb.store.channels.get(caseId)!.messages.find((m) => m.type === 'FILE')!;
        const record = await waitFor(
          'the transcript record with its File',
          () => sf.records('Sendbird_Message__c').find((r) => r.Sendbird_Message_Id__c === String(fileMessage.message_id) && r.File_Id__c),
          SLOW,
        );
        const versions = sf.records('ContentVersion').filter((v) => v.FirstPublishLocationId === caseId);
        assert.equal(versions.length, 1);
        assert.equal(record.File_Id__c, versions[0]!.ContentDocumentId);
        assert.deepEqual(Buffer.from(String(versions[0]!.VersionData), 'base64'), PDF);
        assert.equal(sf.records('ContentDocumentLink').filter((l) => l.LinkedEntityId === caseId).length, 1);
        // On the Case record in the console, the transcript's file is a link that downloads the File.
        await minimizePanel(agent);
        const fileLink = agent.locator(`.con-record[data-record-id="${caseId}"] li.con-msg a.con-file`, { hasText: 'invoice.pdf' });
        await fileLink.waitFor({ timeout: SLOW.timeoutMs });
        const [download] = await Promise.all([agent.waitForEvent('download'), fileLink.click()]);
        assert.equal(download.suggestedFilename(), 'invoice.pdf');
        assert.deepEqual(readFileSync(await download.path()), PDF, 'the download is the File the Case got');
        await openPanel(agent);

        // Ava sends a file back from the panel; the customer sees it.
        await panel(agent)
          .locator('.sbx-composer input[type="file"]')
          .setInputFiles({ name: 'steps.txt', mimeType: 'text/plain', buffer: Buffer.from('1. Open the invoice\n2. Check the total\n') });
        await panel(agent).locator('.sbx-group[data-mine="true"] a.sbx-file', { hasText: 'steps.txt' }).waitFor();
        await customer.locator('.sbx-group[data-mine="false"] a.sbx-file', { hasText: 'steps.txt' }).waitFor();
        await waitFor(
          'both Files on the Case',
          () => sf.records('ContentVersion').filter((v) => v.FirstPublishLocationId === caseId).length === 2,
          SLOW,
        );

        // A file over the 25 MB limit is refused before the upload, with the sizes in the message.
        const [big] = await Promise.all([customer.waitForEvent('filechooser'), attach.click()]);
        await big.setFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(26 * 1024 * 1024, 1) });
        await customer.getByRole('alert').filter({ hasText: '"huge.png" is 26 MB: files up to 25 MB can be sent.' }).waitFor();

        assert.deepEqual(await axeViolations(customer), [], 'axe-core: the chat with files and a refusal');
        assert.deepEqual(browser.errors, [], 'no errors in either browser page');
      }),
    );
  },
);
