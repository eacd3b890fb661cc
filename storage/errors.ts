/**
 * Typed storage errors. The HTTP layer maps them to problem responses in one place, so each carries the facts a
 * caller needs (never a filesystem path).
 */
export class StorageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ObjectNotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}

export class ChecksumMismatchError extends StorageError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`sha256 mismatch: expected ${expected}, got ${actual}`);
  }
}

export class InvalidRangeError extends StorageError {
  constructor(
    readonly range: { start: number; end?: number },
    readonly size: number,
  ) {
    super(`range ${range.start}-${range.end ?? ''} is not satisfiable for an object of ${size} bytes`);
  }
}

export class InvalidKeyError extends StorageError {
  constructor(readonly key: string) {
    // Truncated: the value may be hostile and end up in logs.
    super(`invalid object key: ${JSON.stringify(key.slice(0, 100))}`);
  }
}

export class ObjectTooLargeError extends StorageError {
  constructor(readonly limit: number) {
    super(`object exceeds the limit of ${limit} bytes`);
  }
}
