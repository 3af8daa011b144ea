/**
 * The success line after an act. The live region stays in the page while empty (hidden), because screen
 * readers announce only changes to a region that was already there.
 */
export function StatusMessage({ message }: { message: string }) {
  return (
    <p role="status" className={message === '' ? 'visually-hidden' : 'alert alert-success'}>
      {message}
    </p>
  );
}
