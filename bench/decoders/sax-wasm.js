// sax-wasm (a Rust SAX parser compiled to WebAssembly) with the decoder of
// events.js. It reports no well-formedness errors at all: a mismatched
// closing tag comes out as text, an undeclared entity as its own name, an
// unquoted or repeated attribute is taken; it does not resolve references
// either, which resolveReferences below does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SAXParser, SaxEventType } from 'sax-wasm';
import { EventDecoder } from './events.js';

const wasm = readFileSync(createRequire(import.meta.url).resolve('sax-wasm/lib/sax-wasm.wasm'));
const EVENTS = SaxEventType.OpenTag | SaxEventType.CloseTag | SaxEventType.Text | SaxEventType.Cdata | SaxEventType.Doctype;
const PREDEFINED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g;

function resolveReferences(text) {
  if (/&(?!(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);)/.test(text)) throw new Error('a "&" starts no known reference');
  return text.replace(REFERENCE, (_, ref) =>
    ref[0] === '#' ? String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1))) : PREDEFINED[ref]);
}

let parsers = [];

/**
 * One parser per event mask, made ready (prepareWasm is asynchronous) for
 * the decoders below to share; again, after an answer left one mid-document.
 */
export async function prepareSaxWasm() {
  const ready = [];
  for (const events of [EVENTS, SaxEventType.OpenTag | SaxEventType.CloseTag | SaxEventType.Text]) {
    const parser = new SAXParser(events);
    await parser.prepareWasm(wasm);
    ready.push(parser);
  }
  parsers = ready;
}

export function saxWasmDecoder(returns) {
  const decoder = new EventDecoder(returns);
  const parser = parsers[0];
  parser.eventHandler = (type, detail) => {
    switch (type) {
      case SaxEventType.OpenTag: {
        const attrs = {};
        for (const a of detail.attributes) attrs[a.name.value] = a.value.value;
        decoder.open(detail.name, attrs);
        if (detail.selfClosing) decoder.close();
        return;
      }
      case SaxEventType.CloseTag:
        if (!detail.selfClosing) decoder.close();
        return;
      case SaxEventType.Text: {
        const text = detail.value;
        decoder.text(text.includes('&') ? resolveReferences(text) : text);
        return;
      }
      case SaxEventType.Cdata:
        decoder.text(detail.value);
        return;
      case SaxEventType.Doctype:
        throw new Error('DOCTYPE refused');
    }
  };
  return {
    write: (bytes) => parser.write(bytes),
    end: () => {
      parser.end();
      return decoder.finish();
    },
  };
}

/** sax-wasm alone: open, close and text events, each read out of WebAssembly memory, nothing built. */
export function saxWasmParseOnly() {
  const parser = parsers[1];
  parser.eventHandler = (type, detail) => {
    if (type === SaxEventType.Text) void detail.value;
    else void detail.name;
  };
  return { write: (bytes) => parser.write(bytes), end: () => parser.end() };
}
