// The kernels package must not depend on core; its tests take core's seeded generator from here.
export { createRng } from '@attrib/core';
