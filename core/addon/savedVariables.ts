import luaparse from 'luaparse';
import type { Expression, Node, Statement, StringLiteral, TableConstructorExpression } from 'luaparse';

/**
 * Reads a SavedVariables file as data, never as code: only assignments of literals and tables to
 * globals are accepted. A function call, an `os.execute`, an operator or a variable reference is
 * refused with its line and column. The game writes raw UTF-8 bytes; luaparse reads them as
 * pseudo-latin1 and each string is decoded back, so `Zatañña` comes out as written.
 *
 * Everything a person is told carries a 1-based line and a 1-based column counted in characters
 * (what an editor shows), computed here from offsets: luaparse's own columns are 0-based on nodes
 * and 1-based in some of its errors, and count bytes.
 */

/** 1-based line and column (characters, as an editor counts them). */
export interface SourcePosition {
  line: number;
  column: number;
}

export type SavedVariablesCode =
  | 'ADDON_EXPORT_SYNTAX'
  | 'ADDON_EXPORT_NOT_DATA'
  | 'ADDON_EXPORT_TOO_DEEP'
  | 'ADDON_EXPORT_FORBIDDEN_KEY'
  | 'ADDON_EXPORT_DUPLICATE_KEY'
  | 'ADDON_EXPORT_INVALID_TEXT'
  | 'ADDON_EXPORT_CONTROL_CHARACTER';

export class SavedVariablesError extends Error {
  override name = 'SavedVariablesError';
  /** Raised from a parse without node offsets: parse again with them to say where. */
  needsLocation = false;

  constructor(
    readonly code: SavedVariablesCode,
    message: string,
    readonly at?: SourcePosition,
  ) {
    super(message);
  }
}

/** Deeper than this is refused before luaparse (which recurses) sees it; the game's export is 5 levels deep. */
export const MAX_NESTING = 64;

/** Keys that mean something to JavaScript objects; the game never writes them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NON_ASCII = /[\u0080-\u00ff]/;
/**
 * C0 and C1 control characters (and DEL). Tab, line feed and carriage return are the exceptions:
 * players' notes carry them (the addon round-trips them and the demo data has them); names are
 * held to stricter rules by the export schema.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type LuaValue = string | number | boolean | null | LuaValue[] | { [key: string]: LuaValue };
/** Tables and globals are null-prototype objects: no key can reach Object.prototype or vanish into it. */
export type LuaTable = { [key: string]: LuaValue };

/** Where each value of a parsed file starts (offsets into the file read as latin1). */
interface TableOffsets {
  at: number;
  /** Per key: where the key is written (for a list item, its value), and where its value starts. */
  keys: Map<string, [key: number, value: number]>;
}

export interface LocatedSavedVariables {
  globals: LuaTable;
  /**
   * The position of the value at `path` (a global, then keys and 0-based list indexes, as zod
   * reports them), or of its key with `atKey`; for a key that is absent, the table that lacks it.
   * Undefined if even the global is absent.
   */
  locate(path: readonly PropertyKey[], atKey?: boolean): SourcePosition | undefined;
  /** The position of an offset into the file. */
  position(offset: number): SourcePosition;
}

export function parseSavedVariables(bytes: Buffer): LuaTable {
  const text = bytes.toString('latin1');
  checkNesting(text);
  try {
    // Node offsets cost luaparse time on a 5 MB file: read without them, and only to say where a
    // refused construct is, read again with them.
    return new Reader(text, false).read();
  } catch (err) {
    if (err instanceof SavedVariablesError && err.needsLocation) return new Reader(text, true).read();
    throw err;
  }
}

/** Reads the file again with offsets, to say where a problem found later (the schema, the guild) is. */
export function locateSavedVariables(bytes: Buffer): LocatedSavedVariables {
  const text = bytes.toString('latin1');
  checkNesting(text);
  const reader = new Reader(text, true);
  const globals = reader.read();
  return {
    globals,
    locate: (path, atKey) => reader.locate(globals, path, atKey),
    position: (offset) => positionAt(text, offset),
  };
}

