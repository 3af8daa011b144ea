export type Classification = 'public' | 'internal' | 'highly_sensitive';

const labels: Record<Classification, string> = {
  public: 'Public',
  internal: 'Internal',
  highly_sensitive: 'Highly sensitive',
};

/** The label as text and colour both, so it reads the same without colour. */
export function ClassificationBadge({
  classification,
  inherited = false,
}: {
  classification: Classification;
  inherited?: boolean;
}) {
  return (
    <span className={`badge badge-${classification}`} title={inherited ? 'Inherited' : undefined}>
      {labels[classification]}
      {inherited ? <span className="visually-hidden"> (inherited)</span> : null}
    </span>
  );
}
