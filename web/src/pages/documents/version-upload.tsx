import { type ChangeEvent, useId, useRef, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useLoad } from '../../components/use-load';
import { useApi } from '../../session/session';
import {
  documentPath,
  type DocumentWithVersions,
  matterPath,
  type MatterSummary,
  nameKey,
  type UploadResult,
  uploadReceipts,
} from './documents-api';
import { formatBytes } from './format';

/**
 * Uploads a new version of one document: the picked file is shown, with a warning when its name or type
 * differs from the document's, and goes only when the person confirms; then progress and cancel.
 * Only owners and editors are offered it (the server refuses anyone else either way). The document and its
 * matter are read here, so the caller passes only the document's id.
 */
export function VersionUpload({
  documentId,
  onUploaded,
}: {
  documentId: string;
  onUploaded: (version: number) => void;
}) {
  const api = useApi();
  const loaded = useLoad(
    async (signal) => {
      const { document, versions } = await api.get<DocumentWithVersions>(documentPath(documentId), {
        signal,
      });
      const matter = await api.get<MatterSummary>(matterPath(document.matterId), { signal });
      const current = versions.find((version) => version.version === document.currentVersion);
      return {
        name: document.name,
        currentVersion: document.currentVersion,
        mediaType: current?.mediaType,
        canUpload: matter.myRole === 'owner' || matter.myRole === 'editor',
      };
    },
    [documentId],
  );
  if (loaded.state !== 'ready' || !loaded.value.canUpload) return null;
  return (
    <VersionUploadForm
      documentId={documentId}
      target={loaded.value}
      onUploaded={(version) => {
        loaded.reload();
        onUploaded(version);
      }}
    />
  );
}

function VersionUploadForm({
  documentId,
  target,
  onUploaded,
}: {
  documentId: string;
  target: { name: string; currentVersion: number; mediaType: string | undefined };
  onUploaded: (version: number) => void;
}) {
  const api = useApi();
  const inputId = useId();
  const progressId = useId();
  const [chosen, setChosen] = useState<File>();
  const [progress, setProgress] = useState<{ name: string; percent: number }>();
  const [error, setError] = useState<unknown>();
  const controller = useRef<AbortController>(undefined);
  const nextVersion = target.currentVersion + 1;

  function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    setError(undefined);
    setChosen(file);
  }

  async function upload(file: File) {
    setChosen(undefined);
    setError(undefined);
    setProgress({ name: file.name, percent: 0 });
    controller.current = new AbortController();
    try {
      const query = file.type === '' ? '' : `?${new URLSearchParams({ mediaType: file.type })}`;
      const result = await api.upload<UploadResult>(`${documentPath(documentId)}/versions${query}`, file, {
        signal: controller.current.signal,
        headers: { 'content-type': 'application/octet-stream' },
        onProgress: (sent) =>
          setProgress({
            name: file.name,
            percent: file.size === 0 ? 100 : Math.round((sent / file.size) * 100),
          }),
      });
      uploadReceipts.set(documentId, { version: result.version.version, receiptUrl: result.receiptUrl });
      onUploaded(result.version.version);
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught);
    } finally {
      setProgress(undefined);
      controller.current = undefined;
    }
  }

  return (
    <section aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Upload a new version</h2>
      <ErrorAlert error={error} />
      {progress !== undefined ? (
        <div className="upload-item">
          <label htmlFor={progressId} className="upload-name">
            {progress.name}
          </label>
          <progress id={progressId} max={100} value={progress.percent}>
            {progress.percent}%
          </progress>
          <span className="upload-state">{progress.percent}%</span>
          <button type="button" className="button-secondary" onClick={() => controller.current?.abort()}>
            Cancel
          </button>
        </div>
      ) : chosen !== undefined ? (
        <div className="version-choice">
          <p>
            Chosen: <strong>{chosen.name}</strong> <span className="muted">({formatBytes(chosen.size)})</span>
          </p>
          <VersionWarnings file={chosen} target={target} />
          <div className="actions">
            <button type="button" onClick={() => void upload(chosen)}>
              Upload as version {nextVersion}
            </button>
            <button type="button" className="button-secondary" onClick={() => setChosen(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="form-inline">
          <label htmlFor={inputId}>File for the new version</label>
          <input id={inputId} type="file" onChange={choose} />
        </div>
      )}
    </section>
  );
}

/** A new version keeps the document's name: a file named or typed otherwise is likely the wrong one. */
function VersionWarnings({
  file,
  target,
}: {
  file: File;
  target: { name: string; mediaType: string | undefined };
}) {
  const isOtherName = nameKey(file.name) !== nameKey(target.name);
  const isOtherType =
    target.mediaType !== undefined &&
    (file.type.toLowerCase() || 'application/octet-stream') !== target.mediaType;
  if (!isOtherName && !isOtherType) return null;
  return (
    <div className="version-warning" role="alert">
      {isOtherName ? (
        <p>
          This file is named “{file.name}”, not “{target.name}”. The document keeps its name “{target.name}”.
        </p>
      ) : null}
      {isOtherType ? (
        <p>
          This file’s type ({file.type || 'unknown'}) differs from the current version’s ({target.mediaType}).
        </p>
      ) : null}
      <p>Check that it is the right file before uploading.</p>
    </div>
  );
}
