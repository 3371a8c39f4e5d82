/**
 * The limits every reader checks a file's declared sizes against *before* it allocates, inflates
 * or decodes, so that a small hostile file cannot take gigabytes or minutes. Defaults fit every
 * model attrib trains or imports with room to spare; each can be raised by an environment
 * variable (read once, when first needed) or by {@link setReadLimits}.
 */
export interface ReadLimits {
  /** Elements of one tensor (`.pth`, `.ckpt`, `.npy`). Default 2^28 (1 GiB of float32). `ATTRIB_MAX_TENSOR_ELEMENTS`. */
  readonly maxTensorElements: number;
  /** Bytes one zip entry may inflate to. Default 4 GiB. `ATTRIB_MAX_ZIP_ENTRY_BYTES`. */
  readonly maxZipEntryBytes: number;
  /** Nesting of containers and modules in a pickle. Default 1000. `ATTRIB_MAX_NESTING`. */
  readonly maxNesting: number;
  /** Bytes of one pickled integer (LONG1/LONG4). Default 1024. `ATTRIB_MAX_PICKLE_INT_BYTES`. */
  readonly maxPickleIntBytes: number;
  /** Pixels (width x height) of one image read from PNG or JPEG. Default 2^26 (8192 x 8192). `ATTRIB_MAX_IMAGE_PIXELS`. */
  readonly maxImagePixels: number;
  /** Images in one IDX file. Default 2^24. `ATTRIB_MAX_IDX_IMAGES`. */
  readonly maxIdxImages: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({
  maxTensorElements: 2 ** 28,
  maxZipEntryBytes: 4 * 2 ** 30,
  maxNesting: 1000,
  maxPickleIntBytes: 1024,
  maxImagePixels: 2 ** 26,
  maxIdxImages: 2 ** 24,
});

const ENV: Record<keyof ReadLimits, string> = {
  maxTensorElements: 'ATTRIB_MAX_TENSOR_ELEMENTS',
  maxZipEntryBytes: 'ATTRIB_MAX_ZIP_ENTRY_BYTES',
  maxNesting: 'ATTRIB_MAX_NESTING',
  maxPickleIntBytes: 'ATTRIB_MAX_PICKLE_INT_BYTES',
  maxImagePixels: 'ATTRIB_MAX_IMAGE_PIXELS',
  maxIdxImages: 'ATTRIB_MAX_IDX_IMAGES',
};

let current: ReadLimits | undefined;

function fromEnvironment(): ReadLimits {
  const limits: Record<string, number> = { ...DEFAULT_READ_LIMITS };
  for (const [name, variable] of Object.entries(ENV)) {
    const text = process.env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`environment ${variable}=${text}: expected a positive integer`);
    limits[name] = value;
  }
  return Object.freeze(limits as unknown as ReadLimits);
}

/** The limits in force: the defaults, overridden by the environment, overridden by {@link setReadLimits}. */
export function readLimits(): ReadLimits {
  current ??= fromEnvironment();
  return current;
}

/** Overrides some limits for this process; returns the previous limits (to restore them). */
export function setReadLimits(change: Partial<ReadLimits>): ReadLimits {
  const previous = readLimits();
  current = Object.freeze({ ...previous, ...change });
  return previous;
}

/** The environment variable that raises `limit`, for error messages. */
export function limitVariable(limit: keyof ReadLimits): string {
  return ENV[limit];
}
