import { execFileSync as exec, type ExecFileSyncOptions } from 'node:child_process';

/** openssl, quiet: its progress lines would clutter the test output. */
const execFileSync = (cmd: string, args: string[], opts: ExecFileSyncOptions = {}): void => {
  exec(cmd, args, { stdio: 'ignore', ...opts });
};
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM, with the files they were written to. */
export interface Pem {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface CertificateOptions {
  /** openssl -subj form, e.g. "/C=DE/O=Acme/CN=billing". */
  subject: string;
  /** subjectAltName extension value, e.g. "DNS:billing.example.com,URI:spiffe://acme/billing". */
  san?: string;
  /** Signed by this CA; self-signed when absent. */
  issuer?: Pem;
  /** Makes a CA certificate (basicConstraints CA:TRUE). */
  ca?: boolean;
  days?: number;
}

/**
 * Test certificates made with openssl (P-256 keys, milliseconds each) in a temporary folder, never checked in.
 * `dispose()` removes the folder.
 */
export class CertificateFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'mtls-'));
  private n = 0;

  make(opts: CertificateOptions): Pem {
    const name = `c${this.n++}`;
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.pem`);
    const extFile = join(this.dir, `${name}.ext`);
    const ext = [
      opts.ca ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=CA:FALSE',
      opts.ca ? 'keyUsage=critical,keyCertSign,cRLSign' : 'keyUsage=digitalSignature',
      ...(opts.san ? [`subjectAltName=${opts.san}`] : []),
    ];
    writeFileSync(extFile, `[v3]\n${ext.join('\n')}\n`);
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
    const days = String(opts.days ?? 2);
    if (opts.issuer) {
      const csr = join(this.dir, `${name}.csr`);
      execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', opts.subject, '-out', csr]);
      execFileSync('openssl', [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        opts.issuer.certFile,
        '-CAkey',
        opts.issuer.keyFile,
        '-CAcreateserial',
        '-days',
        days,
        '-extfile',
        extFile,
        '-extensions',
        'v3',
        '-out',
        certFile,
      ]);
    } else {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-new',
          '-key',
          keyFile,
          '-subj',
          opts.subject,
          '-days',
          days,
          '-config',
          extFile,
          '-extensions',
          'v3',
          '-out',
          certFile,
        ],
        { env: { ...process.env, OPENSSL_CONF: extFile } },
      );
    }
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