class Reader {
  private readonly tables = new WeakMap<object, TableOffsets>();
  private readonly globalOffsets = new Map<string, [name: number, value: number]>();

  constructor(
    private readonly text: string,
    private readonly located: boolean,
  ) {}

  read(): LuaTable {
    let chunk;
    try {
      chunk = luaparse.parse(this.text, {
        luaVersion: '5.1',
        encodingMode: 'pseudo-latin1',
        comments: false,
        locations: false,
        ranges: this.located,
        scope: false,
      });
    } catch (err) {
      if (err instanceof RangeError) throw this.tooDeepSomewhere();
      // luaparse says "[line:col] unexpected symbol near …"; a truncated file ends up here too.
      const e = err as Error & { index?: number };
      const at = positionAt(this.text, typeof e.index === 'number' ? e.index : this.text.length);
      const what = e.message.replace(/^\[\d+:\d+\]\s*/, '');
      throw new SavedVariablesError(
        'ADDON_EXPORT_SYNTAX',
        `Not a readable SavedVariables file: ${what} at line ${at.line}, column ${at.column} (cut short, or edited by hand?).`,
        at,
      );
    }
    const globals: LuaTable = Object.create(null) as LuaTable;
    for (const statement of chunk.body) {
      if (statement.type !== 'AssignmentStatement') this.refuse(statement, 'ADDON_EXPORT_NOT_DATA', `a ${describe(statement.type)} (only NAME = value is allowed)`);
      statement.variables.forEach((target, i) => {
        if (target.type !== 'Identifier') this.refuse(target, 'ADDON_EXPORT_NOT_DATA', `assignment to ${describe(target.type)} (only global names)`);
        if (FORBIDDEN_KEYS.has(target.name)) this.refuseKey(target, target.name, 'global');
        if (Object.hasOwn(globals, target.name)) this.refuseDuplicate(target, target.name, 'global');
        const init = statement.init[i];
        globals[target.name] = init ? this.valueOf(init) : null;
        if (this.located) this.globalOffsets.set(target.name, [offsetOf(target), offsetOf(init ?? target)]);
      });
    }
    return globals;
  }

  locate(globals: LuaTable, path: readonly PropertyKey[], atKey = false): SourcePosition | undefined {
    const [name, ...rest] = path;
    if (typeof name !== 'string') return undefined;
    const start = this.globalOffsets.get(name);
    if (start === undefined) return undefined;
    let value: LuaValue | undefined = globals[name];
    let offset = atKey && rest.length === 0 ? start[0] : start[1];
    for (const [i, key] of rest.entries()) {
      const table = value !== null && typeof value === 'object' ? this.tables.get(value) : undefined;
      const at = table?.keys.get(String(key));
      if (!table || at === undefined) {
        // Absent: the table that lacks it.
        if (table) offset = table.at;
        break;
      }
      offset = atKey && i === rest.length - 1 ? at[0] : at[1];
      value = (value as Record<string, LuaValue>)[String(key)];
    }
    return positionAt(this.text, offset);
  }

  private valueOf(e: Expression): LuaValue {
    switch (e.type) {
      case 'StringLiteral':
        return this.textOf(e);
      case 'NumericLiteral':
        return e.value;
      case 'BooleanLiteral':
        return e.value;
      case 'NilLiteral':
        return null;
      case 'UnaryExpression':
        // The game writes negative numbers as unary minus on a literal.
        if (e.operator === '-' && e.argument.type === 'NumericLiteral') return -e.argument.value;
        return this.refuse(e, 'ADDON_EXPORT_NOT_DATA', `the operator ${e.operator}`);
      case 'TableConstructorExpression':
        return this.tableOf(e);
      default:
        return this.refuse(e, 'ADDON_EXPORT_NOT_DATA', describe(e.type));
    }
  }

