export { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { encodePng, decodePng, readPng, writePng, type Image8 } from './png.js';
