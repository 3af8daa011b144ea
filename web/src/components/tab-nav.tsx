import { Link } from '../router';

/**
 * The tabs of a page with sections (administration, compliance, a matter): links, not buttons, so each
 * section has its own address; the current one is marked for screen readers with `aria-current`.
 */
export function TabNav({
  label,
  tabs,
  currentId,
  pathOf,
}: {
  /** Names the navigation landmark. */
  label: string;
  tabs: readonly { id: string; label: string }[];
  currentId: string | undefined;
  pathOf: (id: string) => string;
}) {
  return (
    <nav aria-label={label}>
      <ul className="tabs">
        {tabs.map((each) => (
          <li key={each.id}>
            <Link to={pathOf(each.id)} aria-current={each.id === currentId ? 'page' : undefined}>
              {each.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