  /** A string's bytes as UTF-8: refused, not replaced, when they are not text (a `\255` escape) or hold control characters. */
  private textOf(e: StringLiteral): string {
    const raw = e.value;
    if (raw === null) return this.refuse(e, 'ADDON_EXPORT_INVALID_TEXT', 'a string luaparse could not decode');
    let value = raw;
    // Pure ASCII (most strings) is already right; only bytes above 0x7F need UTF-8 decoding.
    if (NON_ASCII.test(raw)) {
      try {
        value = UTF8.decode(Buffer.from(raw, 'latin1'));
      } catch {
        return this.refuse(
          e,
          'ADDON_EXPORT_INVALID_TEXT',
          'a string whose bytes are not UTF-8 text (a \\ddd escape such as \\255 makes a byte no text has)',
          'the game writes names and notes as UTF-8, and a broken one is refused rather than replaced with U+FFFD',
        );
      }
    }
    const control = CONTROL.exec(value);
    if (control) {
      const code = control[0].charCodeAt(0);
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      return this.refuse(
        e,
        'ADDON_EXPORT_CONTROL_CHARACTER',
        `a string holding the control character U+${hex}${code < 0x20 ? ` (\\${code} in Lua)` : ''} as its character ${[...value.slice(0, control.index)].length + 1}`,
        'names and notes are text; the game never writes this character',
      );
    }
    return value;
  }

  /**
   * A table with only positional entries (or keys 1..n) becomes an array; any other becomes a
   * null-prototype object with string keys (numbers as their decimal text). nil values are dropped,
   * as in Lua. A key given twice (also 1 and "1", which would become one key) is refused: one of the
   * two would vanish, and the game writes each key once.
   */
  private tableOf(t: TableConstructorExpression): LuaValue {
    const entries: [string | number, LuaValue, Node, Node][] = [];
    const seen = new Set<string>();
    let position = 0;
    for (const field of t.fields) {
      let key: string | number;
      let keyNode: Node;
      if (field.type === 'TableValue') {
        position += 1;
        key = position;
        keyNode = field.value;
      } else if (field.type === 'TableKeyString') {
        key = field.key.name;
        keyNode = field.key;
      } else {
        const k = this.valueOf(field.key);
        if (typeof k !== 'string' && typeof k !== 'number') this.refuse(field.key, 'ADDON_EXPORT_NOT_DATA', 'a table key that is not a string or a number');
        key = k as string | number;
        keyNode = field.key;
      }
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) this.refuseKey(keyNode, key, 'key');
      if (seen.has(String(key))) this.refuseDuplicate(keyNode, String(key), 'key');
      seen.add(String(key));
      entries.push([key, this.valueOf(field.value), keyNode, field.value]);
    }
    const present = entries.filter(([, v]) => v !== null);
    const isList = present.every(([k], i) => k === i + 1);
    const offsets: TableOffsets | undefined = this.located ? { at: offsetOf(t), keys: new Map() } : undefined;
    let result: LuaValue[] | LuaTable;
    if (isList) {
      result = present.map(([, v]) => v);
      present.forEach(([, , keyNode, node], i) => offsets?.keys.set(String(i), [offsetOf(keyNode), offsetOf(node)]));
    } else {
      const object: LuaTable = Object.create(null) as LuaTable;
      for (const [k, v, keyNode, node] of present) {
        object[String(k)] = v;
        offsets?.keys.set(String(k), [offsetOf(keyNode), offsetOf(node)]);
      }
      result = object;
    }
    if (offsets) this.tables.set(result, offsets);
    return result;
  }

  private refuse(node: Node, code: SavedVariablesCode, what: string, why = 'a SavedVariables file holds only literals and tables'): never {
    if (!this.located) {
      const err = new SavedVariablesError(code, `Refused ${what}: ${why}.`);
      err.needsLocation = true;
      throw err;
    }
    const at = positionAt(this.text, offsetOf(node));
    throw new SavedVariablesError(code, `Refused ${what} at line ${at.line}, column ${at.column}: ${why}.`, at);
  }

  private refuseKey(node: Node, key: string, kind: 'key' | 'global'): never {
    return this.refuse(
      node,
      'ADDON_EXPORT_FORBIDDEN_KEY',
      `the ${kind} ${JSON.stringify(key)}`,
      'the game never writes it, and a reader in JavaScript could be misled by it (__proto__, constructor and prototype are refused)',
    );
  }

  private refuseDuplicate(node: Node, key: string, kind: 'key' | 'global'): never {
    return this.refuse(
      node,
      'ADDON_EXPORT_DUPLICATE_KEY',
      `the ${kind} ${JSON.stringify(key)} given a second time`,
      kind === 'key' ? 'a table holds each key once (1 and "1" count as one here), and the game writes each once' : 'the game writes each global once',
    );
  }

  private tooDeepSomewhere(): SavedVariablesError {
    // checkNesting ran first, so only an unforeseen construct gets here: say what we know.
    const at = positionAt(this.text, deepestOffset(this.text));
    return new SavedVariablesError(
      'ADDON_EXPORT_TOO_DEEP',
      `Refused a file nested too deeply to read, deepest at line ${at.line}, column ${at.column}: the game's export is 5 levels deep.`,
      at,
    );
  }
}

