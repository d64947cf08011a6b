// A strict, streaming scanner for the XML a SOAP answer may be: elements,
// attributes, text, character and the five predefined entity references,
// CDATA, comments and the XML declaration. It refuses what SOAP forbids and
// what makes XML dangerous (a DOCTYPE, so no entity can be declared, let
// alone expanded; processing instructions), and everything that is not
// well-formed XML 1.0: mismatched or unclosed tags, bad names, duplicate or
// unquoted attributes, "<" in a value, "&" that starts no known reference, a
// reference to a character XML excludes, "]]>" in text, "--" in a comment,
// control characters, text or a second element outside the document element.
//
// It reads the UTF-8 bytes as they arrive, not a decoded string: V8 reads a
// byte of a Buffer about three times faster than a character of a string,
// markup is found with Buffer.indexOf (memchr), and a text becomes a string
// only when the decoder keeps it, in one copy straight from the bytes, which
// shares no memory with the answer. Names are read once per distinct name
// (xml-names.ts). Invalid UTF-8 becomes U+FFFD, as TextDecoder makes it.
//
// The one ProtocolError it throws while input is still coming is for XML
// that no continuation can mend; what is merely unfinished when the input
// ends is a truncated answer (end()).
import { ProtocolError } from './faults.js';
import { cachedName, cachedText, hasColon, newName, sameName, SHORT_TEXT, type XmlName } from './xml-names.js';
import {
  AMP, APOSTROPHE, attributeText, BANG, BRACKET, checkCharacters, codePoint, COLON, CR, DASH, decodeText, EQUALS, GT, isNameChar,
  isNameStartChar, isSpace, LF, LT, normaliseLineEnds, notWellFormed, QUESTION, QUOTE, reference, referenceEnd, sameBytes, SLASH, TAB, utf8,
} from './xml-text.js';


/** The attributes the SOAP decoder reads, filled in for each tag (the others are checked, not kept). */
export interface TagAttributes {
  /** The value of an XMLSchema-instance `type` attribute (any prefix but xmlns), as written, e.g. "xsd:string". */
  xsiType: XmlName | undefined;
  /** An XMLSchema-instance `nil` attribute. */
  xsiNil: string | undefined;
  /** The unprefixed `type` attribute, which only ManagedObjectReference has in vim25. */
  type: XmlName | undefined;
}

/**
 * Which strings of a repeated text field are built (a page of log lines, of
 * which only a few matter): those containing one of `containing` (ASCII),
 * and the first `head` of the field. The others become '' once checked as
 * XML all the same, without a string made for each.
 */
export interface StringFilter {
  /** The element name of the field (without prefix). */
  readonly field: string;
  readonly containing: readonly string[];
  readonly head: number;
}

/** Whether a string of a filtered field is kept, as the scanner decides it from the bytes. */
export function keeps(filter: StringFilter, text: string, index: number): boolean {
  return index < filter.head || filter.containing.some((wanted) => text.includes(wanted));
}

/** A StringFilter as the scanner uses it: its strings as bytes, and which ASCII characters they use. */
interface CompiledFilter {
  readonly filter: StringFilter;
  readonly wanted: readonly Buffer[];
  readonly alphabet: Uint8Array;
}

const compiled = new WeakMap<StringFilter, CompiledFilter>();

function compile(filter: StringFilter): CompiledFilter {
  let out = compiled.get(filter);
  if (!out) {
    const alphabet = new Uint8Array(128);
    for (const wanted of filter.containing) for (const c of Buffer.from(wanted, 'latin1')) if (c < 128) alphabet[c] = 1;
    out = { filter, wanted: filter.containing.map((w) => Buffer.from(w, 'latin1')), alphabet };
    compiled.set(filter, out);
  }
  return out;
}

export interface XmlSink {
  /**
   * An element opened. `attributes` is reused for the next tag. True: nothing
   * inside it is of interest; the scanner checks its content as XML without
   * telling the sink, and tells only its close().
   */
  open(name: XmlName, attributes: TagAttributes): boolean;
  /** Whether text in the element open now is kept; text elsewhere is checked and dropped. */
  wantsText(): boolean;
  /** Text (references resolved, line ends normalised), in one or more pieces per text run. */
  text(text: string): void;
  /**
   * The element open now closed. A sink may return the array of strings its
   * text went into: the scanner then reads the siblings that follow with the
   * same name, no attributes and only text (a page of log lines), straight
   * into it, without open() and close() for each.
   */
  close(): string[] | undefined;
  /**
   * The array the last close() returned, with the siblings the scanner read
   * after it, made anew at its exact size: the sink puts it where that one
   * was. Called before any other call to the sink.
   */
  replaceStrings(strings: string[]): void;
}

