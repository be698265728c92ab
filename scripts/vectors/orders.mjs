// Independent vectors for confide-protocol: EIP-712 order hashes and signatures, computed with
// ethers v6 and cross-checked with the iexec SDK's own `computeOrderHash`; plus the id, result,
// authorization and SMS formulas computed with ethers' solidityPackedKeccak256.
//
// Deterministic: keys and salts are derived from labels, signatures are RFC 6979.
// Output: crates/protocol/tests/vectors/orders.json
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Wallet, TypedDataEncoder, Signature, keccak256, toUtf8Bytes, solidityPackedKeccak256,
  getBytes, concat, MaxUint256, ZeroAddress, getAddress, hashMessage,
} from 'ethers';
import {
  hashApporder, hashDatasetorder, hashWorkerpoolorder, hashRequestorder,
} from './node_modules/iexec/dist/esm/common/market/order.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../crates/protocol/tests/vectors/orders.json');

const label = (text) => keccak256(toUtf8Bytes(text));
const addr = (text) => getAddress('0x' + label(text).slice(26));
const wallet = (text) => new Wallet(label(`confide vector key ${text}`));

const ownerWallet = wallet('owner');
const otherWallet = wallet('other');

const fields = {
  AppOrder: [
    ['app', 'address'], ['appprice', 'uint256'], ['volume', 'uint256'], ['tag', 'bytes32'],
    ['datasetrestrict', 'address'], ['workerpoolrestrict', 'address'], ['requesterrestrict', 'address'],
    ['salt', 'bytes32'],
  ],
  DatasetOrder: [
    ['dataset', 'address'], ['datasetprice', 'uint256'], ['volume', 'uint256'], ['tag', 'bytes32'],
    ['apprestrict', 'address'], ['workerpoolrestrict', 'address'], ['requesterrestrict', 'address'],
    ['salt', 'bytes32'],
  ],
  WorkerpoolOrder: [
    ['workerpool', 'address'], ['workerpoolprice', 'uint256'], ['volume', 'uint256'], ['tag', 'bytes32'],
    ['category', 'uint256'], ['trust', 'uint256'], ['apprestrict', 'address'], ['datasetrestrict', 'address'],
    ['requesterrestrict', 'address'], ['salt', 'bytes32'],
  ],
  RequestOrder: [
    ['app', 'address'], ['appmaxprice', 'uint256'], ['dataset', 'address'], ['datasetmaxprice', 'uint256'],
    ['workerpool', 'address'], ['workerpoolmaxprice', 'uint256'], ['requester', 'address'], ['volume', 'uint256'],
    ['tag', 'bytes32'], ['category', 'uint256'], ['trust', 'uint256'], ['beneficiary', 'address'],
    ['callback', 'address'], ['params', 'string'], ['salt', 'bytes32'],
  ],
};
const types = (primary) => ({ [primary]: fields[primary].map(([name, type]) => ({ name, type })) });
const operationTypes = (primary) => ({
  [`${primary}Operation`]: [{ name: 'order', type: primary }, { name: 'operation', type: 'uint256' }],
  ...types(primary),
});
const sdkHash = {
  AppOrder: hashApporder, DatasetOrder: hashDatasetorder,
  WorkerpoolOrder: hashWorkerpoolorder, RequestOrder: hashRequestorder,
};
const kindOf = { AppOrder: 'app', DatasetOrder: 'dataset', WorkerpoolOrder: 'workerpool', RequestOrder: 'request' };

const MAX = MaxUint256.toString();
const tag = (hex) => '0x' + hex.replace(/^0x/, '').padStart(64, '0');

const domains = [
  { label: 'ethereum mainnet', chainId: '1', verifyingContract: addr('poco mainnet') },
  { label: 'bellecour', chainId: '134', verifyingContract: '0x3eca1B216A7DF1C7689aEb259fFB83ADFB894E7f' },
  { label: 'arbitrum one', chainId: '42161', verifyingContract: '0x098bFCb1E50ebcA0BaA92C12eA0c3F045A1aD9f0' },
  { label: 'arbitrum sepolia', chainId: '421614', verifyingContract: '0xB2157BF2fAb286b2A4170E3491Ac39770111Da3E' },
  { label: 'anvil', chainId: '31337', verifyingContract: addr('poco anvil') },
  { label: 'max safe integer', chainId: '9007199254740991', verifyingContract: addr('poco 2^53') },
  { label: 'u64 max', chainId: '18446744073709551615', verifyingContract: addr('poco 2^64') },
  { label: 'uint256 max', chainId: MAX, verifyingContract: addr('poco 2^256') },
  { label: 'zero chain and contract', chainId: '0', verifyingContract: ZeroAddress },
];