function offsetOf(node: Node): number {
  return (node as Node & { range?: [number, number] }).range?.[0] ?? 0;
}

/**
 * Refuses nesting deeper than MAX_NESTING before luaparse, which recurses once per level (and per
 * operator in a chain) and would overflow the stack somewhere between 2,500 and 4,500 levels. Brackets
 * count one level each, and so does every operator of the expression still open at each level.
 * Strings and comments are skipped the way Lua reads them.
 */
export function checkNesting(text: string): void {
  const n = text.length;
  let depth = 0;
  let ops = 0;
  let savedOps = 0;
  const opsStack: number[] = [];
  let i = 0;
  const tooDeep = (at: number): never => {
    const pos = positionAt(text, at);
    throw new SavedVariablesError(
      'ADDON_EXPORT_TOO_DEEP',
      `Refused tables or expressions nested more than ${MAX_NESTING} levels deep at line ${pos.line}, column ${pos.column}: the game's export is 5 levels deep, and at most ${MAX_NESTING} are read.`,
      pos,
    );
  };
  const operator = (at: number) => {
    ops += 1;
    if (depth + savedOps + ops > MAX_NESTING) tooDeep(at);
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    // -- comments, short and long
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const level = longBracket(text, i + 2);
      if (level >= 0) {
        i = closeLongBracket(text, i + 2 + level + 2, level);
      } else {
        while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i += 1;
      }
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      // Strings are most of the file: jump between the characters that matter.
      const stop = c === 34 ? DOUBLE_QUOTED_STOP : SINGLE_QUOTED_STOP;
      stop.lastIndex = i + 1;
      for (;;) {
        const m = stop.exec(text);
        if (!m) {
          i = n;
          break;
        }
        if (m[0] === '\\') {
          stop.lastIndex = m.index + 2;
          continue;
        }
        i = m.index + 1;
        break;
      }
      continue;
    }
    if (c === 91 /* [ */) {
      const level = longBracket(text, i);
      if (level >= 0) {
        i = closeLongBracket(text, i + level + 2, level);
        continue;
      }
    }
    if (c === 123 /* { */ || c === 40 /* ( */ || c === 91 /* [ */) {
      opsStack.push(ops);
      savedOps += ops;
      ops = 0;
      depth += 1;
      if (depth + savedOps > MAX_NESTING) tooDeep(i);
      i += 1;
      continue;
    }
    if (c === 125 /* } */ || c === 41 /* ) */ || c === 93 /* ] */) {
      if (depth > 0) {
        depth -= 1;
        ops = opsStack.pop() ?? 0;
        savedOps -= ops;
      }
      i += 1;
      continue;
    }
    if (c === 44 /* , */ || c === 59 /* ; */) {
      ops = 0;
      i += 1;
      continue;
    }
    if (c === 61 /* = */) {
      if (text.charCodeAt(i + 1) === 61) {
        operator(i);
        i += 2;
      } else {
        ops = 0;
        i += 1;
      }
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(text.charCodeAt(i + 1)))) {
      // A number, with its exponent sign (1e-5 holds no operator).
      i += 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isNameChar(d) || d === 46) i += 1;
        else if ((d === 43 || d === 45) && (text.charCodeAt(i - 1) | 32) === 101 /* e */) i += 1;
        else break;
      }
      continue;
    }
    if (isNameStart(c)) {
      const start = i;
      while (i < n && isNameChar(text.charCodeAt(i))) i += 1;
      const word = text.slice(start, i);
      if (word === 'and' || word === 'or' || word === 'not') operator(start);
      continue;
    }
    if (c === 46 /* . */ && text.charCodeAt(i + 1) === 46) {
      if (text.charCodeAt(i + 2) === 46) {
        i += 3;
      } else {
        operator(i);
        i += 2;
      }
      continue;
    }
    if (c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 94 || c === 35 || c === 60 || c === 62 || c === 126) {
      // + - * / % ^ # < > ~ (and <=, >=, ~= with the = skipped)
      operator(i);
      i += text.charCodeAt(i + 1) === 61 ? 2 : 1;
      continue;
    }
    i += 1;
  }
}

