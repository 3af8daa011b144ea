import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LedgerFetcher } from '../../modules/ledger/ledger.verify-remote.js';

const maxResponseBytes = 64 * 1024 * 300;

/**
 * Reads a published log over HTTP(S): `<url>/<path>`; 404 answers undefined, any other non-200 throws. With
 * `ca`, only that certificate authority is trusted (a self-signed installation's own certificate).
 */
export function createLedgerFetcher({ url, ca }: { url: string; ca: string | undefined }): LedgerFetcher {
  const base = url.replace(/\/+$/, '');
  return (path) =>
    new Promise((resolve, reject) => {
      const target = `${base}/${path}`;
      const send = target.startsWith('https:') ? httpsRequest : httpRequest;
      const options = { agent: false as const, timeout: 30_000, ...(ca === undefined ? {} : { ca }) };
      const request = send(target, options, (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > maxResponseBytes) request.destroy(new Error(`${target} answered more than expected`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          if (response.statusCode === 404) resolve(undefined);
          else if (response.statusCode !== 200) {
            reject(new Error(`GET ${target} answered ${response.statusCode ?? 'no status'}`));
          } else resolve(Buffer.concat(chunks));
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`GET ${target} timed out`)));
      request.on('error', reject);
      request.end();
    });
}
