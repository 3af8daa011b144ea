import { useVirtualizer, useWindowVirtualizer, type VirtualItem } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { segment } from '../../api/client';
import { ClassificationBadge } from '../../components/classification-badge';
import { Link } from '../../router';
import type { DocumentAction } from './document-dialogs';
import type { DocumentSummary } from './documents-api';
import { formatBytes, formatDate } from './format';

const rowHeight = 49;
/** Rows rendered beyond the visible ones, so Tab and fast scrolling rarely reach an empty edge. */
const overscan = 12;

type Props = {
  documents: DocumentSummary[];
  caption: string;
  /** Absent for those who may not change documents: the table then has no actions column. */
  onAction: ((document: DocumentSummary, action: DocumentAction) => void) | undefined;
};

/** The phone breakpoint of styles.css. */
const phoneQuery = '(max-width: 640px)';

function subscribeToWidth(listener: () => void): () => void {
  const query = window.matchMedia(phoneQuery);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

function useIsPhone(): boolean {
  return useSyncExternalStore(subscribeToWidth, () => window.matchMedia(phoneQuery).matches);
}

function regionLabel({ caption, documents }: Props): string {
  return `${caption}, ${documents.length} ${documents.length === 1 ? 'document' : 'documents'}`;
}

/**
 * The folder's documents as one table that renders only the rows in view: a folder of 10,000 documents
 * costs the same DOM as one of 30. Screen readers still hear the full size: the table carries
 * aria-rowcount and each row its aria-rowindex. On a wide screen the table has its own scroll box, which
 * takes focus, so arrow keys and Page Down scroll it; on a phone the page itself scrolls (a box inside a
 * scrolling page clips its last rows under the thumb). Each rendered row's link and buttons are in the
 * tab order.
 */
export function DocumentTable(props: Props) {
  return useIsPhone() ? <PageScrolledTable {...props} /> : <BoxedTable {...props} />;
}

function BoxedTable(props: Props) {
  const { documents } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: documents.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan,
    getItemKey: (index) => documents[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      className="document-scroll"
      tabIndex={0}
      role="region"
      aria-label={regionLabel(props)}
    >
      <Table
        {...props}
        rows={rows}
        paddingTop={rows[0]?.start ?? 0}
        paddingBottom={virtualizer.getTotalSize() - (rows.at(-1)?.end ?? virtualizer.getTotalSize())}
        measureElement={virtualizer.measureElement}
      />
    </div>
  );
}

function PageScrolledTable(props: Props) {
  const { documents } = props;
  const listRef = useRef<HTMLDivElement>(null);
  // Where the table starts in the page: the window virtualizer counts rows from the page's top.
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const element = listRef.current;
    if (element === null) return;
    const measure = () => setScrollMargin(element.getBoundingClientRect().top + window.scrollY);
    measure();
    // Whatever grows above the table (uploads in progress, a message) moves it down the page.
    const observer = new ResizeObserver(measure);
    observer.observe(window.document.body);
    return () => observer.disconnect();
  }, []);
  const virtualizer = useWindowVirtualizer({
    count: documents.length,
    estimateSize: () => rowHeight,
    overscan,
    scrollMargin,
    getItemKey: (index) => documents[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  return (
    <div ref={listRef} className="document-flow" role="region" aria-label={regionLabel(props)}>
      <Table
        {...props}
        rows={rows}
        paddingTop={(rows[0]?.start ?? scrollMargin) - scrollMargin}
        paddingBottom={total - ((rows.at(-1)?.end ?? scrollMargin + total) - scrollMargin)}
        measureElement={virtualizer.measureElement}
      />
    </div>
  );
}

function Table({
  documents,
  caption,
  onAction,
  rows,
  paddingTop,
  paddingBottom,
  measureElement,
}: Props & {
  rows: VirtualItem[];
  paddingTop: number;
  paddingBottom: number;
  measureElement: (element: Element | null) => void;
}) {
  const columnCount = onAction === undefined ? 5 : 6;
  return (
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
            <tr key={row.key} data-index={row.index} ref={measureElement} aria-rowindex={row.index + 2}>
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
  );
}
