/** A minimal JSON client for the service's HTTP API, as a site's back office would use it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`)
  }
}

export class Api {
  /** token: a session token or an API key, sent as `Authorization: Bearer …` on every request. */
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** The same service as another caller. */
  as(token: string | undefined): Api {
    return new Api(this.baseUrl, token)
  }

  /** Headers that carry this client's credentials, for requests made with fetch directly. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token === undefined ? extra : { authorization: `Bearer ${this.token}`, ...extra }
  }

  /** fetch() with this client's credentials; path is relative to the base URL. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.baseUrl + path, { ...init, headers: this.headers((init.headers ?? {}) as Record<string, string>) })
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': contentType }),
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    })
    const text = await res.text()
    const parsed: unknown = text ? JSON.parse(text) : undefined
    if (!res.ok) throw new ApiError(res.status, parsed)
    return parsed as T
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  /** Every row of a paged listing: follows `Link: <…>; rel="next"` from page to page (lists are capped per page). */
  async getAll<T>(path: string): Promise<T[]> {
    const rows: T[] = []
    for (let next: string | undefined = path; next !== undefined; ) {
      const res = await this.fetch(next)
      const parsed: unknown = JSON.parse(await res.text())
      if (!res.ok) throw new ApiError(res.status, parsed)
      rows.push(...(parsed as T[]))
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
    }
    return rows
  }
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body)
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body)
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path)
  }
}
