// Independent result-encryption vectors for crates/crypto (result module).
//
// iExec layouts, built with Node's crypto + jszip and checked with iExec's own
// `decryptResult` (iexec SDK, result-utils.js) before being written:
//   - iexec-current.zip: aes-key.rsa = RSA PKCS#1 v1.5(raw 32-byte AES key),
//     iexec_out.zip.aes = IV || AES-256-CBC/PKCS#7(result zip)   (Rust post-compute)
//   - iexec-java-legacy.zip: aes-key.rsa = base64(RSA PKCS#1 v1.5(base64(16-byte key))),
//     iexec_out.zip.aes = base64(AES-128-ECB/PKCS#7(result zip)) (Java post-compute)
//   - iexec-current-in-folder.zip: the current layout with entries under
//     encrypted-iexec_out/ (iExec's decryptResult finds entries at the root only; the script
//     checks that it rejects this one, our reader accepts both).
// Confide layout, from the spec (FORMATS.md "Encrypted results") on Node's crypto: HPKE
// base mode DHKEM(X25519, HKDF-SHA256)/HKDF-SHA256/AES-256-GCM exporter + Confide seal
// stream:
//   - confide-result.bin, for x25519-private.pem / x25519-public.pem (exported by Node).
// Keys are test-only. Output (committed): crates/crypto/tests/vectors/results/.
import {
  createCipheriv,
  createHmac,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  publicEncrypt,
  randomBytes,
  constants,
} from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { decryptResult } from './node_modules/iexec/dist/esm/common/utils/result-utils.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../crates/crypto/tests/vectors/results');
mkdirSync(outDir, { recursive: true });
const write = (name, data) => writeFileSync(join(outDir, name), data);

// ---- the plaintext result zip (what post-compute encrypts) ----
const payloadBytes = Buffer.alloc(10000);
let state = 12345;
for (let i = 0; i < payloadBytes.length; i += 1) {
  state = (state * 1103515245 + 12345) % 2147483648; // LCG: incompressible enough
  payloadBytes[i] = state >>> 16 & 0xff;
}
const resultZip = new JSZip();
const fixedDate = new Date('2024-01-01T00:00:00Z');
resultZip.file('computed.json', '{"deterministic-output-path":"/iexec_out/result.bin"}', { date: fixedDate });
resultZip.file('result.bin', payloadBytes, { date: fixedDate });
const plainZip = await resultZip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
write('plaintext.zip', plainZip);

// ---- RSA beneficiary key (2048-bit, test-only) ----
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
const rsaPkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' });
write('rsa-private-pkcs8.pem', rsaPkcs8);
write('rsa-private-pkcs1.pem', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
write('rsa-public-spki.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }));
write('rsa-public-pkcs1.pem', rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }));
const rsaEncrypt = (data) =>
  publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, data);

const zipOf = async (entries) => {
  const zip = new JSZip();
  for (const [name, data] of entries) zip.file(name, data, { date: fixedDate });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
};

// Current layout (AES-256-CBC + raw RSA).
const aes256 = randomBytes(32);
const iv = randomBytes(16);
const cbc = createCipheriv('aes-256-cbc', aes256, iv);
const currentPayload = Buffer.concat([iv, cbc.update(plainZip), cbc.final()]);
const currentKey = rsaEncrypt(aes256);
const current = await zipOf([
  ['aes-key.rsa', currentKey],
  ['iexec_out.zip.aes', currentPayload],
]);
const inFolder = await zipOf([
  ['encrypted-iexec_out/aes-key.rsa', currentKey],
  ['encrypted-iexec_out/iexec_out.zip.aes', currentPayload],
]);

// Legacy Java layout (AES-128-ECB, everything base64).
const aes128 = randomBytes(16);
const ecb = createCipheriv('aes-128-ecb', aes128, null);
const legacyPayload = Buffer.concat([ecb.update(plainZip), ecb.final()]).toString('base64');
const legacyKey = rsaEncrypt(Buffer.from(aes128.toString('base64'), 'ascii')).toString('base64');
const legacy = await zipOf([
  ['aes-key.rsa', legacyKey],
  ['iexec_out.zip.aes', legacyPayload],
]);

for (const [name, zip] of [
  ['iexec-current.zip', current],
  ['iexec-java-legacy.zip', legacy],
]) {
  const decrypted = await decryptResult(zip, rsaPkcs8);
  if (!Buffer.from(decrypted).equals(plainZip)) throw new Error(`${name}: decryptResult mismatch`);
  write(name, zip);
}
let folderRejected = false;
try {
  await decryptResult(inFolder, rsaPkcs8);
} catch (e) {
  folderRejected = /Missing aes-key.rsa/.test(String(e));
}
if (!folderRejected) throw new Error('expected decryptResult to reject entries inside a folder');
write('iexec-current-in-folder.zip', inFolder);

