import type { DemoInfo } from '../../../src-shared/contract';
import { canonicalHostPort } from '../../../src-shared/domain/identity';
import { splitHostPort, type ConnectionManager, type DialTarget } from '../connections';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { startDemoDeployment, type DemoDeployment } from '../sim';

/**
 * The demo inside a running core: a simulated three-member replica set on loopback, added as a
 * connection so every dashboard has a deployment to show. Its members are named under `.invalid`
 * and reached only through `dial` (never DNS). A saved demo connection brings its simulators back
 * when Baleen starts again, so it keeps working like any other connection until the user removes it.
 */
export const DEMO_CONNECTION_NAME = 'Baleen demo (simulated replica set)';
const isDemoUri = (uri: string) => /\.baleen\.invalid[:/,]/.test(uri);

export interface DemoServiceDeps {
  connections: () => ConnectionManager;
  clock: Clock;
  log: Logger;
  electionEveryMs?: number;
}

export class DemoService {
  private demo: DemoDeployment | undefined;
  private starting: Promise<DemoDeployment> | undefined;
  private map = new Map<string, DialTarget>();
  private disposed = false;

  constructor(private readonly d: DemoServiceDeps) {}

  /** Where a demo member's socket goes; undefined for every other name. */
  dial(hostPort: string): DialTarget | undefined {
    try {
      return this.map.get(canonicalHostPort(hostPort));
    } catch {
      return undefined;
    }
  }

  private ensureRunning(): Promise<DemoDeployment> {
    if (this.demo) return Promise.resolve(this.demo);
    this.starting ??= startDemoDeployment({ clock: this.d.clock, ...(this.d.electionEveryMs !== undefined ? { electionEveryMs: this.d.electionEveryMs } : {}) }).then(
      async (demo) => {
        if (this.disposed) {
          await demo.stop();
          throw new Error('Baleen is stopping');
        }
        this.demo = demo;
        this.map = new Map(Object.entries(demo.addressMap).map(([me, addr]) => [canonicalHostPort(me), { ...splitHostPort(addr), via: 'demo simulator' }]));
        return demo;
      },
      (e: unknown) => {
        this.starting = undefined;
        throw e;
      },
    );
    return this.starting;
  }

  /** Starts the demo (once) and makes sure its connection exists and is connected. */
  async start(actor: string, signal: AbortSignal): Promise<DemoInfo> {
    const demo = await this.ensureRunning();
    const cm = this.d.connections();
    let conn = cm.list().find((c) => isDemoUri(c.uri));
    if (!conn) conn = await cm.add({ uri: demo.uri, name: DEMO_CONNECTION_NAME, discover: true }, actor, signal);
    else if (!conn.connected) conn = await cm.connect(conn.id, actor, signal);
    return { connectionId: conn.id, name: conn.name, setName: demo.setName, members: [...demo.members], electionEverySecs: demo.electionEveryMs / 1000 };
  }

  /** At start-up: a saved demo connection gets its simulators back (its monitors retry until they answer). */
  restoreIfSaved(): void {
    if (!this.d.connections().list().some((c) => isDemoUri(c.uri) && c.connected)) return;
    this.ensureRunning().catch((e: unknown) => this.d.log.warn('could not restart the demo simulators', { error: e instanceof Error ? e.message : String(e) }));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = this.starting;
    await this.demo?.stop();
    await pending?.catch(() => undefined);
  }
}
