// What the SOAP decoder's own XML scanner (src/vsphere/xml.ts) must refuse,
// and what it must read exactly as any XML parser would, however the bytes
// are cut into chunks. A refusal is a ProtocolError: final (truncated false)
// for XML no more input could mend, worth asking again (truncated true) for
// an answer that merely stops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResponseDecoder, type DecodedResponse, type ReturnSpec } from '../../src/vsphere/decode.js';
import { ProtocolError } from '../../src/vsphere/faults.js';
import type { RetrieveResult } from '../../src/vsphere/types.js';

const STRING = { type: 'string' };
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
const OPEN = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><XResponse xmlns="urn:vim25"><returnval>';
const CLOSE = '</returnval></XResponse></soapenv:Body></soapenv:Envelope>';

/** An answer whose returnval holds `inner`. */
function answer(inner: string, head = HEAD): string {
  return `${head}${OPEN}${inner}${CLOSE}`;
}

function decode(input: string | Buffer | readonly Buffer[], returns: ReturnSpec = STRING): DecodedResponse {
  const decoder = new ResponseDecoder(returns);
  for (const part of typeof input === 'string' || Buffer.isBuffer(input) ? [input] : input) decoder.write(part);
  return decoder.end();
}

function value(input: string | Buffer | readonly Buffer[], returns: ReturnSpec = STRING): unknown {
  const decoded = decode(input, returns);
  if (decoded.kind !== 'result') throw new Error(`a fault: ${decoded.fault.faultString}`);
  return decoded.value;
}

function refusal(input: string | Buffer): ProtocolError {
  try {
    decode(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a refusal');
}

/** The bytes cut into every pair of chunks, and into chunks of one byte. */
function cuts(bytes: Buffer): Buffer[][] {
  const out = [Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))];
  for (let at = 1; at < bytes.length; at++) out.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return out;
}