/** Whether buf from `at` on (all of it) may be the start of `<name>`, white space aside. */
function isOpening(buf: Buffer, at: number, name: Uint8Array): boolean {
  if (at >= buf.length) return true;
  if (buf[at] !== LT) return false;
  for (let i = at + 1, k = 0; i < buf.length && k < name.length; i++, k++) if (buf[i] !== name[k]) return false;
  return true;
}

/** Whether buf from `lt` on (all of it) may be the start of `</name>`; lt < 0: no markup yet. */
function isClosing(buf: Buffer, lt: number, name: Uint8Array): boolean {
  if (lt < 0 || lt + 1 >= buf.length) return true;
  if (buf[lt + 1] !== SLASH) return false;
  for (let i = lt + 2, k = 0; i < buf.length && k < name.length; i++, k++) if (buf[i] !== name[k]) return false;
  return true;
}

/** Bound on one tag, comment or CDATA section still open at the end of a chunk; vSphere's are a few hundred bytes. */
const MAX_MARKUP = 1 << 20;
/** Text without markup is handed on in pieces once it grows past this. */
const TEXT_PIECE = 1 << 16;


const EMPTY = Buffer.alloc(0);
/** Work buffers (for a chunk's start joined to the end of the one before) kept between answers. */
const spare: Buffer[] = [];
/**
 * Where a run of sibling strings (a page of log lines) is gathered before it
 * is copied once into an array of its exact size, reused from answer to
 * answer; an array grown by push() would be copied as it grows, about three
 * times its final size in all.
 */
const spareRuns: string[][] = [];
/** A run array longer than this (a hostile answer's) is not kept for reuse. */
const MAX_SPARE_RUN = 1 << 16;
/** A run starts in a reused array when the sink's holds at most this many strings. */
const RUN_COPIED = 16;
const WORK_SIZE = 1 << 16;
const CDATA_END = Buffer.from(']]>');
const COMMENT_DASHES = Buffer.from('--');
const PI_END = Buffer.from('?>');
const CDATA_OPEN = Buffer.from('<![CDATA[');
const DOCTYPE_OPEN = Buffer.from('<!DOCTYPE');
const XML_DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>$/;

/** 1 where an ASCII byte may start a name, 2 where it may only continue one. */
const NAME_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) NAME_ASCII[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME_ASCII[c] = 2;
}

type Where = 'prolog' | 'root' | 'epilog';

export class XmlScanner {
  /** Input not yet consumed starts at `pos`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  private where: Where = 'prolog';
  /** Whether anything (a byte-order mark aside) has been read: the XML declaration must come first. */
  private started = false;
  /** The names of the open elements, innermost last. */
  private readonly open: XmlName[] = [];
  private readonly attributes: TagAttributes = { xsiType: undefined, xsiNil: undefined, type: undefined };
  /** The attribute names of the tag being read, to refuse one given twice. */
  private readonly attributeNames: XmlName[] = [];
  /** Where an unfinished token and the next chunk are joined, reused from chunk to chunk. */
  private work: Buffer | undefined;
  /** Set by nameEnd(): a hash of the name it read, and whether it has a colon. */
  private nameHash = 0;
  private nameColon = false;
  // Where the next "&", "]]>" and carriage return are in buf (-1: none; -2: not looked for since buf changed).
  private ampAt = -2;
  private cdataEndAt = -2;
  private crAt = -2;
  /** Elements open inside (and including) one whose content the sink does not read; 0: none. */
  private skipDepth = 0;
  private readonly filter: CompiledFilter | undefined;
  /** Where the next occurrence of each of the filter's strings is in buf (as ampAt). */
  private readonly wantedAt: number[];
  /**
   * A run of siblings `<name>text</name>` being read (strings()): their
   * strings so far, the first `runCount` of `run` (the array the sink gave
   * first); open across chunks while the next sibling is only cut by the
   * chunk's end.
   */
  private run: string[] | undefined;
  private runCount = 0;
  /** How many strings the sink's array held when the run began. */
  private runStart = 0;
  private runName: XmlName | undefined;
  /** Whether `run` is the sink's own array (then appended to, not copied). */
  private runOwn = false;

