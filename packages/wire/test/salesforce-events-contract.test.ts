// The Salesforce -> bridge event payload is described three times: the TypeScript types
// (src/events.ts, keys listed in src/salesforce-events-keys.ts), the JSON Schema
// (src/salesforce-events.schema.json) and the Apex that builds and tests the events
// (salesforce/force-app/main/default/classes). These tests keep the three in step.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import {
  ApexErrorListener,
  ApexParserFactory,
  MethodDeclarationContext,
  VariableDeclaratorContext,
} from '@apexdevtools/apex-parser';
import { SALESFORCE_EVENT_KEYS } from '../src/salesforce-events-keys.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const classesDir = join(repoRoot, 'salesforce/force-app/main/default/classes');

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
  const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(join(classesDir, `${name}.cls`), 'utf8'), listener);
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

// The key constants in the Apex tests, and the event builders in SendbirdEvents.cls.
const APEX_TESTS: Record<EventType, { testClass: string; constant: string; builder: string; typeConstant: string }> = {
  'case.owner_changed': {
    testClass: 'CaseTriggerHandler_Tests',
    constant: 'OWNER_CHANGED_KEYS',
    builder: 'caseOwnerChanged',
    typeConstant: 'CASE_OWNER_CHANGED',
  },
  'agentwork.accepted': {
    testClass: 'AgentWorkTriggerHandler_Tests',
    constant: 'ACCEPTED_KEYS',
    builder: 'agentWorkAccepted',
    typeConstant: 'AGENTWORK_ACCEPTED',
  },
  'case.status_changed': {
    testClass: 'CaseTriggerHandler_Tests',
    constant: 'STATUS_CHANGED_KEYS',
    builder: 'caseStatusChanged',
    typeConstant: 'CASE_STATUS_CHANGED',
  },
};

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

    test(`${type}: the Apex that builds the event uses the schema's type name and keys`, () => {
      const { builder, typeConstant } = APEX_TESTS[type];
      const unit = parseApexClass('SendbirdEvents');
      assert.deepEqual(constantStrings(unit, typeConstant), [type]);
      const keys = [...methodText(unit, builder).matchAll(/'(\w+)'=>/g)].map((m) => m[1] ?? '');
      assert.deepEqual(sorted(keys), sorted(eventSchema(type).required ?? []));
    });
  }
});
