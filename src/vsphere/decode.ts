// Streaming SOAP response decoder: elements straight into plain objects,
// typed by the schema, as the answer arrives, so a large PropertyCollector
// page is never held as raw XML and as a generic tree at once. The XML is
// read by XmlScanner (xml.ts), which is strict and never expands an entity;
// bench/analysis.md says why it is ours rather than saxes.
//
// Per element the decoder allocates only what it returns: frames are reused,
// a field's type is looked up once per (type, field) and kept on the schema's
// FieldInfo, and a text element becomes its value when it closes.
import { arrayItemType, isA, isPrimitive, MOREF, typeInfo, type FieldInfo, type TypeInfo } from './schema.js';
import { ProtocolError } from './faults.js';
import type { XmlName } from './xml-names.js';
import { keeps, XmlScanner, type StringFilter, type TagAttributes, type XmlSink } from './xml.js';

/** What a method returns: its `returnval` type and whether it repeats. */
export interface ReturnSpec {
  readonly type: string;
  readonly array?: boolean;
  /**
   * The fields of the returned object worth building, as dotted paths of
   * element names (`config.setting.blocked`); every other element is still
   * read and checked as XML, but becomes nothing. Unset: all of it.
   */
  readonly keep?: readonly string[];
  /**
   * Of an array whose items are declared as a key's type, only the items of
   * the value's type or of one derived from it are built ({ VirtualDevice:
   * 'VirtualEthernetCard' }: a VM's NICs, not its disks and controllers);
   * items of the other types the schema knows are read and checked as XML
   * and dropped. An item of a type it does not know is built: it may be one.
   */
  readonly items?: Readonly<Record<string, string>>;
  /**
   * Told the value of one field of the returned object as soon as that
   * field closes, while the rest of the answer is still arriving: a page's
   * `token`, so the next page is asked for while this one is read. Told
   * again if the call is sent again; the answer as a whole still decides.
   */
  readonly early?: { readonly field: string; readonly then: (value: unknown) => void };
  /**
   * Of a repeated string field of the returned object (a log page's
   * lineText), only the strings worth keeping are built; the others are ''
   * (StringFilter). Unset: all of them.
   */
  readonly only?: StringFilter;
}

/** An element's kept children by name: null keeps one whole. */
interface Keep {
  readonly fields: Map<string, Keep | null>;
}

export interface SoapFaultBody {
  readonly faultCode: string;
  readonly faultString: string;
  /** The decoded MethodFault (with its _typeName), when the server sent one. */
  readonly detail?: Record<string, unknown>;
}

export type DecodedResponse =
  | { readonly kind: 'result'; readonly value: unknown }
  | { readonly kind: 'fault'; readonly fault: SoapFaultBody };

type FrameKind = 'envelope' | 'body' | 'response' | 'fault' | 'detail' | 'object' | 'array' | 'text' | 'unknown' | 'skip';

interface Frame {
  kind: FrameKind;
  name: string;
  /** Concrete type: xsi:type when given, else the declared type. */
  type: string;
  /** The field of the parent's type this element fills, if the schema knows it. */
  field: FieldInfo | undefined;
  /** An object frame's type, an array frame's item type. */
  info: TypeInfo | undefined;
  itemType: string | undefined;
  value: any;
  text: string;
  /** The attribute `type` of a ManagedObjectReference. */
  moType: string | undefined;
  /** An unknown frame's xsi:type, kept if it turns out to hold fields. */
  xsiType: string | undefined;
  /** Which of its children are built; undefined: all of them. */
  keep: Keep | undefined;
}

/** How an element of a given concrete type is read; one per type name. */
interface Shape {
  readonly kind: 'array' | 'moref' | 'primitive' | 'object' | 'unknown';
  /** The type's name without prefix, a copy shared by every object of the type. */
  readonly type: string;
  readonly info: TypeInfo | undefined;
  readonly itemType: string | undefined;
  /** How an object of the type is made. */
  readonly make: DataObjectConstructor | undefined;
  /** Whether the type is or derives from a type asked about (ReturnSpec.items), by that type's name. */
  readonly isA: Map<string, boolean>;
}

