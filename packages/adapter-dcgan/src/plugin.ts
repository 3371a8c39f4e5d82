import { definePlugin } from '@attrib/core';

export default definePlugin({
  register() {
    // Contributions of @attrib/adapter-dcgan are registered here as they land.
  },
});
