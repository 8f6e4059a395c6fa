import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { FtdcImportProgress, FtdcImportSummary } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { filterSeries, ImportsPage, pathsOf, progressText } from './index';

const SUMMARY: FtdcImportSummary = {
  id: 7,
  label: 'db1.example:27017 — diagnostic.data',
  createdAt: 0,
  files: [{ path: '/cases/4711/diagnostic.data/metrics.2024-01-01T00-00-00Z-00000', bytes: 2_000_000, sha256: 'ab', firstTs: Date.UTC(2024, 0, 1), lastTs: Date.UTC(2024, 0, 1, 6) }],
  spans: [{ from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 1, 6) }],
  nodes: [{ nodeId: 'imported/db1.example:27017' as FtdcImportSummary['nodes'][number]['nodeId'], hostPort: 'db1.example:27017', hostId: 'db1.example', version: '7.0.4', os: 'Ubuntu 22.04', created: true }],
  firstTs: Date.UTC(2024, 0, 1),
  lastTs: Date.UTC(2024, 0, 1, 6),
  chunks: 72,
  samples: 21_600,
  values: 50_000_000,
  bytes: 2_000_000,
  errors: [],
  errorCount: 0,
};

const progress = (over: Partial<FtdcImportProgress>): FtdcImportProgress => ({
  jobId: null,
  importId: 8,
  phase: 'importing',
  filesDone: 0,
  filesTotal: 2,
  file: null,
  chunks: 0,
  samples: 0,
  values: 0,
  bytesDone: 0,
  bytesTotal: 100,
  errors: 0,
  lastError: null,
  message: null,
  ...over,
});

