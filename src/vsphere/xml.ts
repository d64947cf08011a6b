// A streaming tokenizer for the XML that SOAP allows: elements, attributes,
// text, CDATA, comments, processing instructions. Nothing that makes XML
// dangerous: a DOCTYPE (how entity bombs and XXE arrive; SOAP 1.1 forbids
// it) is refused, only the predefined entities and character references are
// known, so no input can expand, and each character is scanned once however
// the input is cut into chunks. Tags must nest, names and references must be
// well formed; unlike a validating parser it lets through characters XML
// 1.0 excludes from text (controls, `]]>`), which change nothing it decodes.
//
// It finds markup with indexOf, so text, most of what vSphere sends (log
// lines, names), costs little more than copying it: at 10,000 VMs saxes,
// which looks at every character, was a third of vmfix's CPU time.

export interface XmlHandler {
  open(name: string, attributes: Record<string, string>): void;
  text(text: string): void;
  close(name: string): void;
}

export class XmlError extends Error {
  constructor(
    message: string,
    /** The input has a DOCTYPE: refused, not malformed. */
    readonly doctype = false,
  ) {
    super(message);
  }
}

/** What the input is in: text, or markup from its `<` ('start' until its first characters say which). */
type State = 'text' | 'start' | 'tag' | 'pi' | 'comment' | 'cdata';