const orders = [
  ['AppOrder', 'free app, no restrictions', {
    app: addr('app 1'), appprice: '0', volume: '1', tag: tag('0'),
    datasetrestrict: ZeroAddress, workerpoolrestrict: ZeroAddress, requesterrestrict: ZeroAddress,
    salt: label('salt app 1'),
  }],
  ['AppOrder', 'tdx app, every restriction, max price and volume', {
    app: addr('app 2'), appprice: MAX, volume: MAX, tag: tag('9'),
    datasetrestrict: addr('dataset r'), workerpoolrestrict: addr('pool r'), requesterrestrict: addr('requester r'),
    salt: label('salt app 2'),
  }],
  ['DatasetOrder', 'grant: tee, app restricted, any user', {
    dataset: addr('dataset 1'), datasetprice: '1000000000', volume: '10', tag: tag('1'),
    apprestrict: addr('app 1'), workerpoolrestrict: ZeroAddress, requesterrestrict: ZeroAddress,
    salt: label('salt dataset 1'),
  }],
  ['DatasetOrder', 'bulk grant: infinite volume, sgx-era tag, user restricted', {
    dataset: addr('dataset 2'), datasetprice: '0', volume: '9007199254740991', tag: tag('3'),
    apprestrict: addr('whitelist'), workerpoolrestrict: addr('pool r'), requesterrestrict: addr('requester r'),
    salt: label('salt dataset 2'),
  }],
  ['DatasetOrder', 'null dataset order', {
    dataset: ZeroAddress, datasetprice: '0', volume: '0', tag: tag('0'),
    apprestrict: ZeroAddress, workerpoolrestrict: ZeroAddress, requesterrestrict: ZeroAddress,
    salt: tag('0'),
  }],
  ['WorkerpoolOrder', 'tdx gpu pool, category 0, trust 0', {
    workerpool: addr('pool 1'), workerpoolprice: '100000000', volume: '1000', tag: tag('109'),
    category: '0', trust: '0', apprestrict: ZeroAddress, datasetrestrict: ZeroAddress, requesterrestrict: ZeroAddress,
    salt: label('salt pool 1'),
  }],
  ['WorkerpoolOrder', 'replicated pool, every restriction, large values', {
    workerpool: addr('pool 2'), workerpoolprice: MAX, volume: '18446744073709551616', tag: tag('0'),
    category: '4', trust: '1000000', apprestrict: addr('app 2'), datasetrestrict: addr('dataset 2'),
    requesterrestrict: addr('requester r'), salt: label('salt pool 2'),
  }],
  ['RequestOrder', 'empty params, no dataset', {
    app: addr('app 1'), appmaxprice: '0', dataset: ZeroAddress, datasetmaxprice: '0',
    workerpool: ZeroAddress, workerpoolmaxprice: '0', requester: ownerWallet.address, volume: '1', tag: tag('0'),
    category: '0', trust: '0', beneficiary: ownerWallet.address, callback: ZeroAddress, params: '',
    salt: label('salt request 1'),
  }],
  ['RequestOrder', 'json params with unicode, callback, all set', {
    app: addr('app 2'), appmaxprice: '5', dataset: addr('dataset 1'), datasetmaxprice: '1000000000',
    workerpool: addr('pool 1'), workerpoolmaxprice: MAX, requester: ownerWallet.address, volume: '3', tag: tag('9'),
    category: '2', trust: '1', beneficiary: addr('beneficiary'), callback: addr('callback'),
    params: JSON.stringify({ iexec_args: 'héllo wörld — ✓ 日本語 🚀', iexec_input_files: ['https://example.com/a.csv'], iexec_secrets: { 1: 'api-key' }, iexec_result_encryption: true }),
    salt: label('salt request 2'),
  }],
  ['RequestOrder', 'plain-text params (iexec_args)', {
    app: addr('app 1'), appmaxprice: '0', dataset: ZeroAddress, datasetmaxprice: '0',
    workerpool: ZeroAddress, workerpoolmaxprice: '0', requester: ownerWallet.address, volume: '1', tag: tag('1'),
    category: '0', trust: '0', beneficiary: ownerWallet.address, callback: ZeroAddress,
    params: '--input "a b" --flag \u0000 end', salt: label('salt request 3'),
  }],
];

const fakeContracts = (domain) => ({
  getIExecContract: () => ({
    domain: async () => ({
      name: 'iExecODB', version: '5.0.0', chainId: BigInt(domain.chainId), verifyingContract: domain.verifyingContract,
    }),
  }),
});

const eipDomain = (d) => ({ name: 'iExecODB', version: '5.0.0', chainId: d.chainId, verifyingContract: d.verifyingContract });

