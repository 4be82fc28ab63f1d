/** Loads an Aura bundle from disk: the markup, parsed, and the controller and helper sources. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAuraComponent, type AuraComponentDescriptor } from './aura-markup.js';

export interface AuraBundle {
  descriptor: AuraComponentDescriptor;
  /** The files' text, exactly as on disk: the page evaluates them over its Aura shim. */
  controller: string;
  helper: string;
}

export function loadAuraBundle(dir: string): AuraBundle {
  const name = basename(dir);
  const file = (suffix: string) => join(dir, `${name}${suffix}`);
  if (!existsSync(file('.cmp'))) throw new Error(`[console-simulator] ${file('.cmp')} is missing`);
  return {
    descriptor: parseAuraComponent(name, readFileSync(file('.cmp'), 'utf8')),
    controller: existsSync(file('Controller.js')) ? readFileSync(file('Controller.js'), 'utf8') : '({})',
    helper: existsSync(file('Helper.js')) ? readFileSync(file('Helper.js'), 'utf8') : '({})',
  };
}
