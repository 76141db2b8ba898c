'use strict';
// Runs an ONNX model in ONNX Runtime (CPU) as the test oracle and benchmark peer.
//
//   node tests/oracle/ort-run.js --model M.onnx --input [NAME=]X.npy ... --output-dir D [--threads N]
//     writes D/<sanitized output name>.npy per output; prints {"outputs":[{name,file,shape,dtype}]}
//   node tests/oracle/ort-run.js --model M.onnx [--input NAME=X.npy ...] --bench
//       [--iterations K] [--warmup W] [--threads N]
//     prints {"median_ms","p90_ms","p99_ms","min_ms","iterations","threads"}
//       [--shape NAME:1x3x640x640 ...]
//     inputs not given are filled with seeded uniform noise of the --shape given for them, or of
//     the declared shape (symbolic dims = 1).
//
// Sessions use N intra-op threads, one inter-op thread, sequential execution and every graph
// optimization, so that timings compare with a single-stream engine. Exit 2 on bad usage, 1 on failure.

const fs = require('node:fs');
const path = require('node:path');
const { readNpy, writeNpy } = require('./npy.js');

const repoRoot = path.resolve(__dirname, '..', '..');
const ortPath = path.join(repoRoot, '.cache', 'ort', 'node_modules', 'onnxruntime-node');

class UsageError extends Error {}

function parseArgs(argv) {
  const args = { inputs: [], shapes: {}, threads: 1, bench: false, iterations: 50, warmup: 5, seed: 1 };
  const value = (i, flag) => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  const count = (text, flag, min) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got ${text}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--model': args.model = value(i, flag); i++; break;
      case '--input': args.inputs.push(value(i, flag)); i++; break;
      case '--output-dir': args.outputDir = value(i, flag); i++; break;
      case '--threads': args.threads = count(value(i, flag), flag, 1); i++; break;
      case '--bench': args.bench = true; break;
      case '--iterations': args.iterations = count(value(i, flag), flag, 1); i++; break;
      case '--warmup': args.warmup = count(value(i, flag), flag, 0); i++; break;
      case '--seed': args.seed = count(value(i, flag), flag, 0); i++; break;
      case '--shape': {
        const spec = value(i, flag);
        const colon = spec.lastIndexOf(':');
        const dims = colon > 0 ? spec.slice(colon + 1).split('x').map(Number) : [];
        if (colon <= 0 || dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
          throw new UsageError(`--shape ${spec} must look like NAME:1x3x640x640`);
        }
        args.shapes[spec.slice(0, colon)] = dims;
        i++;
        break;
      }
      default: throw new UsageError(`unknown argument ${flag}`);
    }
  }
  if (!args.model) throw new UsageError('--model is required');
  if (!args.bench && !args.outputDir) throw new UsageError('--output-dir is required (or --bench)');
  return args;
}

function loadOrt() {
  if (!fs.existsSync(path.join(ortPath, 'package.json'))) {
    throw new Error(`onnxruntime-node is not installed at ${ortPath}; run ./scripts/setup.sh`);
  }
  return require(ortPath);
}

function sanitize(name) {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s.length === 0 || s.startsWith('.') ? `_${s}` : s;
}

function readInputs(ort, session, specs) {
  const feeds = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    let name;
    let file;
    if (eq > 0) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else if (session.inputNames.length === 1) {
      name = session.inputNames[0];
      file = spec;
    } else {
      throw new UsageError(`--input ${spec} needs NAME= because the model has ${session.inputNames.length} inputs`);
    }
    if (!session.inputNames.includes(name)) {
      throw new UsageError(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    }
    const { type, shape, data } = readNpy(file, fs.readFileSync(file));
    feeds[name] = new ort.Tensor(type, data, shape);
  }
  return feeds;
}

// A small deterministic generator so benchmark inputs do not depend on Math.random.
function noise(seed, count) {
  let state = (seed * 2654435761 + 1) >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296 * 2 - 1;
  }
  return out;
}

function fillMissingInputs(ort, session, feeds, seed, shapes) {
  session.inputMetadata.forEach((meta, index) => {
    if (meta.name in feeds) return;
    if (!meta.isTensor || meta.type !== 'float32') {
      throw new UsageError(`input '${meta.name}' is not float32; give it with --input`);
    }
    const shape = shapes[meta.name] ?? meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const count = shape.reduce((a, b) => a * b, 1);
    feeds[meta.name] = new ort.Tensor('float32', noise(seed + index, count), shape);
  });
}

function percentile(sorted, p) {
  // Nearest-rank: the smallest sample with at least p% of samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

async function bench(session, feeds, args) {
  for (let i = 0; i < args.warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.iterations; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    median_ms: times.length % 2 === 1
      ? times[(times.length - 1) / 2]
      : (times[times.length / 2 - 1] + times[times.length / 2]) / 2,
    p90_ms: percentile(times, 90),
    p99_ms: percentile(times, 99),
    min_ms: times[0],
    iterations: args.iterations,
    threads: args.threads,
  };
}

async function writeOutputs(session, feeds, outputDir) {
  const results = await session.run(feeds);
  fs.mkdirSync(outputDir, { recursive: true });
  const used = new Set();
  const outputs = [];
  for (const name of session.outputNames) {
    const tensor = results[name];
    let base = sanitize(name);
    for (let k = 1; used.has(base); k++) base = `${sanitize(name)}_${k}`;
    used.add(base);
    const file = path.join(outputDir, `${base}.npy`);
    const shape = Array.from(tensor.dims, Number);
    fs.writeFileSync(file, writeNpy(tensor.type, shape, tensor.data));
    outputs.push({ name, file, shape, dtype: tensor.type });
  }
  return { outputs };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = readInputs(ort, session, args.inputs);
  if (args.bench) {
    fillMissingInputs(ort, session, feeds, args.seed, args.shapes);
    process.stdout.write(`${JSON.stringify(await bench(session, feeds, args))}\n`);
  } else {
    const missing = session.inputNames.filter((n) => !(n in feeds));
    if (missing.length > 0) throw new UsageError(`no --input for: ${missing.join(', ')}`);
    process.stdout.write(`${JSON.stringify(await writeOutputs(session, feeds, args.outputDir))}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`ort-run: ${error && error.message ? error.message : error}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
