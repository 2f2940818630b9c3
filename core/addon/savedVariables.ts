import luaparse from 'luaparse';
import type { Expression, Statement, TableConstructorExpression } from 'luaparse';

/**
 * Reads a SavedVariables file as data, never as code: only assignments of literals and tables to
 * globals are accepted. A function call, an `os.execute`, an operator or a variable reference is
 * refused with its line and column. The game writes raw UTF-8 bytes; luaparse reads them as
 * pseudo-latin1 and each string is decoded back, so `Zatañña` comes out as written.
 */
export class SavedVariablesError extends Error {
  override name = 'SavedVariablesError';
  /** Raised from a parse without node locations: parse again with them to say where. */
  needsLocation = false;
}

const NON_ASCII = /[\u0080-\u00ff]/;

export type LuaValue = string | number | boolean | null | LuaValue[] | { [key: string]: LuaValue };

export function parseSavedVariables(bytes: Buffer): Record<string, LuaValue> {
  const text = bytes.toString('latin1');
  try {
    // Node locations cost luaparse about two thirds of its time on a 5 MB file: read without them,
    // and only to say where a refused construct is, read again with them.
    return readChunk(text, false);
  } catch (err) {
    if (err instanceof SavedVariablesError && err.needsLocation) return readChunk(text, true);
    throw err;
  }
}

function readChunk(text: string, locations: boolean): Record<string, LuaValue> {
  let chunk;
  try {
    chunk = luaparse.parse(text, {
      luaVersion: '5.1',
      encodingMode: 'pseudo-latin1',
      comments: false,
      locations,
      scope: false,
    });
  } catch (err) {
    // luaparse says "[line:col] unexpected symbol near …"; a truncated file ends up here too.
    throw new SavedVariablesError(`Not a readable SavedVariables file: ${(err as Error).message}`);
  }
  const globals: Record<string, LuaValue> = {};
  for (const statement of chunk.body) {
    if (statement.type !== 'AssignmentStatement') refuse(statement, `a ${describe(statement.type)} (only NAME = value is allowed)`);
    statement.variables.forEach((target, i) => {
      if (target.type !== 'Identifier') refuse(target, `assignment to ${describe(target.type)} (only global names)`);
      const init = statement.init[i];
      globals[target.name] = init ? valueOf(init) : null;
    });
  }
  return globals;
}

function valueOf(e: Expression): LuaValue {
  switch (e.type) {
    case 'StringLiteral':
      if (e.value === null) refuse(e, 'a string luaparse could not decode');
      // Pure ASCII (most strings) is already right; only bytes above 0x7F need UTF-8 decoding.
      return NON_ASCII.test(e.value) ? Buffer.from(e.value, 'latin1').toString('utf8') : e.value;
    case 'NumericLiteral':
      return e.value;
    case 'BooleanLiteral':
      return e.value;
    case 'NilLiteral':
      return null;
    case 'UnaryExpression':
      // The game writes negative numbers as unary minus on a literal.
      if (e.operator === '-' && e.argument.type === 'NumericLiteral') return -e.argument.value;
      return refuse(e, `the operator ${e.operator}`);
    case 'TableConstructorExpression':
      return tableOf(e);
    default:
      return refuse(e, describe(e.type));
  }
}

/**
 * A table with only positional entries (or keys 1..n) becomes an array; any other becomes an
 * object with string keys (numbers as their decimal text). nil values are dropped, as in Lua.
 */
function tableOf(t: TableConstructorExpression): LuaValue {
  const entries: [string | number, LuaValue][] = [];
  let position = 0;
  for (const field of t.fields) {
    if (field.type === 'TableValue') {
      position += 1;
      entries.push([position, valueOf(field.value)]);
    } else if (field.type === 'TableKeyString') {
      entries.push([field.key.name, valueOf(field.value)]);
    } else {
      const key = valueOf(field.key);
      if (typeof key !== 'string' && typeof key !== 'number') refuse(field.key, 'a table key that is not a string or a number');
      entries.push([key as string | number, valueOf(field.value)]);
    }
  }
  const present = entries.filter(([, v]) => v !== null);
  const isList = present.every(([k], i) => k === i + 1);
  if (isList) return present.map(([, v]) => v);
  const object: Record<string, LuaValue> = {};
  for (const [k, v] of present) object[String(k)] = v;
  return object;
}

function refuse(node: { loc?: { start: { line: number; column: number } } | null }, what: string): never {
  if (!node.loc) {
    const err = new SavedVariablesError(`Refused ${what}: a SavedVariables file holds only literals and tables.`);
    err.needsLocation = true;
    throw err;
  }
  throw new SavedVariablesError(`Refused ${what} at line ${node.loc.start.line}, column ${node.loc.start.column + 1}: a SavedVariables file holds only literals and tables.`);
}

function describe(type: string): string {
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
