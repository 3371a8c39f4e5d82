import { definePlugin } from '@attrib/core';

export default definePlugin({
  register() {
    // Contributions of @attrib/postprocess are registered here as they land.
  },
});
