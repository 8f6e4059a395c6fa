import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions, shell as ShellType } from 'electron';
import { APP_ENTRY, guardNavigation, secureWebPreferences, windowOpenHandler } from './security';

/** The one place windows are made (SEC-E2: a lint rule forbids `new BrowserWindow` elsewhere). */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Baleen',
    backgroundColor: '#101418',
    webPreferences: secureWebPreferences(preloadPath),
  };
}

export interface WindowDeps {
  BrowserWindow: new (o: BrowserWindowConstructorOptions) => BrowserWindowType;
  shell: Pick<typeof ShellType, 'openExternal'>;
  preloadPath: string;
}

export function createWindow(deps: WindowDeps): BrowserWindowType {
  const win = new deps.BrowserWindow(windowOptions(deps.preloadPath));
  const openExternal = (url: string) => void deps.shell.openExternal(url);
  const wc = win.webContents;
  wc.on('will-navigate', (e, url) => guardNavigation(e, url, openExternal));
  wc.on('will-redirect', (e, url) => guardNavigation(e, url, openExternal));
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(windowOpenHandler(openExternal));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
  return win;
}
