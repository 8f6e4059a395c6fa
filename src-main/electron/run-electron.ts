import { app, BrowserWindow, dialog, ipcMain, Menu, powerMonitor, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { BaleenError, errorMessage } from '../../src-shared/domain/errors';
import { KeychainSecretStore } from '../core/connections';
import { createCore, type Core } from '../core/create-core';
import { jsonLineLogger } from '../core/ports/logger';
import { betterSqliteDriver, checkSqliteDriver } from '../core/store/better-sqlite3.driver';
import { Dispatcher } from '../rpc';
import { APP_SCHEME_PRIVILEGES, appProtocolHandler } from './app-protocol';
import { createWindow } from './create-window';
import { attachIpc } from './ipc-adapter';
import { electronSqliteBinding } from './native-modules';
import { APP_SCHEME, denyAllPermissions } from './security';

/**
 * The Electron shell: window, menu, IPC adapter, app:// protocol, power events. Everything else is the
 * same core `baleen serve` runs. This file is the only one that loads the `electron` module at run time.
 */
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) app.quit();

let core: Core | undefined;

async function start(): Promise<void> {
  const root = app.getAppPath();
  const log = jsonLineLogger((l) => void process.stderr.write(l), 'baleen');
  const sqlite = betterSqliteDriver({ nativeBinding: electronSqliteBinding(root) });
  try {
    checkSqliteDriver(sqlite);
  } catch (e) {
    dialog.showErrorBox('Baleen cannot start', e instanceof BaleenError ? e.message : errorMessage(e));
    app.exit(1);
    return;
  }
  // The OS keychain when it works; otherwise session-only secrets with the reason (SEC-C2).
  const secrets = await KeychainSecretStore.open({ log: log.child('secrets') });
  // The import dialog's native picker: folders or files, never both at once (Windows and Linux cannot).
  const pickPaths = async (kind: 'folder' | 'files'): Promise<string[] | null> => {
    const opts: Electron.OpenDialogOptions = { title: 'Import FTDC', properties: kind === 'folder' ? ['openDirectory'] : ['openFile', 'multiSelections'] };
    const win = BrowserWindow.getFocusedWindow();
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : r.filePaths;
  };
  core = createCore({ dataDir: app.getPath('userData'), sqlite, shell: 'electron', logger: log, secrets, pickPaths });
  const audit = core.audit;
  const dispatcher = new Dispatcher(core.handlers, core.events, log.child('rpc'));
  attachIpc({
    ipcMain,
    dispatcher,
    onRejected: (info) => {
      log.warn('ipc rejected', info);
      try {
        audit.record({ action: 'ipc.rejected', target: info.channel, details: { origin: info.origin, reason: info.reason } });
      } catch {
        // The audit log being unwritable must not open the door: the frame is still refused.
      }
    },
  });
  protocol.handle(APP_SCHEME, appProtocolHandler(join(root, 'out', 'renderer')));
  denyAllPermissions(session.defaultSession);
  app.on('web-contents-created', (_e, contents) => contents.on('will-attach-webview', (ev) => ev.preventDefault()));
  Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'appMenu' as const }, { role: 'editMenu' as const }, { role: 'viewMenu' as const }, { role: 'windowMenu' as const }].filter((m) => process.platform === 'darwin' || m.role !== 'appMenu')));
  powerMonitor.on('resume', () => core?.connections.recheckAll());
  createWindow({ BrowserWindow, shell, preloadPath: join(root, 'out', 'preload', 'preload.cjs') });
}

app.whenReady().then(start, (e: unknown) => {
  dialog.showErrorBox('Baleen cannot start', errorMessage(e));
  app.exit(1);
});

app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('activate', () => {
  if (core && BrowserWindow.getAllWindows().length === 0) createWindow({ BrowserWindow, shell, preloadPath: join(app.getAppPath(), 'out', 'preload', 'preload.cjs') });
});
let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !core) return;
  e.preventDefault();
  quitting = true;
  void core.dispose().finally(() => app.quit());
});
