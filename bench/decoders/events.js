// The SOAP decoder vmfix used with saxes until issue 15 (src/vsphere/decode.ts
// of that time), fed by the events of any SAX parser: how the candidates of
// bench/decode.js turn a parser's events into vmfix's objects. Parsers that
// report no errors of their own (sax-wasm) get no more checking here than
// the decoder did: tags are matched by the parser or not at all.
import { arrayItemType, isPrimitive, MOREF, typeInfo } from '../../dist/vsphere/schema.js';

export class EventDecoder {
  stack = [];
  result = undefined;
  fault = undefined;
  sawEnvelope = false;
  done = false;

  constructor(returns) {
    this.returns = returns;
    if (returns?.array) this.result = [];
  }

  finish() {
    if (!this.sawEnvelope || !this.done) throw new Error('the response is not a complete SOAP envelope');
    return this.fault ? { kind: 'fault', fault: this.fault } : { kind: 'result', value: this.result };
  }

  /** attrs: { qualified name: value } */
  open(qname, attrs) {
    const name = localName(qname);
    const parent = this.stack[this.stack.length - 1];
    if (xsiAttr(attrs, 'nil') === 'true') return void this.push('skip', name, '');
    if (!parent) {
      if (name !== 'Envelope') throw new Error(`expected a SOAP Envelope, got <${qname}>`);
      this.sawEnvelope = true;
      return void this.push('envelope', name, '');
    }
    switch (parent.kind) {
      case 'envelope':
        return void this.push(name === 'Body' ? 'body' : 'skip', name, '');
      case 'body':
        if (name === 'Fault') {
          this.fault = { faultCode: '', faultString: '' };
          return void this.push('fault', name, '');
        }
        return void this.push('response', name, '');
      case 'response':
        if (name === 'returnval' && this.returns) return this.typed(name, this.returns.type, attrs);
        return void this.push('skip', name, '');
      case 'fault':
        return void this.push(name === 'detail' ? 'detail' : 'text', name, 'string');
      case 'detail':
        return this.typed(name, name.endsWith('Fault') ? name.slice(0, -5) : name, attrs);
      case 'array':
        return this.typed(name, arrayItemType(parent.type) ?? 'anyType', attrs);
      case 'object':
        return this.typed(name, typeInfo(parent.type)?.byName.get(name)?.type, attrs);
      case 'unknown':
        return this.typed(name, undefined, attrs);
      default:
        return void this.push('skip', name, '');
    }
  }

  typed(name, declared, attrs) {
    const type = xsiType(attrs) ?? declared ?? (attrs.type !== undefined ? MOREF : undefined);
    if (type === undefined) this.push('unknown', name, '');
    else if (type.startsWith('ArrayOf')) this.push('array', name, type).value = [];
    else if (type === MOREF) this.push('text', name, type).moType = attrs.type ?? '';
    else if (isPrimitive(type)) this.push('text', name, type);
    else if (typeInfo(type)) this.push('object', name, type).value = { _typeName: typeName(type) };
    else this.push('unknown', name, '').xsiType = type;
  }

  push(kind, name, type) {
    const frame = { kind, name, type, value: undefined, text: '', hasChildren: false };
    this.stack.push(frame);
    return frame;
  }

  text(text) {
    const top = this.stack[this.stack.length - 1];
    if (top && (top.kind === 'text' || top.kind === 'unknown')) top.text += text;
  }

  close() {
    const frame = this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (!parent) return void (this.done = true);
    if (['skip', 'envelope', 'body', 'response', 'fault', 'detail'].includes(frame.kind)) return;
    const value = valueOf(frame);
    switch (parent.kind) {
      case 'fault':
        if (frame.name === 'faultcode') this.fault.faultCode = String(value);
        if (frame.name === 'faultstring') this.fault.faultString = String(value);
        return;
      case 'detail':
        this.fault = { ...this.fault, detail: value };
        return;
      case 'response':
        if (this.returns?.array) this.result.push(value);
        else this.result = value;
        return;
      case 'array':
        parent.value.push(value);
        return;
      case 'object':
        attach(parent.value, frame.name, value, typeInfo(parent.type)?.byName.get(frame.name));
        return;
      case 'unknown':
        parent.value ??= parent.xsiType ? { _typeName: typeName(parent.xsiType) } : {};
        attach(parent.value, frame.name, value, undefined);
    }
  }
}

function attach(target, name, value, field) {
  const existing = target[name];
  if (field?.array) {
    if (existing) existing.push(value);
    else target[name] = [value];
  } else if (field || existing === undefined) {
    target[name] = value;
  } else {
    target[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
}

function valueOf(frame) {
  switch (frame.kind) {
    case 'object':
    case 'array':
      return frame.value;
    case 'unknown':
      return frame.value ?? detach(frame.text);
    default:
      if (frame.moType !== undefined) return { type: typeName(frame.moType), value: detach(frame.text) };
      return primitive(frame.type, frame.text);
  }
}

function primitive(type, text) {
  switch (type) {
    case 'boolean':
      return text === 'true' || text === '1';
    case 'byte':
    case 'short':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return Number(text);
    default:
      return detach(text);
  }
}

function detach(text) {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

const typeNames = new Map();
function typeName(name) {
  let known = typeNames.get(name);
  if (known === undefined) typeNames.set((known = detach(name)), known);
  return known;
}

function localName(qname) {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function xsiAttr(attrs, name) {
  for (const key in attrs) {
    const colon = key.indexOf(':');
    if (colon > 0 && key.slice(colon + 1) === name && !key.startsWith('xmlns')) return attrs[key];
  }
  return undefined;
}

function xsiType(attrs) {
  const raw = xsiAttr(attrs, 'type');
  return raw === undefined ? undefined : localName(raw);
}
