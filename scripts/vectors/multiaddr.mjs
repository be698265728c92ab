// Independent vectors for confide-storage's on-chain data locations: the bytes DataProtector
// writes as a dataset's multiaddr (`Multiaddr('/p2p/<cid>').bytes`, @multiformats/multiaddr as
// DataProtector depends on it) and how DataProtector reads them back (its own
// getMultiaddrAsString: UTF-8 `https://…` URLs first, then binary multiaddrs).
//
// Deterministic. Output: crates/storage/tests/vectors/multiaddr.json
import { writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { multiaddr } from '@multiformats/multiaddr';
import { getMultiaddrAsString } from './node_modules/@iexec/dataprotector/dist/src/utils/getMultiaddrAsString.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../crates/storage/tests/vectors/multiaddr.json');
const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const hex = (bytes) => '0x' + Buffer.from(bytes).toString('hex');

// What protectData writes for an IPFS upload (the CID is kubo-rpc-client's, CIDv0), and other
// CID forms a user may paste: only the multihash is kept.
const encode = [
  '/p2p/QmSAY4mYRkCvdDzcD3A3sDeN5nChyn82p88xt7HhYHqXfi',
  '/ipfs/QmSAY4mYRkCvdDzcD3A3sDeN5nChyn82p88xt7HhYHqXfi',
  '/p2p/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  '/p2p/QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH',
].map((text) => ({ text, bytes: hex(multiaddr(text).bytes) }));

// What DataProtector's reader makes of on-chain bytes (null: it gives up).
const utf8 = (text) => hex(new TextEncoder().encode(text));
const decodeInputs = [
  ...encode.map((c) => c.bytes),
  utf8('https://arweave.net/Gm7a9cXw0Jx0-K4Fmi7bKlvSNVX2hGQBLl1zKPZVbBM'),
  utf8('https://example.com/data.zip?x=1'),
  utf8('http://example.com/data.zip'),
  '0xa503',
  '0xa50322',
  '0x1234',
  '0x',
];
// Its reader warns on every input it gives up on; the null says as much here.
console.warn = () => {};
const decode = decodeInputs.map((bytes) => ({ bytes, text: getMultiaddrAsString({ multiaddrAsHexString: bytes }) ?? null }));

writeFileSync(out, JSON.stringify({
  generator: 'scripts/vectors/multiaddr.mjs',
  packages: {
    '@multiformats/multiaddr': version('@multiformats/multiaddr'),
    '@iexec/dataprotector': version('@iexec/dataprotector'),
  },
  encode,
  decode,
}, null, 2) + '\n');