  constructor(private readonly sink: XmlSink, filter?: StringFilter) {
    this.filter = filter ? compile(filter) : undefined;
    // Made alike with and without a filter (map() would make another kind of array, and write() and filtered() meet both).
    const wantedAt: number[] = [];
    for (let k = 0; k < (this.filter?.wanted.length ?? 0); k++) wantedAt.push(-2);
    this.wantedAt = wantedAt;
  }

  write(chunk: Buffer): void {
    const rest = this.buf.length - this.pos;
    if (rest > 0) {
      let work = this.work ?? spare.pop() ?? Buffer.allocUnsafe(WORK_SIZE);
      if (work.length < rest + chunk.length) work = Buffer.allocUnsafe(Math.max(2 * work.length, rest + chunk.length));
      // The rest may already lie in the work buffer: copy() moves overlapping bytes correctly.
      this.buf.copy(work, 0, this.pos);
      work.set(chunk, rest);
      this.work = work;
      this.buf = work.subarray(0, rest + chunk.length);
    } else {
      this.buf = chunk;
    }
    this.pos = 0;
    checkCharacters(this.buf, Math.max(0, rest - 2));
    this.ampAt = this.cdataEndAt = this.crAt = -2;
    this.wantedAt.fill(-2);
    this.scan(false);
  }

  /** The input is complete: throws a truncated ProtocolError if it stops inside the document. */
  end(): void {
    this.scan(true);
    if (this.work && spare.length < 8) spare.push(this.work);
    this.work = undefined;
    if (this.pos < this.buf.length) throw truncated('it ends inside a tag, comment or reference');
    if (this.where !== 'epilog') throw truncated(this.open.length ? `<${this.open[this.open.length - 1]!.text}> is never closed` : 'it has no document element');
  }

