import { useState, useEffect } from 'react';
import { useApi, useSignedIn } from '../../session/session';

type SftpInfo = { port: number; hostKeyFingerprint: string };

/**
 * How to reach the SFTP server, and the host key fingerprint to compare with the one OpenSSH shows on the
 * first connection: read here over HTTPS, it is the check that makes answering "yes" safe.
 */
export function SftpConnection() {
  const api = useApi();
  const { user } = useSignedIn();
  const [info, setInfo] = useState<SftpInfo | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    // No SFTP server (503) simply shows nothing: the keys are still kept for when one runs.
    api.get<SftpInfo>('/api/sftp', { signal: controller.signal }).then(setInfo, () => undefined);
    return () => controller.abort();
  }, [api]);
  if (info === undefined) return null;
  return (
    <div className="sftp-connection">
      <p>
        Connect with <code>{`sftp -P ${info.port} ${user.username}@${window.location.hostname}`}</code>
      </p>
      <p>
        The first time, OpenSSH shows the server&apos;s host key fingerprint. It must be exactly:{' '}
        <code data-testid="sftp-host-key">{info.hostKeyFingerprint}</code>
      </p>
    </div>
  );
}
