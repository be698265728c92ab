// Independent vectors for confide_crypto::protected_data, produced by the reference code:
// `extractDataSchema` and `createZipFromObject` of @iexec/dataprotector (imported by file path),
// `filetypeinfo` of magic-bytes.js, and @iexec/dataprotector-deserializer to decode zips.
//
// Usage:
//   node protected-data.mjs                 generate crates/crypto/tests/vectors/protected-data/
//   node protected-data.mjs --check <zip>…  read zips written by Confide (named ours-<case>.zip)
//                                           with the reference deserializer and JSZip, compare
//                                           with the case's expected entries and values
//
// Value encoding in the JSON files: {"t":"bool","v":true}, {"t":"f64","v":"<u64 bits, hex>"},
// {"t":"i128","v":"<decimal>"}, {"t":"string","v":"…"}, {"t":"bytes","v":"<hex>"},
// {"t":"object","v":[[key, value], …]} (inputs only: pairs in insertion order).
// Deterministic: zip timestamps are frozen, the MIME fuzz uses a fixed-seed PRNG.
import { writeFileSync, readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { filetypeinfo } from 'magic-bytes.js';
import { IExecDataProtectorDeserializer } from '@iexec/dataprotector-deserializer';
import {
  extractDataSchema, createZipFromObject,
} from './node_modules/@iexec/dataprotector/dist/src/utils/data.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../crates/crypto/tests/vectors/protected-data');

// ---------------------------------------------------------------------------------------------
// Encoding helpers

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const f64Bits = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};
const bitsToF64 = (h) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + h));
  return view.getFloat64(0);
};

// Builds a JS object by assigning pairs in order (JS then applies its own key order).
const build = (pairs) => {
  const obj = {};
  for (const [k, v] of pairs) obj[k] = Array.isArray(v) ? build(v) : v;
  return obj;
};

const encodeInput = (v) => {
  if (Array.isArray(v)) return { t: 'object', v: v.map(([k, x]) => [k, encodeInput(x)]) };
  return encodeValue(v);
};

function encodeValue(v) {
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') return { t: 'f64', v: f64Bits(v) };
  if (typeof v === 'bigint') return { t: 'i128', v: v.toString() };
  if (typeof v === 'string') return { t: 'string', v };
  if (v instanceof Uint8Array) return { t: 'bytes', v: hex(v) };
  throw Error(`cannot encode ${typeof v}`);
}

const sameValue = (a, b) => {
  if (a.t !== b.t) return false;
  if (a.t === 'f64') return a.v === b.v || (Number.isNaN(bitsToF64(a.v)) && Number.isNaN(bitsToF64(b.v)));
  return a.v === b.v;
};

// Flattened leaves of a schema, in key order: [path, type].
const flatten = (schema, prefix = '') => Object.entries(schema).flatMap(([k, v]) => {
  const path = prefix ? `${prefix}.${k}` : k;
  return typeof v === 'object' ? flatten(v, path) : [[path, v]];
});

// Freeze `new Date()` while JSZip stamps entries, so that regenerated zips are identical.
const RealDate = Date;
const withFrozenDate = async (fn) => {
  const fixed = RealDate.UTC(2024, 0, 1, 0, 0, 0);
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(fixed);
      else super(...args);
    }
    static now() { return fixed; }
  };
  try { return await fn(); } finally { globalThis.Date = RealDate; }
};

let scratch;
const scratchFile = (name, bytes) => {
  scratch ??= mkdtempSync(join(tmpdir(), 'confide-pd-'));
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
};

// Reads `path` as `type` with the reference deserializer; {error: true} when it throws.
const deserialize = async (zipPath, path, type, mode) => {
  const d = new IExecDataProtectorDeserializer({ protectedDataPath: zipPath, mode });
  try {
    return encodeValue(await d.getValue(path, type));
  } catch {
    return { error: true };
  }
};

// ---------------------------------------------------------------------------------------------
// Samples

const bytes = (...parts) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const payload = [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03];

