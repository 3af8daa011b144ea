/** The documents of one folder of a matter, with upload; rendered by the matter page's Documents tab. */
export function FolderView({ matterId, folderId }: { matterId: string; folderId: string | undefined }) {
  return (
    <p>
      Folder {folderId ?? 'root'} of {matterId}
    </p>
  );
}
