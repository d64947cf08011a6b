// The vim25 type metadata the codec needs: which fields a type has, in WSDL
// order, which of them repeat, and each field's declared type. It is
// generated from govmomi's vim25/types by mocks/schemagen (see there) because
// SOAP responses only name a type where it differs from the declared one.
import rows from './schema.json' with { type: 'json' };

export interface FieldInfo {
  readonly name: string;
  readonly type: string;
  readonly array: boolean;
  /** Free for the decoder: what it derived from `type`, which saves it a lookup per element. */
  typeMemo: unknown;
}

export interface TypeInfo {
  readonly name: string;
  /** Own and inherited fields, base type's first, as the XSD sequence orders them. */
  readonly fields: readonly FieldInfo[];
  readonly byName: ReadonlyMap<string, FieldInfo>;
}

const PRIMITIVES = new Set([
  'string', 'boolean', 'byte', 'short', 'int', 'long', 'float', 'double',
  'dateTime', 'base64Binary', 'anyType', 'anyURI',
]);

export const MOREF = 'ManagedObjectReference';

export function isPrimitive(type: string): boolean {
  return PRIMITIVES.has(type);
}

const table = rows as Record<string, string[]>;
const cache = new Map<string, TypeInfo | null>();

/** Metadata for a complex type, or undefined for a type the schema lacks (newer than govmomi 0.24). */
export function typeInfo(name: string): TypeInfo | undefined {
  let info = cache.get(name);
  if (info === undefined) {
    info = build(name);
    cache.set(name, info);
  }
  return info ?? undefined;
}

function build(name: string): TypeInfo | null {
  const row = table[name];
  if (!row) return null;
  const [base, ...own] = row;
  const inherited = base ? typeInfo(base)?.fields ?? [] : [];
  const fields = [...inherited, ...own.map(parseField)];
  return { name, fields, byName: new Map(fields.map((f) => [f.name, f])) };
}

function parseField(spec: string): FieldInfo {
  const colon = spec.indexOf(':');
  const raw = spec.slice(0, colon);
  const array = raw.endsWith('[]');
  return { name: array ? raw.slice(0, -2) : raw, type: spec.slice(colon + 1), array, typeMemo: undefined };
}

/** Whether `type` is `base` or derives from it. */
export function isA(type: string, base: string): boolean {
  for (let t: string | undefined = type; t; t = typeInfo(t) && table[t]![0]) if (t === base) return true;
  return false;
}

/** The element type of an `ArrayOfXxx` wrapper, e.g. ArrayOfString -> string. */
export function arrayItemType(arrayType: string): string | undefined {
  if (!arrayType.startsWith('ArrayOf')) return undefined;
  const item = arrayType.slice('ArrayOf'.length);
  const lower = item.charAt(0).toLowerCase() + item.slice(1);
  return isPrimitive(lower) ? lower : item;
}
