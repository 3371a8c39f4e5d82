export { EXPORT_FILES, EXPORT_FORMAT, type ExportInfo } from './export-info.js';
export { exportableAdapters, exportGenerator, type ExportResult } from './write-export.js';
export { fileModelHandler, loadExportedModel, modelJsonPath } from './load-export.js';
export { generateImages, IMAGES_RECORD, type GenerateImagesOptions, type GenerateImagesResult } from './generate-images.js';