const binaries = [
  ['png', bytes('\x89PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR', payload)],
  ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF\0', payload)],
  ['pdf', bytes('%PDF-1.7\n%', payload)],
  ['pdf_bom', bytes([0xef, 0xbb, 0xbf], '%PDF-1.4', payload)],
  ['zip', bytes('PK\x03\x04\x14\0\0\0', payload)],
  ['zip_empty', bytes('PK\x05\x06', new Array(18).fill(0))],
  ['wav', bytes('RIFF\x24\x08\0\0WAVEfmt ', payload)],
  ['webp', bytes('RIFF\x1a\0\0\0WEBPVP8 ', payload)],
  ['avi', bytes('RIFF\0\0\x10\0AVI LIST', payload)],
  ['mp4', bytes([0, 0, 0, 0x20], 'ftypisom\0\0\x02\0', payload)],
  ['mov', bytes([0, 0, 0, 0x14], 'ftypqt  ', payload)],
  ['heic', bytes([0, 0, 0, 0x18], 'ftypheic', payload)],
  ['gif87', bytes('GIF87a', payload)],
  ['gif89', bytes('GIF89a', payload)],
  ['bmp', bytes('BM', payload)],
  ['midi', bytes('MThd\0\0\0\x06', payload)],
  ['mp3_id3', bytes('ID3\x04\0', payload)],
  ['mp3_frame', bytes([0xff, 0xfb, 0x90, 0x64], payload)],
  ['mpeg_ps', bytes([0, 0, 1, 0xba, 0x44], payload)],
  ['mpeg_ts', bytes([0x47, 0x40, 0x11, 0x10], payload)],
  ['xml', bytes('<?xml version="1.0"?><a/>')],
  ['text', bytes('hello world')],
  ['unknown', bytes([0x13, 0x37, 0x42], payload)],
  ['empty', new Uint8Array(0)],
];

const cases = {
  scalars: [
    ['bool_true', true], ['bool_false', false],
    ['int', 42], ['negative', -1.5], ['fraction', 0.1], ['third', 1 / 3],
    ['largest', Number.MAX_VALUE], ['smallest', Number.MIN_VALUE], ['negative_zero', -0],
    ['safe_max', Number.MAX_SAFE_INTEGER], ['beyond_safe', 2 ** 53 + 2], ['big_negative', -1e300],
    ['text', 'hello'], ['empty', ''],
    ['unicode', 'h\u00e9llo w\u00f6rld \u2014 \u65e5\u672c\u8a9e \u{1f30d} \u0000\n\t"\\'],
    ['long', 'protected '.repeat(200)],
  ],
  bigints: [
    ['zero', 0n], ['one', 1n], ['minus_one', -1n],
    ['max', 2n ** 127n - 1n], ['min', -(2n ** 127n)],
    ['u64_max', 2n ** 64n - 1n], ['big', 123456789012345678901234567890n],
    ['neg_big', -98765432109876543210n],
  ],
  nested: [
    ['a', [['b', [['c', 'deep'], ['d', 1n]]], ['e', true]]],
    ['empty', []],
    ['f', 3.5],
    ['g', [['h', []], ['i', [['j', [['k', false]]]]]]],
  ],
  numeric_keys: [
    ['b', 1], ['10', 2], ['2', 3],
    ['a', [['1', true], ['z', false], ['0', 'x'], ['01', 'y']]],
    ['01', 4], ['4294967294', 5], ['4294967295', 6], ['-1', 7],
    ['0', [['b', 1n], ['3', 2n]]], ['_', 8], ['9', 9],
  ],
  binaries: binaries.map(([k, v]) => [k, v]),
  realistic: [
    ['email', 'alice@example.com'],
    ['photo', binaries[0][1]],
    ['meta', [['age', 42], ['score', -0.25], ['id', 2n ** 100n], ['verified', true],
      ['tags', [['0', 'a'], ['1', 'b'], ['10', 'k'], ['2', 'c']]]]],
    ['document', binaries[2][1]],
  ],
};

// A JSON text parsed by JSON.parse: key order, duplicate keys and float rounding.
const jsonText = '{"b":1,"10":2,"2":3,"a":{"z":0.1,"y":-0,"x":1e21,"w":123456789012345678901234567890,'
  + '"v":9007199254740993,"u":2.2250738585072011e-308,"t":2.4703282292062327e-324,'
  + '"s":2.4703282292062328e-324,"r":1.00000000000000011102230246251565404236316680908203125,'
  + '"q":0.30000000000000004,"p":-1.7976931348623157e308},'
  + '"s":"caf\\u00e9 \\ud83c\\udf0d\\n","dup":1,"t":true,"dup":{"k":false,"0":"zero"}}';

// ---------------------------------------------------------------------------------------------
// Generation

async function referenceCase(name, pairs) {
  const data = build(pairs);
  const schema = await extractDataSchema(data);
  const schemaString = JSON.stringify(schema);
  const zip = await withFrozenDate(() => createZipFromObject(data));
  writeFileSync(join(outDir, `${name}.zip`), zip);
  const zipPath = scratchFile(`${name}.zip`, zip);
  const loaded = await JSZip.loadAsync(zip);
  const leaves = [];
  for (const [path, type] of flatten(schema)) {
    leaves.push({ path, type, value: await deserialize(zipPath, path, type, 'optimistic') });
    const borsh = await deserialize(zipPath, path, type, 'borsh');
    if (!sameValue(borsh, leaves.at(-1).value)) throw Error(`${name}/${path}: modes disagree`);
  }
  return { schema: schemaString, entries: Object.keys(loaded.files), leaves };
}

