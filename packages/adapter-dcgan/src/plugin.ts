import { definePlugin } from '@attrib/core';
import { dcganAdapter } from './adapter.js';

export default definePlugin({
  register(registrar) {
    registrar.adapter(dcganAdapter);
  },
});
