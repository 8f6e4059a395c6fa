export { Dispatcher, Session, type CallContext, type Handler, type Handlers, type SessionInfo } from './dispatcher';
export { memoryTransport } from './memory-transport';
