// Runs the original TF.js FaceMesh graph (facemesh.json + .bin) with the pure-JS CPU backend
// and writes its three outputs as raw little-endian float32. This is the reference our
// converted ONNX/TorchScript files are compared against.
//
//   node tfjs_facemesh_ref.cjs TFJS_DIR MODEL_DIR INPUT.f32 N OUTDIR
//     TFJS_DIR   folder holding node_modules/@tensorflow/* (setup_tfjs.sh prints it)
//     INPUT.f32  N x 192 x 192 x 3 floats, RGB in [0,1] (NHWC, as the model expects)
//   writes OUTDIR/{output_mesh,output_faceflag,output_contours}.f32
'use strict';
const fs = require('fs');
const path = require('path');

const [tfjsDir, modelDir, inputPath, nStr, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node tfjs_facemesh_ref.cjs TFJS_DIR MODEL_DIR INPUT.f32 N OUTDIR');
  process.exit(2);
}
const mod = (name) => require(path.join(tfjsDir, 'node_modules', '@tensorflow', name));
const tf = mod('tfjs-core');
mod('tfjs-backend-cpu');
const converter = mod('tfjs-converter');
const { fileHandler } = require('./tfjs_file_handler.cjs');

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  const model = await converter.loadGraphModel(fileHandler(path.join(modelDir, 'facemesh.json')));
  const n = parseInt(nStr, 10);
  const raw = fs.readFileSync(inputPath);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  if (data.length !== n * 192 * 192 * 3) throw new Error(`input has ${data.length} floats, want ${n}x192x192x3`);
  const input = tf.tensor4d(data, [n, 192, 192, 3]);
  const names = { output_mesh: 'Identity_2:0', output_faceflag: 'Identity_1:0', output_contours: 'Identity:0' };
  const keys = Object.keys(names);
  const outs = model.execute({ 'input_1': input }, keys.map((k) => names[k]));
  for (let i = 0; i < keys.length; i++) {
    const values = outs[i].dataSync();
    fs.writeFileSync(path.join(outDir, keys[i] + '.f32'), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    console.log(keys[i], outs[i].shape.join('x'));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
