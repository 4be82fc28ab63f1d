// The Salesforce -> bridge event payload is described in several places: the TypeScript types
// (src/events.ts, keys listed in src/salesforce-events-keys.ts), the JSON Schema
// (src/salesforce-events.schema.json), the platform event Sendbird_Case_Event__e and the Apex that
// publishes it and maps it to the wire JSON (salesforce/force-app/main/default: objects/,
// classes/SendbirdEvents.cls; the Omni-Channel part in salesforce/omni-channel), and the
// Salesforce emulator that plays that Apex (packages/emulators/src/salesforce/triggers.ts). These
// tests keep them in step, and check that the bridge accepts what the emulator sends.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ApexErrorListener, ApexParserFactory, MethodDeclarationContext, VariableDeclaratorContext } from '@apexdevtools/apex-parser';
import {
  CASE_EVENT_FIELDS,
  CASE_EVENT_WIRE_KEY_FIELDS,
  SALESFORCE_SUBSCRIBER_BATCH_SIZE,
  type SalesforceCaseEventMessage,
} from '@sbsf/emulators';
import type { SalesforceEvent } from '../src/events.js';
import { SALESFORCE_EVENT_KEYS } from '../src/salesforce-events-keys.js';
import { validateSalesforceEventBatch } from '../src/salesforce-events-validate.js';
import { makeCase, sfClient } from '../../bridge/test/membership-helpers.js';
import { startWorld } from '../../bridge/test/world.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const defaultDir = join(repoRoot, 'salesforce/force-app/main/default');
/** Apex classes of every package directory: the core package and the Omni-Channel one. */
const classDirs = [join(defaultDir, 'classes'), join(repoRoot, 'salesforce/omni-channel/main/default/classes')];
const eventObjectDir = join(defaultDir, 'objects/Sendbird_Case_Event__e');
const subscriberConfig = join(defaultDir, 'PlatformEventSubscriberConfigs/SendbirdCaseEventsConfig.platformEventSubscriberConfig-meta.xml');

/** The fields of Sendbird_Case_Event__e as the design fixes them (API names, types, lengths). */
const DESIGN_FIELDS: Record<string, { type: 'Text' | 'Checkbox' | 'DateTime'; length?: number }> = {
  Type__c: { type: 'Text', length: 40 },
  Case_Id__c: { type: 'Text', length: 18 },
  Previous_Owner_Id__c: { type: 'Text', length: 18 },
  Owner_Id__c: { type: 'Text', length: 18 },
  Previous_Status__c: { type: 'Text', length: 255 },
  Status__c: { type: 'Text', length: 255 },
  Is_Closed__c: { type: 'Checkbox' },
  User_Id__c: { type: 'Text', length: 18 },
  Work_Id__c: { type: 'Text', length: 18 },
  Occurred_At__c: { type: 'DateTime' },
};

interface JsonSchema {
  $schema?: string;
  type?: string;
  const?: string;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../src/salesforce-events.schema.json'), 'utf8')) as JsonSchema;

type EventType = keyof typeof SALESFORCE_EVENT_KEYS;
const eventTypes = Object.keys(SALESFORCE_EVENT_KEYS) as EventType[];

/** The schema of one event type, found through events.items.oneOf. */
function eventSchema(type: string): JsonSchema {
  const refs = schema.properties?.events?.items?.oneOf ?? [];
  for (const { $ref } of refs) {
    const def = schema.$defs?.[($ref ?? '').replace('#/$defs/', '')];
    if (def?.properties?.type?.const === type) return def;
  }
  throw new Error(`the schema has no event with type ${type}`);
}

const sorted = (keys: readonly string[]) => [...keys].sort();

// --- Apex parsing -----------------------------------------------------------------------------

interface TreeNode {
  children?: TreeNode[] | null;
  getText(): string;
}

function* walk(node: TreeNode): Generator<TreeNode> {
  yield node;
  for (const child of node.children ?? []) yield* walk(child);
}

class CollectErrors extends ApexErrorListener {
  readonly errors: string[] = [];
  apexSyntaxError(line: number, column: number, msg: string): void {
    this.errors.push(`${line}:${column} ${msg}`);
  }
}

function parseApexClass(name: string): TreeNode {
  const listener = new CollectErrors();
  const file = classDirs.map((d) => join(d, `${name}.cls`)).find((f) => existsSync(f));
  if (!file) throw new Error(`no class ${name}.cls in ${classDirs.join(' or ')}`);
  const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(file, 'utf8'), listener);
  const unit = parser.compilationUnit() as unknown as TreeNode;
  assert.deepEqual(listener.errors, [], `${name}.cls parses`);
  return unit;
}

