import { type ReactNode, useEffect, useRef } from 'react';

/**
 * The page's <h1>, which also names the browser tab and takes focus after a navigation, so a screen reader
 * announces the new page instead of staying silent.
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Writ`;
    ref.current?.focus();
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
