// Kubernetes `Status` objects: every error the simulator returns has this shape, because kubectl prints
// `Error from server (<reason>): <message>` from exactly these fields.

export type StatusReason =
  | 'NotFound'
  | 'BadRequest'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'Expired'
  | 'AlreadyExists'
  | 'Conflict'
  | 'UnsupportedMediaType'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'InternalError';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  retryAfterSeconds?: number;
  /** For Invalid: one per field, which kubectl prints as `* field: message`. */
  causes?: StatusCause[];
}

export interface StatusCause {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported';
  message: string;
  field: string;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An error that carries the Status the server should answer with. */
export class StatusError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

export function makeStatus(code: number, reason: StatusReason, message: string, details?: StatusDetails): KubeStatus {
  const s: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

/** `pods "web-1" not found` — resource is the plural name, as apimachinery's NewNotFound prints it. */
export function notFound(resource: string, name: string, group = ''): StatusError {
  const details: StatusDetails = { name, kind: resource };
  if (group) details.group = group;
  const qualified = group ? `${resource}.${group}` : resource;
  return new StatusError(makeStatus(404, 'NotFound', `${qualified} "${name}" not found`, details));
}

/** errors.NewBadRequest has no details. */
export function badRequest(message: string): StatusError {
  return new StatusError(makeStatus(400, 'BadRequest', message));
}

/** errors.NewInvalid: one cause as it is, several as an aggregate `[a, b]`. */
export function invalid(kind: string, name: string, causes: string[]): StatusError {
  const text = causes.length === 1 ? causes[0] : `[${causes.join(', ')}]`;
  return new StatusError(makeStatus(422, 'Invalid', `${kind} "${name}" is invalid: ${text}`, { name, kind, causes: causes.map(statusCause) }));
}

/** `field: Required value` → a StatusCause, as field.Error becomes one in errors.NewInvalid. */
function statusCause(text: string): StatusCause {
  const at = text.indexOf(': ');
  const field = at < 0 ? '' : text.slice(0, at);
  const message = at < 0 ? text : text.slice(at + 2);
  const reason = message.startsWith('Required value') ? 'FieldValueRequired' : message.startsWith('Unsupported value') ? 'FieldValueNotSupported' : 'FieldValueInvalid';
  return { reason, message, field };
}

export function alreadyExists(resource: string, name: string): StatusError {
  return new StatusError(makeStatus(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource }));
}

export function methodNotAllowed(method: string): StatusError {
  return new StatusError(makeStatus(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`));
}

export function expired(requested: string, oldest: string): KubeStatus {
  return makeStatus(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}
