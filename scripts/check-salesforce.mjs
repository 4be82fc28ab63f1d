#!/usr/bin/env node
// Offline checks of the SFDX project in salesforce/: nothing here can deploy to or run in an org,
// so every check that works without one runs, and any finding fails the build.
//
//   node scripts/check-salesforce.mjs                  check salesforce/
//   node scripts/check-salesforce.mjs --project DIR    check another copy (the tests use this)
//
// Every step covers every package directory of sfdx-project.json (force-app, omni-channel, ...).
//
// 1. prettier + prettier-plugin-apex --check on every .cls/.trigger (Salesforce's own jorje parser,
//    compiled to a native binary): formatting, and a first syntax check.
// 2. @apexdevtools/apex-parser: every file parses with zero syntax errors, and every trigger is
//    fired by DML (or EventBus.publish, for a platform event) in some @IsTest class.
// 3. apex-ls CheckForIssues (types, fields, methods against the v65 platform types, plus the
//    Omni-Channel objects it lacks, compiled here from OMNI_CHANNEL_OBJECTS) and PMD 7
//    (security, best practices, error-prone, performance) from the jars shipped inside
//    @salesforce/code-analyzer-pmd-engine. Needs a Java 17 JDK (javac); without Java the step is
//    skipped loudly, or fails when CI=true.
// 4. Metadata: XML well-formed, API versions, and every class, trigger, object, field, credential,
//    custom metadata type, static resource and Aura component one file names exists.
// 5. ESLint with @salesforce/eslint-plugin-aura (recommended + locker) on **/aura/**/*.js,
//    through salesforce/eslint.aura.config.js, once the Aura bundle exists.
// 6. @salesforce/source-deploy-retrieve, the library the Salesforce CLI deploys with
//    (scripts/salesforce/convert.mjs): every package directory converts from source to metadata
//    format and gets its package.xml, every file belongs to a component, and the expected
//    metadata types are there; the library's own error on anything it refuses. No manifest is
//    kept in source control: deploys name their package directory, and the library generates
//    the manifest from it (this step prints what it holds per type).
//
// Findings that are known and accepted are listed in ALLOW_LIST with the reason; each entry matches
// one tool, rule, file and message exactly, and an entry that no longer matches anything fails too.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve, sep } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');

/** The API version of every class, trigger and Aura bundle (the generated manifests use the project's sourceApiVersion). */
const API_VERSION = '62.0';
/**
 * The PMD wrapper's input and output JSON is an internal contract of this engine version; a new
 * version must be re-verified (run this script against a known violation) before bumping this.
 */
const PINNED_PMD_ENGINE = '0.46.0';
const JAVA_LIB = join(repoRoot, 'node_modules/@salesforce/code-analyzer-pmd-engine/dist/java-lib');
const AURA_ESLINT_CONFIG = join(repoRoot, 'salesforce/eslint.aura.config.js');
/** contentType values of a zip static resource. */
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

/**
 * PMD rule configuration: the four categories, with two rules tuned through their own documented
 * properties instead of being switched off:
 * - EmptyStatementBlock: `reportEmptyVirtualMethod=false`, because TriggerHandler's virtual event
 *   methods are deliberate no-ops for handlers to override (the property exists for that idiom);
 * - ApexUnitTestClassShouldHaveAsserts: helper methods named `assert...` count as asserts.
 */
const PMD_RULESET = `<?xml version="1.0" encoding="UTF-8"?>
<ruleset name="sendbird-salesforce" xmlns="http://pmd.sourceforge.net/ruleset/2.0.0"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://pmd.sourceforge.net/ruleset/2.0.0 https://pmd.sourceforge.io/ruleset_2_0_0.xsd">
  <description>scripts/check-salesforce.mjs</description>
  <rule ref="category/apex/security.xml"/>
  <rule ref="category/apex/bestpractices.xml">
    <exclude name="ApexUnitTestClassShouldHaveAsserts"/>
  </rule>
  <rule ref="category/apex/bestpractices.xml/ApexUnitTestClassShouldHaveAsserts">
    <properties><property name="additionalAssertMethodPattern" value="assert\\w+"/></properties>
  </rule>
  <rule ref="category/apex/errorprone.xml">
    <exclude name="EmptyStatementBlock"/>
  </rule>
  <rule ref="category/apex/errorprone.xml/EmptyStatementBlock">
    <properties><property name="reportEmptyVirtualMethod" value="false"/></properties>
  </rule>
  <rule ref="category/apex/performance.xml"/>
</ruleset>
`;

/**
 * Accepted findings. `file` is relative to the project root; `message` must match exactly.
 * - ApexUnitTestClassShouldHaveRunAs asks every test method to run as some user. The test classes
 *   of behaviour that depends on the user (triggers, callouts, the agent session) run as a test
 *   agent; these three test the trigger-handler base class, the settings and the event shapes,
 *   where the running user changes nothing (the error log they may write is system mode).
 */
const RUNAS_MESSAGE = 'Apex unit test classes should have at least one System.runAs() call';
const ALLOW_LIST = [
  ...['TriggerHandler_Tests', 'SendbirdConfig_Tests', 'SendbirdEvents_Tests'].map((name) => ({
    tool: 'pmd',
    rule: 'ApexUnitTestClassShouldHaveRunAs',
    file: `force-app/main/default/classes/${name}.cls`,
    message: RUNAS_MESSAGE,
  })),
];

/**
 * Omni-Channel objects that apex-ls's bundled v65 SObject types (sobject-types-65.0.0.jar) lack,
 * with their fields and Apex types from the Salesforce object reference
 * (sforce_api_objects_agentwork.htm, sforce_api_objects_servicechannel.htm). Step 3 compiles a
 * class per object in the jar's package and shape, so apex-ls type-checks them like Case: a
 * misspelled AgentWork field is a finding.
 */
