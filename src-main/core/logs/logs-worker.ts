// Entry of the log-analysis worker threads in the bundled build (vite.main.config.ts input
// `logs-worker`): loading analyze-parallel runs its worker loop, and nothing else of the CLI is
// loaded. Without this entry the worker loads the chunk that holds analyze-parallel instead.
import './analyze-parallel';
