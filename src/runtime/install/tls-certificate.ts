import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { isIP } from 'node:net';

const dayMs = 24 * 60 * 60 * 1000;
const validityDays = 397;
const renewBeforeDays = 30;

export function certificateHostNames({ host, publicUrl }: { host: string; publicUrl: string }): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname().toLowerCase()]);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.toLowerCase());
  names.add(normalizeHostName(new URL(publicUrl).hostname));
  return [...names];
}

function toPem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function writeFileAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

/** IPv6 addresses print in several forms; compare them compressed and lowercase. */
export function normalizeHostName(name: string): string {
  const bare = name.replace(/^\[|\]$/g, '').toLowerCase();
  return isIP(bare) === 6 ? new URL(`http://[${bare}]`).hostname.replace(/^\[|\]$/g, '') : bare;
}

export type CertificateSummary = {
  subject: string;
  validFrom: Date;
  validTo: Date;
  hostNames: string[];
  isSelfSigned: boolean;
  fingerprint256: string;
};

export function summarizeCertificate(pem: string): CertificateSummary {
  const certificate = new X509Certificate(pem);
  const hostNames = (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => normalizeHostName(entry.replace(/^(DNS|IP Address):/, '')))
    .filter((entry) => entry !== '');
  return {
    subject: certificate.subject,
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
    hostNames,
    isSelfSigned: certificate.issuer === certificate.subject && certificate.verify(certificate.publicKey),
    fingerprint256: certificate.fingerprint256,
  };
}

function needsRenewal({
  certFile,
  hostNames,
  now,
}: {
  certFile: string;
  hostNames: string[];
  now: Date;
}): boolean {
  try {
    const summary = summarizeCertificate(readFileSync(certFile, 'utf8'));
    const isExpiring = summary.validTo.getTime() - now.getTime() < renewBeforeDays * dayMs;
    return isExpiring || hostNames.some((name) => !summary.hostNames.includes(normalizeHostName(name)));
  } catch {
    return true;
  }
}

/**
 * @peculiar/x509 and its ASN.1 libraries take some 17 MB of memory, and are needed only on the first start
 * and at a renewal: loaded then, not by every start. It resolves its ASN.1 services through tsyringe, which
 * needs the Reflect metadata polyfill loaded first.
 */
async function loadCertificateGenerator() {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

/**
 * Keeps a self-signed ECDSA P-256 certificate for the configured host names, renewed 30 days before it
 * expires or when the names change. The private key is written with mode 0600.
 */
export async function ensureSelfSignedCertificate({
  certFile,
  keyFile,
  hostNames,
  now,
}: {
  certFile: string;
  keyFile: string;
  hostNames: string[];
  now: Date;
}): Promise<{ isNew: boolean }> {
  if (existsSync(certFile) && existsSync(keyFile) && !needsRenewal({ certFile, hostNames, now })) {
    return { isNew: false };
  }
  const x509 = await loadCertificateGenerator();
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '7'),
    name: `CN=${hostNames.find((name) => isIP(name) === 0 && name !== 'localhost') ?? 'localhost'}, O=Writ self-signed`,
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(now.getTime() + validityDays * dayMs),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hostNames.map((name) => ({ type: isIP(name) === 0 ? 'dns' : 'ip', value: name })),
      ),
    ],
  });
  const privateKey = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(certFile), { recursive: true, mode: 0o700 });
  writeFileAtomically(keyFile, toPem('PRIVATE KEY', privateKey), 0o600);
  writeFileAtomically(certFile, certificate.toString('pem') + '\n', 0o644);
  return { isNew: true };
}
