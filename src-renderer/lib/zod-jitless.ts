import { config } from 'zod';

// Zod 4 probes `new Function("")` to decide whether to compile fast parsers. Our CSP forbids eval,
// so the probe only fails and reports a securitypolicyviolation (a console error in every session).
// Imported first by main.tsx: the setting must be in place before any schema is constructed.
config({ jitless: true });
