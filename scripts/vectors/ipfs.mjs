// Independent vectors for confide-storage: the CIDs a real IPFS implementation (helia's UnixFS
// importer, @helia/unixfs) gives for deterministic contents of chosen sizes, with the options of
// Kubo's `ipfs add --cid-version=1` (raw leaves, fixed 262144-byte chunks, balanced DAG of at most
// 174 links per node, a single chunk is the raw block itself) and of `ipfs add` (CIDv0: dag-pb
// leaves, same chunks and layout). Helia's own defaults differ (1 MiB chunks, 1024 links), so
// every option is passed explicitly. Kubo anchors (well-known Kubo CIDs) are asserted first.
//
// Deterministic: same output byte for byte on every run (no timestamps, no Node version).
// Output: crates/storage/tests/vectors/unixfs-cids.json
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unixfs } from '@helia/unixfs';
import { MemoryBlockstore } from 'blockstore-core';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { base32, base32upper } from 'multiformats/bases/base32';
import { base58btc } from 'multiformats/bases/base58';
import { base16 } from 'multiformats/bases/base16';
import { base36 } from 'multiformats/bases/base36';
import { base64, base64url } from 'multiformats/bases/base64';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../crates/storage/tests/vectors/unixfs-cids.json');
const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const CHUNK = 262144;
const MAX_LINKS = 174;
const MiB = 1024 * 1024;

const kuboCidV1 = {
  cidVersion: 1,
  rawLeaves: true,
  chunker: fixedSize({ chunkSize: CHUNK }),
  layout: balanced({ maxChildrenPerNode: MAX_LINKS }),
  reduceSingleLeafToSelf: true,
};
const kuboCidV0 = {
  cidVersion: 0,
  rawLeaves: false,
  leafType: 'file',
  chunker: fixedSize({ chunkSize: CHUNK }),
  layout: balanced({ maxChildrenPerNode: MAX_LINKS }),
  reduceSingleLeafToSelf: true,
};

const CONTENT = 'byte i (0-based) of a content of size N is (i * 31 + 7) mod 251, for i in 0..N';
function content(size) {
  const period = new Uint8Array(251);
  for (let i = 0; i < 251; i++) period[i] = (i * 31 + 7) % 251;
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 251) {
    bytes.set(period.subarray(0, Math.min(251, size - offset)), offset);
  }
  return bytes;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

// Imports `bytes` into a fresh blockstore, reads them back through helia's exporter, and walks
// the DAG from the root (depth-first, links in order, root first), checking each block's hash.
async function add(bytes, options) {
  const blockstore = new MemoryBlockstore();
  const fs = unixfs({ blockstore });
  const cid = await fs.addBytes(bytes, options);

  const chunks = [];
  let length = 0;
  for await (const chunk of fs.cat(cid)) { chunks.push(chunk); length += chunk.length; }
  if (length !== bytes.length || !Buffer.concat(chunks).equals(Buffer.from(bytes))) {
    throw new Error(`helia cat does not return the added bytes for ${cid}`);
  }

  const order = [];
  const seen = new Set();
  let leaves = 0;
  let depth = 0;
  const blockOf = async (c) => {
    const chunks = [];
    for await (const chunk of blockstore.get(c)) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  };
  const walk = async (c, level) => {
    const block = c.code === raw.code || c.code === dagPb.code ? await blockOf(c) : null;
    if (block === null) throw new Error(`unexpected codec in ${c}`);
    if (c.multihash.code !== 0x12 || !Buffer.from(c.multihash.digest).equals(sha256(block))) {
      throw new Error(`block ${c} does not hash to its CID`);
    }
    depth = Math.max(depth, level);
    if (!seen.has(c.toString())) { seen.add(c.toString()); order.push(c.toString()); }
    const links = c.code === dagPb.code ? dagPb.decode(block).Links : [];
    if (links.length === 0) leaves++;
    for (const link of links) await walk(link.Hash, level + 1);
    return block;
  };
  const rootBlock = await walk(cid, 0);
  let stored = 0;
  for await (const _ of blockstore.getAll()) stored++;
  if (stored !== order.length) throw new Error(`${stored} blocks stored but ${order.length} reachable from ${cid}`);
  return { cid, rootBlock, order, leaves, depth };
}

