import { definePlugin } from '@attrib/core';
import { pganAdapter } from './adapter.js';

export default definePlugin({
  register(registrar) {
    registrar.adapter(pganAdapter);
  },
});