const OPENERS = [
  { opener: '<!--', state: 'comment', terminator: '-->' },
  { opener: '<![CDATA[', state: 'cdata', terminator: ']]>' },
  { opener: '<?', state: 'pi', terminator: '?>' },
] as const;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ATTRIBUTE = /\s+([^\s\0-\x1f!"#$%&'()*+,/;<=>?@[\\\]^`{|}~]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({});
const GT = 0x3e;
const SLASH = 0x2f;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const NAME = /^[^\s\0-\x1f!"#$%&'()*+,/;<=>?@[\\\]^`{|}~\-.\d][^\s\0-\x1f!"#$%&'()*+,/;<=>?@[\\\]^`{|}~]*$/;

export class XmlTokenizer {
  private state: State = 'text';
  /** The current token's input from earlier chunks. */
  private pending: string[] = [];
  /** In a tag: the quote (char code) of the attribute value the input stopped in, else 0. */
  private quote = 0;
  /** In a comment, PI or CDATA: its last characters so far, in case the terminator straddles two chunks. */
  private tail = '';
  private readonly elements: string[] = [];
  private seenRoot = false;

  constructor(private readonly handler: XmlHandler) {}

  write(chunk: string): void {
    let pos = 0; // where the current token's part of this chunk starts
    let scan = 0; // where to look for the token's end
    while (scan < chunk.length || this.state === 'start') {
      if (this.state === 'text') {
        const lt = chunk.indexOf('<', scan);
        if (lt < 0) break;
        this.emitText(this.take(chunk, pos, lt));
        this.state = 'start';
        pos = scan = lt;
      }
      if (this.state === 'start') {
        const opened = this.classify(chunk, pos);
        if (opened < 0) break;
        scan = opened;
      }
      const end = this.state === 'tag' ? this.tagEnd(chunk, scan) : this.terminatorEnd(chunk, scan);
      if (end < 0) break;
      if (this.pending.length) {
        const markup = this.take(chunk, pos, end);
        this.finish(markup, 0, markup.length);
      } else {
        this.finish(chunk, pos, end);
      }
      pos = scan = end;
    }
    if (pos < chunk.length) this.pending.push(chunk.slice(pos));
  }

  end(): void {
    if (this.state !== 'text') throw new XmlError('the input ends inside markup');
    this.emitText(this.take('', 0, 0));
    if (this.elements.length) throw new XmlError(`<${this.elements[this.elements.length - 1]}> is never closed`);
    if (!this.seenRoot) throw new XmlError('there is no document element');
  }

  /** The earlier chunks' part of the token and chunk[from, to), as one string. */
  private take(chunk: string, from: number, to: number): string {
    const piece = chunk.slice(from, to);
    if (!this.pending.length) return piece;
    this.pending.push(piece);
    const whole = this.pending.join('');
    this.pending = [];
    return whole;
  }

  /**
   * Which markup starts at chunk[from] (or earlier, in pending): sets the
   * state and returns where in the chunk its opener ends, or -1 if the chunk
   * ends before the opener says which it is.
   */
  private classify(chunk: string, from: number): number {
    if (!this.pending.length && from + 1 < chunk.length && !'!?'.includes(chunk.charAt(from + 1))) {
      this.state = 'tag';
      this.quote = 0;
      return from + 1;
    }
    const before = this.pending.join(''); // at most the 8 characters of an undecided opener
    const head = before + chunk.slice(from, from + 9);
    for (const { opener, state } of OPENERS) {
      if (head.startsWith(opener)) {
        this.state = state;
        this.tail = '';
        return from + opener.length - before.length;
      }
    }
    if (head.length < 9 && ['<!--', '<![CDATA[', '<?', '<!DOCTYPE', '<'].some((o) => o.startsWith(head) && o !== head)) return -1;
    if (head.startsWith('<!DOCTYPE')) throw new XmlError('a DOCTYPE', true);
    if (head.startsWith('<!')) throw new XmlError(`a markup declaration (${head})`);
    this.state = 'tag';
    this.quote = 0;
    return from + 1 - before.length;
  }

  /** Just past the `>` that ends the tag (a quoted attribute value may hold one), or -1. */
  private tagEnd(chunk: string, from: number): number {
    // Tags are short: a plain loop beats searching for three characters at once.
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.quote) {
        if (c === this.quote) this.quote = 0;
      } else if (c === GT) {
        return i + 1;
      } else if (c === QUOTE || c === APOSTROPHE) {
        this.quote = c;
      }
    }
    return -1;
  }

  /** Just past the terminator of a comment, PI or CDATA section, or -1. */
  private terminatorEnd(chunk: string, from: number): number {
    const { terminator } = OPENERS.find((o) => o.state === this.state)!;
    const window = this.tail + chunk.slice(from);
    const at = window.indexOf(terminator);
    if (at >= 0) return from + at - this.tail.length + terminator.length;
    this.tail = window.slice(-(terminator.length - 1));
    return -1;
  }

  /** The markup in text[start, end), complete. */
  private finish(text: string, start: number, end: number): void {
    const state = this.state;
    this.state = 'text';
    if (state === 'comment' || state === 'pi') return;
    if (state === 'cdata') {
      if (!this.elements.length) throw new XmlError('CDATA outside the document element');
      this.handler.text(text.slice(start + 9, end - 3).replace(/\r\n?/g, '\n'));
      return;
    }
    if (text.charCodeAt(start + 1) === SLASH) {
      const open = this.elements.pop();
      if (open === undefined || !text.startsWith(open, start + 2) || text.slice(start + 2 + open.length, end - 1).trim()) {
        const name = text.slice(start + 2, end - 1).trim();
        throw new XmlError(open ? `</${name}> closes <${open}>` : `</${name}> closes nothing`);
      }
      this.handler.close(open);
      return;
    }
    const selfClosing = text.charCodeAt(end - 2) === SLASH;
    const bodyEnd = selfClosing ? end - 2 : end - 1;
    let nameEnd = start + 1;
    while (nameEnd < bodyEnd && text.charCodeAt(nameEnd) > 0x20) nameEnd++;
    const name = text.slice(start + 1, nameEnd);
    if (!NAME.test(name)) throw new XmlError(`<${text.slice(start + 1, Math.min(bodyEnd, start + 40))}> is not a tag`);
    if (!this.elements.length && this.seenRoot) throw new XmlError('a second document element');
    this.seenRoot = true;
    this.elements.push(name);
    this.handler.open(name, nameEnd < bodyEnd ? attributes(text, nameEnd, bodyEnd) : NO_ATTRIBUTES);
    if (selfClosing) {
      this.elements.pop();
      this.handler.close(name);
    }
  }

  private emitText(text: string): void {
    if (!text) return;
    if (!this.elements.length) {
      if (text.trim()) throw new XmlError('text outside the document element');
      return;
    }
    this.handler.text(decodeText(text));
  }
}

/** The attributes in text[from, to): whitespace, then name="value" pairs. */
function attributes(text: string, from: number, to: number): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = from;
  for (;;) {
    ATTRIBUTE.lastIndex = pos;
    const match = ATTRIBUTE.exec(text);
    if (!match || ATTRIBUTE.lastIndex > to) break;
    pos = ATTRIBUTE.lastIndex;
    const value = match[2] ?? match[3]!;
    // Whitespace in an attribute value reads as spaces (XML 1.0, 3.3.3).
    out[match[1]!] = decodeText(/[\t\n\r]/.test(value) ? value.replace(/\r\n|[\t\n\r]/g, ' ') : value);
  }
  if (text.slice(pos, to).trim()) throw new XmlError(`a malformed attribute in <${text.slice(from, Math.min(to, from + 60))}>`);
  return out;
}

/** Entity and character references resolved, line ends normalized (XML 1.0, 2.11). */
function decodeText(text: string): string {
  const lines = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  if (!lines.includes('&')) return lines;
  return lines.replace(/&([^;&]*)(;?)/g, (_, name: string, semicolon: string) => {
    const known = semicolon ? ENTITIES[name] : undefined;
    if (known !== undefined) return known;
    const code = !semicolon ? NaN : /^#x[0-9a-f]+$/i.test(name) ? parseInt(name.slice(2), 16) : /^#\d+$/.test(name) ? Number(name.slice(1)) : NaN;
    if (!(code >= 1 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
      throw new XmlError(`&${name}${semicolon} is not a reference XML knows without a DTD`);
    }
    return String.fromCodePoint(code);
  });
}
