export { ClientProvider, useClient, useRetryNow, useTransportState } from './client-context';
export { createAppClient, type AppClient } from './create-app-client';
export { ALWAYS_OPEN, type TransportState, type TransportStateSource } from './transport-state';