function stringLiterals(text: string): string[] {
  return [...text.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] ?? '');
}

/** The string literals of a constant's initializer, e.g. `Set<String> KEYS = new Set<String>{'a','b'}`. */
function constantStrings(unit: TreeNode, constant: string): string[] {
  for (const node of walk(unit)) {
    if (node instanceof VariableDeclaratorContext && node.id().getText() === constant) {
      return stringLiterals(node.expression().getText());
    }
  }
  throw new Error(`no constant ${constant}`);
}

function methodText(unit: TreeNode, method: string): string {
  for (const node of walk(unit)) {
    if (node instanceof MethodDeclarationContext && node.id().getText() === method) return node.getText();
  }
  throw new Error(`no method ${method}`);
}

// The key constants in the Apex tests, and the type constants in SendbirdEvents.cls.
const APEX_TESTS: Record<EventType, { testClass: string; constant: string; typeConstant: string }> = {
  'case.owner_changed': { testClass: 'CaseTriggerHandler_Tests', constant: 'OWNER_CHANGED_KEYS', typeConstant: 'CASE_OWNER_CHANGED' },
  'agentwork.accepted': { testClass: 'AgentWorkTriggerHandler_Tests', constant: 'ACCEPTED_KEYS', typeConstant: 'AGENTWORK_ACCEPTED' },
  'case.status_changed': { testClass: 'CaseTriggerHandler_Tests', constant: 'STATUS_CHANGED_KEYS', typeConstant: 'CASE_STATUS_CHANGED' },
};

/** Splits `a,b(c,d),e` at the commas outside brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p !== '');
}

/**
 * The platform-event fields an Apex expression reads: `event.X__c`, and those read by a method of
 * the same class that it calls (e.g. `occurredAt(event)` -> Occurred_At__c).
 */
function fieldsRead(unit: TreeNode, expr: string, seen = new Set<string>()): Set<string> {
  const fields = new Set([...expr.matchAll(/\.(\w+__c)\b/g)].map((m) => m[1]!));
  for (const [, called] of expr.matchAll(/\b(\w+)\(/g)) {
    if (seen.has(called!)) continue;
    seen.add(called!);
    let body: string;
    try {
      body = methodText(unit, called!);
    } catch {
      continue; // not a method of this class (a system method)
    }
    for (const f of fieldsRead(unit, body, seen)) fields.add(f);
  }
  return fields;
}

/**
 * What SendbirdEvents.toWire makes of a Sendbird_Case_Event__e, per event type: wire key -> the
 * platform-event fields it is produced from. `toWire` switches on the type field and hands the
 * record to one method per type, which returns a `Map<String, Object>{'key' => expr, ...}`; the
 * `type` key is the constant the switch matched, so it comes from the switch's field.
 */
function apexWireMapping(): Record<string, Record<string, string[]>> {
  const unit = parseApexClass('SendbirdEvents');
  const toWire = methodText(unit, 'toWire');
  const switchField = /switchon\w+\.(\w+__c)\{/.exec(toWire)?.[1];
  assert.ok(switchField, 'SendbirdEvents.toWire switches on a field of the platform event');
  const out: Record<string, Record<string, string[]>> = {};
  for (const [, type, method] of toWire.matchAll(/when'([^']+)'\{return(\w+)\(\w+\);\}/g)) {
    const body = methodText(unit, method!);
    const literal = /newMap<String,Object>\{(.*)\};\}$/.exec(body)?.[1];
    assert.ok(literal, `${method} returns a Map<String, Object> literal`);
    const keys: Record<string, string[]> = {};
    for (const entry of splitTopLevel(literal)) {
      const m = /^'(\w+)'=>(.+)$/.exec(entry);
      assert.ok(m, `${method}: an entry 'key' => value, not ${entry}`);
      const [, key, expr] = m;
      const fields = [...fieldsRead(unit, expr!)];
      // A constant holding the type the switch matched stands for the switch's field.
      if (fields.length === 0 && /^[A-Z_]+$/.test(expr!)) {
        assert.deepEqual(constantStrings(unit, expr!), [type], `${method}: ${key} is the type the switch matched`);
        fields.push(switchField);
      }
      keys[key!] = fields.sort();
    }
    out[type!] = keys;
  }
  return out;
}

