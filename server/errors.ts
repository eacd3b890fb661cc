/**
 * Typed domain errors. Features throw these; the HTTP error middleware is the only place that turns them
 * into RFC 9457 problem documents, so handlers never build error responses themselves.
 */
export interface FieldError {
  /** JSON pointer-ish path of the offending input, e.g. `body.code` or `query.limit`. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Stable slug; the problem `type` URI is derived from it. */
  abstract readonly slug: string;
  abstract readonly title: string;
  readonly errors: FieldError[] | undefined;

  constructor(detail: string, errors?: FieldError[]) {
    super(detail);
    this.name = new.target.name;
    this.errors = errors;
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly slug = 'bad-request';
  readonly title = 'Solicitud mal formada';
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'Credenciales ausentes o inválidas';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'Acción no permitida para este rol';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Recurso no encontrado';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'Conflicto con el estado actual';
}

/** The record existed and was destroyed under its retention schedule: only its tombstone remains. */
export class GoneError extends DomainError {
  readonly status = 410;
  readonly slug = 'gone';
  readonly title = 'Contenido eliminado';
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'Contenido demasiado grande';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Tipo de contenido no admitido';
}

export class ValidationError extends DomainError {
  readonly status = 422;
  readonly slug = 'validation';
  readonly title = 'Datos inválidos';
}

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  readonly slug = 'unavailable';
  readonly title = 'Servicio no disponible';
}

export const PROBLEM_TYPE_BASE = 'urn:legajo:problem:';

export class MethodNotAllowedError extends DomainError {
  readonly status = 405;
  readonly slug = 'method-not-allowed';
  readonly title = 'Método no permitido';
}

export class NotImplementedError extends DomainError {
  readonly status = 501;
  readonly slug = 'not-implemented';
  readonly title = 'Método no implementado';
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  readonly slug = 'too-many-requests';
  readonly title = 'Demasiadas solicitudes';
  constructor(
    detail: string,
    /** Seconds until the caller may try again (sent as Retry-After). */
    readonly retryAfterSeconds: number,
  ) {
    super(detail);
  }
}
