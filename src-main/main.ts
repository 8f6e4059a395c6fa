// Composition root for the desktop app: the Electron shell (src-main/electron) around the same core.
import './electron/run-electron';
