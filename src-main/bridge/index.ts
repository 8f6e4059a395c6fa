export { startBridge, type Bridge, type BridgeOptions } from './bridge-server';
export { CSP } from './static-files';