function mimeSamples() {
  const samples = binaries.map(([name, b]) => ({ name, bytes: b }));
  // Every prefix of every sample header, and a one-bit flip at each of its first 12 bytes.
  for (const [name, b] of binaries) {
    const head = b.slice(0, 12);
    for (let n = 0; n < head.length; n++) samples.push({ name: `${name}[..${n}]`, bytes: head.slice(0, n) });
    for (let i = 0; i < head.length; i++) {
      const flipped = head.slice();
      flipped[i] ^= 1;
      samples.push({ name: `${name}^${i}`, bytes: flipped });
    }
  }
  const handmade = [
    ['GIF88a', bytes('GIF88a')], ['G', bytes('G')], ['GIF8', bytes('GIF8')],
    ['RIFF-ftyp-WAVE', bytes('RIFFftypWAVE')], ['pdf-ftyp', bytes('%PDFftyp')],
    ['pdf-ftypheic', bytes('%PDFftypheic')], ['ftyp-exact', bytes([0, 0, 0, 8], 'ftyp')],
    ['ftypmif1', bytes([0, 0, 0, 0x18], 'ftypmif1')], ['ftypavif', bytes([0, 0, 0, 0x18], 'ftypavif')],
    ['ftypq', bytes([0, 0, 0, 0x18], 'ftypq')], ['xml-no-space', bytes('<?xml\t')],
    ['sp01', bytes('SP01')], ['aac', bytes([0xff, 0xf1, 0, 0])], ['mpeg-b3', bytes([0, 0, 1, 0xb3])],
    ['mpeg-b4', bytes([0, 0, 1, 0xb4])], ['pk-0708', bytes('PK\x07\x08')], ['pk-0304-short', bytes('PK\x03')],
    ['bom-pd', bytes([0xef, 0xbb, 0xbf], '%PD')], ['riff-short', bytes('RIFF\0\0\0\0WAV')],
    ['json', bytes('{"a":1}')], ['svg', bytes('<svg>')], ['elf', bytes('\x7fELF')],
  ];
  for (const [name, b] of handmade) samples.push({ name, bytes: b });
  // Fixed-seed fuzz over an alphabet biased towards signature bytes.
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed;
  };
  const alphabet = [...new Set(binaries.flatMap(([, b]) => [...b.slice(0, 12)]))];
  for (let i = 0; i < 400; i++) {
    const len = rand() % 17;
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = rand() % 4 === 0 ? rand() % 256 : alphabet[rand() % alphabet.length];
    // Seed some with a real header prefix so that deep paths are exercised.
    if (len > 0 && rand() % 2 === 0) {
      const [, header] = binaries[rand() % binaries.length];
      b.set(header.slice(0, Math.min(len, rand() % 13)));
    }
    samples.push({ name: `fuzz${i}`, bytes: b });
  }
  return Promise.all(samples.map(async ({ name, bytes: b }) => ({
    name,
    hex: hex(b),
    mime: (await extractDataSchema({ x: b })).x,
    guesses: filetypeinfo(b).map((g) => g.mime ?? null),
  })));
}