const OMNI_CHANNEL_OBJECTS = {
  AgentWork: {
    Id: 'Id', Name: 'String', OwnerId: 'Id', WorkItemId: 'Id', UserId: 'Id', ServiceChannelId: 'Id',
    Status: 'String', AcceptDateTime: 'Datetime', AssignedDateTime: 'Datetime', DeclineDateTime: 'Datetime',
    DeclineReason: 'String', CloseDateTime: 'Datetime', CancelDateTime: 'Datetime', CapacityWeight: 'Decimal',
    CapacityPercentage: 'Decimal', PendingServiceRoutingId: 'Id', RoutingPriority: 'Integer',
    RoutingModel: 'String', RoutingType: 'String', ActiveTime: 'Integer', HandleTime: 'Integer',
    SpeedToAnswer: 'Integer', IsStatusChangeNotified: 'Boolean', CreatedDate: 'Datetime', CreatedById: 'Id',
    LastModifiedDate: 'Datetime', LastModifiedById: 'Id', SystemModstamp: 'Datetime', IsDeleted: 'Boolean',
  },
  ServiceChannel: {
    Id: 'Id', DeveloperName: 'String', MasterLabel: 'String', Language: 'String', RelatedEntity: 'String',
    SecondaryRoutingPriorityField: 'String', CreatedDate: 'Datetime', CreatedById: 'Id',
    LastModifiedDate: 'Datetime', LastModifiedById: 'Id', SystemModstamp: 'Datetime', IsDeleted: 'Boolean',
  },
};
const SOBJECT_TYPES_JAR = 'sobject-types-65.0.0.jar';
const SOBJECTS_PACKAGE = 'com.nawforce.runforce.SObjects';

// ---------------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const projectArg = args.indexOf('--project');
if (projectArg >= 0 && !args[projectArg + 1]) fail('[check-salesforce] --project needs a directory');
const projectDir = resolve(projectArg >= 0 ? args[projectArg + 1] : join(repoRoot, 'salesforce'));
if (!existsSync(join(projectDir, 'sfdx-project.json'))) {
  fail(`[check-salesforce] no sfdx-project.json in ${projectDir} (pass --project <SFDX project dir>)`);
}

const findings = [];
const allowed = [];
const usedAllowEntries = new Set();
const started = Date.now();

/** Records a finding unless the allow-list accepts it. */
function report(tool, file, line, rule, message) {
  const rel = toProjectPath(file);
  const entry = ALLOW_LIST.find(
    (e) => e.tool === tool && e.rule === rule && e.file === rel && e.message === message,
  );
  if (entry) {
    usedAllowEntries.add(entry);
    allowed.push({ tool, file: rel, line, rule, message });
    return;
  }
  findings.push({ tool, file: rel, line, rule, message });
}

