// sax-wasm (a Rust SAX parser compiled to WebAssembly) with the decoder of
// events.js. It reports no well-formedness errors at all: a mismatched
// closing tag comes out as text, an undeclared entity as its own name, an
// unquoted or repeated attribute is taken; it does not resolve references
// either, which resolveReferences (src/vsphere/xml.ts) does here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SAXParser, SaxEventType } from 'sax-wasm';
import { resolveReferences } from '../../dist/vsphere/xml.js';
import { EventDecoder } from './events.js';

const wasm = readFileSync(createRequire(import.meta.url).resolve('sax-wasm/lib/sax-wasm.wasm'));
const EVENTS = SaxEventType.OpenTag | SaxEventType.CloseTag | SaxEventType.Text | SaxEventType.Cdata | SaxEventType.Doctype;
const parsers = [];

/** One parser per event mask, compiled once (prepareWasm is asynchronous); resolves when ready. */
export async function prepareSaxWasm() {
  for (const events of [EVENTS, SaxEventType.OpenTag | SaxEventType.CloseTag | SaxEventType.Text]) {
    const parser = new SAXParser(events);
    await parser.prepareWasm(wasm);
    parsers.push(parser);
  }
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