/** The <fullName>, <type> and <length> of each field-meta.xml of the platform event. */
function platformEventFields(): Record<string, { type: string; length?: number }> {
  const dir = join(eventObjectDir, 'fields');
  const out: Record<string, { type: string; length?: number }> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.field-meta.xml'))) {
    const xml = readFileSync(join(dir, file), 'utf8');
    const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    const name = tag('fullName') ?? file.replace('.field-meta.xml', '');
    assert.equal(`${name}.field-meta.xml`, file, `${file}: fullName matches the file name`);
    const length = tag('length');
    out[name] = { type: tag('type') ?? '', ...(length !== undefined ? { length: Number(length) } : {}) };
  }
  return out;
}

/** Whether a value of the emulator's platform event fits the field (type and length). */
function fits(value: unknown, field: { type: string; length?: number }): boolean {
  if (field.type === 'Checkbox') return typeof value === 'boolean';
  if (value === null) return true;
  if (field.type === 'DateTime') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return typeof value === 'string' && value.length <= (field.length ?? 0);
}

// --- Tests ------------------------------------------------------------------------------------

describe('salesforce events contract', () => {
  test('the schema is a draft 2020-12 schema for {"events":[...]} with one entry per TypeScript event type', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(schema.required, ['events']);
    assert.equal(schema.additionalProperties, false);
    const schemaTypes = (schema.properties?.events?.items?.oneOf ?? []).map(
      ({ $ref }) => schema.$defs?.[($ref ?? '').replace('#/$defs/', '')]?.properties?.type?.const,
    );
    assert.deepEqual(sorted(schemaTypes.map(String)), sorted(eventTypes));
  });

  for (const type of eventTypes) {
    test(`${type}: the schema requires exactly the keys of the TypeScript type, and allows no others`, () => {
      const def = eventSchema(type);
      assert.deepEqual(sorted(def.required ?? []), sorted(SALESFORCE_EVENT_KEYS[type]));
      assert.deepEqual(sorted(Object.keys(def.properties ?? {})), sorted(SALESFORCE_EVENT_KEYS[type]));
      assert.equal(def.additionalProperties, false);
    });

    test(`${type}: the Apex test asserts the same keys as the schema`, () => {
      const { testClass, constant } = APEX_TESTS[type];
      const unit = parseApexClass(testClass);
      assert.deepEqual(sorted(constantStrings(unit, constant)), sorted(eventSchema(type).required ?? []));
      // The constant is compared with the keys of an event the Apex actually sent.
      assert.match(unit.getText(), new RegExp(`Assert\\.areEqual\\(${constant},\\w+\\.keySet\\(\\)`));
    });

    test(`${type}: the Apex that maps the platform event to the wire JSON uses the schema's type name and keys`, () => {
      const unit = parseApexClass('SendbirdEvents');
      assert.deepEqual(constantStrings(unit, APEX_TESTS[type].typeConstant), [type]);
      const mapping = apexWireMapping()[type];
      assert.ok(mapping, `SendbirdEvents.toWire handles ${type}`);
      assert.deepEqual(sorted(Object.keys(mapping)), sorted(eventSchema(type).required ?? []));
    });
  }

  test('Sendbird_Case_Event__e: PublishAfterCommit, with exactly the fields, types and lengths of the design', () => {
    const object = readFileSync(join(eventObjectDir, 'Sendbird_Case_Event__e.object-meta.xml'), 'utf8');
    assert.match(object, /<publishBehavior>PublishAfterCommit<\/publishBehavior>/, 'a rolled-back transaction publishes nothing');
    assert.deepEqual(platformEventFields(), DESIGN_FIELDS);
    assert.deepEqual(sorted(CASE_EVENT_FIELDS), sorted(Object.keys(DESIGN_FIELDS)), "the emulator's platform event has the same fields");
  });

  test('SendbirdEvents.toWire reads every platform-event field, each wire key of each type from exactly one field, as the emulator maps them', () => {
    const mapping = apexWireMapping();
    assert.deepEqual(sorted(Object.keys(mapping)), sorted(eventTypes), 'one mapping per event type');
    const used = new Set<string>();
    for (const [type, keys] of Object.entries(mapping)) {
      for (const [key, fields] of Object.entries(keys)) {
        assert.equal(fields.length, 1, `${type}.${key} is produced from exactly one field (got ${fields.join(', ') || 'none'})`);
        used.add(fields[0]!);
      }
    }
    assert.deepEqual(
      sorted([...used]),
      sorted(Object.keys(platformEventFields())),
      'every field of the platform event is used by the mapping',
    );
    const emulator = Object.fromEntries(
      Object.entries(CASE_EVENT_WIRE_KEY_FIELDS).map(([type, keys]) => [
        type,
        Object.fromEntries(Object.entries(keys).map(([k, f]) => [k, [f]])),
      ]),
    );
    assert.deepEqual(mapping, emulator, 'the emulator maps field -> key as the Apex does');
  });

  test("the subscriber config's batch size is the emulator's default", () => {
    const batchSize = /<batchSize>(\d+)<\/batchSize>/.exec(readFileSync(subscriberConfig, 'utf8'))?.[1];
    assert.equal(Number(batchSize), SALESFORCE_SUBSCRIBER_BATCH_SIZE);
  });

  test("the emulator's platform events fit the fields, its wire events validate, and a real bridge accepts its batches (2xx)", async (t) => {
    const w = await startWorld(t);
    const { ava, ben } = w.sf.seed.agents;
    const a = await makeCase(w, w.sf.seed.queueId);
    const b = await makeCase(w, w.sf.seed.queueId);
    // Owner changes of two chat Cases in one sObject Collections update, a status change, an Omni-Channel accept.
    await sfClient(w).request('PATCH', '/composite/sobjects', {
      allOrNone: true,
      records: [a, b].map((c) => ({ attributes: { type: 'Case' }, Id: c.caseId, OwnerId: ava })),
    });
    await sfClient(w).update('Case', a.caseId, { Status: 'Closed' });
    w.sf.org.omniAccept(w.sf.org.omniRoute(b.caseId, ben).Id);
    await w.sf.org.idle();

    const fields = platformEventFields();
    const published: SalesforceCaseEventMessage[] = w.sf.org.platformEvents();
    assert.deepEqual(sorted([...new Set(published.map((m) => m.Type__c))]), sorted(eventTypes), 'every event type was published');
    for (const m of published) {
      for (const [name, field] of Object.entries(fields)) {
        assert.ok(
          fits((m as unknown as Record<string, unknown>)[name], field),
          `${m.Type__c}: ${name} = ${JSON.stringify((m as unknown as Record<string, unknown>)[name])} fits ${field.type}(${field.length ?? ''})`,
        );
      }
    }
    const deliveries = w.sf.org.bridgeDeliveries();
    const sent: SalesforceEvent[] = deliveries.flatMap((d) => d.events);
    assert.equal(sent.length, published.length, 'no duplicates here: every event was sent');
    for (const d of deliveries) {
      const checked = validateSalesforceEventBatch({ events: d.events });
      assert.ok(checked.ok, `schema-valid: ${JSON.stringify(checked)}`);
      assert.equal(d.status, 'delivered');
      const status = d.attempts.at(-1)?.status ?? 0;
      assert.ok(status >= 200 && status <= 299, `the bridge answered ${status}`);
    }
    assert.equal(await w.bridge.store.countSalesforceEvents(), sent.length, 'the bridge stored every event');
  });
});
