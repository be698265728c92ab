// Compiles contracts/src with solc-js (pinned in package.json) and writes one artifact per
// contract to contracts/artifacts/<Name>.json: { contractName, sourceName, abi, bytecode,
// deployedBytecode } (Foundry-like, read by alloy's `sol!`).
//
//   node scripts/compile.mjs          compile and write the artifacts
//   node scripts/compile.mjs --check  compile and fail if the committed artifacts differ
//
// Settings are pinned here so that a rebuild is byte-for-byte reproducible.
import { readFileSync, writeFileSync, readdirSync, statSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const outDir = join(root, 'artifacts');
const check = process.argv.includes('--check');

export const SETTINGS = {
  evmVersion: 'cancun',
  viaIR: true,
  optimizer: { enabled: true, runs: 1000 },
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function sources(dir) {
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, sources(path));
    else if (name.endsWith('.sol')) out[`src/${relative(srcDir, path)}`] = { content: readFileSync(path, 'utf8') };
  }
  return out;
}

function findImports(path) {
  for (const base of [join(root, 'node_modules'), root]) {
    const candidate = join(base, path);
    if (existsSync(candidate)) return { contents: readFileSync(candidate, 'utf8') };
  }
  return { error: `not found: ${path}` };
}

const input = { language: 'Solidity', sources: sources(srcDir), settings: SETTINGS };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
// Errors anywhere, and warnings in our own sources, fail the build.
const problems = (output.errors ?? []).filter(
  (e) => e.severity === 'error' || (e.sourceLocation?.file ?? '').startsWith('src/'),
);
for (const e of problems) console.error(e.formattedMessage);
if (problems.length > 0) process.exit(1);

const artifacts = {};
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  if (!sourceName.startsWith('src/')) continue; // dependencies get no artifact
  for (const [contractName, c] of Object.entries(contracts)) {
    // Artifacts: deployable contracts, and interfaces (ABI only); not internal libraries or
    // abstract bases.
    const deployable = c.evm.deployedBytecode.object.length > 6;
    if (!deployable && (!sourceName.startsWith('src/interfaces/') || c.abi.length === 0)) continue;
    if (artifacts[contractName]) throw new Error(`two contracts are named ${contractName}`);
    artifacts[contractName] = JSON.stringify({
      contractName,
      sourceName,
      compiler: `solc ${solc.version()}`,
      abi: c.abi,
      bytecode: { object: `0x${c.evm.bytecode.object}` },
      deployedBytecode: { object: `0x${c.evm.deployedBytecode.object}` },
    }, null, 1) + '\n';
  }
}

if (check) {
  const stale = [];
  const committed = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.json')) : [];
  for (const [name, text] of Object.entries(artifacts)) {
    const path = join(outDir, `${name}.json`);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name);
  }
  for (const file of committed) if (!artifacts[file.slice(0, -5)]) stale.push(`${file} (no such contract)`);
  if (stale.length > 0) {
    console.error(`error: contracts/artifacts is stale (run \`npm run compile\` in contracts/): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(`contracts: ${Object.keys(artifacts).length} artifacts up to date (solc ${solc.version()})`);
} else {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(artifacts)) writeFileSync(join(outDir, `${name}.json`), text);
  const sizes = Object.entries(artifacts)
    .map(([name, text]) => [name, (JSON.parse(text).deployedBytecode.object.length - 2) / 2])
    .filter(([, size]) => size > 0)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, size] of sizes) console.log(`${String(size).padStart(6)} B  ${name}${size > 24576 ? '  OVER THE 24 KiB LIMIT' : ''}`);
}
