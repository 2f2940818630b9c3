import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The HTTP plumbing both stand-ins share: an answer value their handlers return, reading a request
 * body, and writing the answer (JSON unless `raw` text such as Cloudflare's HTML 502 is given).
 */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
    /** Sent as is, not as JSON. */
    readonly raw?: string,
  ) {}
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendAnswer(res: ServerResponse, answer: HttpAnswer, jsonType = 'application/json'): void {
  // The client may have given up (timeout) while we worked; the work is done all the same.
  if (res.destroyed) return;
  const payload = answer.raw ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body));
  res.writeHead(answer.status, {
    ...(answer.raw === undefined && payload !== undefined ? { 'content-type': jsonType } : {}),
    ...answer.headers,
  });
  res.end(payload);
}
