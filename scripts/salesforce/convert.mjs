// Offline conversion of the SFDX project with Salesforce's own library, the one the Salesforce
// CLI deploys with (@salesforce/source-deploy-retrieve): every package directory is resolved into
// components, converted from source to metadata format and given its package.xml. What the
// library refuses here, `sf project deploy` would refuse too, before any org is asked.
//
// The `sendbird_bar` static resource is a build output (npm run build:panel). When it is missing,
// the conversion runs on a copy of the project with an empty zip in its place, and says so: the
// deploy itself builds the real one (scripts/salesforce-deploy.mjs).
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

/** The static resource the Aura component loads, built by `npm run build:panel`. */
export const PANEL_RESOURCE = 'force-app/main/default/staticresources/sendbird_bar.resource';

/** An empty zip (only the end-of-central-directory record): a stand-in for the conversion only. */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

/**
 * Metadata types each package directory must hold: a type that goes missing (a folder renamed,
 * a file the library no longer recognises) fails the check instead of silently not deploying.
 */
export const EXPECTED_TYPES = {
  'force-app': [
    'ApexClass',
    'ApexTrigger',
    'AuraDefinitionBundle',
    'CspTrustedSite',
    'CustomApplication',
    'CustomMetadata',
    'CustomObject',
    'ExternalCredential',
    'FlexiPage',
    'NamedCredential',
    'PermissionSet',
    'PlatformEventSubscriberConfig',
    'StaticResource',
  ],
  'omni-channel': ['ApexClass', 'ApexTrigger', 'FlexiPage'],
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Every file a component (and its children, e.g. an object's fields) is made of. */
function sourceFiles(component, out = new Set()) {
  if (component.xml) out.add(component.xml);
  for (const f of component.walkContent()) out.add(f);
  for (const child of component.getChildren()) sourceFiles(child, out);
  return out;
}

/**
 * Converts every package directory of the SFDX project in `projectDir`.
 *
 * Resolves with, per package directory: the components (type and name), the generated
 * package.xml, the files no component claims (each one a mistake: a stray file, or a file the
 * library cannot place) and the expected types that are missing. Rejects with the library's own
 * error when it refuses a file. `outputDir`, when given, keeps the metadata-format output there
 * (one folder per package directory); otherwise it is written to a temporary folder and removed.
 */
export async function convertProject(projectDir, { outputDir } = {}) {
  const { ComponentSet, MetadataConverter } = await import('@salesforce/source-deploy-retrieve');
  const sfdxProject = JSON.parse(readFileSync(join(projectDir, 'sfdx-project.json'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'sbsf-sdr-'));
  try {
    // A copy, so a stand-in static resource never lands in the source tree.
    const staged = join(work, 'project');
    cpSync(projectDir, staged, {
      recursive: true,
      filter: (src) => !relative(projectDir, src).split(sep).some((part) => part === '.sfdx' || part === '.sf' || part === 'node_modules'),
    });
    const resourcePlaceholder = !existsSync(join(staged, PANEL_RESOURCE)) && existsSync(join(staged, `${PANEL_RESOURCE}-meta.xml`));
    if (resourcePlaceholder) writeFileSync(join(staged, PANEL_RESOURCE), EMPTY_ZIP);

    const { ForceIgnore } = await import('@salesforce/source-deploy-retrieve');
    const forceIgnore = ForceIgnore.findAndCreate(staged);
    const packages = [];
    for (const { path } of sfdxProject.packageDirectories ?? []) {
      const dir = join(staged, path);
      const set = ComponentSet.fromSource(dir);
      // As the CLI does from sfdx-project.json: the manifest's version is the project's.
      set.sourceApiVersion = sfdxProject.sourceApiVersion;
      const components = set.getSourceComponents().toArray();
      const claimed = new Set(components.flatMap((c) => [...sourceFiles(c)]).map((f) => resolve(f)));
      const unclaimed = walk(dir)
        .filter((f) => !forceIgnore.denies(f) && !claimed.has(resolve(f)))
        .map((f) => relative(staged, f).split(sep).join('/'));
      const out = join(outputDir ?? join(work, 'out'), path);
      await new MetadataConverter().convert(set, 'metadata', { type: 'directory', outputDirectory: out, genUniqueDir: false });
      const manifest = await set.getPackageXml();
      const types = [...new Set(components.map((c) => c.type.name))].sort();
      packages.push({
        path,
        components: components.map((c) => ({ type: c.type.name, fullName: c.fullName })),
        types,
        manifest,
        unclaimed,
        missingTypes: (EXPECTED_TYPES[path] ?? []).filter((t) => !types.includes(t)),
      });
    }
    return { packages, resourcePlaceholder };
  } catch (error) {
    // Name files as the project does, not by the temporary copy's path.
    if (error instanceof Error) error.message = error.message.split(`${work}${sep}project${sep}`).join('');
    throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
