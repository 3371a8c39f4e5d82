import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EXPORT_FILES } from './export-info.js';

function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** `path` itself when it names a .json file, else `path/model.json`. */
export function modelJsonPath(path: string): string {
  return path.endsWith('.json') ? path : join(path, EXPORT_FILES.model);
}

/**
 * A tfjs IOHandler that reads a layers model's `model.json` and its weight files from disk
 * (tfjs-core's own handlers are for browsers and HTTP; tfjs-node's `file://` needs the native
 * binding). Errors are one line naming the file.
 */
export function fileModelHandler(modelJson: string): tf.io.IOHandler {
  return {
    load: async () => {
      let text: string;
      try {
        text = await readFile(modelJson, 'utf8');
      } catch (error) {
        throw new Error(`${modelJson}: cannot read (${reason(error)}); expected the model.json of an exported model (\`attrib export\`)`);
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch {
        throw new Error(`${modelJson}: not JSON; expected a TensorFlow.js layers model.json`);
      }
      if (typeof json !== 'object' || json === null || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`${modelJson}: not a TensorFlow.js layers model (expected modelTopology and weightsManifest)`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const file = join(dirname(modelJson), path);
            let bytes: Buffer;
            try {
              bytes = await readFile(file);
            } catch (error) {
              throw new Error(`${file}: cannot read the weights named by ${modelJson} (${reason(error)})`);
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [manifest.flatMap((group) => group.weights), tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Loads an exported model (a folder holding model.json, or the model.json file itself) with
 * tfjs-layers alone: no attrib checkpoint or adapter is involved. The caller disposes the model.
 */
export async function loadExportedModel(path: string): Promise<LayersModel> {
  const file = modelJsonPath(path);
  try {
    // Loaded here, not with core: about 80 ms that other commands and worker threads need not pay.
    const { loadLayersModel } = await import('@tensorflow/tfjs-layers');
    return await loadLayersModel(fileModelHandler(file));
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith(file) || message.includes(dirname(file)) ? message : `${file}: cannot load the model (${message})`);
  }
}