async function legacyVectors() {
  const le = (n, size) => { const b = Buffer.alloc(size); b.writeUIntLE(n, 0, size); return [...b]; };
  const f64le = (x) => { const b = Buffer.alloc(8); b.writeDoubleLE(x); return [...b]; };
  const entries = [
    ['str_raw', bytes('hello legacy'), ['string']],
    ['str_raw_unicode', new Uint8Array(Buffer.from('d\u00e9j\u00e0 vu \u{1f600}')), ['string']],
    ['str_invalid_utf8', bytes([0x66, 0x6f, 0xff, 0xfe, 0x80, 0x6f, 0xe2, 0x82, 0xc3]), ['string']],
    ['str_borsh', bytes(le(3, 4), 'abc'), ['string']],
    ['str_borsh_trailing', bytes(le(3, 4), 'abczz'), ['string']],
    ['str_borsh_short', bytes(le(9, 4), 'abc'), ['string']],
    ['str_tiny', bytes('ab'), ['string']],
    ['num_int', bytes('42'), ['number', 'f64']],
    ['num_float', bytes(' -3.25e2 '), ['number']],
    ['num_hex', bytes('0x1F'), ['number']],
    ['num_big_hex', bytes('0x20000000000003'), ['number']],
    ['num_binary', bytes('0b101'), ['number']],
    ['num_octal', bytes('0o17'), ['number']],
    ['num_empty', bytes(''), ['number', 'string', 'boolean', 'bool']],
    ['num_nan', bytes('12px'), ['number']],
    ['num_inf', bytes('-Infinity'), ['number']],
    ['num_ws', new Uint8Array(Buffer.from('\u00a0 7.5 \n\ufeff')), ['number']],
    ['num_dot', bytes('.'), ['number']],
    ['num_exp', bytes('1.e3'), ['number']],
    ['num_signed_hex', bytes('-0x10'), ['number']],
    ['bool_true', bytes([1]), ['boolean', 'bool']],
    ['bool_false', bytes([0]), ['boolean', 'bool']],
    ['bool_two', bytes([2]), ['boolean', 'bool']],
    ['f64_trailing', bytes(f64le(-2.5), [9, 9]), ['f64']],
    ['f64_short', bytes(f64le(1).slice(0, 7)), ['f64']],
    ['i128_short', bytes(new Array(15).fill(0xff)), ['i128']],
    ['i128_trailing', bytes(new Array(16).fill(0xff), [1]), ['i128']],
    ['blob', bytes('%PDF-raw'), ['application/pdf', 'text/whatever']],
  ];
  const zipBytes = await withFrozenDate(() => {
    const zip = new JSZip();
    for (const [name, content] of entries) zip.file(name, content);
    zip.file('n/x', bytes('nested'));
    // Deflate with data descriptors: exercises readers beyond the stored entries of v2 zips.
    return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', streamFiles: true });
  });
  writeFileSync(join(outDir, 'legacy.zip'), zipBytes);
  const zipPath = scratchFile('legacy.zip', zipBytes);
  const queries = [
    ...entries.flatMap(([path, , types]) => types.map((type) => [path, type])),
    ['n.x', 'string'], ['n', 'string'], ['missing', 'string'], ['n.x', 'number'],
  ];
  const results = [];
  for (const [path, type] of queries) {
    for (const mode of ['optimistic', 'borsh', 'legacy']) {
      results.push({ path, type, mode, result: await deserialize(zipPath, path, type, mode) });
    }
  }
  return results;
}

async function generate() {
  mkdirSync(outDir, { recursive: true });
  const out = {};
  for (const [name, pairs] of Object.entries(cases)) {
    out[name] = { input: encodeInput(pairs).v, ...(await referenceCase(name, pairs)) };
  }
  // The JSON-text case: the input is text, parsed by JSON.parse.
  const parsed = JSON.parse(jsonText);
  const jsonCase = await referenceCase('json_text', Object.entries(parsed).map(function toPairs([k, v]) {
    return [k, typeof v === 'object' ? Object.entries(v).map(toPairs) : v];
  }));
  const quirks = {
    // The reference accepts 2^127 (its MAX_I128 is 2^127, not 2^127 - 1) and borsh wraps it.
    i128_two_pow_127: hex(await (await JSZip.loadAsync(await createZipFromObject({ x: 2n ** 127n }))).file('x').async('uint8array')),
    nan_rejected: await createZipFromObject({ x: NaN }).then(() => false, () => true),
  };
  writeFileSync(join(outDir, 'cases.json'), JSON.stringify({
    cases: out, json_text: { text: jsonText, ...jsonCase }, quirks,
  }, null, 1) + '\n');
  writeFileSync(join(outDir, 'mime.json'), JSON.stringify(await mimeSamples(), null, 1) + '\n');
  writeFileSync(join(outDir, 'legacy.json'), JSON.stringify(await legacyVectors(), null, 1) + '\n');
  console.log(`wrote ${outDir}`);
}

// ---------------------------------------------------------------------------------------------
// Check mode: zips written by Confide, read by the reference.

async function check(zipPaths) {
  const all = JSON.parse(readFileSync(join(outDir, 'cases.json'), 'utf8'));
  let failures = 0;
  for (const zipPath of zipPaths) {
    const name = basename(zipPath).replace(/^ours-/, '').replace(/\.zip$/, '');
    const expected = name === 'json_text' ? all.json_text : all.cases[name];
    if (!expected) throw Error(`no case named ${name}`);
    const loaded = await JSZip.loadAsync(readFileSync(zipPath));
    const entries = Object.keys(loaded.files);
    const problems = [];
    if (JSON.stringify(entries) !== JSON.stringify(expected.entries)) {
      problems.push(`entries differ: ${JSON.stringify(entries)}`);
    }
    for (const { path, type, value } of expected.leaves) {
      for (const mode of ['optimistic', 'borsh']) {
        const got = await deserialize(zipPath, path, type, mode);
        if (got.error || !sameValue(got, value)) problems.push(`${path} (${type}, ${mode}): ${JSON.stringify(got)}`);
      }
    }
    failures += problems.length;
    console.log(`${zipPath}: ${problems.length ? 'MISMATCH' : 'ok'} (${expected.leaves.length} values, ${entries.length} entries)`);
    for (const p of problems) console.log(`  ${p}`);
  }
  if (failures) process.exit(1);
}

try {
  const args = process.argv.slice(2);
  if (args[0] === '--check') await check(args.slice(1));
  else await generate();
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
