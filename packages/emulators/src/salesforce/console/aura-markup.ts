/**
 * Reads what the console simulator needs from an Aura component's markup (the .cmp file): its
 * attributes with their defaults, the lightning:container (aura:id, src, onmessage, onerror)
 * and the aura:ids of the console APIs. Not a general Aura parser: the .cmp is XML-like markup
 * with undeclared namespace prefixes, so tags are matched directly.
 */

export interface AuraAttribute {
  name: string;
  type: string;
  default?: string;
}

export interface AuraContainer {
  auraId: string;
  /** The src expression as written, e.g. `{!$Resource.sendbird_bar + '/index.html'}`. */
  src: string;
  /** Controller action names (`{!c.handleMessage}` -> `handleMessage`). */
  onmessage?: string;
  onerror?: string;
}

export interface AuraComponentDescriptor {
  name: string;
  implements: string[];
  /** The Apex controller class, if any. */
  controller?: string;
  attributes: AuraAttribute[];
  container?: AuraContainer;
  /** aura:ids of lightning:utilityBarAPI, lightning:workspaceAPI, lightning:navigation. */
  apis: { utilityBar?: string; workspace?: string; navigation?: string };
}

function stripComments(markup: string): string {
  return markup.replace(/<!--[\s\S]*?-->/g, '');
}

function attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

function tags(markup: string, tag: string): Record<string, string>[] {
  const re = new RegExp(`<${tag.replace(':', '\\:')}\\b([^>]*?)\\/?>`, 'g');
  return [...markup.matchAll(re)].map((m) => attrs(m[1] ?? ''));
}

/** `{!c.handleMessage}` -> `handleMessage`. */
function actionName(expr: string | undefined): string | undefined {
  return expr ? /^\{!\s*c\.(\w+)\s*\}$/.exec(expr.trim())?.[1] : undefined;
}

export function parseAuraComponent(name: string, markup: string): AuraComponentDescriptor {
  const text = stripComments(markup);
  const root = tags(text, 'aura:component')[0];
  if (!root) throw new Error(`[console-simulator] ${name}.cmp has no <aura:component> root`);
  const container = tags(text, 'lightning:container')[0];
  const descriptor: AuraComponentDescriptor = {
    name,
    implements: (root.implements ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    attributes: tags(text, 'aura:attribute').map((a) => ({
      name: a.name ?? '',
      type: a.type ?? 'String',
      ...(a.default !== undefined ? { default: a.default } : {}),
    })),
    apis: {},
  };
  if (root.controller) descriptor.controller = root.controller;
  if (container) {
    descriptor.container = { auraId: container['aura:id'] ?? '', src: container.src ?? '' };
    const onmessage = actionName(container.onmessage);
    const onerror = actionName(container.onerror);
    if (onmessage) descriptor.container.onmessage = onmessage;
    if (onerror) descriptor.container.onerror = onerror;
  }
  const idOf = (tag: string) => tags(text, tag)[0]?.['aura:id'];
  const utilityBar = idOf('lightning:utilityBarAPI');
  const workspace = idOf('lightning:workspaceAPI');
  const navigation = idOf('lightning:navigation');
  if (utilityBar) descriptor.apis.utilityBar = utilityBar;
  if (workspace) descriptor.apis.workspace = workspace;
  if (navigation) descriptor.apis.navigation = navigation;
  return descriptor;
}

/** The static resource a container `src` names: `{!$Resource.sendbird_bar + '/index.html'}`. */
export function containerResource(src: string): { resource: string; path: string } | undefined {
  const m = /^\{!\s*\$Resource\.(\w+)\s*\+\s*'([^']*)'\s*\}$/.exec(src.trim());
  return m ? { resource: m[1]!, path: m[2]! } : undefined;
}
