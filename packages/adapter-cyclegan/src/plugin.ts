import { definePlugin } from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import { unalignedImageSource } from './unaligned-source.js';

export default definePlugin({
  register(registrar) {
    registrar.adapter(cycleganAdapter);
    registrar.imageSource(unalignedImageSource);
  },
});
