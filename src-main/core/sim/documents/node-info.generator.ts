import type { Document } from '../../bson/bson';
import type { SimNode } from '../node/sim-node';
import { dbl, i32, i64 } from './bson-values';
import { prettyHostName } from './server-status.generator';

/** buildInfo, hostInfo and getCmdLineOpts of a Linux x86_64 community build, in their 7.0/8.0 shapes. */

export function generateBuildInfo(node: SimNode): Document {
  const p = node.profile;
  return {
    version: p.version,
    gitVersion: p.gitVersion,
    modules: [],
    allocator: 'tcmalloc',
    javascriptEngine: 'mozjs',
    sysInfo: 'deprecated',
    versionArray: [i32(p.major), i32(p.minor), i32(p.patch), i32(0)],
    openssl: { running: 'OpenSSL 3.0.2 15 Mar 2022', compiled: 'OpenSSL 3.0.2 15 Mar 2022' },
    buildEnvironment: {
      distmod: 'ubuntu2204',
      distarch: 'x86_64',
      cc: '/opt/mongodbtoolchain/v4/bin/gcc: gcc (GCC) 11.3.0',
      ccflags: '-Werror -include mongo/platform/basic.h -ffp-contract=off -fasynchronous-unwind-tables -g2 -Wall -O2',
      cxx: '/opt/mongodbtoolchain/v4/bin/g++: g++ (GCC) 11.3.0',
      cxxflags: '-Woverloaded-virtual -Wpessimizing-move -fsized-deallocation -std=c++20',
      linkflags: '-Wl,--fatal-warnings -pthread -Wl,-z,now -fuse-ld=lld -fstack-protector-strong',
      target_arch: 'x86_64',
      target_os: 'linux',
      cppdefines: 'SAFEINT_USE_INTRINSICS 0 PCRE2_STATIC NDEBUG _XOPEN_SOURCE 700 _GNU_SOURCE',
    },
    bits: i32(64),
    debug: false,
    maxBsonObjectSize: i32(16 * 1024 * 1024),
    storageEngines: ['devnull', 'wiredTiger'],
    ok: dbl(1),
  };
}

export function generateHostInfo(node: SimNode): Document {
  const h = node.host;
  return {
    system: {
      currentTime: new Date(node.clock.now()),
      hostname: prettyHostName(node),
      cpuAddrSize: i32(64),
      memSizeMB: i64(h.memSizeMB),
      memLimitMB: i64(h.memSizeMB),
      numCores: i32(h.numCores),
      numCoresAvailableToProcess: i32(h.numCores),
      numPhysicalCores: i32(Math.max(1, Math.floor(h.numCores / 2))),
      numCpuSockets: i32(1),
      cpuArch: h.cpuArch,
      numaEnabled: false,
      numNumaNodes: i32(1),
    },
    os: { type: 'Linux', name: h.osName, version: h.osVersion },
    extra: {
      versionString: `Linux version ${h.kernelVersion} (buildd@lcy02-amd64-001) (gcc 11.4.0) #1 SMP`,
      libcVersion: '2.35',
      kernelVersion: h.kernelVersion,
      cpuFrequencyMHz: '2600.000',
      cpuFeatures: 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm avx avx2',
      pageSize: i64(4096),
      numPages: i32(Math.floor((h.memSizeMB * 1024 * 1024) / 4096)),
      maxOpenFiles: i32(64_000),
    },
    ok: dbl(1),
  };
}

export function generateCmdLineOpts(node: SimNode): Document {
  const rs = node.memberState();
  const argv = ['mongod', '--port', String(node.port), '--bind_ip_all', '--dbpath', '/var/lib/mongodb'];
  const parsed: Document = { net: { bindIp: '*', port: i32(node.port) } };
  if (rs !== null) {
    argv.push('--replSet', rs.setName);
    parsed.replication = { replSet: rs.setName };
  }
  parsed.storage = { dbPath: '/var/lib/mongodb' };
  return { argv, parsed, ok: dbl(1) };
}
