import { type ChangeEvent, useId, useRef, useState } from 'react';
import { ErrorAlert } from '../../components/error-alert';
import { useApi } from '../../session/session';
import { documentPath, type UploadResult, uploadReceipts } from './documents-api';

/** Uploads a new version of one document, with progress and cancel. */
export function VersionUpload({
  documentId,
  onUploaded,
}: {
  documentId: string;
  onUploaded: (version: number) => void;
}) {
  const api = useApi();
  const inputId = useId();
  const progressId = useId();
  const [progress, setProgress] = useState<{ name: string; percent: number }>();
  const [error, setError] = useState<unknown>();
  const controller = useRef<AbortController>(undefined);

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
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
      {progress === undefined ? (
        <div className="form-inline">
          <label htmlFor={inputId}>File for the new version</label>
          <input id={inputId} type="file" onChange={(event) => void upload(event)} />
        </div>
      ) : (
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
      )}
    </section>
  );
}
