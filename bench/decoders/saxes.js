// saxes (strict, streaming, pure JavaScript) with the decoder vmfix used it with until issue 15.
import { SaxesParser } from 'saxes';
import { EventDecoder } from './events.js';

export function saxesDecoder(returns) {
  const decoder = new EventDecoder(returns);
  const parser = new SaxesParser({ position: false });
  parser.on('doctype', () => {
    throw new Error('DOCTYPE refused');
  });
  parser.on('opentag', (tag) => decoder.open(tag.name, tag.attributes));
  parser.on('text', (text) => decoder.text(text));
  parser.on('cdata', (text) => decoder.text(text));
  parser.on('closetag', () => decoder.close());
  parser.on('error', (err) => {
    throw err;
  });
  const text = new TextDecoder();
  return {
    write: (bytes) => parser.write(text.decode(bytes, { stream: true })),
    end: () => {
      parser.write(text.decode());
      parser.close();
      return decoder.finish();
    },
  };
}

/** saxes alone: every event subscribed, nothing built. */
export function saxesParseOnly() {
  const parser = new SaxesParser({ position: false });
  const ignore = () => {};
  parser.on('opentag', ignore);
  parser.on('text', ignore);
  parser.on('closetag', ignore);
  parser.on('error', (err) => {
    throw err;
  });
  const text = new TextDecoder();
  return {
    write: (bytes) => parser.write(text.decode(bytes, { stream: true })),
    end: () => {
      parser.write(text.decode());
      parser.close();
    },
  };
}