// ---- Confide format (HPKE exporter + Confide seal stream), from the spec ----
const i2osp = (n, w) => {
  const b = Buffer.alloc(w);
  b.writeUIntBE(n, 0, w);
  return b;
};
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const expand = (prk, info, length) => {
  const blocks = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i += 1) {
    t = hmac(prk, Buffer.concat([t, info, Buffer.from([i])]));
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
};
const ascii = (s) => Buffer.from(s, 'ascii');
const labeledExtract = (suite, salt, label, ikm) =>
  hmac(salt, Buffer.concat([ascii('HPKE-v1'), suite, ascii(label), ikm]));
const labeledExpand = (suite, prk, label, info, length) =>
  expand(prk, Buffer.concat([i2osp(length, 2), ascii('HPKE-v1'), suite, ascii(label), info]), length);
const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const kemSuite = Buffer.concat([ascii('KEM'), i2osp(KEM_ID, 2)]);
const hpkeSuite = Buffer.concat([ascii('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2)]);
const rawX25519Public = (key) => key.export({ type: 'spki', format: 'der' }).subarray(12);

const recipient = generateKeyPairSync('x25519');
write('x25519-private.pem', recipient.privateKey.export({ type: 'pkcs8', format: 'pem' }));
write('x25519-public.pem', recipient.publicKey.export({ type: 'spki', format: 'pem' }));

// RFC 9180 §4.1 Encap + §5.1 KeySchedule (mode_base) + §5.3 Export.
const ephemeral = generateKeyPairSync('x25519');
const dh = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.publicKey });
const enc = rawX25519Public(ephemeral.publicKey);
const kemContext = Buffer.concat([enc, rawX25519Public(recipient.publicKey)]);
const eaePrk = labeledExtract(kemSuite, Buffer.alloc(0), 'eae_prk', dh);
const sharedSecret = labeledExpand(kemSuite, eaePrk, 'shared_secret', kemContext, 32);

const suiteHeader = Buffer.concat([ascii('CNFDRSLT'), Buffer.from([1]), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2)]);
const info = Buffer.concat([ascii('confide/result/v1'), suiteHeader]);
const pskIdHash = labeledExtract(hpkeSuite, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0));
const infoHash = labeledExtract(hpkeSuite, Buffer.alloc(0), 'info_hash', info);
const keyScheduleContext = Buffer.concat([Buffer.from([0]), pskIdHash, infoHash]);
const secret = labeledExtract(hpkeSuite, sharedSecret, 'secret', Buffer.alloc(0));
const exporterSecret = labeledExpand(hpkeSuite, secret, 'exp', keyScheduleContext, 32);
const payloadKey = labeledExpand(hpkeSuite, exporterSecret, 'sec', ascii('confide/result/v1/payload-key'), 32);

function confideSeal(key, data, chunkLog2) {
  const header = Buffer.alloc(64);
  ascii('CNFDSEAL').copy(header, 0);
  header[8] = 1;
  header[9] = 1;
  header[10] = chunkLog2;
  randomBytes(20).copy(header, 12);
  const okm = Buffer.from(
    hkdfSync('sha256', key, header.subarray(12, 32), Buffer.concat([ascii('confide/seal/v1'), header.subarray(0, 32)]), 71),
  );
  okm.subarray(39, 71).copy(header, 32);
  const chunkSize = 1 << chunkLog2;
  const parts = [header];
  const chunks = Math.max(1, Math.ceil(data.length / chunkSize));
  for (let i = 0; i < chunks; i += 1) {
    const nonce = Buffer.concat([okm.subarray(32, 39), i2osp(i, 4), Buffer.from([i === chunks - 1 ? 1 : 0])]);
    const cipher = createCipheriv('aes-256-gcm', okm.subarray(0, 32), nonce);
    parts.push(cipher.update(data.subarray(i * chunkSize, (i + 1) * chunkSize)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(parts);
}

write('confide-result.bin', Buffer.concat([suiteHeader, enc, confideSeal(payloadKey, plainZip, 12)]));

write(
  'manifest.json',
  `${JSON.stringify(
    {
      plaintext: 'plaintext.zip',
      iexec: {
        private_key_pkcs8: 'rsa-private-pkcs8.pem',
        private_key_pkcs1: 'rsa-private-pkcs1.pem',
        public_key_spki: 'rsa-public-spki.pem',
        public_key_pkcs1: 'rsa-public-pkcs1.pem',
        verified_with_iexec_decryptResult: ['iexec-current.zip', 'iexec-java-legacy.zip'],
        rejected_by_iexec_decryptResult: ['iexec-current-in-folder.zip'],
      },
      confide: {
        private_key: 'x25519-private.pem',
        public_key: 'x25519-public.pem',
        result: 'confide-result.bin',
        chunk_log2: 12,
      },
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote result vectors to ${outDir}`);