export class ResponseDecoder implements XmlSink {
  private readonly scanner: XmlScanner;
  private readonly frames: Frame[] = [];
  private depth = 0;
  private result: unknown;
  private fault: { faultCode: string; faultString: string; detail?: Record<string, unknown> } | undefined;
  private sawEnvelope = false;
  private done = false;
  private readonly keep: Keep | undefined;
  private readonly items: ReadonlyMap<string, string> | undefined;
  // The ReturnSpec's fields, copied: ReturnSpecs come in many shapes (one per
  // set of options given), and read from them per element the decoder's
  // compiled code would meet a new shape with each kind of answer and be
  // thrown away; the decoder's own fields have one shape.
  /** The returnval's type; undefined: the returnval is not read. */
  private readonly returnType: string | undefined;
  private readonly array: boolean;
  private readonly only: StringFilter | undefined;
  /** Where the array the last close() returned is: this field of the open object, or (undefined) the open array itself. */
  private runField: string | undefined;
  private readonly earlyField: string | undefined;
  private readonly earlyThen: ((value: unknown) => void) | undefined;

  constructor(returns: ReturnSpec | undefined) {
    this.returnType = returns?.type;
    this.array = returns?.array === true;
    this.only = returns?.only;
    this.earlyField = returns?.early?.field;
    this.earlyThen = returns?.early?.then;
    this.scanner = new XmlScanner(this, returns?.only);
    if (this.array) this.result = [];
    this.keep = returns?.keep ? keepTree(returns.keep) : undefined;
    this.items = returns?.items ? new Map(Object.entries(returns.items)) : undefined;
  }

