import { BaleenError } from '../../../../src-shared/domain/errors';
import { hash3, hashString } from './seeded-random';

/**
 * What differs between the server versions the simulator can play. Only 7.0 and 8.0 are modelled:
 * their documents were checked field by field against real captures (7.0) and the documented 8.0
 * moves; anything older would need its own shapes (e.g. no opLatencies.queryableEncryptionLatencyMicros).
 */
export interface VersionProfile {
  /** e.g. "7.0.14". */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** hello.maxWireVersion: 7.0 → 21, 8.0 → 25 (the driver specs' wire version table). */
  readonly maxWireVersion: number;
  /** A stable 40-hex string standing in for the build's git hash (not a real commit). */
  readonly gitVersion: string;
  /** 8.0 reports execution tickets under serverStatus.queues.execution ... */
  readonly hasQueuesExecution: boolean;
  /** ... where 7.0 reported them under serverStatus.wiredTiger.concurrentTransactions. */
  readonly hasWtConcurrentTransactions: boolean;
}

const WIRE_VERSION: Record<string, number> = { '7.0': 21, '8.0': 25 };

export const SUPPORTED_SIM_VERSIONS = Object.keys(WIRE_VERSION);

export function versionProfile(version: string): VersionProfile {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  if (!m) throw new BaleenError('E_INVALID_INPUT', `simulator version "${version}" is not MAJOR.MINOR.PATCH`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const series = `${major}.${minor}`;
  const maxWireVersion = WIRE_VERSION[series];
  if (maxWireVersion === undefined) {
    throw new BaleenError('E_INVALID_INPUT', `simulator version ${version} is not modelled (supported: ${SUPPORTED_SIM_VERSIONS.join(', ')})`, {
      version,
    });
  }
  return {
    version: `${major}.${minor}.${patch}`,
    major,
    minor,
    patch,
    maxWireVersion,
    gitVersion: fakeGitHash(version),
    hasQueuesExecution: major >= 8,
    hasWtConcurrentTransactions: major < 8,
  };
}

function fakeGitHash(version: string): string {
  const base = hashString(`baleen-sim ${version}`);
  let out = '';
  for (let i = 0; out.length < 40; i++) out += hash3(base, i, 0x5eed).toString(16).padStart(8, '0');
  return out.slice(0, 40);
}
