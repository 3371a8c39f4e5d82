// tfjs-core defines its gradients in extension-less ESM files that Node cannot import, and its
// CommonJS bundle (the one Node loads) leaves them out. The union package's CommonJS bundle
// registers every gradient into tfjs-core's process-wide registry, so importing it once makes
// tf.grad / optimizers work with tfjs-core alone, on any backend.
import '@tensorflow/tfjs';