const DOUBLE_QUOTED_STOP = /["\\\r\n]/g;
const SINGLE_QUOTED_STOP = /['\\\r\n]/g;

/** At `[`: the level of a long bracket `[==[` (number of =), or -1 if it is not one. */
function longBracket(text: string, at: number): number {
  if (text.charCodeAt(at) !== 91) return -1;
  let j = at + 1;
  while (text.charCodeAt(j) === 61) j += 1;
  return text.charCodeAt(j) === 91 ? j - at - 1 : -1;
}

/** The offset just after the `]==]` that closes a long bracket of `level`, or the end of the text. */
function closeLongBracket(text: string, from: number, level: number): number {
  const close = `]${'='.repeat(level)}]`;
  const at = text.indexOf(close, from);
  return at < 0 ? text.length : at + close.length;
}

function deepestOffset(text: string): number {
  let depth = 0;
  let best = 0;
  let bestAt = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 123) {
      depth += 1;
      if (depth > best) {
        best = depth;
        bestAt = i;
      }
    } else if (c === 125 && depth > 0) depth -= 1;
  }
  return bestAt;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || isDigit(c);

/**
 * The 1-based line and column of an offset into the file read as latin1 (one char per byte). Lines
 * end at \n, \r\n or \r, as Lua counts them; the column counts UTF-8 characters, as an editor does.
 */
export function positionAt(text: string, offset: number): SourcePosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line += 1;
      lineStart = i + 1;
    }
  }
  const before = Buffer.from(text.slice(lineStart, end), 'latin1').toString('utf8');
  return { line, column: [...before].length + 1 };
}

function describe(type: Statement['type'] | Expression['type'] | string): string {
  return (
    {
      CallStatement: 'function call',
      CallExpression: 'function call',
      StringCallExpression: 'function call',
      TableCallExpression: 'function call',
      FunctionDeclaration: 'function',
      LocalStatement: 'local declaration',
      Identifier: 'variable reference',
      MemberExpression: 'table field reference',
      IndexExpression: 'table index',
      BinaryExpression: 'operator expression',
      LogicalExpression: 'logical expression',
      VarargLiteral: '...',
    } as Record<string, string>
  )[type] ?? type;
}
