// Runs an original UpscalerJS ESRGAN TF.js layers model (model.json + shards) with the pure-JS
// CPU backend and writes its output as raw little-endian float32. This is the reference our
// converted TorchScript files are compared against.
//
//   node tfjs_esrgan_ref.cjs TFJS_DIR ESRGAN_JS MODEL_DIR ARCH SCALE INPUT.f32 N H W OUT.f32
//     TFJS_DIR   folder holding node_modules/@tensorflow/* (setup_tfjs.sh prints it)
//     ESRGAN_JS  the package's own dist/cjs/packages/shared/src/esrgan/esrgan.js: its setup()
//                registers the custom layers (MultiplyBeta, PixelShuffle<s>x) exactly as
//                UpscalerJS does, so the reference does not rest on our reading of them
//     MODEL_DIR  one scale's folder (model.json, group1-shard*.bin)
//     ARCH       rrdn (thick) or rdn (medium, slim), as the package's getModelDefinition says
//     INPUT.f32  N x H x W x 3 floats, RGB, NHWC, in the model's own input range
//   prints the input/output range the package declares for ARCH, then the output shape
'use strict';
const fs = require('fs');
const path = require('path');
const { fileHandler } = require('./tfjs_file_handler.cjs');

const [tfjsDir, esrganJs, modelDir, arch, scaleStr, inputPath, nStr, hStr, wStr, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node tfjs_esrgan_ref.cjs TFJS_DIR ESRGAN_JS MODEL_DIR ARCH SCALE INPUT.f32 N H W OUT.f32');
  process.exit(2);
}
const mod = (name) => require(path.join(tfjsDir, 'node_modules', '@tensorflow', name));
const core = mod('tfjs-core');
mod('tfjs-backend-cpu');
const tfl = mod('tfjs-layers');
// The union package's shape (tf.layers.Layer, tf.mul, ...), which esrgan.js's setup expects.
const tf = Object.assign({}, core, { layers: tfl.layers });

async function main() {
  await core.setBackend('cpu');
  await core.ready();
  const scale = parseInt(scaleStr, 10);
  const { getESRGANModelDefinition } = require(path.resolve(esrganJs));
  const def = getESRGANModelDefinition({ scale, name: 'ref', version: '0', meta: { architecture: arch } });
  if (def.setup) def.setup(tf);
  console.log('range', JSON.stringify(def.inputRange), JSON.stringify(def.outputRange));
  const model = await tfl.loadLayersModel(fileHandler(path.join(modelDir, 'model.json')));
  const [n, h, w] = [nStr, hStr, wStr].map((v) => parseInt(v, 10));
  const raw = fs.readFileSync(inputPath);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  if (data.length !== n * h * w * 3) throw new Error(`input has ${data.length} floats, want ${n}x${h}x${w}x3`);
  const out = model.predict(core.tensor4d(data, [n, h, w, 3]));
  const values = out.dataSync();
  fs.writeFileSync(outPath, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  console.log('output', out.shape.join('x'));
}

main().catch((e) => { console.error(e); process.exit(1); });