describe('not well-formed: refused, and final', () => {
  it.each([
    ['a control character in text', answer('a\u0001b'), /U\+0001/],
    ['a control character in an attribute value', answer('<x a="\u001f"/>'), /U\+001F/],
    ['U+FFFE', answer('a\uFFFEb'), /U\+FFFE/],
    ['U+FFFF', answer('a\uFFFFb'), /U\+FFFF/],
    ['"]]>" in text', answer('a]]>b'), /"]]>"/],
    ['a reference to U+0000', answer('&#0;'), /&#0;/],
    ['a reference to a control character', answer('&#x1B;'), /&#x1B;/],
    ['a reference to a surrogate', answer('&#xD800;'), /&#xD800;/],
    ['a reference beyond U+10FFFF', answer('&#x110000;'), /&#x110000;/],
    ['a reference to U+FFFE', answer('&#65534;'), /&#65534;/],
    ['a character reference without digits', answer('&#x;'), /not a character reference/],
    ['a character reference with a letter', answer('&#12a;'), /not a character reference/],
    ['an entity never declared', answer('&xxe;'), /never declared/],
    ['"&" with no ";"', answer('R&D lab'), /"&" starts no reference/],
    ['"&amp" with no ";"', answer('a &amp b'), /"&" starts no reference/],
    ['a closing tag that does not match', answer('<a>x</b>'), /<\/b> closes <a>/],
    ['a closing tag with nothing open', '</x>', /no element open/],
    ['a second document element', `${answer('x')}<more/>`, /follows the document element/],
    ['text after the document element', `${answer('x')}junk`, /outside the document element/],
    ['text before the document element', `junk${answer('x', '')}`, /outside the document element/],
    ['a CDATA section before the document element', `<![CDATA[x]]>${answer('x', '')}`, /CDATA section outside/],
    ['an unquoted attribute value', answer('<x a=1/>'), /not quoted/],
    ['an attribute given twice', answer('<x a="1" a="2"/>'), /appears twice/],
    ['an attribute without a value', answer('<x a/>'), /no "=" and value/],
    ['attributes not separated by white space', answer('<x a="1"b="2"/>'), /unexpected "b"/],
    ['"<" in an attribute value', answer('<x a="<"/>'), /contains "<"/],
    ['a reference never declared in an attribute value', answer('<x a="&e;"/>'), /never declared/],
    ['"--" inside a comment', answer('<!-- a -- b -->'), /contains "--"/],
    ['a comment ending in "--->"', answer('<!-- a --->'), /contains "--"/],
    ['a name that starts with a digit', answer('<1a/>'), /starts no tag/],
    ['a name with a character names may not hold', answer('<a\u00d7b/>'), /unexpected/],
    ['a processing instruction (SOAP forbids them)', answer('<?php echo 1 ?>'), /processing instruction/],
    ['an XML declaration that is not first', ` ${answer('x')}`, /not at the start/],
    ['an XML declaration of another version', answer('x', '<?xml version="2.0"?>'), /declaration is malformed/],
    ['markup of another kind', answer('<!ELEMENT x ANY>'), /unexpected markup/],
  ])('%s', (_what, xml, message) => {
    const err = refusal(xml);
    expect(err.truncated).toBe(false);
    expect(err.message).toMatch(/not well-formed XML/);
    expect(err.message).toMatch(message);
  });

  it('a DOCTYPE anywhere is refused as such, before anything it declares is looked at', () => {
    for (const xml of [
      `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]>${answer('&e;', '')}`,
      answer('<!DOCTYPE x>'),
      `<!DOCTYPE r SYSTEM "http://127.0.0.1:1/dtd">${answer('x', '')}`,
    ]) {
      const err = refusal(xml);
      expect(err.message).toMatch(/DOCTYPE, which SOAP forbids/);
      expect(err.truncated).toBe(false);
    }
  });

  it('a tag, comment or CDATA section still open past 1 MiB is refused, not buffered without end', () => {
    const decoder = new ResponseDecoder(STRING);
    decoder.write(`${HEAD}${OPEN}<x a="`);
    const megabyte = Buffer.alloc(1 << 20, 'a');
    expect(() => {
      decoder.write(megabyte);
      decoder.write(megabyte);
    }).toThrow(/runs past 1 MiB/);
  });
});

describe('an answer that stops: truncated, worth asking again', () => {
  const xml = Buffer.from(answer('<a x="1">R&amp;D &#x263A; <![CDATA[<c>]]><!-- c --></a>'));

  it('stopping at any byte', () => {
    for (let at = 0; at < xml.length - 1; at++) {
      const err = (() => {
        try {
          decode(xml.subarray(0, at), { type: 'anyType' });
        } catch (e) {
          return e as ProtocolError;
        }
        throw new Error(`cut at ${at}: decoded`);
      })();
      expect(err, `cut at ${at}`).toBeInstanceOf(ProtocolError);
      expect(err.truncated, `cut at ${at}: ${err.message}`).toBe(true);
    }
  });

  it('an envelope never closed, or no document at all', () => {
    expect(refusal(answer('x').replace('</soapenv:Envelope>', '')).truncated).toBe(true);
    expect(refusal('').truncated).toBe(true);
    expect(refusal('  \n').truncated).toBe(true);
  });
});

describe('well-formed XML, read as XML says', () => {
  it('the five predefined entities and character references, decimal and hex, up to U+10FFFF', () => {
    expect(value(answer('&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x3b1;&#x1F600;&#1114111;'))).toBe('<>&"\' ABα😀\u{10FFFF}');
  });

  it('CDATA is text as it stands; comments are nothing', () => {
    expect(value(answer('a<!-- <b> -->b<![CDATA[<c>&amp;]]>d'))).toBe('ab<c>&amp;d');
  });

  it('line ends become "\\n"; a character reference to a carriage return stays one', () => {
    expect(value(answer('a\r\nb\rc\nd&#13;e&#xD;&#xA;'))).toBe('a\nb\nc\nd\re\r\n');
  });

  it('">" and "]]" alone are text', () => {
    expect(value(answer('a > b ]] c ]>'))).toBe('a > b ]] c ]>');
  });

  it('a byte-order mark, no XML declaration, single quotes, white space in tags', () => {
    const xml = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<soapenv:Envelope  xmlns:soapenv = 'http://schemas.xmlsoap.org/soap/envelope/'\n><soapenv:Body\t><XResponse xmlns="urn:vim25"><returnval >v</returnval\n></XResponse></soapenv:Body></soapenv:Envelope >\n`)]);
    expect(value(xml)).toBe('v');
  });

  it('bytes that are not UTF-8 become U+FFFD, as a browser decodes them', () => {
    const xml = Buffer.from(answer('qui\xe9t\xff01'), 'latin1');
    expect(value(xml)).toBe('qui\ufffdt\ufffd01');
  });

  it('names beyond ASCII', () => {
    const decoded = value(answer('<propSet><name>n</name><val xsi:type="ArrayOfString"><名前>α</名前><ñame>β</ñame></val></propSet>'), { type: 'ObjectContent' });
    expect(decoded).toMatchObject({ propSet: [{ name: 'n', val: ['α', 'β'] }] });
  });

  it('an xsi:type with a reference or a line break in it is read like any other', () => {
    const decoded = value(answer('<val xsi:type="xsd:&#105;nt">7</val><val xsi:type="\nxsd:boolean">true</val>'), { type: 'ArrayOfAnyType' });
    expect(decoded).toEqual([7, true]);
  });

  it('the same value however the bytes are cut: references, CDATA, comments and multi-byte characters split anywhere', () => {
    const xml = Buffer.from(answer('<val xsi:type="xsd:string">R&amp;D &#x263A; α😀 <![CDATA[]]]]><!-- - > - -->x</val><val xsi:type="xsd:int">-12</val>'));
    const whole = value(xml, { type: 'ArrayOfAnyType' });
    expect(whole).toEqual(['R&D ☺ α😀 ]]x', -12]);
    for (const chunks of cuts(xml)) expect(value(chunks, { type: 'ArrayOfAnyType' })).toEqual(whole);
  });

  it('text longer than the scanner holds at once (64 KiB), with references across every chunk boundary', () => {
    const line = 'a &#34;quoted&#34; &amp; ]] \r\n'.repeat(6000);
    const xml = Buffer.from(answer(line));
    const expected = 'a "quoted" & ]] \n'.repeat(6000);
    for (const size of [1000, 4093, 16384, 65536]) {
      const chunks = Array.from({ length: Math.ceil(xml.length / size) }, (_, i) => xml.subarray(i * size, (i + 1) * size));
      expect(value(chunks)).toBe(expected);
    }
  });
});

describe('the answers vmfix reads', () => {
  const SOAP = join(import.meta.dirname, '..', '..', 'mocks', 'soap');

  it('a log page: every line, the quotes Go writes as character references resolved', () => {
    const xml = readFileSync(join(SOAP, 'BrowseDiagnosticLog.xml'), 'utf8').replace(
      /<lineText>[^<]*<\/lineText>/,
      '<lineText>2024-05-14T09:21:07.123Z cpu3:2098131)FSS: open &#34;hpilo&#34; &#39;busy&#39; &lt;none&gt;</lineText>$&',
    );
    const page = value(xml, { type: 'DiagnosticManagerLogHeader' }) as { lineText: string[] };
    expect(page.lineText).toHaveLength(6);
    expect(page.lineText[0]).toBe('2024-05-14T09:21:07.123Z cpu3:2098131)FSS: open "hpilo" \'busy\' <none>');
  });

  it('a page of VMs read twice gives equal objects that share their repeated strings', () => {
    const xml = readFileSync(join(SOAP, 'RetrievePropertiesEx-vms-page1.xml'));
    const first = value(xml, { type: 'RetrieveResult' }) as RetrieveResult;
    const second = value(xml, { type: 'RetrieveResult' }) as RetrieveResult;
    expect(second).toEqual(first);
  });
});

describe('beside saxes, on answers with random damage', () => {
  // The decoder vmfix used until issue 15 (saxes and an event decoder) as the
  // oracle: for each damaged answer, both refuse it or both decode the same
  // value. Processing instructions are left out: SOAP forbids them, and only
  // vmfix refuses them.
  const SOAP = join(import.meta.dirname, '..', '..', 'mocks', 'soap');
  const bases = ['RetrievePropertiesEx-vms-page1.xml', 'BrowseDiagnosticLog.xml', 'handmade/RetrievePropertiesEx-vcenter.xml'].map((f) => readFileSync(join(SOAP, f), 'utf8'));
  const pieces = ['<', '>', '&', ';', '/', '"', "'", '=', ' ', '!', '?', '-', ']', '[', 'a', ':', '#', 'x', '\u0001', '\r', '\n', '&amp;', '&#60;', '<!--', '-->', '<![CDATA[', ']]>', '</a>', '<a>', 'é', '\uFFFE'];

  it('800 damaged answers: the same verdict and the same value as saxes', async () => {
    const { saxesDecoder } = await import('../../bench/decoders/saxes.js');
    let seed = 15;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const outcome = (make: () => { write(b: Buffer): void; end(): unknown }, chunks: Buffer[]) => {
      try {
        const decoder = make();
        for (const chunk of chunks) decoder.write(chunk);
        return { value: decoder.end() };
      } catch (err) {
        return { refused: (err as Error).message };
      }
    };
    let compared = 0;
    for (let i = 0; i < 800; i++) {
      let xml = bases[i % bases.length]!;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const at = Math.floor(random() * xml.length);
        const piece = pieces[Math.floor(random() * pieces.length)]!;
        const op = random();
        xml = op < 0.33 ? xml.slice(0, at) + xml.slice(at + 1 + Math.floor(random() * 3)) : op < 0.66 ? xml.slice(0, at) + piece + xml.slice(at) : xml.slice(0, at) + piece + xml.slice(at + 1);
      }
      if (/<\?(?!xml )/.test(xml)) continue;
      const bytes = Buffer.from(xml);
      const cut = Math.floor(random() * bytes.length);
      const ours = outcome(() => new ResponseDecoder({ type: 'RetrieveResult' }), [bytes.subarray(0, cut), bytes.subarray(cut)]);
      const theirs = outcome(() => saxesDecoder({ type: 'RetrieveResult' }), [bytes]);
      expect('refused' in ours, `${JSON.stringify(xml)}\nvmfix: ${JSON.stringify(ours).slice(0, 200)}\nsaxes: ${JSON.stringify(theirs).slice(0, 200)}`).toBe('refused' in theirs);
      if ('value' in ours) expect(ours.value).toEqual(theirs.value);
      compared++;
    }
    expect(compared).toBeGreaterThan(750);
  });
});
