import type { ReactNode } from 'react';

export type Column = {
  label: string;
  /** Narrow screens drop this column (`.hide-on-phone`); the row still makes sense without it. */
  isHiddenOnPhone?: boolean;
  /** Screen readers hear the label; sighted people see an empty header (an actions column). */
  isLabelHidden?: boolean;
};

/**
 * A table of records in its scrolling wrapper, with one header row. The caption names the table for
 * screen readers only, since the section heading already names it for sighted people.
 */
export function DataTable({
  caption,
  columns,
  className,
  children,
}: {
  caption?: string;
  columns: readonly Column[];
  className?: string;
  /** The body rows. */
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={className}>
        {caption === undefined ? null : <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column.label}
                scope="col"
                className={column.isHiddenOnPhone ? 'hide-on-phone' : undefined}
              >
                {column.isLabelHidden ? (
                  <span className="visually-hidden">{column.label}</span>
                ) : (
                  column.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