describe('Imports page', () => {
  it('lists imports with node, host, version and range links, and deletes after a confirmation', async () => {
    let items = [SUMMARY];
    const fake = new FakeTransport().handle('ftdc.list', () => items).handle('ftdc.delete', ({ id }) => {
      items = [];
      return { id, samples: 1 };
    });
    renderWithApp(<ImportsPage />, { fake });
    const row = (await screen.findByRole('link', { name: SUMMARY.label })).closest('tr')!;
    expect(within(row).getByRole('link', { name: 'db1.example:27017' })).toHaveAttribute('href', `#/node/imported%2Fdb1.example%3A27017/${SUMMARY.firstTs}/${SUMMARY.lastTs}`);
    expect(within(row).getByRole('link', { name: 'db1.example' })).toHaveAttribute('href', `#/host/db1.example/${SUMMARY.firstTs}/${SUMMARY.lastTs}`);
    expect(within(row).getByText('7.0.4')).toBeInTheDocument();
    fireEvent.click(within(row).getByRole('button', { name: `Delete ${SUMMARY.label}` }));
    fireEvent.click(within(row).getByRole('button', { name: 'Confirm delete' }));
    expect(await screen.findByText('No imports yet')).toBeInTheDocument();
    expect(fake.callsTo('ftdc.delete')).toEqual([{ id: 7 }]);
  });

  it('the dialog checks sizes, shows progress for its own job, and cancels', async () => {
    let release: (() => void) | null = null;
    const fake = new FakeTransport()
      .handle('ftdc.list', () => [])
      .handle('app.info', () => ({ version: '0', startedAt: 0, dataDir: '/d', shell: 'web' as const }))
      .handle('ftdc.preview', ({ paths }) => ({ files: paths.map((p) => ({ path: p, bytes: 1_048_576, kind: 'file' as const, importedAs: null })), totalBytes: paths.length * 1_048_576 }))
      .handle(
        'ftdc.import',
        (_input, signal) =>
          new Promise((_resolve, reject) => {
            release = () => reject(new BaleenError('E_CANCELLED', 'cancelled'));
            signal.addEventListener('abort', () => release?.());
          }),
      );
    renderWithApp(<ImportsPage />, { fake });
    fireEvent.click(await screen.findByRole('button', { name: 'Import FTDC…' }));
    fireEvent.change(screen.getByLabelText('Paths on the machine running Baleen'), { target: { value: '/cases/a/diagnostic.data\n\n  /cases/b.tar.gz ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check files' }));
    expect(await screen.findByText('2 files, 2 MiB')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(fake.callsTo('ftdc.import')).toHaveLength(1));
    const { jobId, paths } = fake.callsTo('ftdc.import')[0] as { jobId: string; paths: string[] };
    expect(paths).toEqual(['/cases/a/diagnostic.data', '/cases/b.tar.gz']);
    // Another job's progress is not ours.
    act(() => fake.emit('ftdc.progress', progress({ jobId: 'someone-else', chunks: 99 })));
    act(() => fake.emit('ftdc.progress', progress({ jobId, chunks: 12, samples: 3600, values: 8_000_000, bytesDone: 40 })));
    const status = await screen.findByText(/Importing file 1 of 2: 12 chunks/);
    expect(status).toHaveAttribute('data-chunks', '12');
    expect(screen.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute('value', '40');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel import' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Import cancelled: nothing of it was kept.');
  });

  it('in the desktop shell the dialog offers the native picker, which fills the paths', async () => {
    const fake = new FakeTransport()
      .handle('ftdc.list', () => [])
      .handle('app.info', () => ({ version: '0', startedAt: 0, dataDir: '/d', shell: 'electron' as const }))
      .handle('ftdc.pickPaths', ({ kind }) => ({ paths: kind === 'folder' ? ['/cases/9/diagnostic.data'] : null }));
    renderWithApp(<ImportsPage />, { fake });
    fireEvent.click(await screen.findByRole('button', { name: 'Import FTDC…' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Choose folder…' }));
    await waitFor(() => expect(screen.getByLabelText('Paths on the machine running Baleen')).toHaveValue('/cases/9/diagnostic.data'));
    // Dismissing the picker changes nothing.
    fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    await waitFor(() => expect(fake.callsTo('ftdc.pickPaths')).toHaveLength(2));
    expect(screen.getByLabelText('Paths on the machine running Baleen')).toHaveValue('/cases/9/diagnostic.data');
  });

  it("fetches a node's diagnostic.data over SSH: only nodes behind a tunnel are offered, sizes first, then the import", async () => {
    const node = (id: string, hostPort: string) => ({ id, hostPort }) as never;
    const fake = new FakeTransport()
      .handle('ftdc.list', () => [])
      .handle('app.info', () => ({ version: '0', startedAt: 0, dataDir: '/d', shell: 'web' as const }))
      .handle('connections.list', () => [
        { id: 'direct', name: 'direct', nodes: [node('direct/a:27017', 'a:27017')] },
        { id: 'behind', name: 'customer', sshHops: [{}], nodes: [node('behind/db1.internal:27017', 'db1.internal:27017')] },
      ] as never)
      .handle('ftdc.sshPreview', ({ remoteDir }) => ({ files: [{ path: `${remoteDir}/metrics.interim`, bytes: 4096, kind: 'file' as const, importedAs: null }], totalBytes: 4096 }))
      .handle('ftdc.sshImport', () => ({ status: 'imported' as const, import: SUMMARY, skippedFiles: [] }));
    renderWithApp(<ImportsPage />, { fake });
    fireEvent.click(await screen.findByRole('button', { name: 'Import FTDC…' }));
    fireEvent.click(screen.getByRole('radio', { name: /diagnostic\.data over SSH/ }));
    const select = await screen.findByLabelText('Node');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['db1.internal:27017 (customer)']));
    fireEvent.change(screen.getByLabelText('Folder on the node'), { target: { value: '/data/db/diagnostic.data' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check files' }));
    expect(await screen.findByText('1 file, 4 KiB')).toBeInTheDocument();
    expect(fake.callsTo('ftdc.sshPreview')[0]).toEqual({ nodeId: 'behind/db1.internal:27017', remoteDir: '/data/db/diagnostic.data' });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText(/Imported/)).toBeInTheDocument();
    expect(fake.callsTo('ftdc.sshImport')[0]).toMatchObject({ nodeId: 'behind/db1.internal:27017', remoteDir: '/data/db/diagnostic.data' });
    expect(fake.callsTo('ftdc.import')).toEqual([]);
  });

  it('helpers: paths one per line, progress wording, series filter', () => {
    expect(pathsOf(' /a \n\n/b\n')).toEqual(['/a', '/b']);
    expect(progressText(progress({ filesDone: 1, chunks: 3, samples: 900, values: 2_100_000, errors: 1 }))).toBe('Importing file 2 of 2: 3 chunks, 900 samples, 2.1M values, 1 bad chunk skipped');
    const s = (metric: string) => ({ entity: 'node:x', metric, first: 0, last: 1, count: 1 });
    expect(filterSeries([s('replSetGetStatus.members.0.state'), s('local.oplog.rs.stats.size'), s('serverStatus.opcounters.insert')], 'OPLOG size').map((x) => x.metric)).toEqual(['local.oplog.rs.stats.size']);
  });
});
