// The Kubernetes API as the collector uses it: JSON GETs and long-lived streamed GETs (watches, log follows), with
// the authentication, TLS and server of a kubeconfig loaded the way kubectl loads it. Requests are made directly
// with undici rather than through client-node's Log and Watch helpers, whose stream errors escape as uncaught
// exceptions and whose informer stops on the first error (shared/notes/kube-api.md §4).
import * as k8s from '@kubernetes/client-node';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

export interface KubeClientOptions {
  /** A kubeconfig file; else $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** A context of the kubeconfig; else its current context. */
  context?: string;
}

/** An API answer other than success, with what the Status said. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    /** From Retry-After (429, 503). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

interface AuthContext {
  headers: Record<string, string>;
  dispatcher?: Dispatcher;
}

const plainAgent = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });

function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class KubeClient {
  private constructor(
    private readonly kc: k8s.KubeConfig,
    readonly server: string,
    /** The namespace of the current context ('default' when it names none), as kubectl uses it. */
    readonly namespace: string,
  ) {}

  static load(options: KubeClientOptions = {}): KubeClient {
    const kc = new k8s.KubeConfig();
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
    if (options.context) {
      if (!kc.getContextObject(options.context)) {
        throw new Error(`no context ${JSON.stringify(options.context)} in the kubeconfig; it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`);
      }
      kc.setCurrentContext(options.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in the kubeconfig: pass --kubeconfig, set $KUBECONFIG, or run inside a pod with a service account');
    const ns = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    return new KubeClient(kc, cluster.server.replace(/\/+$/, ''), ns);
  }

  /** Builds a client from kubeconfig text (tests, the embedded demo). */
  static fromString(text: string): KubeClient {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(text);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in the kubeconfig');
    return new KubeClient(kc, cluster.server.replace(/\/+$/, ''), kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default');
  }

  /** Headers and TLS dispatcher for one request; tokens from files or exec plugins are re-read as client-node does. */
  private async auth(): Promise<AuthContext> {
    const ctx: AuthContext = { headers: {} };
    const requestContext = {
      setHeaderParam: (k: string, v: string) => {
        ctx.headers[k] = v;
      },
      setDispatcher: (d: Dispatcher) => {
        ctx.dispatcher = d;
      },
    };
    await this.kc.applySecurityAuthentication(requestContext as unknown as Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0]);
    return ctx;
  }

  /** GET a JSON document; non-2xx answers throw KubeApiError with the Status message. */
  async getJson<T>(path: string, query?: Query, timeoutMs = 30_000): Promise<T> {
    const { statusCode, headers, body } = await this.send(path, query, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await body.text();
    if (statusCode < 200 || statusCode >= 300) throw errorOf(statusCode, text, headers);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(statusCode, `${path}: the server sent something that is not JSON (${text.slice(0, 120)})`);
    }
  }

  /**
   * GET a streamed body (a watch or a log). Resolves once the headers arrived with a 2xx; the body is read as it comes
   * (no idle timeout: the caller decides when silence means trouble). `signal` aborts the request.
   */
  async stream(path: string, query: Query, signal: AbortSignal): Promise<{ status: number; body: Readable }> {
    const { statusCode, headers, body } = await this.send(path, query, { headersTimeout: 30_000, bodyTimeout: 0, signal });
    if (statusCode < 200 || statusCode >= 300) throw errorOf(statusCode, await body.text(), headers);
    return { status: statusCode, body: body as unknown as Readable };
  }

  private async send(path: string, query: Query | undefined, o: { headersTimeout: number; bodyTimeout: number; signal?: AbortSignal }) {
    const auth = await this.auth();
    try {
      return await request(`${this.server}${path}${queryString(query)}`, {
        method: 'GET',
        headers: { Accept: 'application/json', 'User-Agent': 'envoy-lens', ...auth.headers },
        dispatcher: auth.dispatcher ?? plainAgent,
        headersTimeout: o.headersTimeout,
        bodyTimeout: o.bodyTimeout,
        ...(o.signal ? { signal: o.signal } : {}),
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new KubeApiError(0, `${this.server}${path}: ${(err as Error).message}`, 'ConnectionFailed');
    }
  }
}

function errorOf(status: number, text: string, headers: Record<string, string | string[] | undefined>): KubeApiError {
  let message = text.slice(0, 500);
  let reason: string | undefined;
  try {
    const s = JSON.parse(text) as { message?: string; reason?: string };
    if (typeof s.message === 'string') message = s.message;
    if (typeof s.reason === 'string') reason = s.reason;
  } catch {
    // not a Status: keep the text
  }
  const retry = Number(headers['retry-after']);
  return new KubeApiError(status, message || `HTTP ${status}`, reason, Number.isFinite(retry) && retry >= 0 ? retry * 1000 : undefined);
}
