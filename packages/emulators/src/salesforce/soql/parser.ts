/**
 * Parser for the SOQL subset:
 *   SELECT field, ... [, (SELECT field, ... FROM ChildRelationship [WHERE] [ORDER BY] [LIMIT])] | COUNT()  FROM Object
 *   [WHERE cond]  [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]  [LIMIT n]  [OFFSET n]
 * cond: comparisons (= != <> < > <= >=, [NOT] IN (...), LIKE) joined by AND / OR / NOT with
 * parentheses. Like SOQL, AND and OR cannot be mixed at one level without parentheses.
 */
import { malformed, tokenize } from './lexer.js';
import type { Token } from './lexer.js';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; text: string }
  | { kind: 'date'; text: string };

export type Cond =
  | { type: 'and' | 'or'; items: Cond[] }
  | { type: 'not'; item: Cond }
  | { type: 'cmp'; field: string; op: '=' | '!=' | '<' | '>' | '<=' | '>='; value: Literal }
  | { type: 'in'; field: string; negate: boolean; values: Literal[] }
  | { type: 'like'; field: string; pattern: Literal };

export interface OrderItem {
  field: string;
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  /** Field names as written, or 'count' for SELECT COUNT(). */
  fields: string[] | 'count';
  /**
   * Child relationship subqueries in the SELECT list (`(SELECT ... FROM Sendbird_Messages__r)`),
   * one level deep as in SOQL; `from` is the relationship name.
   */
  children: SoqlQuery[];
  from: string;
  where?: Cond;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
]);
const UNSUPPORTED = new Set(['GROUP', 'HAVING', 'WITH', 'FOR', 'USING', 'TYPEOF', 'INCLUDES', 'EXCLUDES', 'ALL']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i] ?? this.toks[this.toks.length - 1]!;
  }
  private take(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isKw(word: string, t = this.peek()): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }
  private acceptKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.take();
    return true;
  }
  private unexpected(t = this.peek()): never {
    if (t.kind === 'eof') malformed('unexpected end of query');
    if (t.kind === 'ident' && UNSUPPORTED.has(t.text.toUpperCase())) {
      malformed(`${t.text.toUpperCase()} is not part of the SOQL subset this emulator supports`);
    }
    malformed(`unexpected token: '${t.text}'`);
  }
  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.unexpected();
  }
  private expectPunct(p: string): void {
    const t = this.take();
    if (t.kind !== 'punct' || t.text !== p) this.unexpected(t);
  }
  private field(): string {
    const t = this.take();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase())) this.unexpected(t);
    if (t.text.includes('.')) malformed(`relationship field ${t.text} is not part of the SOQL subset this emulator supports`);
    return t.text;
  }
  private int(): number {
    const t = this.take();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) this.unexpected(t);
    return t.value;
  }

  /** `nested`: a child subquery, which ends at its closing parenthesis and holds no subquery. */
  query(nested = false): SoqlQuery {
    this.expectKw('SELECT');
    let fields: string[] | 'count';
    const children: SoqlQuery[] = [];
    if (this.isKw('COUNT') && this.toks[this.i + 1]?.text === '(') {
      this.take();
      this.expectPunct('(');
      this.expectPunct(')');
      fields = 'count';
    } else {
      fields = [];
      do {
        if (this.peek().text === '(') {
          if (nested) malformed('a subquery cannot contain another subquery (SOQL allows one level of child relationships)');
          this.take();
          children.push(this.query(true));
          this.expectPunct(')');
        } else fields.push(this.field());
      } while (this.peek().text === ',' && this.take());
    }
    this.expectKw('FROM');
    const from = this.field();
    const q: SoqlQuery = { fields, children, from, orderBy: [] };
    if (this.acceptKw('WHERE')) q.where = this.or();
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do {
        const item: OrderItem = { field: this.field(), desc: false, nullsLast: false };
        if (this.acceptKw('DESC')) item.desc = true;
        else this.acceptKw('ASC');
        // Default: NULLS FIRST for ascending, NULLS LAST for descending (SOQL reference, ORDER BY).
        item.nullsLast = item.desc;
        if (this.acceptKw('NULLS')) {
          if (this.acceptKw('LAST')) item.nullsLast = true;
          else if (this.acceptKw('FIRST')) item.nullsLast = false;
          else this.unexpected();
        }
        q.orderBy.push(item);
      } while (this.peek().text === ',' && this.take());
    }
    if (this.acceptKw('LIMIT')) q.limit = this.int();
    if (this.acceptKw('OFFSET')) q.offset = this.int();
    if (nested ? this.peek().text !== ')' : this.peek().kind !== 'eof') this.unexpected();
    return q;
  }

  /** AND or OR chains; mixing them at one level is an error, as in SOQL. */
  private or(): Cond {
    const first = this.not();
    const op = this.isKw('AND') ? 'AND' : this.isKw('OR') ? 'OR' : undefined;
    if (!op) return first;
    const items = [first];
    while (this.acceptKw(op)) items.push(this.not());
    const other = op === 'AND' ? 'OR' : 'AND';
    if (this.isKw(other)) malformed(`unexpected token: '${this.peek().text}' (use parentheses to mix AND and OR)`);
    return { type: op === 'AND' ? 'and' : 'or', items };
  }

  private not(): Cond {
    if (this.acceptKw('NOT')) return { type: 'not', item: this.not() };
    if (this.peek().text === '(') {
      this.take();
      const c = this.or();
      this.expectPunct(')');
      return c;
    }
    return this.comparison();
  }

  private comparison(): Cond {
    const field = this.field();
    if (this.acceptKw('LIKE')) return { type: 'like', field, pattern: this.literal() };
    if (this.isKw('NOT') && this.isKw('IN', this.toks[this.i + 1])) {
      this.take();
      this.take();
      return { type: 'in', field, negate: true, values: this.list() };
    }
    if (this.acceptKw('IN')) return { type: 'in', field, negate: false, values: this.list() };
    const t = this.take();
    if (t.kind !== 'punct' || !['=', '!=', '<>', '<', '>', '<=', '>='].includes(t.text)) this.unexpected(t);
    const op = (t.text === '<>' ? '!=' : t.text) as '=' | '!=' | '<' | '>' | '<=' | '>=';
    return { type: 'cmp', field, op, value: this.literal() };
  }

  private list(): Literal[] {
    this.expectPunct('(');
    const values = [this.literal()];
    while (this.peek().text === ',') {
      this.take();
      values.push(this.literal());
    }
    this.expectPunct(')');
    return values;
  }

  private literal(): Literal {
    const t = this.take();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.text };
      case 'number':
        return { kind: 'number', value: t.value };
      case 'datetime':
        return { kind: 'datetime', text: t.text };
      case 'date':
        return { kind: 'date', text: t.text };
      case 'ident': {
        const w = t.text.toUpperCase();
        if (w === 'NULL') return { kind: 'null' };
        if (w === 'TRUE' || w === 'FALSE') return { kind: 'boolean', value: w === 'TRUE' };
        if (/^(TODAY|YESTERDAY|TOMORROW|LAST_|NEXT_|THIS_)/.test(w)) {
          malformed(`date literal ${t.text} is not part of the SOQL subset this emulator supports`);
        }
        return this.unexpected(t);
      }
      default:
        return this.unexpected(t);
    }
  }
}

export function parseSoql(src: string): SoqlQuery {
  return new Parser(tokenize(src)).query();
}
