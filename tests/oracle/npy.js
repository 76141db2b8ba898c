'use strict';
// Minimal NumPy .npy reader/writer for the ONNX Runtime oracle: v1.0 writes, v1-3 reads,
// little-endian C-order arrays of the element types EdgeAgent exchanges with ORT.

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// descr kind -> [ORT tensor type, typed array constructor]
const KINDS = {
  f4: ['float32', Float32Array],
  f8: ['float64', Float64Array],
  f2: ['float16', Uint16Array],
  i8: ['int64', BigInt64Array],
  i4: ['int32', Int32Array],
  i1: ['int8', Int8Array],
  u1: ['uint8', Uint8Array],
  b1: ['bool', Uint8Array],
};

const DESCR = {
  float32: '<f4', float64: '<f8', float16: '<f2', int64: '<i8',
  int32: '<i4', int8: '|i1', uint8: '|u1', bool: '|b1',
};

function fail(file, problem) {
  throw new Error(`${file}: malformed .npy file: ${problem}`);
}

function readNpy(file, bytes) {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(file, 'bad magic or too short');
  const major = bytes[6];
  let offset;
  let headerLength;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(file, 'truncated header');
    headerLength = bytes.readUInt32LE(8);
    offset = 12;
  } else {
    fail(file, `unsupported version ${major}`);
  }
  if (offset + headerLength > bytes.length) fail(file, 'truncated header');
  const header = bytes.subarray(offset, offset + headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) fail(file, `header is not a valid dictionary: ${header.trim()}`);
  if (fortran[1] === 'True') fail(file, 'fortran_order True is not supported');
  const order = descr[1][0];
  const kind = '<>|='.includes(order) ? descr[1].slice(1) : descr[1];
  if (!(kind in KINDS)) fail(file, `unsupported dtype ${descr[1]}`);
  const [type, ArrayType] = KINDS[kind];
  if (order === '>' && ArrayType.BYTES_PER_ELEMENT > 1) fail(file, `big-endian dtype ${descr[1]}`);
  const shape = shapeText[1].split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(file, `bad shape (${shapeText[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLength;
  const byteCount = count * ArrayType.BYTES_PER_ELEMENT;
  if (dataStart + byteCount > bytes.length) fail(file, `data truncated: needs ${byteCount} bytes`);
  // Copy into a fresh buffer: typed arrays need element alignment the file offset may not give.
  const data = new ArrayType(count);
  Buffer.from(data.buffer).set(bytes.subarray(dataStart, dataStart + byteCount));
  return { type, shape, data };
}

function writeNpy(type, shape, data) {
  const descr = DESCR[type];
  if (!descr) throw new Error(`cannot write ${type} tensors as .npy`);
  let shapeText;
  if (shape.length === 0) shapeText = '()';
  else if (shape.length === 1) shapeText = `(${shape[0]},)`;
  else shapeText = `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const header = dict + ' '.repeat(padded - unpadded) + '\n';
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  let payload;
  if (type === 'bool' && !(data instanceof Uint8Array)) {
    payload = Buffer.from(Array.from(data, (v) => (v ? 1 : 0)));
  } else {
    payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), payload]);
}

module.exports = { readNpy, writeNpy };
