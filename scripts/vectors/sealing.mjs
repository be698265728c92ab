// Independent sealing vectors for crates/crypto (seal module).
//
// 1. iExec CBC: sealed with iExec's own SDK function `encryptAes256Cbc` (IV || AES-256-CBC,
//    PKCS#7), checksums from the SDK's `sha256Sum` (the on-chain dataset checksum).
// 2. Confide format: sealed by a from-spec implementation on Node's crypto (HKDF-SHA256 +
//    AES-256-GCM), following crates/crypto/FORMATS.md "Sealed data", so that our Rust code
//    is checked against a second implementation of the same spec.
//
// Plaintexts are deterministic: byte i = (i * 31 + 7) mod 251. Output (committed):
// crates/crypto/tests/vectors/sealing/{manifest.json, *.bin}.
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  encryptAes256Cbc,
  sha256Sum,
} from './node_modules/iexec/dist/esm/common/utils/encryption-utils.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../crates/crypto/tests/vectors/sealing');
mkdirSync(outDir, { recursive: true });

// Fixed test-only key (base64 of 32 bytes 0x00..0x1f).
const keyBytes = Buffer.from([...Array(32).keys()]);
const keyBase64 = keyBytes.toString('base64');

const plaintext = (size) => {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) buf[i] = (i * 31 + 7) % 251;
  return buf;
};

// ---- Confide format, from the spec ----
const MAGIC = Buffer.from('CNFDSEAL', 'ascii');
const INFO_LABEL = Buffer.from('confide/seal/v1', 'ascii');

function confideSeal(key, data, chunkLog2) {
  const header = Buffer.alloc(64);
  MAGIC.copy(header, 0);
  header[8] = 1; // version
  header[9] = 1; // algorithm
  header[10] = chunkLog2;
  header[11] = 0;
  randomBytes(20).copy(header, 12);
  const okm = Buffer.from(
    hkdfSync('sha256', key, header.subarray(12, 32), Buffer.concat([INFO_LABEL, header.subarray(0, 32)]), 71),
  );
  const subkey = okm.subarray(0, 32);
  const prefix = okm.subarray(32, 39);
  okm.subarray(39, 71).copy(header, 32);
  const chunkSize = 1 << chunkLog2;
  const parts = [header];
  const chunks = Math.max(1, Math.ceil(data.length / chunkSize));
  for (let i = 0; i < chunks; i += 1) {
    const last = i === chunks - 1;
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = last ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', subkey, nonce);
    const body = data.subarray(i * chunkSize, Math.min(data.length, (i + 1) * chunkSize));
    parts.push(cipher.update(body), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(parts);
}

const generator = 'byte i = (i * 31 + 7) mod 251';
const vectors = [];

for (const size of [0, 1, 15, 16, 17, 4096, 100003]) {
  const sealed = await encryptAes256Cbc(plaintext(size), keyBase64);
  const file = `iexec-cbc-${size}.bin`;
  writeFileSync(join(outDir, file), sealed);
  vectors.push({ format: 'iexec-cbc', size, file, checksum: await sha256Sum(sealed), source: 'iexec SDK encryptAes256Cbc' });
}

for (const [size, chunkLog2] of [
  [0, 12],
  [1, 12],
  [4095, 12],
  [4096, 12],
  [4097, 12],
  [3 * 4096 + 5, 12],
  [70000, 16],
]) {
  const sealed = confideSeal(keyBytes, plaintext(size), chunkLog2);
  const file = `confide-${size}-c${chunkLog2}.bin`;
  writeFileSync(join(outDir, file), sealed);
  const checksum = `0x${createHash('sha256').update(sealed).digest('hex')}`;
  vectors.push({ format: 'confide', size, chunk_log2: chunkLog2, file, checksum, source: 'node:crypto from FORMATS.md' });
}

writeFileSync(
  join(outDir, 'manifest.json'),
  `${JSON.stringify({ key_base64: keyBase64, plaintext: generator, vectors }, null, 2)}\n`,
);
console.log(`wrote ${vectors.length} sealing vectors to ${outDir}`);