  /** The answer's next bytes (a string is taken as its UTF-8 encoding). */
  write(chunk: Buffer | string): void {
    this.scanner.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  end(): DecodedResponse {
    this.scanner.end();
    if (!this.sawEnvelope || !this.done) {
      throw new ProtocolError('the response is not a complete SOAP envelope', true);
    }
    if (this.fault) return { kind: 'fault', fault: this.fault };
    return { kind: 'result', value: this.result };
  }

  /** True when nothing inside the element is read (a skip frame): the scanner then only checks it. */
  open(element: XmlName, attrs: TagAttributes): boolean {
    this.place(element, attrs);
    return this.frames[this.depth - 1]!.kind === 'skip';
  }

  /** Pushes the frame for an element that opened. */
  private place(element: XmlName, attrs: TagAttributes): void {
    const name = element.local;
    const parent = this.depth > 0 ? this.frames[this.depth - 1]! : undefined;
    if (attrs.xsiNil === 'true') {
      this.push('skip', name, '');
      return;
    }
    if (!parent) {
      if (name !== 'Envelope') throw new ProtocolError(`expected a SOAP Envelope, got <${element.text}>`);
      this.sawEnvelope = true;
      this.push('envelope', name, '');
      return;
    }
    switch (parent.kind) {
      case 'envelope':
        this.push(name === 'Body' ? 'body' : 'skip', name, '');
        return;
      case 'body':
        if (name === 'Fault') {
          this.fault = { faultCode: '', faultString: '' };
          this.push('fault', name, '');
        } else {
          this.push('response', name, '');
        }
        return;
      case 'response':
        if (name === 'returnval' && this.returnType !== undefined) this.typed(name, this.returnType, undefined, attrs, this.keep);
        else this.push('skip', name, '');
        return;
      case 'fault':
        this.push(name === 'detail' ? 'detail' : 'text', name, 'string');
        return;
      case 'detail':
        // <NoPermissionFault xsi:type="NoPermission">: the element names the fault too.
        this.typed(name, name.endsWith('Fault') ? name.slice(0, -5) : name, undefined, attrs);
        return;
      case 'array': {
        const wanted = this.items?.get(parent.itemType!);
        if (wanted !== undefined && attrs.xsiType !== undefined && !qualifies(attrs.xsiType, wanted)) {
          this.push('skip', name, '');
          return;
        }
        this.typed(name, parent.itemType, undefined, attrs, parent.keep);
        return;
      }
      case 'object':
      case 'unknown': {
        // Of a ReturnSpec.keep answer, only the children it names are built; the others are read as XML and dropped.
        const keep = parent.keep?.fields.get(name);
        if (parent.keep && keep === undefined) {
          this.push('skip', name, '');
          return;
        }
        const field = parent.kind === 'object' ? fieldOf(parent.info!, element) : undefined;
        this.typed(name, field?.type, field, attrs, keep ?? undefined);
        return;
      }
      case 'text':
      case 'skip':
        this.push('skip', name, '');
        return;
    }
  }

  /** Opens an element whose declared type is known (or not, for fields newer than the schema); `keep`: which of its children to build. */
  private typed(name: string, declared: string | undefined, field: FieldInfo | undefined, attrs: TagAttributes, keep: Keep | undefined = undefined): void {
    // A field the schema lacks is still a MoRef when it has the MoRef's unprefixed `type` attribute.
    const xsiType = attrs.xsiType;
    const written = xsiType === undefined ? declared ?? (attrs.type !== undefined ? MOREF : undefined) : undefined;
    if (xsiType === undefined && written === undefined) {
      const frame = this.push('unknown', name, '');
      frame.field = field;
      frame.keep = keep;
      return;
    }
    const shape = (
      xsiType !== undefined ? (xsiType.typeMemo ??= shapeOf(xsiType.text)) : field !== undefined && written === field.type ? (field.typeMemo ??= shapeOf(written)) : shapeOf(written!)
    ) as Shape;
    const type = shape.type;
    switch (shape.kind) {
      case 'array': {
        const frame = this.push('array', name, type);
        frame.value = [];
        frame.itemType = shape.itemType;
        frame.field = field;
        frame.keep = keep;
        return;
      }
      case 'moref': {
        const frame = this.push('text', name, type);
        frame.moType = attrs.type?.text ?? '';
        frame.field = field;
        return;
      }
      case 'primitive':
        this.push('text', name, type).field = field;
        return;
      case 'object': {
        const frame = this.push('object', name, type);
        frame.value = new shape.make!(type);
        frame.info = shape.info;
        frame.field = field;
        frame.keep = keep;
        return;
      }
      case 'unknown': {
        // Not in the schema: an enum (its value is text, e.g. HostSystemConnectionState),
        // or a type newer than the schema; which one shows when it closes.
        const frame = this.push('unknown', name, '');
        frame.xsiType = type;
        frame.field = field;
        frame.keep = keep;
        return;
      }
    }
  }

  private push(kind: FrameKind, name: string, type: string): Frame {
    let frame = this.frames[this.depth];
    if (frame === undefined) {
      frame = { kind, name, type, field: undefined, info: undefined, itemType: undefined, value: undefined, text: '', moType: undefined, xsiType: undefined, keep: undefined };
      this.frames.push(frame);
    } else {
      frame.kind = kind;
      frame.name = name;
      frame.type = type;
      frame.field = frame.info = frame.itemType = frame.value = frame.moType = frame.xsiType = frame.keep = undefined;
      frame.text = '';
    }
    this.depth++;
    return frame;
  }

  wantsText(): boolean {
    const kind = this.depth > 0 ? this.frames[this.depth - 1]!.kind : undefined;
    return kind === 'text' || kind === 'unknown';
  }

  text(text: string): void {
    const top = this.frames[this.depth - 1]!;
    top.text = top.text === '' ? text : top.text + text;
  }

  replaceStrings(strings: string[]): void {
    // No other call came since the close() that returned the array: its parent is the open frame still.
    const parent = this.frames[this.depth - 1]!;
    if (this.runField === undefined) parent.value = strings;
    else parent.value[this.runField] = strings;
  }

  close(): string[] | undefined {
    const frame = this.frames[--this.depth]!;
    const parent = this.depth > 0 ? this.frames[this.depth - 1]! : undefined;
    if (!parent) {
      this.done = true;
      return undefined;
    }
    switch (frame.kind) {
      case 'skip':
      case 'envelope':
      case 'body':
      case 'response':
      case 'fault':
      case 'detail':
        return undefined;
    }
    const value = valueOf(frame);
    // A string that repeats (a log page's lineText, an ArrayOfString): its siblings may go straight into the same array.
    const strings = frame.kind === 'text' && frame.type === 'string' && frame.moType === undefined;
    switch (parent.kind) {
      case 'fault':
        if (frame.name === 'faultcode') this.fault!.faultCode = String(value);
        if (frame.name === 'faultstring') this.fault!.faultString = String(value);
        return undefined;
      case 'detail':
        this.fault = { ...this.fault!, detail: value as Record<string, unknown> };
        return undefined;
      case 'response':
        if (this.array) (this.result as unknown[]).push(value);
        else this.result = value;
        return undefined;
      case 'array':
        parent.value.push(value);
        if (!strings || parent.itemType !== 'string') return undefined;
        this.runField = undefined;
        return parent.value;
      case 'object': {
        // A filtered string that did not come by the scanner's run of siblings is judged the same way here.
        const only = this.only;
        const dropped = only !== undefined && strings && frame.name === only.field && !keeps(only, value as string, parent.value[frame.name]?.length ?? 0);
        attach(parent.value, frame.name, dropped ? '' : value, frame.field);
        // Depth 4 is a field of returnval (Envelope, Body, the response, returnval).
        if (this.depth === 4 && frame.name === this.earlyField) this.earlyThen!(value);
        if (!strings || !frame.field?.array) return undefined;
        this.runField = frame.name;
        return parent.value[frame.name];
      }
      case 'unknown':
        parent.value ??= parent.xsiType ? { _typeName: parent.xsiType } : {};
        attach(parent.value, frame.name, value, undefined);
        return undefined;
    }
  }
}

/** Whether an array item of this xsi:type is built under ReturnSpec.items. */
function qualifies(xsiType: XmlName, wanted: string): boolean {
  const shape = (xsiType.typeMemo ??= shapeOf(xsiType.text)) as Shape;
  if (shape.kind === 'unknown') return true;
  let answer = shape.isA.get(wanted);
  if (answer === undefined) shape.isA.set(wanted, (answer = isA(shape.type, wanted)));
  return answer;
}

/** ReturnSpec.keep's paths as a tree; a path that another one extends keeps its element whole. */
function keepTree(paths: readonly string[]): Keep {
  const root: Keep = { fields: new Map() };
  for (const path of paths) {
    let node = root;
    const names = path.split('.');
    for (const [i, name] of names.entries()) {
      const known = node.fields.get(name);
      if (known === null) break;
      if (i === names.length - 1) {
        node.fields.set(name, null);
        break;
      }
      const next: Keep = known ?? { fields: new Map() };
      node.fields.set(name, next);
      node = next;
    }
  }
  return root;
}

/** What an element name means as a field of the type last asked about; one per name, overwritten. */
interface FieldMemo {
  info: TypeInfo | undefined;
  field: FieldInfo | undefined;
}

function fieldOf(info: TypeInfo, element: XmlName): FieldInfo | undefined {
  let memo = element.elementMemo as FieldMemo | undefined;
  if (memo === undefined) element.elementMemo = memo = { info: undefined, field: undefined };
  if (memo.info !== info) {
    memo.info = info;
    memo.field = info.byName.get(element.local);
  }
  return memo.field;
}

/** By type name as written (xsi:type's value, prefix and all, or the schema's declared type). */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 4096;

function shapeOf(written: string): Shape {
  let shape = shapes.get(written);
  if (shape === undefined) {
    const type = localName(written);
    const info = typeInfo(type);
    const kind = type.startsWith('ArrayOf') ? 'array' : type === MOREF ? 'moref' : isPrimitive(type) ? 'primitive' : info ? 'object' : 'unknown';
    shape = { kind, type, info, itemType: kind === 'array' ? arrayItemType(type) ?? 'anyType' : undefined, make: kind === 'object' ? constructorFor() : undefined, isA: new Map() };
    // Bounded: a hostile server could send a new xsi:type on every element.
    if (shapes.size < MAX_SHAPES) shapes.set(written, shape);
  }
  return shape;
}

function attach(target: Record<string, unknown>, name: string, value: unknown, field: FieldInfo | undefined): void {
  if (field && !field.array) {
    target[name] = value;
    return;
  }
  const existing = target[name];
  if (field) {
    if (existing) (existing as unknown[]).push(value);
    else target[name] = [value];
  } else if (existing === undefined) {
    target[name] = value;
  } else {
    // A field the schema doesn't know that repeats: keep every occurrence.
    target[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
}

type DataObjectConstructor = new (type: string) => Record<string, unknown>;

/**
 * How the objects of one type are made, fields added as they arrive. An
 * object made by a constructor gets room inside for the fields the objects
 * of its type have (V8's slack tracking); one made as `{ _typeName }` has
 * room for that field alone, the others going to an array of their own
 * (9 MB, a quarter of the heap, at 10,000 VMs). Its prototype stays
 * Object.prototype: a plain object like any other.
 */
function constructorFor(): DataObjectConstructor {
  function DataObject(this: Record<string, unknown>, type: string): void {
    this._typeName = type;
  }
  DataObject.prototype = Object.prototype;
  return DataObject as unknown as DataObjectConstructor;
}

function valueOf(frame: Frame): unknown {
  switch (frame.kind) {
    case 'object':
    case 'array':
      return frame.value;
    case 'unknown':
      return frame.value ?? frame.text;
    default:
      if (frame.moType !== undefined) return { type: frame.moType, value: frame.text };
      return primitive(frame.type, frame.text);
  }
}

function primitive(type: string, text: string): unknown {
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
      return text;
  }
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}
