/** Test fixture: a minimal ustar writer, so archive tests need no `tar` binary and no new dependency. */
export interface TarEntry {
  name: string;
  data?: Buffer | string;
  type?: '0' | '5' | 'L' | 'x';
}

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);

/** Builds an archive; names over 100 bytes get a GNU long-name entry, like GNU tar writes. */
export function buildTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    if (Buffer.byteLength(e.name) > 100 && e.type !== 'x') {
      const long = Buffer.from(`${e.name}\0`);
      parts.push(header('././@LongLink', long.length, 'L'), long, pad(long.length));
    }
    parts.push(header(e.name, data.length, e.type ?? '0'), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A pax extended header carrying `path`, followed by the file it names. */
export function paxEntries(path: string, data: string): TarEntry[] {
  let record = ` path=${path}\n`;
  let len = record.length;
  for (;;) {
    const full = `${len}${record}`;
    if (Buffer.byteLength(full) === len) {
      record = full;
      break;
    }
    len = Buffer.byteLength(full);
  }
  return [
    { name: 'PaxHeaders/x', type: 'x', data: record },
    { name: 'short-name', data },
  ];
}