// Kubo anchors: CIDs printed by Kubo itself, so the options above are Kubo's.
const anchors = [
  // `ipfs add --cid-version=1` of an empty file (raw block of no bytes).
  [new Uint8Array(0), kuboCidV1, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
  // `ipfs add` (CIDv0) of an empty file.
  [new Uint8Array(0), kuboCidV0, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
  // `echo "hello world" | ipfs add` (CIDv0), the example in the IPFS docs.
  [new TextEncoder().encode('hello world\n'), kuboCidV0, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'],
];
for (const [bytes, options, expected] of anchors) {
  const { cid } = await add(bytes, options);
  if (cid.toString() !== expected) throw new Error(`Kubo anchor: got ${cid}, expected ${expected}`);
}

const sizes = [
  0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, 10 * MiB,
  MAX_LINKS * CHUNK, MAX_LINKS * CHUNK + 1, 50 * MiB,
];
const ROOT_HEX_SIZE = CHUNK + 1;
const ALL_BLOCKS_SIZE = MAX_LINKS * CHUNK + 1;

const cases = [];
for (const size of sizes) {
  const r = await add(content(size), kuboCidV1);
  const entry = {
    size,
    cid: r.cid.toString(),
    blocks: r.order.length,
    root_codec: r.cid.code === raw.code ? 'raw' : 'dag-pb',
    leaves: r.leaves,
    depth: r.depth,
  };
  if (size === ROOT_HEX_SIZE) entry.root_block_hex = hex(r.rootBlock);
  if (size === ALL_BLOCKS_SIZE) entry.block_cids = r.order;
  cases.push(entry);
}

const cidV0Cases = [];
for (const size of [0, 1, CHUNK + 1]) {
  const r = await add(content(size), kuboCidV0);
  const entry = {
    size,
    cid: r.cid.toString(),
    cid_v1: r.cid.toV1().toString(),
    multihash_hex: hex(r.cid.multihash.bytes),
    blocks: r.order.length,
  };
  if (size === ROOT_HEX_SIZE) entry.root_block_hex = hex(r.rootBlock);
  cidV0Cases.push(entry);
}

// The same CIDs in the other multibase forms users paste (a CIDv0 has only its bare base58btc
// form; its CIDv1 equivalent, same dag-pb codec and multihash, has all of them).
const rootCase = cases.find((c) => c.size === ROOT_HEX_SIZE);
const multibase = [];
for (const [describes, text] of [
  ['cases: CIDv1 of size 1 (raw)', cases[1].cid],
  [`cases: CIDv1 of size ${ROOT_HEX_SIZE} (dag-pb)`, rootCase.cid],
  ['cid_v0: size 1, as CIDv1 (dag-pb)', cidV0Cases[1].cid],
]) {
  const cid = CID.parse(text).toV1();
  multibase.push({
    describes,
    cid_v0: cid.code === dagPb.code ? cid.toV0().toString() : null,
    base32: cid.toString(base32),
    base32upper: cid.toString(base32upper),
    base58btc: cid.toString(base58btc),
    base16: cid.toString(base16),
    base36: cid.toString(base36),
    base64: cid.toString(base64),
    base64url: cid.toString(base64url),
    bytes_hex: hex(cid.bytes),
    multihash_hex: hex(cid.multihash.bytes),
  });
}

const vectors = {
  generator: `scripts/vectors/ipfs.mjs: @helia/unixfs ${version('@helia/unixfs')} (ipfs-unixfs-importer ${version('ipfs-unixfs-importer')}) `
    + `into a blockstore-core ${version('blockstore-core')} MemoryBlockstore, multiformats ${version('multiformats')}; `
    + `Kubo \`ipfs add --cid-version=1\` options: cidVersion 1, rawLeaves true, chunker fixedSize ${CHUNK}, `
    + `layout balanced maxChildrenPerNode ${MAX_LINKS}, reduceSingleLeafToSelf true, no mode/mtime; `
    + `Kubo anchors asserted: ${anchors.map((a) => a[2]).join(', ')}`,
  content: CONTENT,
  notes: 'blocks = distinct blocks of the DAG (leaves + dag-pb nodes; no content here repeats a chunk); '
    + 'leaves = blocks without links; depth = 0 for a single raw block, 1 for a root over leaves; '
    + 'block_cids = the DAG depth-first from the root, links in order, root first; '
    + 'root_block_hex = the root block\'s bytes (dag-pb: Links before Data, as Kubo writes them); '
    + 'multibase[].cid_v0 = the same dag-pb CID written as CIDv0 (null for raw, which has no CIDv0 form).',
  cases,
  cid_v0: {
    options: 'Kubo `ipfs add` (CIDv0) defaults: cidVersion 0, rawLeaves false (leaves are dag-pb UnixFS '
      + `file nodes), chunker fixedSize ${CHUNK}, layout balanced maxChildrenPerNode ${MAX_LINKS}, reduceSingleLeafToSelf true`,
    cases: cidV0Cases,
  },
  multibase,
};

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${out}`);
