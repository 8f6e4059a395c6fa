export { startBridge, type Bridge, type BridgeOptions } from './bridge-server';
export { CSP, SECURITY_HEADERS, contentType, resolveStatic } from './static-files';