function toProjectPath(file) {
  if (!file) return '';
  const abs = resolve(projectDir, file);
  return abs.startsWith(projectDir + sep) ? relative(projectDir, abs).split(sep).join('/') : file;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function packageVersion(name) {
  // Read the file: not every package exports its package.json.
  const file = join(repoRoot, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

function step(number, title) {
  console.log(`\n== ${number}/6 ${title}`);
  return { count: findings.length, at: Date.now() };
}

function done(mark, note = '') {
  const added = findings.length - mark.count;
  const secs = ((Date.now() - mark.at) / 1000).toFixed(1);
  console.log(`   ${added === 0 ? 'ok' : `${added} finding(s)`}${note ? ` (${note})` : ''} in ${secs}s`);
}

/** Runs a command; resolves with its exit code and output (never rejects). */
function run(cmd, cmdArgs, options = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, cmdArgs, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => resolvePromise({ code: -1, stdout, stderr: String(error) }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------
// The project's files

const sfdxProject = JSON.parse(readFileSync(join(projectDir, 'sfdx-project.json'), 'utf8'));
const packageDirs = (sfdxProject.packageDirectories ?? []).map((d) => join(projectDir, d.path));
const allFiles = packageDirs.flatMap((d) => walk(d));
const apexFiles = allFiles.filter((f) => f.endsWith('.cls') || f.endsWith('.trigger'));

const shownProject = projectDir.startsWith(repoRoot + sep) ? relative(repoRoot, projectDir) : projectDir;
console.log(
  `salesforce checks: ${shownProject} ` +
    `(${apexFiles.length} Apex files, ${allFiles.length} files, sourceApiVersion ${sfdxProject.sourceApiVersion})`,
);

// ---------------------------------------------------------------------------------------------
// 1. prettier

async function checkFormatting() {
  const prettier = await import('prettier');
  const apexPlugin = await import('prettier-plugin-apex');
  const mark = step(
    1,
    `prettier ${prettier.version} --plugin=prettier-plugin-apex@${packageVersion('prettier-plugin-apex')} --check (${apexFiles.length} files)`,
  );
  await Promise.all(
    apexFiles.map(async (file) => {
      const source = readFileSync(file, 'utf8');
      const config = (await prettier.resolveConfig(file)) ?? {};
      try {
        const formatted = await prettier.check(source, { ...config, filepath: file, plugins: [apexPlugin] });
        if (!formatted) {
          report('prettier', file, 1, 'format', 'not formatted: run npx prettier --plugin=prettier-plugin-apex --write on it');
        }
      } catch (error) {
        const message = String(error?.message ?? error).split('\n')[0];
        report('prettier', file, error?.loc?.start?.line ?? 1, 'syntax', message);
      }
    }),
  );
  done(mark);
}

// ---------------------------------------------------------------------------------------------
// 2. apex-parser

async function checkSyntax() {
  const { ApexErrorListener, ApexParserFactory } = await import('@apexdevtools/apex-parser');
  const mark = step(2, `@apexdevtools/apex-parser ${packageVersion('@apexdevtools/apex-parser')} (${apexFiles.length} files)`);
  class Collector extends ApexErrorListener {
    errors = [];
    apexSyntaxError(line, column, message) {
      this.errors.push({ line, column, message });
    }
  }
  const trees = new Map();
  for (const file of apexFiles) {
    const collector = new Collector();
    const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(file, 'utf8'), collector);
    const tree = file.endsWith('.trigger') ? parser.triggerUnit() : parser.compilationUnit();
    // Check the collected errors, not a status: apex-parser's own check() leaves status 0 on
    // syntax errors.
    for (const e of collector.errors) report('apex-parser', file, e.line, 'syntax', `syntax error at ${e.line}:${e.column}: ${e.message}`);
    if (collector.errors.length === 0) trees.set(file, tree);
  }
  const fired = checkTriggersFiredByTests(trees, await import('@apexdevtools/apex-parser'));
  done(mark, `${fired} trigger(s), each fired by DML in a test`);
}

// ---------------------------------------------------------------------------------------------
// 2b. Every trigger is fired by DML in some @IsTest class (on the apex-parser trees)

/** Normalizes a type's text: lower case, no spaces, no `Schema.`, `X[]` as `list<x>`. */
function normalType(text) {
  const t = text.replace(/\s+/g, '').toLowerCase().replace(/\bschema\./g, '');
  return t.endsWith('[]') ? `list<${t.slice(0, -2)}>` : t;
}

function* nodes(node) {
  yield node;
  for (const child of node.children ?? []) yield* nodes(child);
}

function ancestor(node, type) {
  for (let p = node.parentCtx; p; p = p.parentCtx) if (p instanceof type) return p;
  return null;
}

/**
 * For every trigger `T on X (events)`, some @IsTest class must fire each of its DML kinds:
 * `insert`/`update`/`upsert`/`delete`/`undelete` statements or `Database.<op>(...)` calls on an
 * expression of type X or List<X> (after update needs update or upsert, after insert needs
 * insert or upsert); for a platform event (`__e`), `EventBus.publish(...)` of X or List<X>. The
 * type of the DML expression is resolved from `new X(...)`, casts, the test class's local
 * variables, parameters and fields, and the declared return type of a method of a project class;
 * an expression it cannot resolve does not count, so the check fails rather than passes on it.
 * Reports each trigger that is not fired; returns how many triggers there are.
 */
function checkTriggersFiredByTests(trees, ap) {
  const classes = new Map(); // class name -> compilation unit
  const triggers = [];
  for (const [file, tree] of trees) {
    if (tree instanceof ap.TriggerUnitContext) {
      const kinds = new Set(tree.triggerCase_list().map((c) => (c.INSERT() ? 'insert' : c.UPDATE() ? 'update' : c.UNDELETE() ? 'undelete' : 'delete')));
      triggers.push({ file, name: tree.id(0).getText(), objectName: tree.id(1).getText(), object: normalType(tree.id(1).getText()), kinds });
    } else {
      const name = tree.typeDeclaration()?.classDeclaration()?.id()?.getText();
      if (name) classes.set(name.toLowerCase(), tree);
    }
  }
  const isTestClass = (unit) =>
    (unit.typeDeclaration()?.modifier_list() ?? []).some((m) => m.annotation()?.id()?.getText().toLowerCase() === 'istest');

  /** Return types of a class's methods by name; null for a name declared with two types. */
  const returnTypes = (classNode) => {
    const types = new Map();
    for (const n of nodes(classNode)) {
      if (!(n instanceof ap.MethodDeclarationContext) || ancestor(n, ap.ClassDeclarationContext) !== classNode) continue;
      const name = n.id().getText().toLowerCase();
      const type = n.typeRef() ? normalType(n.typeRef().getText()) : 'void';
      types.set(name, types.has(name) && types.get(name) !== type ? null : type);
    }
    return types;
  };
  const declaredIn = (scope, name, stopAtClass) => {
    for (const n of nodes(scope)) {
      if (stopAtClass && n instanceof ap.ClassDeclarationContext && n !== scope) continue;
      if (n instanceof ap.LocalVariableDeclarationContext || n instanceof ap.FieldDeclarationContext) {
        for (const d of n.variableDeclarators().variableDeclarator_list()) {
          if (d.id().getText().toLowerCase() === name) return normalType(n.typeRef().getText());
        }
      } else if (n instanceof ap.FormalParameterContext || n instanceof ap.EnhancedForControlContext) {
        if (n.id().getText().toLowerCase() === name) return normalType(n.typeRef().getText());
      }
    }
    return null;
  };
  const typeOf = (expr) => {
    if (expr instanceof ap.NewExpressionContext) {
      const creator = expr.creator();
      return normalType(creator.createdName().getText() + (creator.arrayCreatorRest() ? '[]' : ''));
    }
    if (expr instanceof ap.CastExpressionContext) return normalType(expr.typeRef().getText());
    if (expr instanceof ap.PrimaryExpressionContext && expr.primary() instanceof ap.IdPrimaryContext) {
      const name = expr.primary().id().getText().toLowerCase();
      const method = ancestor(expr, ap.MethodDeclarationContext) ?? ancestor(expr, ap.ConstructorDeclarationContext);
      const local = method ? declaredIn(method, name, false) : null;
      if (local) return local;
      for (let c = ancestor(expr, ap.ClassDeclarationContext); c; c = ancestor(c, ap.ClassDeclarationContext)) {
        const field = [...nodes(c.classBody())].find(
          (n) => n instanceof ap.FieldDeclarationContext && ancestor(n, ap.ClassDeclarationContext) === c &&
            n.variableDeclarators().variableDeclarator_list().some((d) => d.id().getText().toLowerCase() === name),
        );
        if (field) return normalType(field.typeRef().getText());
      }
      return null;
    }
    if (expr instanceof ap.MethodCallExpressionContext) {
      const call = expr.methodCall();
      const owner = ancestor(expr, ap.ClassDeclarationContext);
      return call.id() && owner ? (returnTypes(owner).get(call.id().getText().toLowerCase()) ?? null) : null;
    }
    if (expr instanceof ap.DotExpressionContext && expr.dotMethodCall()) {
      const target = classes.get(expr.expression().getText().toLowerCase());
      const classNode = target?.typeDeclaration()?.classDeclaration();
      return classNode ? (returnTypes(classNode).get(expr.dotMethodCall().anyId().getText().toLowerCase()) ?? null) : null;
    }
    return null;
  };

  // Every DML of every test class: { op, type } with op one of the DML kinds or 'publish'.
  const statements = [
    [ap.InsertStatementContext, 'insert'],
    [ap.UpdateStatementContext, 'update'],
    [ap.UpsertStatementContext, 'upsert'],
    [ap.DeleteStatementContext, 'delete'],
    [ap.UndeleteStatementContext, 'undelete'],
  ];
  const dml = [];
  for (const unit of classes.values()) {
    if (!isTestClass(unit)) continue;
    for (const n of nodes(unit)) {
      const statement = statements.find(([type]) => n instanceof type);
      if (statement) {
        dml.push({ op: statement[1], type: typeOf(n.expression()) });
      } else if (n instanceof ap.DotExpressionContext && n.dotMethodCall()) {
        const target = n.expression().getText().toLowerCase();
        const method = n.dotMethodCall().anyId().getText().toLowerCase();
        const argument = n.dotMethodCall().expressionList()?.expression(0);
        if (!argument) continue;
        if (target === 'database' && ['insert', 'update', 'upsert', 'delete', 'undelete'].includes(method)) {
          dml.push({ op: method, type: typeOf(argument) });
        } else if (target === 'eventbus' && method === 'publish') {
          dml.push({ op: 'publish', type: typeOf(argument) });
        }
      }
    }
  }
  const opsFor = (kind) => ({ insert: ['insert', 'upsert'], update: ['update', 'upsert'], delete: ['delete'], undelete: ['undelete'] })[kind];
  for (const trigger of triggers) {
    const ofType = dml.filter((d) => d.type === trigger.object || d.type === `list<${trigger.object}>`);
    const isEvent = trigger.object.endsWith('__e');
    const missing = [...trigger.kinds].filter((kind) => !ofType.some((d) => (isEvent ? d.op === 'publish' : opsFor(kind).includes(d.op))));
    if (missing.length > 0) {
      const how = isEvent ? `EventBus.publish of ${trigger.objectName} records` : `${missing.join('/')} DML on ${trigger.objectName} records`;
      report('trigger-coverage', trigger.file, 1, 'not-fired', `trigger ${trigger.name} is not fired by any @IsTest class: add a test that does ${how} (a constructor or method seam does not count)`);
    }
  }
  return triggers.length;
}


// ---------------------------------------------------------------------------------------------
// 3. apex-ls and PMD (Java)

function javaAvailable() {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  return (probe.stderr || probe.stdout).split('\n')[0];
}

/** The Java source of one SObject class in the shape of the bundled sobject-types jar. */
function sobjectJavaSource(name, fields) {
  const lines = Object.entries(fields).map(([field, type]) => `  public com.nawforce.runforce.System.${type} ${field};`);
  return [
    `package ${SOBJECTS_PACKAGE};`,
    '',
    `public class ${name} extends com.nawforce.runforce.System.SObject {`,
    `  public static com.nawforce.runforce.Internal.SObjectType$<${name}> SObjectType;`,
    `  public static com.nawforce.runforce.Internal.SObjectFields$<${name}> Fields;`,
    ...lines,
    `  public ${name}() {}`,
    '}',
    '',
  ].join('\n');
}

/**
 * Compiles OMNI_CHANNEL_OBJECTS with javac and adds them to a copy of the sobject-types jar in
 * `work`. Returns the jar's path, or null after reporting why it could not be built.
 */
async function buildOmniChannelTypes(work) {
  const sourceDir = join(work, 'omni-src');
  const classDir = join(work, 'omni-classes');
  mkdirSync(sourceDir, { recursive: true });
  mkdirSync(classDir, { recursive: true });
  const sources = Object.entries(OMNI_CHANNEL_OBJECTS).map(([name, fields]) => {
    const file = join(sourceDir, `${name}.java`);
    writeFileSync(file, sobjectJavaSource(name, fields));
    return file;
  });
  const jar = join(work, SOBJECT_TYPES_JAR);
  copyFileSync(join(JAVA_LIB, SOBJECT_TYPES_JAR), jar);
  const javac = await run('javac', ['-nowarn', '-d', classDir, '-cp', `${JAVA_LIB}/*`, ...sources]);
  const packaged = javac.code === 0 ? await run('jar', ['uf', jar, '-C', classDir, '.']) : javac;
  if (packaged.code !== 0) {
    const missing = packaged.code === -1 ? 'javac/jar not found: install a JDK 17 (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless); ' : '';
    report('apex-ls', '', 0, 'omni-channel-types', `${missing}could not build the AgentWork types for apex-ls: ${(packaged.stderr || packaged.stdout).trim().split('\n')[0]}`);
    return null;
  }
  return jar;
}

async function checkWithJava() {
  const engineVersion = existsSync(JAVA_LIB) ? packageVersion('@salesforce/code-analyzer-pmd-engine') : null;
  const java = javaAvailable();
  const mark = step(
    3,
    `apex-ls CheckForIssues + PMD 7 (jars of @salesforce/code-analyzer-pmd-engine@${engineVersion ?? 'missing'}) on ${java ?? 'no Java'}`,
  );
  if (!java) {
    const how = 'install a Java 17 JDK (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)';
    if (process.env.CI === 'true') {
      report('java', '', 0, 'missing', `java is not installed: ${how}`);
      done(mark);
      return false;
    }
    console.log(`\n   *** SKIPPED: java is not installed, so apex-ls and PMD did not run: ${how} ***\n`);
    done(mark, 'skipped');
    return false;
  }
  if (engineVersion !== PINNED_PMD_ENGINE) {
    report(
      'pmd',
      '',
      0,
      'version',
      `@salesforce/code-analyzer-pmd-engine is ${engineVersion ?? 'not installed'}, this script is verified with ${PINNED_PMD_ENGINE}: npm install it, or re-verify the PMD wrapper's JSON and update PINNED_PMD_ENGINE`,
    );
    done(mark);
    return false;
  }
  // Both tools run for a second or two: the C1 compiler alone and the serial collector halve
  // their CPU time, which matters on small CI machines.
  const jvmFlags = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
  const jvm = [...jvmFlags, '-cp', `${JAVA_LIB}/*`];
  const work = mkdtempSync(join(tmpdir(), 'sbsf-pmd-'));
  try {
    const omniJar = await buildOmniChannelTypes(work);
    if (!omniJar) {
      done(mark);
      return false;
    }
    writeFileSync(join(work, 'rules.xml'), PMD_RULESET);
    writeFileSync(
      join(work, 'input.json'),
      JSON.stringify({ ruleSetInputFile: join(work, 'rules.xml'), runDataPerLanguage: { apex: { filesToScan: apexFiles } } }),
    );
    const [apexLs, pmd] = await Promise.all([
      // -n: no cache (it would otherwise write to the home directory); -d warnings: more than errors.
      // The sobject-types jar with the Omni-Channel classes added comes first, so apex-ls finds
      // AgentWork in the same package as Case (a separate directory would hide the jar's package).
      run('java', [...jvmFlags, '-cp', `${omniJar}${delimiter}${JAVA_LIB}/*`, 'io.github.apexdevtools.apexls.CheckForIssues', '-n', '-f', 'json', '-d', 'warnings'], {
        cwd: projectDir,
      }),
      run('java', [...jvm, 'com.salesforce.sfca.pmdwrapper.PmdWrapper', 'run', join(work, 'input.json'), join(work, 'output.json')], {
        cwd: projectDir,
      }),
    ]);

    // apex-ls: exit 0 = clean, 4 = issues found, anything else = it did not run properly.
    if (apexLs.code !== 0 && apexLs.code !== 4) {
      report('apex-ls', '', 0, 'crash', `apex-ls exited with ${apexLs.code}: ${apexLs.stderr.trim().split('\n')[0]}`);
    } else if (apexLs.code === 4) {
      let parsed;
      try {
        parsed = JSON.parse(apexLs.stdout);
      } catch {
        report('apex-ls', '', 0, 'output', `unreadable apex-ls output: ${apexLs.stdout.slice(0, 200)}`);
      }
      for (const file of parsed?.files ?? []) {
        for (const m of file.messages ?? []) report('apex-ls', file.path, m.start?.line ?? 0, m.category, m.message);
      }
    }

    if (pmd.code !== 0 || !existsSync(join(work, 'output.json'))) {
      report('pmd', '', 0, 'crash', `PMD exited with ${pmd.code}: ${(pmd.stderr || pmd.stdout).trim().split('\n').slice(-3).join(' ')}`);
    } else {
      const result = JSON.parse(readFileSync(join(work, 'output.json'), 'utf8'));
      for (const v of result.violations ?? []) report('pmd', v.codeLocation?.file, v.codeLocation?.startLine ?? 0, v.rule, v.message);
      for (const e of result.processingErrors ?? []) report('pmd', e.file, 0, 'processing-error', String(e.message ?? JSON.stringify(e)));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  done(mark);
  return true;
}

// ---------------------------------------------------------------------------------------------
// 4. Metadata

/** Strips comments from Apex or JS source, keeping string literals and line numbers. */
function stripComments(source) {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "'" || c === '"') {
      const quote = c;
      out += c;
      for (i++; i < source.length && source[i] !== quote; i++) {
        if (source[i] === '\\') out += source[i++];
        out += source[i] ?? '';
      }
      out += source[i] ?? '';
    } else if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && next === '*') {
      for (i += 2; i < source.length && !(source[i] === '*' && source[i + 1] === '/'); i++) if (source[i] === '\n') out += '\n';
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}

async function checkMetadata() {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  const markupExtensions = ['.cmp', '.app', '.evt', '.intf', '.design', '.auradoc', '.tokens'];
  const xmlFiles = allFiles.filter((f) => f.endsWith('.xml') || markupExtensions.some((e) => f.endsWith(e)));
  const mark = step(4, `metadata: fast-xml-parser ${packageVersion('fast-xml-parser')} on ${xmlFiles.length} XML files, API ${API_VERSION}, cross-references`);
  const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: () => false });
  const parsed = new Map();
  for (const file of xmlFiles) {
    const text = readFileSync(file, 'utf8');
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
      report('metadata', file, valid.err.line, 'xml', `not well-formed XML: ${valid.err.msg}`);
      continue;
    }
    parsed.set(file, xml.parse(text));
  }
  const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const rootOf = (file) => {
    const doc = parsed.get(file);
    if (!doc) return {};
    const key = Object.keys(doc).find((k) => !k.startsWith('?'));
    return doc[key] ?? {};
  };

  // Index what the project defines.
  const classes = new Map();
  const triggers = new Map();
  const objects = new Map(); // name -> { file?, fields: Map(name -> file) }
  const namedCredentials = new Map();
  const externalCredentials = new Map();
  const customMetadataRecords = new Map();
  const permissionSets = new Map();
  const cspTrustedSites = new Map();
  const subscriberConfigs = new Map(); // PlatformEventSubscriberConfig name -> file
  const staticResources = new Map(); // name -> meta file
  const auraBundles = new Map(); // name -> dir
  const objectEntry = (name) => {
    if (!objects.has(name)) objects.set(name, { file: null, fields: new Map() });
    return objects.get(name);
  };
  for (const file of allFiles) {
    const name = basename(file);
    const parent = basename(dirname(file));
    if (name.endsWith('.cls')) classes.set(name.slice(0, -4).toLowerCase(), file);
    else if (name.endsWith('.trigger')) triggers.set(name.slice(0, -8).toLowerCase(), file);
    else if (name.endsWith('.object-meta.xml')) objectEntry(name.slice(0, -16)).file = file;
    else if (name.endsWith('.field-meta.xml') && parent === 'fields') {
      objectEntry(basename(dirname(dirname(file)))).fields.set(name.slice(0, -15).toLowerCase(), file);
    } else if (name.endsWith('.namedCredential-meta.xml')) namedCredentials.set(name.slice(0, -25), file);
    else if (name.endsWith('.externalCredential-meta.xml')) externalCredentials.set(name.slice(0, -28), file);
    else if (name.endsWith('.md-meta.xml')) customMetadataRecords.set(name.slice(0, -12), file);
    else if (name.endsWith('.permissionset-meta.xml')) permissionSets.set(name.slice(0, -23), file);
    else if (name.endsWith('.cspTrustedSite-meta.xml')) cspTrustedSites.set(name.slice(0, -24), file);
    else if (name.endsWith('.platformEventSubscriberConfig-meta.xml')) subscriberConfigs.set(name.slice(0, -39), file);
    else if (name.endsWith('.resource-meta.xml')) staticResources.set(name.slice(0, -18).toLowerCase(), file);
    if (basename(dirname(dirname(file))) === 'aura') auraBundles.set(parent.toLowerCase(), dirname(file));
  }
  const isCustomName = (n) => /__(c|mdt|e|x|b)$/i.test(n);
  const findObject = (n) => [...objects.keys()].find((k) => k.toLowerCase() === n.toLowerCase());
  const fieldExists = (objectName, field) => {
    const key = findObject(objectName);
    return key !== undefined && objects.get(key).fields.has(field.toLowerCase());
  };
  const anyObjectHasField = (field) => [...objects.values()].some((o) => o.fields.has(field.toLowerCase()));

  // sfdx-project.json
  if (sfdxProject.sourceApiVersion !== API_VERSION) {
    report('metadata', 'sfdx-project.json', 1, 'api-version', `sourceApiVersion is ${sfdxProject.sourceApiVersion}, expected ${API_VERSION}`);
  }

  // Apex: meta files, names, references.
  for (const file of apexFiles) {
    const isTrigger = file.endsWith('.trigger');
    const name = basename(file).replace(/\.(cls|trigger)$/, '');
    const meta = `${file}-meta.xml`;
    if (!existsSync(meta)) {
      report('metadata', file, 1, 'meta', `${basename(meta)} is missing`);
    } else {
      const root = rootOf(meta);
      if (String(root.apiVersion) !== API_VERSION) report('metadata', meta, 1, 'api-version', `apiVersion is ${root.apiVersion}, expected ${API_VERSION}`);
      if (root.status !== 'Active') report('metadata', meta, 1, 'status', `status is ${root.status}, expected Active`);
    }
    const source = stripComments(readFileSync(file, 'utf8'));
    const declared = isTrigger
      ? /\btrigger\s+(\w+)\s+on\s+(\w+)/i.exec(source)
      : /\b(?:class|interface|enum)\s+(\w+)/i.exec(source);
    if (!declared || declared[1].toLowerCase() !== name.toLowerCase()) {
      report('metadata', file, 1, 'name', `the file declares ${declared?.[1] ?? 'nothing'}, but is named ${name}`);
    }
    if (isTrigger && declared && isCustomName(declared[2]) && !findObject(declared[2])) {
      report('metadata', file, 1, 'reference', `trigger on ${declared[2]}, which is not in objects/`);
    }
    for (const m of source.matchAll(/['"]callout:(\w+)/g)) {
      if (!namedCredentials.has(m[1])) {
        report('metadata', file, lineOf(source, m.index), 'reference', `callout:${m[1]} names a Named Credential that is not in namedCredentials/`);
      }
    }
    if (isTrigger) {
      for (const m of source.matchAll(/\bnew\s+(\w+)\s*\(/g)) {
        if (!classes.has(m[1].toLowerCase())) report('metadata', file, lineOf(source, m.index), 'reference', `class ${m[1]} is not in classes/`);
      }
    }
    // Custom objects and fields: Qualified.Name__c checks that object's fields; a bare Name__c
    // must be an object or a field of some object in the project.
    for (const m of source.matchAll(/(?:\b(\w+)\s*\.\s*)?\b(\w+__(?:c|r|mdt|e))\b/gi)) {
      const [, qualifier, ident] = m;
      const line = lineOf(source, m.index);
      if (/__(mdt|e)$/i.test(ident) || (!qualifier && findObject(ident))) {
        if (!findObject(ident)) report('metadata', file, line, 'reference', `${ident} is not in objects/`);
        continue;
      }
      const field = ident.replace(/__r$/i, '__c');
      const owner = qualifier && qualifier.toLowerCase() !== 'schema' ? findObject(qualifier) : undefined;
      if (qualifier && qualifier.toLowerCase() === 'schema') {
        if (!findObject(ident)) report('metadata', file, line, 'reference', `Schema.${ident} is not in objects/`);
      } else if (owner) {
        if (!fieldExists(owner, field)) report('metadata', file, line, 'reference', `${owner}.${field} is not in objects/${owner}/fields/`);
      } else if (!findObject(ident) && !anyObjectHasField(field)) {
        report('metadata', file, line, 'reference', `${ident} is neither an object nor a field of any object in objects/`);
      }
    }
  }

  for (const meta of allFiles.filter((f) => /\.(cls|trigger)-meta\.xml$/.test(f))) {
    if (!existsSync(meta.slice(0, -'-meta.xml'.length))) report('metadata', meta, 1, 'meta', `${basename(meta)} has no source file next to it`);
  }

  // Custom fields: lookups to custom objects, file name = fullName.
  for (const [objectName, entry] of objects) {
    if (isCustomName(objectName) && !entry.file) {
      report('metadata', [...entry.fields.values()][0], 1, 'reference', `fields of ${objectName}, but objects/${objectName}/${objectName}.object-meta.xml is missing`);
    }
    for (const [, file] of entry.fields) {
      const root = rootOf(file);
      const expected = basename(file).slice(0, -15);
      if (root.fullName !== undefined && root.fullName !== expected) report('metadata', file, 1, 'name', `fullName ${root.fullName} differs from the file name ${expected}`);
      for (const target of asList(root.referenceTo)) {
        if (isCustomName(target) && !findObject(target)) report('metadata', file, 1, 'reference', `referenceTo ${target}, which is not in objects/`);
      }
    }
  }

  // Custom metadata records: Type.Record -> objects/Type__mdt and its fields.
  for (const [name, file] of customMetadataRecords) {
    const type = `${name.split('.')[0]}__mdt`;
    if (!findObject(type)) {
      report('metadata', file, 1, 'reference', `record of ${type}, which is not in objects/`);
      continue;
    }
    for (const value of asList(rootOf(file).values)) {
      if (!fieldExists(type, String(value.field))) report('metadata', file, 1, 'reference', `${type}.${value.field} is not in objects/${type}/fields/`);
    }
  }

  // Named and external credentials.
  const principals = new Map();
  for (const [name, file] of externalCredentials) {
    const root = rootOf(file);
    const params = asList(root.externalCredentialParameters);
    principals.set(
      name,
      new Set(params.filter((p) => /Principal$/.test(String(p.parameterType))).map((p) => String(p.parameterName))),
    );
    for (const p of params) {
      for (const m of String(p.parameterValue ?? '').matchAll(/\$Credential\.(\w+)\.\w+/g)) {
        if (m[1] !== name) report('metadata', file, 1, 'reference', `formula uses $Credential.${m[1]}, but this External Credential is ${name}`);
      }
    }
  }
  for (const [, file] of namedCredentials) {
    for (const p of asList(rootOf(file).namedCredentialParameters)) {
      if (p.externalCredential !== undefined && !externalCredentials.has(String(p.externalCredential))) {
        report('metadata', file, 1, 'reference', `External Credential ${p.externalCredential} is not in externalCredentials/`);
      }
    }
  }

  // Platform event subscriber configs: the trigger exists and is on a platform event.
  for (const [, file] of subscriberConfigs) {
    const root = rootOf(file);
    const consumer = String(root.platformEventConsumer ?? '');
    const triggerFile = triggers.get(consumer.toLowerCase());
    if (!triggerFile) report('metadata', file, 1, 'reference', `platformEventConsumer ${consumer || '(missing)'} is not in triggers/`);
    else if (!/\bon\s+\w+__e\s*\(/i.test(stripComments(readFileSync(triggerFile, 'utf8')))) report('metadata', file, 1, 'reference', `platformEventConsumer ${consumer} is not a trigger on a platform event (__e)`);
    const batchSize = Number(root.batchSize);
    if (root.batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 2000)) report('metadata', file, 1, 'subscriber-config', `batchSize must be 1 to 2000, not ${root.batchSize}`);
    if (!root.masterLabel) report('metadata', file, 1, 'subscriber-config', 'masterLabel is required');
  }

  // Permission sets.
  for (const [, file] of permissionSets) {
    const root = rootOf(file);
    for (const c of asList(root.classAccesses)) {
      if (!classes.has(String(c.apexClass).toLowerCase())) report('metadata', file, 1, 'reference', `class ${c.apexClass} is not in classes/`);
    }
    for (const o of asList(root.objectPermissions)) {
      if (isCustomName(String(o.object)) && !findObject(String(o.object))) report('metadata', file, 1, 'reference', `object ${o.object} is not in objects/`);
    }
    for (const f of asList(root.fieldPermissions)) {
      const [objectName, field] = String(f.field).split('.');
      if (!isCustomName(field ?? '')) continue;
      if (!fieldExists(objectName, field)) {
        report('metadata', file, 1, 'reference', `field ${f.field} is not in objects/${objectName}/fields/`);
      } else {
        const fieldRoot = rootOf(objects.get(findObject(objectName)).fields.get(field.toLowerCase()));
        if (String(fieldRoot.required) === 'true' || fieldRoot.type === 'MasterDetail') {
          report('metadata', file, 1, 'fls', `${f.field} is required, and a deploy rejects field permissions on a required field`);
        }
      }
    }
    for (const c of asList(root.customMetadataTypeAccesses)) {
      if (!findObject(String(c.name))) report('metadata', file, 1, 'reference', `custom metadata type ${c.name} is not in objects/`);
    }
    for (const a of asList(root.externalCredentialPrincipalAccesses)) {
      const [credential, principal] = String(a.externalCredentialPrincipal).split(/-(.*)/s);
      if (!externalCredentials.has(credential)) report('metadata', file, 1, 'reference', `External Credential ${credential} is not in externalCredentials/`);
      else if (!principals.get(credential).has(principal)) report('metadata', file, 1, 'reference', `External Credential ${credential} has no principal ${principal}`);
    }
  }

  // Aura bundles: markup, JS, Apex controllers, static resources.
  for (const [name, dir] of auraBundles) {
    const bundleFiles = readdirSync(dir);
    const markupFile = bundleFiles.find((f) => /\.(cmp|app|evt|intf)$/.test(f));
    if (!markupFile) {
      report('metadata', dir, 1, 'aura', `Aura bundle ${name} has no .cmp/.app/.evt/.intf file`);
      continue;
    }
    const markupPath = join(dir, markupFile);
    const meta = `${markupPath}-meta.xml`;
    if (!existsSync(meta)) report('metadata', markupPath, 1, 'meta', `${basename(meta)} is missing`);
    else if (String(rootOf(meta).apiVersion) !== API_VERSION) report('metadata', meta, 1, 'api-version', `apiVersion is ${rootOf(meta).apiVersion}, expected ${API_VERSION}`);
    const markup = readFileSync(markupPath, 'utf8');
    const controllerClass = /\bcontroller\s*=\s*"([\w.]+)"/.exec(markup)?.[1];
    if (controllerClass && !classes.has(controllerClass.toLowerCase())) report('metadata', markupPath, 1, 'reference', `controller ${controllerClass} is not in classes/`);
    for (const m of markup.matchAll(/\$Resource\.(\w+)(\s*\+\s*')?/g)) {
      const resourceMeta = staticResources.get(m[1].toLowerCase());
      if (!resourceMeta) report('metadata', markupPath, lineOf(markup, m.index), 'reference', `$Resource.${m[1]}: staticresources/${m[1]}.resource-meta.xml is missing`);
      // `$Resource.x + '/index.html'` names a file inside the resource: it must be a zip.
      else if (m[2] && !ZIP_TYPES.includes(String(rootOf(resourceMeta).contentType))) {
        report('metadata', markupPath, lineOf(markup, m.index), 'reference', `$Resource.${m[1]} + '...' needs a zip, but ${basename(resourceMeta)} has contentType ${rootOf(resourceMeta).contentType}`);
      }
    }
    for (const m of markup.matchAll(/<c:(\w+)/g)) {
      if (!auraBundles.has(m[1].toLowerCase())) report('metadata', markupPath, lineOf(markup, m.index), 'reference', `component c:${m[1]} is not in aura/`);
    }
    const jsController = bundleFiles.find((f) => /Controller\.js$/.test(f));
    const jsSource = jsController ? stripComments(readFileSync(join(dir, jsController), 'utf8')) : '';
    for (const m of markup.matchAll(/\{!\s*c\.(\w+)\s*\}/g)) {
      if (!new RegExp(`\\b${m[1]}\\s*:`).test(jsSource)) report('metadata', markupPath, lineOf(markup, m.index), 'reference', `{!c.${m[1]}}: no action ${m[1]} in the JS controller`);
    }
    const apexSource = controllerClass && classes.has(controllerClass.toLowerCase()) ? stripComments(readFileSync(classes.get(controllerClass.toLowerCase()), 'utf8')) : '';
    for (const jsFile of bundleFiles.filter((f) => f.endsWith('.js'))) {
      const js = stripComments(readFileSync(join(dir, jsFile), 'utf8'));
      for (const m of js.matchAll(/\.get\(\s*['"]c\.(\w+)['"]\s*\)/g)) {
        if (!controllerClass) report('metadata', join(dir, jsFile), lineOf(js, m.index), 'reference', `c.${m[1]} is an Apex action, but ${markupFile} has no controller=""`);
        else if (!new RegExp(`@AuraEnabled[^;{]*?\\b${m[1]}\\s*\\(`, 'i').test(apexSource)) {
          report('metadata', join(dir, jsFile), lineOf(js, m.index), 'reference', `c.${m[1]}: ${controllerClass} has no @AuraEnabled method ${m[1]}`);
        }
      }
    }
  }
  // Static resources: the file is a build output (npm run build:panel), so a missing one is a
  // loud warning here; the deploy itself would fail without it. The metadata must be complete.
  for (const [name, meta] of staticResources) {
    const root = rootOf(meta);
    if (!root.contentType) report('metadata', meta, 1, 'static-resource', 'contentType is missing');
    if (!['Public', 'Private'].includes(String(root.cacheControl))) report('metadata', meta, 1, 'static-resource', `cacheControl must be Public or Private, not ${root.cacheControl}`);
    const base = meta.slice(0, -'-meta.xml'.length);
    if (!existsSync(base) && !allFiles.some((f) => f.startsWith(`${base.replace(/\.resource$/, '')}${sep}`))) {
      console.log(`   warning: static resource ${name} is not built yet (${toProjectPath(base)}); build it before deploying`);
    }
  }
  done(mark);
}

// ---------------------------------------------------------------------------------------------
// 5. ESLint on Aura JS

async function checkAura() {
  const auraJs = allFiles.filter((f) => f.endsWith('.js') && f.split(sep).includes('aura'));
  const mark = step(5, `eslint + @salesforce/eslint-plugin-aura@${packageVersion('@salesforce/eslint-plugin-aura')} (recommended + locker) --config ${relative(repoRoot, AURA_ESLINT_CONFIG)}`);
  if (auraJs.length === 0) {
    done(mark, 'no Aura JavaScript in the package directories yet');
    return;
  }
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: projectDir, overrideConfigFile: AURA_ESLINT_CONFIG });
  for (const result of await eslint.lintFiles(auraJs)) {
    for (const m of result.messages) report('eslint', result.filePath, m.line ?? 0, m.ruleId ?? 'parse', m.message);
  }
  done(mark, `${auraJs.length} files`);
}

// ---------------------------------------------------------------------------------------------
// 6. source-deploy-retrieve: convert every package directory as the CLI would

async function checkConversion() {
  const mark = step(6, `@salesforce/source-deploy-retrieve@${packageVersion('@salesforce/source-deploy-retrieve')}: source to metadata format, package.xml per package directory`);
  const { convertProject } = await import('./salesforce/convert.mjs');
  let result;
  try {
    result = await convertProject(projectDir);
  } catch (error) {
    report('sdr', '', 0, error?.name ?? 'error', String(error?.message ?? error));
    done(mark);
    return;
  }
  for (const p of result.packages) {
    for (const file of p.unclaimed) report('sdr', file, 0, 'unclaimed', 'no metadata component claims this file: move it under the right folder, or list it in .forceignore');
    for (const type of p.missingTypes) report('sdr', p.path, 0, 'missing-type', `no ${type} resolved in ${p.path} (expected: scripts/salesforce/convert.mjs EXPECTED_TYPES)`);
    const perType = new Map();
    for (const c of p.components) perType.set(c.type, (perType.get(c.type) ?? 0) + 1);
    const counts = [...perType].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `${type} ${n}`);
    console.log(`   ${p.path}: ${p.components.length} components (${counts.join(', ')})`);
  }
  const note = result.resourcePlaceholder ? 'sendbird_bar not built: converted with an empty stand-in zip; npm run build:panel builds it' : '';
  done(mark, note);
}

// ---------------------------------------------------------------------------------------------

await checkFormatting();
await checkSyntax();
const javaRan = await checkWithJava();
await checkMetadata();
await checkAura();
await checkConversion();

if (javaRan) {
  for (const entry of ALLOW_LIST) {
    if (!usedAllowEntries.has(entry)) {
      findings.push({ tool: 'allow-list', file: entry.file, line: 0, rule: entry.rule, message: `entry no longer matches anything, remove it: [${entry.tool}] ${entry.message}` });
    }
  }
}

const secs = ((Date.now() - started) / 1000).toFixed(1);
if (allowed.length > 0) console.log(`\n${allowed.length} finding(s) accepted by the allow-list in scripts/check-salesforce.mjs`);
if (findings.length > 0) {
  console.error(`\nsalesforce checks FAILED: ${findings.length} finding(s) in ${secs}s`);
  for (const f of findings) console.error(`  [${f.tool}] ${f.file}${f.line ? `:${f.line}` : ''} ${f.rule}: ${f.message}`);
  process.exit(1);
}
console.log(`\nsalesforce checks passed in ${secs}s${javaRan ? '' : ' (apex-ls and PMD skipped: no Java)'}`);
