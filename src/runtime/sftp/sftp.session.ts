import type { Attributes, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import type { DocumentsDependencies } from '../../modules/documents/documents.dependencies.js';
import { openDocumentContent } from '../../modules/documents/documents.downloads.usecases.js';
import {
  createFolder,
  setFolderTrashed,
  updateFolder,
} from '../../modules/documents/documents.folders.usecases.js';
import {
  type DirectoryEntry,
  isFolderEmpty,
  listDirectory,
  type PathEntry,
  requireWritableMatter,
  resolvePath,
  type ResolvedPath,
} from '../../modules/documents/documents.paths.usecases.js';
import { uploadDocument } from '../../modules/documents/documents.uploads.usecases.js';
import {
  getDocument,
  setDocumentTrashed,
  updateDocument,
} from '../../modules/documents/documents.usecases.js';
import type { IdentityDependencies } from '../../modules/identity/identity.dependencies.js';
import type { Principal } from '../../modules/identity/identity.models.js';
import { isSessionLive } from '../../modules/identity/identity.my-sessions.usecases.js';
import { recordSftpRequestRefused } from '../../modules/identity/identity.ssh-keys.usecases.js';
import type { Logger } from '../../shared/logger/logger.js';
import { permissionDeniedCode, SftpRequestError, sftpError, toSftpStatus } from './sftp.errors.js';
import {
  type DirHandle,
  HandleTable,
  readReauthorizeMs,
  type ReorderBudget,
  SequentialReader,
  WriteHandle,
} from './sftp.handles.js';
import { controlSftpFlow, type SftpOutput } from './sftp.flow-control.js';
import { answerSftpLimitsRequest, offerSftpLimits, sftpLimits } from './sftp.limits.js';
import { formatSftpPath, normalizeSftpPath } from './sftp.paths.js';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/**
 * How long a connection busy with READ and WRITE goes between checks that its session is still live (not
 * revoked, its user not disabled); every other request checks first.
 */
export const sessionCheckIntervalMs = 5000;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type SftpSessionDeps = {
  documents: DocumentsDependencies;
  identity: Pick<IdentityDependencies, 'db' | 'ledger' | 'settings'>;
  logger: Logger;
  /** Ends the SSH connection: called once the session is found revoked. */
  endConnection: () => void;
  transport: SftpTransport;
};

/**
 * The connection's TCP socket, corked while a turn of the event loop sends replies: ssh2 writes every SSH
 * packet as three writes (length, ciphertext, tag), and a 32 KiB READ reply takes two packets, so without
 * it a transfer costs a system call per few kilobytes.
 */
export type SftpTransport = SftpOutput & { cork(): void; uncork(): void };

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function attrsOf(entry: PathEntry | DirectoryEntry): Attributes {
  if (entry.kind === 'document') {
    const { document } = entry;
    return {
      mode: S_IFREG | 0o644,
      uid: 0,
      gid: 0,
      size: document.size,
      atime: seconds(document.updatedAt),
      mtime: seconds(document.updatedAt),
    };
  }
  const at = entry.kind === 'root' ? new Date(0) : (entry.folder?.updatedAt ?? entry.matter.createdAt);
  return { mode: S_IFDIR | 0o755, uid: 0, gid: 0, size: 0, atime: seconds(at), mtime: seconds(at) };
}

function longnameOf(name: string, attrs: Attributes): string {
  const isDir = (attrs.mode & S_IFDIR) === S_IFDIR;
  const date = new Date(attrs.mtime * 1000);
  const stamp = `${months[date.getUTCMonth()] ?? 'Jan'} ${String(date.getUTCDate()).padStart(2, ' ')} ${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return `${isDir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 writ     writ     ${String(attrs.size).padStart(10, ' ')} ${stamp} ${name}`;
}

/**
 * Entries per READDIR reply, and the bytes their names may take: OpenSSH's client refuses any packet over
 * 256 KiB, which a whole listing of a large folder passes (about 1,500 entries of long names), so a listing is
 * sent in pages, as OpenSSH's sftp-server does (100 entries at a time).
 */
const directoryPageEntries = 100;
const directoryPageBytes = 128 * 1024;
/** Attributes and framing of one entry, beyond its two names. */
const directoryEntryOverheadBytes = 64;

function nextDirectoryPage(handle: DirHandle): DirHandle['entries'] {
  const page: DirHandle['entries'] = [];
  let bytes = 0;
  while (page.length < directoryPageEntries) {
    const entry = handle.entries[handle.next];
    if (entry === undefined) break;
    const size =
      Buffer.byteLength(entry.filename) + Buffer.byteLength(entry.longname) + directoryEntryOverheadBytes;
    // A first entry always goes: names are bounded (255 characters), far below a packet.
    if (page.length > 0 && bytes + size > directoryPageBytes) break;
    page.push(entry);
    bytes += size;
    handle.next += 1;
  }
  return page;
}

/** Serves one SFTP channel for an authenticated principal. Every act goes through a documents use-case. */
export function serveSftpSession({
  sftp,
  principal,
  deps,
}: {
  sftp: SFTPWrapper;
  principal: Principal;
  deps: SftpSessionDeps;
}): void {
  // Before the client's INIT is read, so that the VERSION reply offers larger reads and writes.
  offerSftpLimits(sftp);
  const flow = controlSftpFlow({
    sftp,
    output: deps.transport,
    onWindowOverrun: () => {
      deps.logger.warn({ userId: principal.userId }, 'SFTP client sent beyond its window: connection ended');
      handles.closeAll();
      deps.endConnection();
    },
  });
  if (!flow.isEnforced)
    deps.logger.warn('ssh2 is not the version Writ expects: SFTP sessions are not bounded');
  const documents = deps.documents;
  const handles = new HandleTable();
  const reorder: ReorderBudget = { held: 0 };
  let queue: Promise<unknown> = Promise.resolve();
  let isCorked = false;
  const corkUntilNextTurn = () => {
    if (isCorked) return;
    isCorked = true;
    deps.transport.cork();
    setImmediate(() => {
      isCorked = false;
      deps.transport.uncork();
    });
  };
  let lastSessionCheckAt = Number.NEGATIVE_INFINITY;
  let isSessionEnded = false;

  /**
   * Refuses the request once the session behind this connection is revoked (signed out elsewhere, revoked
   * by its user or an administrator, the account disabled, the session past its absolute expiry): the
   * connection outlives its sign-in otherwise.
   * READ and WRITE check at most every `sessionCheckIntervalMs`, so that a transfer costs no query a chunk.
   */
  const requireLiveSession = async (operation: string) => {
    if (isSessionEnded) throw sftpError.sessionEnded();
    const now = documents.clock.now().getTime();
    const isDataTransfer = operation === 'read' || operation === 'write';
    if (isDataTransfer && now - lastSessionCheckAt < sessionCheckIntervalMs) return;
    const isLive = await isSessionLive({
      db: deps.identity.db,
      clock: documents.clock,
      userId: principal.userId,
      sessionId: principal.sessionId ?? '',
    });
    if (!isLive) {
      isSessionEnded = true;
      throw sftpError.sessionEnded();
    }
    lastSessionCheckAt = now;
  };

  const refuse = async (operation: string, error: SftpRequestError) => {
    if (error.refusal !== undefined) {
      await recordSftpRequestRefused({ ...deps.identity, principal, operation, reason: error.refusal }).catch(
        (recordError: unknown) => {
          deps.logger.error({ err: recordError }, 'could not record a refused SFTP request');
        },
      );
    }
  };

  /** Runs requests one at a time, in arrival order, and answers failures with their SFTP status. */
  const serve = (reqid: number, operation: string, run: () => Promise<void>, writeBytes = 0) => {
    const release = flow.admit(writeBytes);
    queue = queue.then(async () => {
      try {
        // A READ reply waits until those before it are on their way: no client makes Writ hold many.
        if (operation === 'read' || operation === 'readdir') await flow.repliesSent();
        await requireLiveSession(operation);
        corkUntilNextTurn();
        await run();
      } catch (error) {
        if (isSessionEnded) {
          sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, sftpError.sessionEnded().message);
          handles.closeAll();
          deps.endConnection();
          return;
        }
        if (error instanceof SftpRequestError) await refuse(operation, error);
        else if (toSftpStatus(error).code === permissionDeniedCode) {
          await refuse(operation, sftpError.denied('forbidden'));
        }
        const status = toSftpStatus(error);
        if (status.message === 'Internal error')
          deps.logger.error({ err: error, operation }, 'SFTP request failed');
        corkUntilNextTurn();
        sftp.status(reqid, status.code, status.message);
      } finally {
        release();
      }
    });
  };

  const segmentsOf = (raw: string): string[] => {
    const normalized = normalizeSftpPath(raw);
    if ('refusal' in normalized) {
      if (normalized.refusal === 'path_escape') throw sftpError.denied('path_escape');
      throw sftpError.failure(
        normalized.refusal === 'name_too_long'
          ? 'File name too long'
          : 'File name contains control characters',
        normalized.refusal,
      );
    }
    return normalized.segments;
  };

  const resolve = (raw: string): Promise<ResolvedPath> => resolvePath(documents, principal, segmentsOf(raw));
  const requireFound = async (raw: string): Promise<PathEntry> => {
    const resolved = await resolve(raw);
    if (resolved.kind !== 'found') throw sftpError.notFound();
    return resolved.entry;
  };
  const requireFolderParent = (parent: PathEntry) => {
    if (parent.kind === 'root') throw sftpError.denied('matter_create');
    if (parent.kind !== 'folder') throw sftpError.notFound();
    return parent;
  };

  sftp.on('REALPATH', (reqid, path) => {
    serve(reqid, 'realpath', () => {
      const name = formatSftpPath(segmentsOf(path));
      sftp.name(reqid, [{ filename: name, longname: name, attrs: {} as Attributes }]);
      return Promise.resolve();
    });
  });

  const statPath = (reqid: number, path: string) => {
    serve(reqid, 'stat', async () => {
      sftp.attrs(reqid, attrsOf(await requireFound(path)));
    });
  };
  sftp.on('STAT', statPath);
  sftp.on('LSTAT', statPath);

  sftp.on('FSTAT', (reqid, id) => {
    serve(reqid, 'fstat', () => {
      const handle = handles.get(id);
      if (handle === undefined) throw sftpError.failure('Invalid handle');
      if (handle.kind === 'read')
        sftp.attrs(reqid, attrsOf({ kind: 'document', document: handle.document, name: '' }));
      else
        sftp.attrs(reqid, {
          mode: (handle.kind === 'dir' ? S_IFDIR : S_IFREG) | 0o644,
          uid: 0,
          gid: 0,
          size: 0,
          atime: 0,
          mtime: 0,
        });
      return Promise.resolve();
    });
  });

  sftp.on('OPENDIR', (reqid, path) => {
    serve(reqid, 'opendir', async () => {
      const entry = await requireFound(path);
      if (entry.kind === 'document') throw sftpError.failure('Not a directory');
      const listing = await listDirectory(documents, principal, entry);
      const entries = listing.map((each) => {
        const attrs = attrsOf(each);
        return { filename: each.name, longname: longnameOf(each.name, attrs), attrs };
      });
      sftp.handle(reqid, handles.add({ kind: 'dir', entries, next: 0 }));
    });
  });

  sftp.on('READDIR', (reqid, id) => {
    serve(reqid, 'readdir', () => {
      const handle = handles.get(id);
      if (handle?.kind !== 'dir') throw sftpError.failure('Invalid handle');
      const page = nextDirectoryPage(handle);
      if (page.length === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.name(reqid, page as never);
      return Promise.resolve();
    });
  });

  sftp.on('OPEN', (reqid, path, flags) => {
    serve(reqid, 'open', async () => {
      if ((flags & OPEN_MODE.APPEND) !== 0) throw sftpError.unsupported();
      const isWrite = (flags & OPEN_MODE.WRITE) !== 0;
      if (!isWrite) {
        const entry = await requireFound(path);
        if (entry.kind !== 'document') throw sftpError.failure('Not a regular file');
        const authorizedAt = documents.clock.now().getTime();
        sftp.handle(
          reqid,
          handles.add({ kind: 'read', document: entry.document, reader: undefined, authorizedAt }),
        );
        return;
      }
      const resolved = await resolve(path);
      let target: { matterId: string; folderId: string; name: string };
      if (resolved.kind === 'found') {
        const { entry } = resolved;
        if (entry.kind !== 'document') throw sftpError.failure('Is a directory');
        if ((flags & OPEN_MODE.EXCL) !== 0) throw sftpError.failure('File exists');
        target = { matterId: entry.matter.id, folderId: entry.folder.id, name: entry.document.name };
      } else {
        if ((flags & OPEN_MODE.CREAT) === 0) throw sftpError.notFound();
        const parent = requireFolderParent(resolved.parent);
        target = { matterId: parent.matter.id, folderId: parent.folder.id, name: resolved.name };
      }
      await requireWritableMatter(documents, principal, target.matterId);
      handles.requireRoom();
      const handle = new WriteHandle(reorder);
      handle.result = uploadDocument({ ...documents, principal, target, content: handle.content });
      // Failures surface at WRITE or CLOSE; this only keeps them from being unhandled meanwhile.
      handle.result.catch((error: unknown) => {
        handle.failure ??= error instanceof Error ? error : new Error(String(error));
        handle.content.destroy();
      });
      sftp.handle(reqid, handles.add(handle));
    });
  });

  sftp.on('WRITE', (reqid, id, offset, data) => {
    serve(
      reqid,
      'write',
      async () => {
        const handle = handles.get(id);
        if (!(handle instanceof WriteHandle)) throw sftpError.failure('Invalid handle');
        await handle.write(offset, data);
        corkUntilNextTurn();
        sftp.status(reqid, STATUS_CODE.OK);
      },
      data.length,
    );
  });

  sftp.on('READ', (reqid, id, offset, length) => {
    serve(reqid, 'read', async () => {
      const handle = handles.get(id);
      if (handle?.kind !== 'read') throw sftpError.failure('Invalid handle');
      const now = documents.clock.now().getTime();
      if (now - handle.authorizedAt >= readReauthorizeMs) {
        try {
          await getDocument({ ...documents, principal, documentId: handle.document.id });
        } catch (error) {
          handle.reader?.destroy();
          handle.reader = undefined;
          throw error;
        }
        handle.authorizedAt = now;
      }
      if (offset >= handle.document.size) {
        sftp.status(reqid, STATUS_CODE.EOF);
        return;
      }
      if (handle.reader === undefined || handle.reader.position !== offset) {
        handle.reader?.destroy();
        // One download on the ledger per open; a seek opens a range (and records it).
        const download = await openDocumentContent({
          ...documents,
          principal,
          documentId: handle.document.id,
          version: handle.document.currentVersion,
          ...(offset === 0 ? {} : { range: { start: offset } }),
        });
        handle.reader = new SequentialReader(download.body, offset);
      }
      const chunk = await handle.reader.read(Math.min(length, sftpLimits.maxReadLength));
      corkUntilNextTurn();
      if (chunk === undefined) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.data(reqid, chunk);
    });
  });

  // Only limits@openssh.com is offered; any other extension is refused as ssh2 would without this listener.
  sftp.on('EXTENDED', (reqid, extension) => {
    if (!answerSftpLimitsRequest(sftp, reqid, extension)) sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED);
  });

  sftp.on('CLOSE', (reqid, id) => {
    serve(reqid, 'close', async () => {
      const handle = handles.remove(id);
      if (handle === undefined) throw sftpError.failure('Invalid handle');
      if (handle instanceof WriteHandle) await handle.finish();
      else if (handle.kind === 'read') handle.reader?.destroy();
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });

  sftp.on('MKDIR', (reqid, path) => {
    serve(reqid, 'mkdir', async () => {
      const resolved = await resolve(path);
      if (resolved.kind === 'found') throw sftpError.failure('File exists');
      const parent = requireFolderParent(resolved.parent);
      await createFolder({
        ...documents,
        principal,
        matterId: parent.matter.id,
        parentId: parent.folder.id,
        name: resolved.name,
      });
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });

  sftp.on('RMDIR', (reqid, path) => {
    serve(reqid, 'rmdir', async () => {
      const entry = await requireFound(path);
      if (entry.kind === 'root' || (entry.kind === 'folder' && entry.isMatterRoot))
        throw sftpError.denied('matter_remove');
      if (entry.kind !== 'folder') throw sftpError.failure('Not a directory');
      if (!(await isFolderEmpty(documents, principal, entry))) throw sftpError.failure('Directory not empty');
      await setFolderTrashed({
        ...documents,
        principal,
        matterId: entry.matter.id,
        folderId: entry.folder.id,
        isTrashed: true,
      });
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });

  sftp.on('REMOVE', (reqid, path) => {
    serve(reqid, 'remove', async () => {
      const entry = await requireFound(path);
      if (entry.kind !== 'document') throw sftpError.failure('Is a directory');
      await setDocumentTrashed({ ...documents, principal, documentId: entry.document.id, isTrashed: true });
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });

  /**
   * Where a rename puts its source. A destination that exists is refused, unless it is the source itself under
   * another case or form of its name (`memo.pdf` to `Memo.pdf`): names are unique regardless of case.
   */
  const renameDestination = async (source: PathEntry, rawPath: string) => {
    const segments = segmentsOf(rawPath);
    const destination = await resolvePath(documents, principal, segments);
    if (destination.kind === 'missing')
      return { parent: requireFolderParent(destination.parent), name: destination.name };
    const found = destination.entry;
    const isSource =
      (found.kind === 'document' && source.kind === 'document' && found.document.id === source.document.id) ||
      (found.kind === 'folder' && source.kind === 'folder' && found.folder.id === source.folder.id);
    const name = segments.at(-1);
    if (!isSource || name === undefined) throw sftpError.failure('File exists');
    const parent = await resolvePath(documents, principal, segments.slice(0, -1));
    if (parent.kind !== 'found') throw sftpError.notFound();
    return { parent: requireFolderParent(parent.entry), name };
  };

  sftp.on('RENAME', (reqid, oldPath, newPath) => {
    serve(reqid, 'rename', async () => {
      const source = await requireFound(oldPath);
      const { parent, name } = await renameDestination(source, newPath);
      if (source.kind === 'root' || (source.kind === 'folder' && source.isMatterRoot))
        throw sftpError.denied('matter_rename');
      if (parent.matter.id !== source.matter.id) throw sftpError.unsupported('cross_matter_move');
      if (source.kind === 'document') {
        await updateDocument({
          ...documents,
          principal,
          documentId: source.document.id,
          name,
          folderId: parent.folder.id,
        });
      } else {
        await updateFolder({
          ...documents,
          principal,
          matterId: source.matter.id,
          folderId: source.folder.id,
          name,
          parentId: parent.folder.id,
        });
      }
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });

  const unsupported = (operation: string, refusal?: string) => (reqid: number) => {
    serve(reqid, operation, () => Promise.reject(sftpError.unsupported(refusal)));
  };
  sftp.on('SYMLINK', unsupported('symlink', 'symlink'));
  sftp.on('READLINK', unsupported('readlink', 'symlink'));
  sftp.on('SETSTAT', unsupported('setstat'));
  sftp.on('FSETSTAT', unsupported('fsetstat'));

  sftp.on('close', () => {
    handles.closeAll();
  });
  // The client sent EOF (end of a batch, `bye`): close our side too, or OpenSSH waits for ever.
  sftp.on('end', () => {
    handles.closeAll();
    sftp.end();
  });
}
