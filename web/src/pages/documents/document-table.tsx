import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { segment } from '../../api/client';
import { ClassificationBadge } from '../../components/classification-badge';
import { Link } from '../../router';
import type { DocumentAction } from './document-dialogs';
import type { DocumentSummary } from './documents-api';
import { formatBytes, formatDate } from './format';

const rowHeight = 49;
/** Rows rendered beyond the visible ones, so Tab and fast scrolling rarely reach an empty edge. */
const overscan = 12;

/**
 * The folder's documents as one table that renders only the rows in view: a folder of 10,000 documents
 * costs the same DOM as one of 30. Screen readers still hear the full size: the table carries
 * aria-rowcount and each row its aria-rowindex. The scroll box takes focus, so arrow keys and Page Down
 * scroll it; each rendered row's link and buttons are in the tab order.
 */
export function DocumentTable({
  documents,
  caption,
  onAction,
}: {
  documents: DocumentSummary[];
  caption: string;
  /** Absent for those who may not change documents: the table then has no actions column. */
  onAction: ((document: DocumentSummary, action: DocumentAction) => void) | undefined;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: documents.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan,
    getItemKey: (index) => documents[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  const columnCount = onAction === undefined ? 5 : 6;
  const first = rows[0];
  const last = rows.at(-1);
  const paddingTop = first?.start ?? 0;
  const paddingBottom = last === undefined ? 0 : virtualizer.getTotalSize() - last.end;

  return (
    <div
      ref={scrollRef}
      className="document-scroll"
      tabIndex={0}
      role="region"
      aria-label={`${caption}, ${documents.length} ${documents.length === 1 ? 'document' : 'documents'}`}
    >
      <table className="document-table" aria-rowcount={documents.length + 1}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col" className="hide-on-phone">
              Modified
            </th>
            <th scope="col" className="hide-on-phone">
              Classification
            </th>
            <th scope="col" className="hide-on-phone">
              Versions
            </th>
            {onAction !== undefined ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {paddingTop > 0 ? (
            <tr aria-hidden="true">
              <td colSpan={columnCount} style={{ height: paddingTop, padding: 0, border: 0 }} />
            </tr>
          ) : null}
          {rows.map((row) => {
            const document = documents[row.index];
            if (document === undefined) return null;
            return (
              <tr
                key={row.key}
                data-index={row.index}
                ref={virtualizer.measureElement}
                aria-rowindex={row.index + 2}
              >
                <td className="document-name">
                  <Link to={`/documents/${segment(document.id)}`}>{document.name}</Link>
                </td>
                <td className="nowrap">{formatBytes(document.size)}</td>
                <td className="hide-on-phone nowrap">{formatDate(document.updatedAt)}</td>
                <td className="hide-on-phone">
                  <ClassificationBadge
                    classification={document.classification}
                    inherited={document.classificationIsInherited}
                  />
                </td>
                <td className="hide-on-phone">{document.currentVersion}</td>
                {onAction !== undefined ? (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button-quiet"
                      aria-label={`Rename ${document.name}`}
                      onClick={() => onAction(document, 'rename')}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      className="button-quiet"
                      aria-label={`Move ${document.name}`}
                      onClick={() => onAction(document, 'move')}
                    >
                      Move
                    </button>
                    <button
                      type="button"
                      className="button-quiet"
                      aria-label={`Trash ${document.name}`}
                      onClick={() => onAction(document, 'trash')}
                    >
                      Trash
                    </button>
                  </td>
                ) : null}
              </tr>
            );
          })}
          {paddingBottom > 0 ? (
            <tr aria-hidden="true">
              <td colSpan={columnCount} style={{ height: paddingBottom, padding: 0, border: 0 }} />
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
