// SOAP request encoder. vCenter validates element order against the XSD
// sequence, so fields are written in schema order, never object-key order;
// xsi:type is written wherever the value's concrete type (_typeName) differs
// from the declared one (device specs, DVPortSetting subtypes, select sets).
import { isPrimitive, MOREF, typeInfo } from './schema.js';

const XSD: Record<string, string> = {
  string: 'xsd:string',
  number: 'xsd:long',
  boolean: 'xsd:boolean',
};

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  '<soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';

/** The full envelope for calling `method` with `params` (including `_this`). */
export function encodeRequest(method: string, params: Record<string, unknown>): string {
  const requestType = `${method.replace(/_Task$/, '')}RequestType`;
  if (!typeInfo(requestType)) throw new Error(`no schema for method ${method}`);
  const out: string[] = [ENVELOPE_OPEN, `<${method} xmlns="urn:vim25">`];
  writeFields(out, requestType, params);
  out.push(`</${method}>`, ENVELOPE_CLOSE);
  return out.join('');
}

/** One value as the element `name` of declared type `declared`. */
function encodeValue(out: string[], name: string, declared: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (declared === MOREF) {
    const ref = value as { type: string; value: string };
    out.push(`<${name} type="${escape(ref.type)}">${escape(ref.value)}</${name}>`);
  } else if (declared === 'anyType' && typeof value !== 'object') {
    out.push(`<${name} xsi:type="${XSD[typeof value] ?? 'xsd:string'}">${escape(String(value))}</${name}>`);
  } else if ((isPrimitive(declared) && declared !== 'anyType') || typeof value !== 'object') {
    out.push(`<${name}>${escape(String(value))}</${name}>`);
  } else {
    const concrete = (value as { _typeName?: string })._typeName ?? declared;
    out.push(concrete === declared ? `<${name}>` : `<${name} xsi:type="${concrete}">`);
    writeFields(out, concrete, value as Record<string, unknown>);
    out.push(`</${name}>`);
  }
}

/**
 * Known fields in schema order. A field the schema lacks (a newer server's)
 * is written right after the known field it followed when it was decoded, so
 * a read-modify-write keeps it in the server's own order.
 */
function writeFields(out: string[], type: string, obj: Record<string, unknown>): void {
  const info = typeInfo(type);
  const keys = Object.keys(obj);
  const unknownAfter = new Map<string, string[]>();
  let previous = '';
  for (const key of keys) {
    if (key === '_typeName') continue;
    if (info?.byName.has(key)) previous = key;
    else unknownAfter.set(previous, [...(unknownAfter.get(previous) ?? []), key]);
  }
  const writeUnknown = (after: string) => {
    for (const key of unknownAfter.get(after) ?? []) writeUntyped(out, key, obj[key]);
  };
  writeUnknown('');
  for (const field of info?.fields ?? []) {
    const value = obj[field.name];
    if (field.array && Array.isArray(value)) {
      for (const item of value) encodeValue(out, field.name, field.type, item);
    } else {
      encodeValue(out, field.name, field.type, value);
    }
    writeUnknown(field.name);
  }
}

function writeUntyped(out: string[], name: string, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) writeUntyped(out, name, item);
  } else if (isMoRef(value)) {
    encodeValue(out, name, MOREF, value);
  } else if (value !== null && typeof value === 'object') {
    // Declared type unknown: anyType makes a typed value carry its xsi:type.
    encodeValue(out, name, 'anyType', value);
  } else if (value !== undefined && value !== null) {
    out.push(`<${name}>${escape(String(value))}</${name}>`);
  }
}

/** A MoRef as decoded: { type, value } and nothing else (data objects carry _typeName). */
function isMoRef(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { value?: unknown }).value === 'string';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