const orderVectors = [];
for (const d of domains) {
  for (const [primary, description, order] of orders) {
    const domain = eipDomain(d);
    const hash = TypedDataEncoder.hash(domain, types(primary), order);
    let sdk = null;
    try {
      sdk = await sdkHash[primary](fakeContracts(d), order);
    } catch (error) {
      sdk = null; // the SDK refuses some values its validators do not allow; ethers still hashes them
    }
    if (sdk !== null && sdk !== hash) throw new Error(`SDK and ethers disagree on ${description} @ ${d.label}`);
    const sign = await ownerWallet.signTypedData(domain, types(primary), order);
    const operations = {};
    for (const [name, operation] of [['sign', 0], ['close', 1]]) {
      const message = { order, operation };
      const opHash = TypedDataEncoder.hash(domain, operationTypes(primary), message);
      operations[name] = { hash: opHash, sign: await ownerWallet.signTypedData(domain, operationTypes(primary), message) };
    }
    orderVectors.push({
      description, domain: d.label, chainId: d.chainId, verifyingContract: d.verifyingContract,
      kind: kindOf[primary],
      order: { ...order, sign },
      structHash: TypedDataEncoder.hashStruct(primary, types(primary), order),
      domainSeparator: TypedDataEncoder.hashDomain(domain),
      hash, sdkHash: sdk,
      signer: ownerWallet.address,
      compactSign: Signature.from(sign).compactSerialized,
      operations,
    });
  }
}

// Formulas (poco.md §2.2, §3.3-3.14; devtools.md §1.5, §2.6, §3.1).
const taskIds = [];
for (const [dealLabel, idx] of [['deal a', 0n], ['deal a', 1n], ['deal b', 2n ** 255n], ['deal c', MaxUint256]]) {
  const dealId = label(dealLabel);
  taskIds.push({ dealId, index: idx.toString(), taskId: solidityPackedKeccak256(['bytes32', 'uint256'], [dealId, idx]) });
}
const dealIds = [0n, 1n, 12345678901234567890n, MaxUint256].map((consumed) => {
  const requestHash = label(`request ${consumed}`);
  return { requestHash, consumed: consumed.toString(), dealId: solidityPackedKeccak256(['bytes32', 'uint256'], [requestHash, consumed]) };
});

const results = [];
for (const [i, worker] of [ownerWallet.address, ZeroAddress, addr('worker x')].entries()) {
  const taskId = label(`task ${i}`);
  const digest = label(`digest ${i}`);
  const resultHash = solidityPackedKeccak256(['bytes32', 'bytes32'], [taskId, digest]);
  const resultSeal = solidityPackedKeccak256(['address', 'bytes32', 'bytes32'], [worker, taskId, digest]);
  const enclaveMessage = solidityPackedKeccak256(['bytes32', 'bytes32'], [resultHash, resultSeal]);
  results.push({
    worker, taskId, digest, resultHash, resultSeal, enclaveMessage,
    enclaveSign: await otherWallet.signMessage(getBytes(enclaveMessage)),
    enclaveSigner: otherWallet.address,
  });
}

const callbacks = ['0x', '0x00', '0x' + '00'.repeat(31) + '01', '0xdeadbeef' + 'ab'.repeat(100)].map((data) => ({ data, digest: keccak256(data) }));

const authorizations = [];
for (const [i, challenge] of [ZeroAddress, addr('enclave challenge')].entries()) {
  const worker = addr(`worker ${i}`);
  const taskId = label(`authorized task ${i}`);
  const hash = solidityPackedKeccak256(['address', 'bytes32', 'address'], [worker, taskId, challenge]);
  authorizations.push({
    worker, taskId, enclaveChallenge: challenge, hash,
    ethSignedHash: hashMessage(getBytes(hash)),
    sign: await ownerWallet.signMessage(getBytes(hash)), signer: ownerWallet.address,
    enclaveToWorker: solidityPackedKeccak256(['bytes32', 'address'], [taskId, worker]),
    challengeRequest: keccak256(taskId),
  });
}

const smsDomain = keccak256(toUtf8Bytes('IEXEC_SMS_DOMAIN'));
const sms = [];
for (const [owner, name, value] of [
  [addr('dataset 1'), null, 'LSkO6XhZ4Jg9y3Wl8p1KcQ2vT5uR7bN0aE+fDgHiJjM='],
  [ownerWallet.address, 'iexec-result-encryption-public-key', 'LS0tLS1CRUdJTiBQVUJMSUMgS0VZ'],
  [addr('app 1'), '1', 'développeur ✓ secret'],
  [ownerWallet.address, 'api-key', ''],
]) {
  const valueHash = keccak256(toUtf8Bytes(value));
  const challenge = name === null
    ? keccak256(concat([smsDomain, owner, valueHash]))
    : keccak256(concat([smsDomain, owner, keccak256(toUtf8Bytes(name)), valueHash]));
  sms.push({ owner, name, value, challenge, sign: await ownerWallet.signMessage(getBytes(challenge)), signer: ownerWallet.address });
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({
  generator: 'scripts/vectors/orders.mjs (ethers 6.17.0, iexec 9.0.1)',
  orders: orderVectors, taskIds, dealIds, results, callbacks, authorizations, sms: { domain: smsDomain, challenges: sms },
}, null, 1) + '\n');
const sdkChecked = orderVectors.filter((v) => v.sdkHash !== null).length;
console.log(`orders.json: ${orderVectors.length} order vectors (${sdkChecked} also hashed by the iexec SDK)`);