  private scan(final: boolean): void {
    const buf = this.buf;
    let pos = this.pos;
    if (this.run !== undefined) {
      pos = this.strings(this.runName!, pos, final);
      if (this.run !== undefined) {
        this.pos = pos;
        return;
      }
    }
    if (!this.started && pos === 0 && buf.length > 0 && buf[0] === 0xef) {
      // A byte-order mark, which TextDecoder would drop too.
      if (buf.length < 3 && !final) return;
      if (buf.length >= 3 && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    for (;;) {
      const lt = nextLt(buf, pos);
      if (lt < 0) {
        pos = this.trailingText(pos, final);
        break;
      }
      if (lt > pos) this.text(pos, lt);
      const next = this.markup(lt);
      if (next < 0) {
        pos = lt;
        if (buf.length - lt > MAX_MARKUP) throw notWellFormed(`a tag, comment or CDATA section runs past ${MAX_MARKUP >> 20} MiB`);
        break;
      }
      pos = next;
      this.started = true;
      // A run of strings cut by the chunk's end: the rest comes with the next chunk.
      if (this.run !== undefined) break;
    }
    this.pos = pos;
  }

  /** Text up to the end of the input: kept for the next chunk (it may end in half a reference), unless long or final. */
  private trailingText(pos: number, final: boolean): number {
    const buf = this.buf;
    const length = buf.length;
    if (final) {
      // Text still inside the document element is an answer cut short, whatever it ends in; end() says so.
      if (this.where === 'root') return pos;
      if (pos < length) this.text(pos, length);
      return length;
    }
    if (length - pos < TEXT_PIECE) return pos;
    let cut = length;
    // Not inside a UTF-8 sequence, a reference, "]]>" or "\r\n".
    while (cut > length - 4 && (buf[cut - 1]! & 0x80) !== 0) cut--;
    const amp = buf.lastIndexOf(AMP, cut - 1);
    if (amp > cut - 12 && buf.indexOf(0x3b, amp) < 0) cut = amp;
    while (cut > length - 8 && (buf[cut - 1] === BRACKET || buf[cut - 1] === CR)) cut--;
    this.text(pos, cut);
    return cut;
  }

  /** Handles the markup at buf[lt] ("<"); returns where it ends, or -1 if the input stops first. */
  private markup(lt: number): number {
    if (lt + 1 >= this.buf.length) return -1;
    const c = this.buf[lt + 1]!;
    if (c === SLASH) return this.closeTag(lt);
    if (c === BANG) return this.declaration(lt);
    if (c === QUESTION) return this.instruction(lt);
    return this.openTag(lt);
  }

  private openTag(lt: number): number {
    const buf = this.buf;
    const nameEnd = this.nameEnd(lt + 1);
    if (nameEnd < 0) return -1;
    if (nameEnd === lt + 1) throw notWellFormed(`"<" is followed by "${this.show(lt + 1)}", which starts no tag`);
    if (this.where === 'epilog') throw notWellFormed('an element follows the document element');
    const name = cachedName(buf, lt + 1, nameEnd, this.nameHash, this.nameColon);
    const attributes = this.attributes;
    attributes.xsiType = attributes.xsiNil = attributes.type = undefined;
    let count = 0;
    let i = nameEnd;
    let selfClosing = false;
    const length = buf.length;
    for (;;) {
      if (i >= length) return -1;
      let c = buf[i]!;
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH) {
        if (i + 1 >= length) return -1;
        if (buf[i + 1] !== GT) throw notWellFormed('"/" in a tag is not followed by ">"');
        selfClosing = true;
        i += 2;
        break;
      }
      if (!isSpace(c)) throw notWellFormed(`unexpected "${this.show(i)}" in the tag <${name.text}>`);
      i = this.skipSpaces(i);
      if (i >= length) return -1;
      c = buf[i]!;
      if (c === GT || c === SLASH) continue;
      const attrEnd = this.nameEnd(i);
      if (attrEnd < 0) return -1;
      if (attrEnd === i) throw notWellFormed(`unexpected "${this.show(i)}" in the tag <${name.text}>`);
      const attrName = cachedName(buf, i, attrEnd, this.nameHash, this.nameColon);
      let j = this.skipSpaces(attrEnd);
      if (j >= length) return -1;
      if (buf[j] !== EQUALS) throw notWellFormed(`the attribute ${attrName.text} has no "=" and value`);
      j = this.skipSpaces(j + 1);
      if (j >= length) return -1;
      const quote = buf[j]!;
      if (quote !== QUOTE && quote !== APOSTROPHE) throw notWellFormed(`the value of the attribute ${attrName.text} is not quoted`);
      const names = this.attributeNames;
      for (let k = 0; k < count; k++) if (sameName(names[k]!, attrName)) throw notWellFormed(`the attribute ${attrName.text} appears twice in one tag`);
      names[count++] = attrName;
      const valueEnd = this.attribute(attrName, j + 1, quote);
      if (valueEnd < 0) return -1;
      i = valueEnd + 1;
    }
    this.where = 'root';
    if (this.skipDepth > 0) {
      if (!selfClosing) {
        this.open.push(name);
        this.skipDepth++;
      }
      return i;
    }
    const skip = this.sink.open(name, attributes);
    if (selfClosing) {
      this.sink.close();
      if (this.open.length === 0) this.where = 'epilog';
    } else {
      this.open.push(name);
      if (skip) this.skipDepth = 1;
    }
    return i;
  }

  /** Reads the value starting at `start` up to its closing `quote`; returns where that is, or -1 if the input stops first. */
  private attribute(name: XmlName, start: number, quote: number): number {
    const buf = this.buf;
    let special = false;
    let hash = 0;
    const length = buf.length;
    let end = start;
    for (; end < length; end++) {
      const c = buf[end]!;
      if (c === quote) break;
      if (c === LT) throw notWellFormed(`the value of the attribute ${name.text} contains "<"`);
      if (c === AMP || c === TAB || c === LF || c === CR || c >= 0x80) special = true;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (end >= length) return -1;
    // Inside an element the sink does not read, a value is only checked.
    if (this.skipDepth > 0) {
      if (special) attributeText(buf, start, end);
      return end;
    }
    const local = name.local;
    if (local === 'type') {
      // Type names repeat on nearly every element: cached like element names.
      const value = special ? newName(attributeText(buf, start, end)) : cachedName(buf, start, end, hash, hasColon(buf, start, end));
      if (local === name.text) this.attributes.type = value;
      else if (isSchemaInstance(name)) this.attributes.xsiType ??= value;
    } else if (local === 'nil' && isSchemaInstance(name)) {
      this.attributes.xsiNil ??= special ? attributeText(buf, start, end) : utf8(buf, start, end);
    } else if (special) {
      attributeText(buf, start, end); // checked all the same
    }
    return end;
  }

  private closeTag(lt: number): number {
    const buf = this.buf;
    const at = lt + 2;
    const expected = this.open[this.open.length - 1];
    if (expected === undefined) throw notWellFormed('a closing tag with no element open');
    // Nearly always `</name>` exactly, with the open element's name: then it needs reading no further.
    let end = at + expected.bytes.length;
    if (end >= buf.length || buf[end] !== GT || !sameBytes(buf, at, end, expected.bytes)) {
      const nameEnd = this.nameEnd(at);
      if (nameEnd < 0) return -1;
      if (!sameBytes(buf, at, nameEnd, expected.bytes)) throw notWellFormed(`</${utf8(buf, at, nameEnd)}> closes <${expected.text}>`);
      end = this.skipSpaces(nameEnd);
      if (end >= buf.length) return -1;
      const c = buf[end]!;
      if (c !== GT) throw notWellFormed(`unexpected "${this.show(end)}" in the closing tag </${expected.text}>`);
    }
    this.open.pop();
    if (this.skipDepth > 1) {
      this.skipDepth--;
      return end + 1;
    }
    this.skipDepth = 0;
    const strings = this.sink.close();
    if (this.open.length === 0) this.where = 'epilog';
    if (!strings) return end + 1;
    // Nearly always the first of the run. The sink's array already long (siblings with something else between
    // them): the run goes straight into it, as copying it at each such break would take time as its square.
    const own = strings.length > RUN_COPIED;
    const run = own ? strings : (spareRuns.pop() ?? []);
    let count = strings.length;
    if (!own) for (let k = 0; k < count; k++) run[k] = strings[k]!;
    this.run = run;
    this.runOwn = own;
    this.runCount = this.runStart = count;
    this.runName = expected;
    return this.strings(expected, end + 1, false);
  }

  /**
   * Siblings `<name>text</name>` from `pos` on, each text added to the run,
   * for as long as they come in exactly that form (white space between them
   * allowed). Returns where the first one that does not starts, for the
   * general path to read, the run handed to the sink; or, when the input
   * ends in what may still become one (less than TEXT_PIECE of it) and more
   * is to come, where that starts, the run left open for the next chunk.
   */
  private strings(name: XmlName, pos: number, final: boolean): number {
    const buf = this.buf;
    const bytes = name.bytes;
    const length = bytes.length;
    const filter = this.filter !== undefined && name.local === this.filter.filter.field ? this.filter.filter : undefined;
    const size = buf.length;
    const run = this.run!;
    let count = this.runCount;
    for (;;) {
      let at = pos;
      while (at < size && isSpace(buf[at]!)) at++;
      // Bounds first: a read past the end of the chunk would throw away the compiled code.
      if (at + length + 1 >= size || buf[at] !== LT || buf[at + length + 1] !== GT || !sameBytes(buf, at + 1, at + 1 + length, bytes)) {
        if (!final && at + length + 1 >= size && size - pos < TEXT_PIECE && isOpening(buf, at, bytes)) break;
        return this.endRun(count, pos);
      }
      const start = at + length + 2;
      const lt = buf.indexOf(LT, start);
      if (lt < 0 || lt + length + 2 >= size || buf[lt + 1] !== SLASH || buf[lt + length + 2] !== GT || !sameBytes(buf, lt + 2, lt + 2 + length, bytes)) {
        if (!final && (lt < 0 || lt + length + 2 >= size) && size - pos < TEXT_PIECE && isClosing(buf, lt, bytes)) break;
        return this.endRun(count, pos);
      }
      if (at > pos) this.text(pos, at);
      run[count] = filter === undefined || count < filter.head ? this.textValue(start, lt) : this.filtered(start, lt);
      count++;
      pos = lt + length + 3;
    }
    this.runCount = count;
    return pos;
  }

  /** The run read: handed to the sink in an array of its own, the scratch array kept for the next. */
  private endRun(count: number, pos: number): number {
    const run = this.run!;
    if (!this.runOwn) {
      if (count > this.runStart) this.sink.replaceStrings(run.slice(0, count));
      run.fill('', 0, count);
      if (run.length <= MAX_SPARE_RUN && spareRuns.length < 8) spareRuns.push(run);
    }
    this.run = undefined;
    this.runName = undefined;
    return pos;
  }

  /** "<!": a comment, CDATA, or a DOCTYPE (refused). */
  private declaration(lt: number): number {
    const buf = this.buf;
    if (lt + 3 < buf.length && buf[lt + 2] === DASH && buf[lt + 3] === DASH) {
      const dashes = buf.indexOf(COMMENT_DASHES, lt + 4);
      if (dashes < 0 || dashes + 2 >= buf.length) return -1;
      if (buf[dashes + 2] !== GT) throw notWellFormed('a comment contains "--"');
      return dashes + 3;
    }
    const available = Math.min(buf.length - lt, CDATA_OPEN.length);
    if (sameBytes(buf, lt, lt + available, CDATA_OPEN.subarray(0, available))) {
      if (available < CDATA_OPEN.length) return -1;
      const end = buf.indexOf(CDATA_END, lt + 9);
      if (end < 0) return -1;
      if (this.where !== 'root') throw notWellFormed('a CDATA section outside the document element');
      if (this.skipDepth === 0 && this.sink.wantsText()) this.sink.text(normaliseLineEnds(utf8(buf, lt + 9, end)));
      return end + 3;
    }
    if (sameBytes(buf, lt, lt + available, DOCTYPE_OPEN.subarray(0, available))) {
      if (available < DOCTYPE_OPEN.length) return -1;
      throw new ProtocolError('the response contains a DOCTYPE, which SOAP forbids; refusing to parse it');
    }
    if (buf.length - lt < 4 && lt + 2 < buf.length && buf[lt + 2] === DASH) return -1;
    throw notWellFormed(`unexpected markup "${utf8(buf, lt, lt + available)}"`);
  }

  /** "<?": the XML declaration, at the very start only; SOAP forbids other processing instructions. */
  private instruction(lt: number): number {
    const buf = this.buf;
    const end = buf.indexOf(PI_END, lt + 2);
    if (end < 0) return -1;
    const targetEnd = this.nameEnd(lt + 2);
    const target = utf8(buf, lt + 2, targetEnd < 0 ? end : targetEnd);
    if (target.toLowerCase() !== 'xml') throw notWellFormed(`a processing instruction (<?${target}), which SOAP forbids`);
    if (this.started) throw notWellFormed('the XML declaration is not at the start');
    if (!XML_DECLARATION.test(utf8(buf, lt, end + 2))) throw notWellFormed('the XML declaration is malformed');
    return end + 2;
  }

  private text(start: number, end: number): void {
    const buf = this.buf;
    this.started = true;
    if (this.where !== 'root') {
      for (let i = start; i < end; i++) {
        if (!isSpace(buf[i]!)) throw notWellFormed('it has text outside the document element');
      }
      return;
    }
    if (this.skipDepth === 0 && this.sink.wantsText()) {
      this.sink.text(this.textValue(start, end));
      return;
    }
    // Text the decoder does not keep (white space between elements) is checked all the same.
    this.refuseCdataEnd(start, end);
    if (this.ampAt < start && this.ampAt !== -1) this.ampAt = buf.indexOf(AMP, start);
    if (this.ampAt >= 0 && this.ampAt < end) this.textValue(start, end);
  }

  /**
   * A text of the filtered field: the text when it holds one of the filter's
   * strings, else '' (checked all the same). Without references the bytes
   * are the text; a reference to a character of those strings could hide
   * one, and then the text itself decides.
   */
  private filtered(start: number, end: number): string {
    const buf = this.buf;
    const { filter, wanted, alphabet } = this.filter!;
    this.refuseCdataEnd(start, end);
    if (this.ampAt < start && this.ampAt !== -1) this.ampAt = buf.indexOf(AMP, start);
    for (let amp = this.ampAt; amp >= 0 && amp < end; ) {
      const next = referenceEnd(buf, amp, end);
      const code = reference(buf, amp + 1, next - 1);
      if (code < 128 && alphabet[code] === 1) {
        const text = this.textValue(start, end);
        return keeps(filter, text, filter.head) ? text : '';
      }
      amp = buf.indexOf(AMP, next);
    }
    const at = this.wantedAt;
    for (let k = 0; k < wanted.length; k++) {
      if (at[k]! < start && at[k] !== -1) at[k] = buf.indexOf(wanted[k]!, start);
      if (at[k]! >= 0 && at[k]! + wanted[k]!.length <= end) return this.textValue(start, end);
    }
    return '';
  }

  /** Refuses "]]>" in the text buf[start, end), which XML forbids outside a CDATA section. */
  private refuseCdataEnd(start: number, end: number): void {
    if (this.cdataEndAt < start && this.cdataEndAt !== -1) this.cdataEndAt = this.buf.indexOf(CDATA_END, start);
    if (this.cdataEndAt >= 0 && this.cdataEndAt + 3 <= end) throw notWellFormed('text contains "]]>"');
  }

  /** Text in the document element as a string: "]]>" refused, references resolved, line ends normalised. */
  private textValue(start: number, end: number): string {
    const buf = this.buf;
    this.refuseCdataEnd(start, end);
    if (this.ampAt < start && this.ampAt !== -1) this.ampAt = buf.indexOf(AMP, start);
    if (this.crAt < start && this.crAt !== -1) this.crAt = buf.indexOf(CR, start);
    const references = this.ampAt >= 0 && this.ampAt < end;
    const cr = this.crAt >= 0 && this.crAt < end;
    if (references || cr) return decodeText(buf, start, end, false, cr);
    return end - start <= SHORT_TEXT ? cachedText(buf, start, end) : utf8(buf, start, end);
  }

  /**
   * Where the name starting at `start` ends (start itself if none starts
   * there), or -1 if the input stops inside it; sets nameHash and nameColon.
   */
  private nameEnd(start: number): number {
    const buf = this.buf;
    const length = buf.length;
    if (start >= length) return -1;
    let c = buf[start]!;
    if (c < 0x80 ? NAME_ASCII[c] !== 1 : !isNameStartChar(codePoint(buf, start))) return start;
    let hash = c;
    let colon = c === COLON;
    let i = start + 1;
    while (i < length) {
      c = buf[i]!;
      if (c < 0x80) {
        if (NAME_ASCII[c] === 0) {
          this.nameHash = hash;
          this.nameColon = colon;
          return i;
        }
        if (c === COLON) colon = true;
      } else if ((c & 0xc0) !== 0x80 && !isNameChar(codePoint(buf, i))) {
        // A lead byte: its whole character decides (continuation bytes follow it).
        this.nameHash = hash;
        this.nameColon = colon;
        return i;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
      i++;
    }
    return -1;
  }

  private skipSpaces(i: number): number {
    const buf = this.buf;
    while (i < buf.length && isSpace(buf[i]!)) i++;
    return i;
  }

  /** The character at buf[i], for a message. */
  private show(i: number): string {
    return utf8(this.buf, i, Math.min(this.buf.length, i + 4)).charAt(0);
  }
}

/** The first "<" at or after `from`, or -1: a short look by hand (most gaps between tags are short), then memchr. */
function nextLt(buf: Buffer, from: number): number {
  const near = Math.min(from + 24, buf.length);
  for (let i = from; i < near; i++) if (buf[i] === LT) return i;
  return near === buf.length ? -1 : buf.indexOf(LT, near);
}


/**
 * Whether a prefixed attribute is XMLSchema-instance's. The prefix varies
 * (vCenter writes xsi:, Go's encoder XMLSchema-instance:) and the one
 * unprefixed attribute in vim25, ManagedObjectReference's `type`, is not
 * one, so any prefix will do but xmlns (a declaration).
 */
function isSchemaInstance(name: XmlName): boolean {
  return name.text.indexOf(':') > 0 && !name.text.startsWith('xmlns');
}

function truncated(why: string): ProtocolError {
  return new ProtocolError(`the response is not a complete SOAP envelope (${why})`, true);
}

