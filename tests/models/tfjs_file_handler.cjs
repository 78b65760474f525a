// A file-backed TF.js IOHandler for the reference runners: the browser build of tfjs has no
// file:// loader. Reads model.json-style files (graph or layers) and their weight shards.
'use strict';
const fs = require('fs');
const path = require('path');

function fileHandler(jsonPath) {
  return {
    load: async () => {
      const model = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of model.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(jsonPath), p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: model.modelTopology,
        format: model.format,
        generatedBy: model.generatedBy,
        convertedBy: model.convertedBy,
        signature: model.signature,
        userDefinedMetadata: model.userDefinedMetadata,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

module.exports = { fileHandler };
