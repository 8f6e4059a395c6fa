// Must stay the first import (see the module).
import './lib/zod-jitless';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { createAppClient } from './client';
import './app/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const client = createAppClient(window);
// A page kept in the back/forward cache may come back: only a real unload ends the client.
window.addEventListener('pagehide', (e) => {
  if (!e.persisted) client.dispose();
});
createRoot(root).render(<App client={client} />);
