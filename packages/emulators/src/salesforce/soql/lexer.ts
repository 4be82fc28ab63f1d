/** Tokens of the SOQL subset (see docs/emulator-salesforce.md, "SOQL subset"). */
import { apiError } from '../api-error.js';

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'datetime'; text: string; pos: number }
  | { kind: 'date'; text: string; pos: number }
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^-?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  _: '\\_',
  '%': '\\%',
};

export function malformed(message: string): never {
  throw apiError(400, 'MALFORMED_QUERY', message);
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    if (c === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) malformed(`unterminated string literal starting at column ${i + 1}`);
        const ch = src.charAt(j);
        if (ch === '\\') {
          const e = ESCAPES[src.charAt(j + 1)];
          if (e === undefined)
            malformed(`Invalid string literal '${src.slice(i, j + 2)}'. Illegal character sequence '\\${src.charAt(j + 1)}'`);
          text += e;
          j += 2;
          continue;
        }
        if (ch === "'") break;
        text += ch;
        j++;
      }
      out.push({ kind: 'string', text, pos: i });
      i = j + 1;
      continue;
    }
    let m = DATETIME.exec(rest);
    if (m) {
      out.push({ kind: 'datetime', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      out.push({ kind: 'date', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(rest);
    if (m) {
      out.push({ kind: 'number', value: Number(m[0]), text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(rest);
    if (m) {
      out.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'punct', text: two, pos: i });
      i += 2;
      continue;
    }
    if ('(),=<>'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    malformed(`unexpected token: '${c}'`);
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}
