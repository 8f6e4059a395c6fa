// Sandboxed preload: bundled into one CommonJS file (vite.preload.config.ts) that requires only 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api';

contextBridge.exposeInMainWorld('baleen', createPreloadApi(ipcRenderer));
